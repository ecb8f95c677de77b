"""Cases: start them, read them, list them, retry them, send them messages (runtime service)."""
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from app.engine import MessageNotExpected, correlation_key
from app.extensions import db
from app.models import AuditEvent, Case, HumanTask, MessageSubscription, User
from app.services import audit
from app.services.errors import Conflict, Invalid, NotFound
from app.services.identity.access import get_case, get_company, require_role, visible_company_id
from app.services.repository.deployments import latest_version
from app.services.runtime import unit_of_work as instances


def start_case(actor: User, *, company_id: int, process_id: str | None = None,
               data: dict[str, Any] | None = None) -> Case:
    """Start a case for a company on the newest version of a process (the lifecycle by default)."""
    require_role(actor, "case_worker", "applicant")
    company = get_company(actor, company_id)
    version = latest_version(process_id or current_app.config["SAFEPORT_DEFAULT_PROCESS"])
    case = Case(company_id=company.id, process_version_id=version.id, started_by_id=actor.id)
    db.session.add(case)
    db.session.flush()
    audit.record("case_started", case_id=case.id, actor=actor,
                 process_id=version.process_model.process_id, version=version.version)
    start_data = {"case_id": case.id, "company_id": company.id,
                  "entity_type": company.entity_type, **(data or {})}
    instance = instances.start(case, start_data)
    instances.save(case, instance, actor, new=True)
    instances.commit()
    return case


@dataclass
class CaseDetail:
    """A case with its open tasks; reads through to the case's own attributes."""

    case: Case
    open_tasks: list[HumanTask]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.case, name)


def case_detail(actor: User, case_id: int) -> CaseDetail:
    """A case the actor may see, with its open tasks."""
    case = get_case(actor, case_id)
    tasks = db.session.scalars(select(HumanTask).where(
        HumanTask.case_id == case.id, HumanTask.state == "ready").order_by(HumanTask.id)).all()
    return CaseDetail(case, list(tasks))


def list_cases(actor: User, *, status: str | None = None, company_id: int | None = None,
               page: int = 1, per_page: int = 50) -> tuple[list[Case], int]:
    """Cases the actor may see, newest first, with the total count."""
    require_role(actor, "case_worker", "specialist", "applicant")
    query = select(Case)
    only = visible_company_id(actor)
    if actor.role == "applicant":
        query = query.where(Case.company_id == only)
    if company_id is not None:
        query = query.where(Case.company_id == company_id)
    if status:
        query = query.where(Case.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.order_by(Case.id.desc())
                               .limit(per_page).offset((page - 1) * per_page)).all()
    return list(items), total


def case_events(actor: User, case_id: int) -> list[AuditEvent]:
    """The audit trail of a case, oldest first."""
    case = get_case(actor, case_id)
    return audit.case_events(case.id)


def retry_case(actor: User, case_id: int, data: dict[str, Any] | None = None) -> Case:
    """Run a case's failed step again (admins), optionally with corrected data."""
    require_role(actor, "admin")
    case = instances.lock_case(case_id)
    if case.status != "error":
        raise Conflict(f"case {case_id} is {case.status}, not in error")
    instance = instances.load(case)
    instance.retry(data)
    audit.record("retried", case_id=case.id, actor=actor, data=data or {})
    instances.save(case, instance, actor)
    instances.commit()
    return case


def send_message(actor: User, case_id: int, name: str, payload: Any) -> Case:
    """Deliver a message to one case that waits for it."""
    require_role(actor, "case_worker", "specialist")
    get_case(actor, case_id)
    case = instances.lock_case(case_id)
    _deliver(case, actor, name, payload)
    instances.commit()
    return case


def correlate_message(actor: User, name: str, correlation: dict[str, Any],
                      payload: Any) -> list[int]:
    """Deliver a message to every case waiting for it with this correlation; their ids."""
    require_role(actor, "case_worker", "specialist")
    key = correlation_key(correlation) if correlation else None
    case_ids = db.session.scalars(
        select(MessageSubscription.case_id).where(
            MessageSubscription.message_name == name,
            MessageSubscription.correlation_key.is_(None) if key is None
            else MessageSubscription.correlation_key == key,
        ).distinct().order_by(MessageSubscription.case_id)).all()
    if not case_ids:
        raise NotFound(f"no case waits for message '{name}' with that correlation")
    for case_id in case_ids:
        _deliver(instances.lock_case(case_id), actor, name, payload)
    instances.commit()
    return list(case_ids)


def _deliver(case: Case, actor: User, name: str, payload: Any) -> None:
    if case.status != "running":
        raise Conflict(f"case {case.id} is {case.status}")
    instance = instances.load(case)
    try:
        instance.deliver_message(name, payload)
    except MessageNotExpected as err:
        raise Invalid(str(err), {"name": [str(err)]}) from None
    audit.record("message_received", case_id=case.id, actor=actor, name=name, payload=payload)
    instances.save(case, instance, actor)

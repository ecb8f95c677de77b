"""Cases: the one way to start one, end one, hold one and retry one; reading them.

Every change runs in the case's unit of work (`unit_of_work`), whoever asks: the API, the web
pages, the designer's operations, or a script's effect inside another case's unit.
"""
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Case, Company, HumanTask, ProcessVersion, SupplierLink, User
from app.models.enums import AuditKind, CaseStatus, TaskState
from app.models.types import utcnow
from app.models.user import COMPANY_ROLES
from app.services import audit
from app.services.errors import Conflict, Forbidden, Invalid
from app.services.forms.validation import validate_submission
from app.services.identity import zones
from app.services.identity.access import case_scope, get_case, get_company, require_role
from app.services.repository.deployments import latest_version
from app.services.runtime.state import forms_of
from app.services.runtime.unit_of_work import case_work, keep_loaded, new_case_work


def start_case(actor: User | None, *, company_id: int, process_id: str | None = None,
               data: dict[str, Any] | None = None, continued_from: int | None = None) -> Case:
    """Start a case for a company on the newest version of a process (the lifecycle by default).

    A person may start only processes whose `startableBy` names their role, with start data
    that the process's start form accepts (none without a start form). `actor` None is the
    process itself (a script's `continue_as`), trusted with its data. The case, company and
    entity type variables are set here and override anything given.
    """
    version = latest_version(process_id or current_app.config["SAFEPORT_DEFAULT_PROCESS"])
    if actor is not None:
        company = get_company(actor, company_id)
        check_may_start(actor, version)
        data = start_data(version, data, zones.today(actor))
    else:
        company = db.session.get(Company, company_id)
    supplier = _supplier(company, (data or {}).get("supplier_id"))
    # every column and the version given: answering with the case needs no reload
    case = Case(company_id=company.id, process_version=version,
                supplier_id=supplier.id if supplier else None,
                started_by_id=actor.id if actor else None, completed_at=None)
    with new_case_work(case, actor) as work:
        keep_loaded(version, version.process_model)  # immutable; the answer names them
        extra = {"continued_from": continued_from} if continued_from else {}
        audit.record(AuditKind.CASE_STARTED, case_id=case.id, actor=actor,
                     process_id=version.process_model.process_id, version=version.version,
                     **extra)
        subject = ({"supplier_name": supplier.legal_name,
                    "supplier_entity_type": supplier.entity_type} if supplier else {})
        work.start({**(data or {}), "case_id": case.id, "company_id": company.id,
                    "entity_type": company.entity_type, **subject})
    return case


def _supplier(client: Company, supplier_id: Any) -> Company | None:
    """The audited supplier a case's start data names: one that serves the client (422
    otherwise, the same for a supplier that does not exist, so ids leak nothing)."""
    if supplier_id is None:
        return None
    link = None
    if isinstance(supplier_id, float) and supplier_id.is_integer():
        supplier_id = int(supplier_id)  # a form's number field
    if isinstance(supplier_id, int) and not isinstance(supplier_id, bool):
        link = db.session.scalar(select(SupplierLink).where(
            SupplierLink.client_id == client.id, SupplierLink.supplier_id == supplier_id))
    if link is None:
        raise Invalid("unknown supplier", {"supplier_id": [
            f"{client.legal_name} has no supplier {supplier_id}"]})
    return db.session.get(Company, supplier_id)


def check_may_start(actor: User, version: ProcessVersion) -> None:
    """Refuse (403) unless the process names the actor's role in `startableBy` (admins may)."""
    starters = version.startable_by.split(",")
    if actor.role != "admin" and actor.role not in starters:
        raise Forbidden(f"the {actor.role} role may not start "
                        f"'{version.process_model.process_id}' (it may be started by: "
                        f"{', '.join(starters)})")


def start_data(version: ProcessVersion, data: dict[str, Any] | None,
               today: date | None = None) -> dict[str, Any]:
    """Start data cleaned by the process's start form (422 per field; `today`: the starter's
    day); a process without a start form takes none."""
    if version.start_form is None:
        if data:
            raise Invalid("this process takes no start data",
                          {"data": ["the process has no start form: send no data"]})
        return {}
    form = forms_of(version.id)[version.start_form]
    clean, errors = validate_submission(form, data or {}, {}, today=today)
    if errors:
        raise Invalid("the start data has errors", errors)
    return clean


def terminate_case(actor: User | None, case_id: int, reason: str, *,
                   by_case: int | None = None) -> Case:
    """End a case for good: the instance is cancelled and its open tasks with it.

    `actor` None with `by_case` is another case's script ending this one (a withdrawal).
    """
    if actor is not None:
        require_role(actor, "case_worker")
        get_case(actor, case_id)
    with case_work(case_id, actor) as work:
        case = work.case
        if case.status in CaseStatus.ended():
            raise Conflict(f"case {case_id} is already {case.status}")
        work.instance.terminate()
        extra = {"by_case": by_case} if by_case else {}
        audit.record(AuditKind.CASE_TERMINATED, case_id=case.id, actor=actor, reason=reason,
                     **extra)
        case.status, case.completed_at = CaseStatus.TERMINATED, utcnow()
    return case


def suspend_case(actor: User, case_id: int, reason: str) -> Case:
    """Hold a running case: no task can be completed and no timer fires until resumed."""
    return _hold(actor, case_id, reason, suspend=True)


def resume_case(actor: User, case_id: int, reason: str = "") -> Case:
    """Let a suspended case run again (its overdue timers fire on the next scheduler pass);
    one suspended while in error stays in error."""
    return _hold(actor, case_id, reason, suspend=False)


def _hold(actor: User, case_id: int, reason: str, *, suspend: bool) -> Case:
    require_role(actor, "case_worker")
    get_case(actor, case_id)
    allowed = (CaseStatus.RUNNING, CaseStatus.ERROR) if suspend else (CaseStatus.SUSPENDED,)
    with case_work(case_id, actor) as work:
        case = work.case
        if case.status not in allowed:
            raise Conflict(f"case {case_id} is {case.status}")
        if suspend:
            case.status = CaseStatus.SUSPENDED
        else:
            case.status = CaseStatus.ERROR if case.error_message else CaseStatus.RUNNING
        case.updated_at = utcnow()
        audit.record(AuditKind.CASE_SUSPENDED if suspend else AuditKind.CASE_RESUMED,
                     case_id=case.id, actor=actor, reason=reason)
    return case


def retry_case(actor: User, case_id: int, data: dict[str, Any] | None = None) -> Case:
    """Run a case's failed step again (admins), optionally with corrected data."""
    require_role(actor, "admin")
    with case_work(case_id, actor) as work:
        if work.case.status != CaseStatus.ERROR:
            raise Conflict(f"case {case_id} is {work.case.status}, not in error")
        work.instance.retry(data)
        audit.record(AuditKind.RETRIED, case_id=case_id, actor=actor, data=data or {})
    return work.case


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
        HumanTask.case_id == case.id, HumanTask.state == TaskState.READY)
        .order_by(HumanTask.id)).all()
    return CaseDetail(case, list(tasks))


def list_cases(actor: User, *, status: str | None = None, company_id: int | None = None,
               page: int = 1, per_page: int = 50) -> tuple[list[Case], int]:
    """Cases the actor may see, newest first, with the total count."""
    require_role(actor, "case_worker", "specialist", "applicant", "supplier", "auditor",
                 "reviewer")
    query = select(Case).where(case_scope(actor))
    if company_id is not None:
        query = query.where(Case.company_id == company_id)
    if status:
        query = query.where(Case.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.order_by(Case.id.desc())
                               .limit(per_page).offset((page - 1) * per_page)).all()
    return list(items), total


@dataclass
class CaseEvent:
    """One line of a case's audit trail as a reader may see it."""

    id: int
    kind: str
    at: datetime
    actor: str | None
    task_id: int | None
    details: dict[str, Any]


def case_events(actor: User, case_id: int) -> list[CaseEvent]:
    """The audit trail of a case, oldest first. Applicants do not see the data staff
    submitted in their own tasks (their decisions reach applicants through the process)."""
    case = get_case(actor, case_id)
    audit.write_pending(db.session)
    rows = db.session.execute(
        select(AuditEvent, User.username, HumanTask.role)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .outerjoin(HumanTask, HumanTask.id == AuditEvent.task_id)
        .where(AuditEvent.case_id == case.id).order_by(AuditEvent.id)).all()
    redact = actor.role in COMPANY_ROLES
    return [CaseEvent(e.id, e.kind, e.at, name, e.task_id,
                      {k: v for k, v in e.details.items() if k != "data"}
                      if redact and role not in (None, actor.role) else e.details)
            for e, name, role in rows]


def open_case_ids(company_id: int, *, except_case: int | None = None) -> list[int]:
    """The company's cases that have not ended."""
    query = select(Case.id).where(Case.company_id == company_id,
                                  Case.status.in_(CaseStatus.open()))
    if except_case is not None:
        query = query.where(Case.id != except_case)
    return list(db.session.scalars(query.order_by(Case.id)))

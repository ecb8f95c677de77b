"""Helpers for the scheduler tests: deploy and start test diagrams, clone waiting cases fast."""
from sqlalchemy import func, insert, select

from app.extensions import db
from app.models import AuditEvent, Case, CaseState
from tests.helpers import deploy, start


def deploy_ok(api, *names: str) -> None:
    response = deploy(api, *names)
    assert response.status_code == 201, response.get_json()


def start_case(api, company_id: int, process_id: str, **data) -> dict:
    return start(api, company_id, process_id, data)


def clone_case(case_id: int, copies: int) -> list[int]:
    """Insert `copies` copies of a waiting case (row and engine state) in one transaction."""
    case = db.session.get(Case, case_id)
    state = db.session.get(CaseState, case_id)
    first = (db.session.scalar(select(func.max(Case.id))) or 0) + 1
    ids = list(range(first, first + copies))
    db.session.execute(insert(Case), [{
        "id": i, "company_id": case.company_id, "process_version_id": case.process_version_id,
        "status": case.status, "current_stage": case.current_stage,
        "next_timer_at": case.next_timer_at, "started_at": case.started_at,
        "updated_at": case.updated_at, "lock_version": 1} for i in ids])
    db.session.execute(insert(CaseState), [{
        "case_id": i, "serializer_version": state.serializer_version,
        "state_json": state.state_json} for i in ids])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":  # keep the id sequence ahead of the copies
        db.session.execute(select(func.setval("cases_id_seq", ids[-1])))
        db.session.commit()
    return ids


def fired_per_case() -> dict[int, int]:
    """case id -> number of timer_fired audit events."""
    return dict(db.session.execute(
        select(AuditEvent.case_id, func.count()).where(AuditEvent.kind == "timer_fired")
        .group_by(AuditEvent.case_id)).all())


def events(kind: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.kind == kind)
                                   .order_by(AuditEvent.id)))

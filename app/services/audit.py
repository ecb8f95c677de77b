"""The audit trail: append-only rows written in the same transaction as what they record."""
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, User


def record(kind: str, *, case_id: int | None = None, actor: User | None = None,
           task_id: int | None = None, **details: Any) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits)."""
    event = AuditEvent(kind=kind, case_id=case_id, task_id=task_id,
                       actor_id=actor.id if actor else None, details=details)
    db.session.add(event)
    return event


def case_events(case_id: int) -> list[AuditEvent]:
    """A case's audit trail, oldest first."""
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)
    ))

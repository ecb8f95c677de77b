"""Firing due BPMN timers (the management service the scheduler calls).

Each due case is claimed in its own short transaction with FOR UPDATE SKIP LOCKED on PostgreSQL,
so several scheduler processes share the work and never fire the same timer twice. On SQLite
(one scheduler process) the case's version column still refuses a concurrent double write.
"""
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.models import Case
from app.models.types import utcnow
from app.services import audit
from app.services.errors import Conflict
from app.services.runtime import unit_of_work as instances


def _claim_due_case(now: datetime, skip: set[int]) -> Case | None:
    query = select(Case).where(Case.status == "running", Case.next_timer_at <= now)
    if skip:
        query = query.where(Case.id.not_in(skip))
    return db.session.scalar(
        query.order_by(Case.next_timer_at).limit(1)
        .with_for_update(skip_locked=True).execution_options(populate_existing=True))


def fire_due_timers(now: datetime | None = None, limit: int = 1000) -> int:
    """Advance every running case whose next timer is due as of `now`; returns timers fired."""
    now = now or utcnow()
    fired_total, seen = 0, set()
    while len(seen) < limit:
        case = _claim_due_case(now, seen)
        if case is None:
            db.session.rollback()
            break
        seen.add(case.id)
        try:
            instance = instances.load(case)
            fired = instance.fire_due_timers()
        except SQLAlchemyError:
            raise  # the database, not the case: the scheduler retries the whole run
        except Exception as err:  # a case that cannot be loaded must not block the others
            db.session.rollback()
            try:
                _put_in_error(case.id, f"firing its timer failed: {type(err).__name__}: {err}")
            except Conflict:
                pass  # changed meanwhile: it will be looked at again
            continue
        for element in fired:
            audit.record("timer_fired", case_id=case.id, element=element)
        instances.save(case, instance, None)
        try:
            instances.commit()
        except Conflict:
            continue
        fired_total += len(fired)
    return fired_total


def _put_in_error(case_id: int, message: str) -> None:
    case = instances.lock_case(case_id)
    case.status, case.error_message = "error", message[:2000]
    audit.record("error", case_id=case_id, message=message)
    instances.commit()


def next_due_at() -> datetime | None:
    """The earliest instant any running case waits for: when the scheduler should wake."""
    return db.session.scalar(
        select(Case.next_timer_at).where(Case.status == "running",
                                         Case.next_timer_at.is_not(None))
        .order_by(Case.next_timer_at).limit(1))

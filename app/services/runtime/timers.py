"""Firing due BPMN timers (the management service the scheduler calls).

Each due case is claimed in its own unit of work with FOR UPDATE SKIP LOCKED on PostgreSQL, so
several scheduler processes share the work and never fire the same timer twice. On SQLite (one
scheduler process) the case's version column still refuses a concurrent double write. A case
whose timer cannot be fired goes into error; it never stops the others.
"""
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.models import Case
from app.models.enums import AuditKind, CaseStatus
from app.models.types import utcnow
from app.services import audit
from app.services.errors import Conflict
from app.services.runtime.unit_of_work import case_work, locked_case_work, transaction


def _claim_due_case(now: datetime, skip: set[int]) -> Case | None:
    query = select(Case).where(Case.status == CaseStatus.RUNNING, Case.next_timer_at <= now)
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
        claimed = None
        try:
            with transaction():
                case = _claim_due_case(now, seen)
                if case is None:
                    break
                claimed = case.id
                seen.add(claimed)
                with locked_case_work(case, None) as work:
                    fired = work.instance.fire_due_timers()
                    for element in fired:
                        audit.record(AuditKind.TIMER_FIRED, case_id=claimed, element=element)
            fired_total += len(fired)
        except Conflict:
            continue  # changed meanwhile: it will be looked at again
        except SQLAlchemyError:
            raise  # the database, not the case: the scheduler retries the whole run
        except Exception as err:  # a case that cannot be loaded must not block the others
            if claimed is None:
                raise
            _put_in_error(claimed, f"firing its timer failed: {type(err).__name__}: {err}")
    return fired_total


def _put_in_error(case_id: int, message: str) -> None:
    try:
        with case_work(case_id, None) as work:
            work.case.status, work.case.error_message = CaseStatus.ERROR, message[:2000]
            audit.record(AuditKind.ERROR, case_id=case_id, message=message)
    except Conflict:
        pass  # changed meanwhile: it will be looked at again


def next_due_at() -> datetime | None:
    """The earliest instant any running case waits for: when the scheduler should wake."""
    return db.session.scalar(
        select(Case.next_timer_at).where(Case.status == CaseStatus.RUNNING,
                                         Case.next_timer_at.is_not(None))
        .order_by(Case.next_timer_at).limit(1))

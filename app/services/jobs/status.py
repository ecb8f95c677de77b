"""What the scheduler has done and will do: due timers, recent firings, email problems and
each scheduler process's heartbeat. Read by `flask scheduler status`, the admin page and the
API; it needs no running scheduler."""
from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Case, OutboxEmail, SchedulerHeartbeat
from app.models.enums import CaseStatus, EmailStatus
from app.models.types import utcnow
from app.services.identity.access import require_role
from app.services.jobs import action_deadlines, mail, reminders


def status(now: datetime | None = None, recent: int = 10) -> dict:
    """What is due next, what fired, what failed: for `flask scheduler status` and admins."""
    now = now or utcnow()
    next_timer = db.session.execute(
        select(Case.id, Case.next_timer_at).where(Case.status == CaseStatus.RUNNING,
                                                  Case.next_timer_at.is_not(None))
        .order_by(Case.next_timer_at).limit(1)).first()
    overdue_timers = db.session.scalar(select(func.count()).select_from(Case).where(
        Case.status == CaseStatus.RUNNING, Case.next_timer_at <= now))
    waiting_timers = db.session.scalar(select(func.count()).select_from(Case).where(
        Case.status == CaseStatus.RUNNING, Case.next_timer_at.is_not(None)))
    fired = db.session.execute(
        select(AuditEvent.case_id, AuditEvent.at, AuditEvent.kind, AuditEvent.details)
        .where(AuditEvent.kind.in_(("timer_fired", "reminder_sent", "deadline_escalated",
                                    "corrective_action_overdue", "error")))
        .order_by(AuditEvent.id.desc()).limit(recent)).all()
    failed_emails = db.session.execute(
        select(OutboxEmail.id, OutboxEmail.to_addr, OutboxEmail.subject, OutboxEmail.status,
               OutboxEmail.attempts, OutboxEmail.last_error)
        .where(OutboxEmail.last_error.is_not(None), OutboxEmail.status != EmailStatus.SENT)
        .order_by(OutboxEmail.id.desc()).limit(recent)).all()
    beats = db.session.scalars(select(SchedulerHeartbeat)
                               .order_by(SchedulerHeartbeat.last_run_at.desc())).all()
    return {
        "now": now,
        "timers": {"waiting": waiting_timers, "overdue": overdue_timers,
                   "next": {"case_id": next_timer[0], "at": next_timer[1]} if next_timer
                   else None},
        "reminders": {"next_at": _earliest(reminders.next_due_at(now),
                                           action_deadlines.next_due_at(now)),
                      "due_now": reminders.backlog(now) + action_deadlines.backlog(now)},
        "outbox": {**{"pending": 0, "sent": 0, "failed": 0}, **mail.counts(),
                   "next_attempt_at": mail.next_attempt_at()},
        "recent": [{"case_id": r[0], "at": r[1], "kind": r[2], "details": r[3]} for r in fired],
        "email_problems": [{"id": r[0], "to": r[1], "subject": r[2], "status": r[3],
                            "attempts": r[4], "error": r[5]} for r in failed_emails],
        "schedulers": [{"name": b.id, "started_at": b.started_at, "last_run_at": b.last_run_at,
                        "next_wake_at": b.next_wake_at, "totals": b.totals,
                        "last_error": b.last_error} for b in beats],
    }


def _earliest(*instants: datetime | None) -> datetime | None:
    known = [i for i in instants if i is not None]
    return min(known) if known else None


def status_for(actor) -> dict:
    """`status()` for the admin page and API (admins only)."""
    require_role(actor, "admin")
    return _jsonable(status())


def _jsonable(value):
    """Datetimes as ISO-8601 text, all the way down (for JSON)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value

"""Deadline reminders and escalation for human tasks (a job the scheduler runs).

A ready task with a `due_at` gets one reminder per lead time in SAFEPORT_REMINDER_LEAD_TIMES, at
`due_at - lead`, sent to whoever is responsible for it (its assignee, else its role's queue), and
one escalation once `due_at` has passed, sent to every case worker and admin and recorded as a
`deadline_escalated` audit event. Each is recorded in `reminders_sent` under a unique
(task, lead) key inside the transaction that queues its notifications and emails, so two
schedulers never send the same one twice. When several lead times have passed at once (after
downtime, or for a task created late) only the shortest is sent; the longer ones are recorded as
skipped, so nobody gets three reminders in one minute.
"""
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import isodate
from flask import current_app
from sqlalchemy import and_, exists, func, select

from app.extensions import db
from app.models import HumanTask, ReminderSent
from app.models.enums import AuditKind, TaskState
from app.models.types import utcnow
from app.services import audit
from app.services.errors import Conflict
from app.services.jobs import notifications
from app.services.runtime.unit_of_work import transaction

OVERDUE = "overdue"


@dataclass(frozen=True)
class Lead:
    """One reminder lead time: its ISO text (the key in reminders_sent) and its length."""

    label: str
    delta: timedelta


@dataclass
class ReminderReport:
    """What one run did."""

    reminders: int = 0
    escalations: int = 0
    more: bool = False  # a query hit the limit: run again soon


def lead_times() -> list[Lead]:
    """SAFEPORT_REMINDER_LEAD_TIMES parsed, shortest first (empty setting: no reminders)."""
    text = current_app.config["PERIODS"].get("SAFEPORT_REMINDER_LEAD_TIMES") or ""
    leads = []
    for label in (part.strip() for part in text.split(",")):
        if not label:
            continue
        duration = isodate.parse_duration(label)
        if isinstance(duration, isodate.Duration):  # months or years: measured from today
            duration = duration.totimedelta(start=datetime.now(UTC))
        leads.append(Lead(label, duration))
    return sorted(set(leads), key=lambda lead: lead.delta)


def _not_recorded(label: str):
    return ~exists().where(and_(ReminderSent.task_id == HumanTask.id, ReminderSent.lead == label))


def _due_reminders(now: datetime, lead: Lead, limit: int) -> list[int]:
    return list(db.session.scalars(
        select(HumanTask.id).where(HumanTask.state == TaskState.READY, HumanTask.due_at > now,
                                   HumanTask.due_at <= now + lead.delta, _not_recorded(lead.label))
        .order_by(HumanTask.due_at).limit(limit)))


def _due_escalations(now: datetime, limit: int) -> list[int]:
    return list(db.session.scalars(
        select(HumanTask.id).where(HumanTask.state == TaskState.READY, HumanTask.due_at <= now,
                                   _not_recorded(OVERDUE))
        .order_by(HumanTask.due_at).limit(limit)))


def run_due(now: datetime | None = None, limit: int = 500) -> ReminderReport:
    """Send every reminder and escalation due as of `now`, one task per transaction."""
    now = now or utcnow()
    report, leads = ReminderReport(), lead_times()
    due = _due_escalations(now, limit)
    report.more = len(due) == limit
    for task_id in due:
        report.escalations += _handle(task_id, now, OVERDUE, [], leads)
    for lead in leads:
        due = _due_reminders(now, lead, limit)
        report.more = report.more or len(due) == limit
        for task_id in due:
            passed = [other for other in leads if other.delta > lead.delta]
            report.reminders += _handle(task_id, now, lead.label, passed, leads)
    return report


def _handle(task_id: int, now: datetime, label: str, longer: list[Lead],
            leads: list[Lead]) -> int:
    """Record and send one reminder (or the escalation) for a task; 0 if someone beat us."""
    try:
        with transaction():
            return _record_and_send(task_id, now, label, longer, leads)
    except Conflict:  # the unique key: a concurrent scheduler already sent it
        return 0


def _record_and_send(task_id: int, now: datetime, label: str, longer: list[Lead],
                     leads: list[Lead]) -> int:
    task = db.session.scalar(select(HumanTask).where(HumanTask.id == task_id)
                             .execution_options(populate_existing=True))
    if task is None or task.state != TaskState.READY or task.due_at is None:
        return 0
    if label == OVERDUE:
        if task.due_at > now:
            return 0
        skipped = [lead.label for lead in leads]  # reminders never sent once it is late
    else:
        skipped = [lead.label for lead in longer if task.due_at - lead.delta <= now]
    recorded = set(db.session.scalars(select(ReminderSent.lead).where(
        ReminderSent.task_id == task.id)))
    if label in recorded:
        return 0
    db.session.add(ReminderSent(task_id=task.id, lead=label, skipped=False, sent_at=now))
    for other in skipped:
        if other not in recorded:
            db.session.add(ReminderSent(task_id=task.id, lead=other, skipped=True, sent_at=now))
    db.session.flush()  # a duplicate key here means a concurrent scheduler sent it
    if label == OVERDUE:
        _escalate(task, now)
    else:
        _remind(task, label)
    return 1


def _remind(task: HumanTask, label: str) -> None:
    people = notifications.task_audience(task)
    for person in people:
        notifications.notify_by_template(
            person, "deadline_reminder", "deadline_reminder", case_id=task.case_id,
            task_id=task.id, task=task, queue=notifications.queue_name(task.role))
    audit.record(AuditKind.REMINDER_SENT, case_id=task.case_id, task_id=task.id, lead=label,
                 recipients=[p.username for p in people])


def _escalate(task: HumanTask, now: datetime) -> None:
    people = {p.id: p for p in notifications.supervisors()}
    for person in notifications.task_audience(task):
        people.setdefault(person.id, person)
    amount, unit = _late(now - task.due_at)
    for person in people.values():
        notifications.notify_by_template(
            person, "deadline_escalated", "deadline_escalated", case_id=task.case_id,
            task_id=task.id, task=task, queue=notifications.queue_name(task.role),
            late_amount=amount, late_unit=unit)
    audit.record(AuditKind.DEADLINE_ESCALATED, case_id=task.case_id, task_id=task.id,
                 title=task.title, due_at=task.due_at.isoformat(),
                 recipients=[p.username for p in people.values()])


def _late(delta: timedelta) -> tuple[int, str]:
    """How late, in its largest whole unit: (3, "day")."""
    seconds = int(delta.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            return seconds // size, unit
    return seconds, "second"


def next_due_at(now: datetime | None = None) -> datetime | None:
    """The next instant a reminder or escalation becomes due (after `now`), or None."""
    now = now or utcnow()
    instants = []
    for lead in [*lead_times(), Lead(OVERDUE, timedelta(0))]:
        due = db.session.scalar(select(func.min(HumanTask.due_at)).where(
            HumanTask.state == TaskState.READY, HumanTask.due_at > now + lead.delta))
        if due is not None:
            instants.append(due - lead.delta)
    return min(instants) if instants else None


def backlog(now: datetime | None = None) -> int:
    """How many reminders and escalations are due now and not yet sent (for status)."""
    now = now or utcnow()
    total = len(_due_escalations(now, 10_000))
    for lead in lead_times():
        total += len(_due_reminders(now, lead, 10_000))
    return total

"""Corrective-action deadlines (a job the scheduler runs beside the task reminders).

An accepted corrective action with a due date is due at the end of that day (midnight UTC after
it), so it is overdue from the next day on, as the client's portfolio counts it. The supplier's
contacts get one reminder per lead time in SAFEPORT_REMINDER_LEAD_TIMES, at `due - lead`; once
the day has passed, the client's applicants and the case's auditor (whoever completed its
`audit_checklist` task) get one escalation, recorded as a `corrective_action_overdue` audit
event. The emails are `mail/corrective_action_reminder.txt` and
`mail/corrective_action_overdue.txt`, in each recipient's language (`jobs.letters`). Proposed
and closed actions, and actions of ended cases, get nothing.

Each is recorded in `action_reminders_sent` under a unique (action, due date, lead) key inside
the transaction that queues its notifications and emails, so two schedulers never send the same
one twice, and an action whose due date moves is reminded again for the new date. As for tasks,
when several lead times have passed at once only the shortest is sent.
"""
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import exists, func, select

from app.extensions import db
from app.models import ActionReminderSent, Case, CorrectiveAction, HumanTask, User
from app.models.enums import AuditKind, CaseStatus, TaskState
from app.models.types import utcnow
from app.services import audit
from app.services.errors import Conflict
from app.services.jobs import letters, notifications
from app.services.jobs.reminders import OVERDUE, Lead, ReminderReport, lead_times
from app.services.runtime.unit_of_work import transaction

ACCEPTED = "accepted"
#: the task whose performer is the audit's auditor
AUDIT_TASK = "audit_checklist"
_ONE_DAY = timedelta(days=1)


def due_instant(due_date: date) -> datetime:
    """When an action due on `due_date` becomes overdue: the midnight (UTC) after that day."""
    return datetime.combine(due_date + _ONE_DAY, time(0), UTC)


def _last_due_date_by(instant: datetime) -> date:
    """The latest due date whose due instant is at or before `instant`."""
    return instant.date() - _ONE_DAY


def _waiting():
    """Accepted actions with a due date, of cases that have not ended."""
    return (select(CorrectiveAction.id).join(Case, Case.id == CorrectiveAction.case_id)
            .where(CorrectiveAction.state == ACCEPTED, CorrectiveAction.due_date.is_not(None),
                   Case.status.not_in(CaseStatus.ended())))


def _not_recorded(label: str):
    return ~exists().where(ActionReminderSent.action_id == CorrectiveAction.id,
                           ActionReminderSent.due_date == CorrectiveAction.due_date,
                           ActionReminderSent.lead == label)


def _due_reminders(now: datetime, lead: Lead, limit: int) -> list[int]:
    return list(db.session.scalars(
        _waiting().where(CorrectiveAction.due_date >= now.date(),
                         CorrectiveAction.due_date <= _last_due_date_by(now + lead.delta),
                         _not_recorded(lead.label))
        .order_by(CorrectiveAction.due_date, CorrectiveAction.id).limit(limit)))


def _due_escalations(now: datetime, limit: int) -> list[int]:
    return list(db.session.scalars(
        _waiting().where(CorrectiveAction.due_date <= _last_due_date_by(now),
                         _not_recorded(OVERDUE))
        .order_by(CorrectiveAction.due_date, CorrectiveAction.id).limit(limit)))


def run_due(now: datetime | None = None, limit: int = 500) -> ReminderReport:
    """Send every corrective-action reminder and escalation due as of `now`, one action per
    transaction."""
    now = now or utcnow()
    report, leads = ReminderReport(), lead_times()
    due = _due_escalations(now, limit)
    report.more = len(due) == limit
    for action_id in due:
        report.escalations += _handle(action_id, now, OVERDUE, leads)
    for lead in leads:
        due = _due_reminders(now, lead, limit)
        report.more = report.more or len(due) == limit
        for action_id in due:
            report.reminders += _handle(action_id, now, lead.label, leads)
    return report


def _handle(action_id: int, now: datetime, label: str, leads: list[Lead]) -> int:
    """Record and send one reminder (or the escalation) for an action; 0 if someone beat us."""
    try:
        with transaction():
            return _record_and_send(action_id, now, label, leads)
    except Conflict:  # the unique key: a concurrent scheduler already sent it
        return 0


def _record_and_send(action_id: int, now: datetime, label: str, leads: list[Lead]) -> int:
    row = db.session.execute(
        select(CorrectiveAction, Case).join(Case, Case.id == CorrectiveAction.case_id)
        .where(CorrectiveAction.id == action_id)
        .execution_options(populate_existing=True)).first()
    if row is None:
        return 0
    action, case = row
    if action.state != ACCEPTED or action.due_date is None or case.status in CaseStatus.ended():
        return 0
    due = due_instant(action.due_date)
    if label == OVERDUE:
        if due > now:
            return 0
        skipped = [lead.label for lead in leads]  # reminders never sent once it is late
    else:
        this = next(lead for lead in leads if lead.label == label)
        if not now < due <= now + this.delta:
            return 0
        skipped = [lead.label for lead in leads
                   if lead.delta > this.delta and due - lead.delta <= now]
    recorded = set(db.session.scalars(select(ActionReminderSent.lead).where(
        ActionReminderSent.action_id == action.id,
        ActionReminderSent.due_date == action.due_date)))
    if label in recorded:
        return 0
    for other, was_skipped in ((label, False), *((s, True) for s in skipped)):
        if other not in recorded:
            db.session.add(ActionReminderSent(action_id=action.id, due_date=action.due_date,
                                              lead=other, skipped=was_skipped, sent_at=now))
    db.session.flush()  # a duplicate key here means a concurrent scheduler sent it
    if label == OVERDUE:
        _escalate(action, case)
    else:
        _remind(action, case, label)
    return 1


def _send(people: list[User], kind: str, template: str, action: CorrectiveAction,
          case: Case) -> None:
    for person in people:
        subject, body = letters.render(template, person, case=case, client=case.company,
                                       supplier=case.supplier, action=action)
        notifications.notify(person, kind, subject, case_id=case.id, email_body=body)


def company_users(role: str, company_id: int | None) -> list[User]:
    """The active users of a role bound to a company (none for no company)."""
    if company_id is None:
        return []
    return list(db.session.scalars(select(User).where(
        User.active.is_(True), User.role == role, User.company_id == company_id)
        .order_by(User.id)))


def auditor_of(case_id: int) -> User | None:
    """Who performed the case's on-site checklist (its latest completed `audit_checklist`)."""
    task = db.session.scalar(select(HumanTask).where(
        HumanTask.case_id == case_id, HumanTask.bpmn_id == AUDIT_TASK,
        HumanTask.state == TaskState.COMPLETED)
        .order_by(HumanTask.completed_at.desc(), HumanTask.id.desc()).limit(1))
    user_id = (task.completed_by_id or task.assignee_id) if task is not None else None
    user = db.session.get(User, user_id) if user_id is not None else None
    return user if user is not None and user.active else None


def _remind(action: CorrectiveAction, case: Case, label: str) -> None:
    people = company_users("supplier", case.supplier_id)
    _send(people, "corrective_action_reminder", "corrective_action_reminder", action, case)
    audit.record(AuditKind.REMINDER_SENT, case_id=case.id, action_id=action.id,
                 finding_no=action.finding_no, lead=label,
                 recipients=[p.username for p in people])


def _escalate(action: CorrectiveAction, case: Case) -> None:
    people = {p.id: p for p in company_users("applicant", case.company_id)}
    auditor = auditor_of(case.id)
    if auditor is not None:
        people.setdefault(auditor.id, auditor)
    _send(list(people.values()), "corrective_action_overdue", "corrective_action_overdue",
          action, case)
    audit.record(AuditKind.CORRECTIVE_ACTION_OVERDUE, case_id=case.id, action_id=action.id,
                 finding_no=action.finding_no, criterion_id=action.criterion_id,
                 due_date=action.due_date.isoformat(),
                 recipients=[p.username for p in people.values()])


def next_due_at(now: datetime | None = None) -> datetime | None:
    """The next instant an action's reminder or escalation becomes due (after `now`), or None."""
    now = now or utcnow()
    instants = []
    for lead in [*lead_times(), Lead(OVERDUE, timedelta(0))]:
        first = db.session.scalar(
            select(func.min(CorrectiveAction.due_date))
            .join(Case, Case.id == CorrectiveAction.case_id)
            .where(CorrectiveAction.state == ACCEPTED, Case.status.not_in(CaseStatus.ended()),
                   CorrectiveAction.due_date >= (now + lead.delta).date()))
        if first is not None:
            instants.append(due_instant(first) - lead.delta)
    return min(instants) if instants else None


def backlog(now: datetime | None = None) -> int:
    """How many action reminders and escalations are due now and not yet sent (for status)."""
    now = now or utcnow()
    return len(_due_escalations(now, 10_000)) + sum(
        len(_due_reminders(now, lead, 10_000)) for lead in lead_times())

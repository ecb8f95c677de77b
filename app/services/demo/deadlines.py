"""The reminders and escalations the demo's simulated past already had.

The history is backdated: tasks waited weeks, some are past their due date, one corrective
action is late. A scheduler running through those months would have reminded and escalated
each at its time; the first real scheduler pass after `seed-demo` would instead send them all
at once (10 escalations on a fresh demo, to every case worker and admin). So the seed records
them as they would have happened, with the scheduler's own proof rows (`reminders_sent`,
`action_reminders_sent`: the unique keys the jobs check, so none is ever sent again) and an
audit event at the simulated instant (marked `seeded`: no email or notification went out).
What falls due after the seed (reminders ahead, tasks going late) the scheduler sends as usual.

The rules are the jobs' (`jobs.reminders`, `jobs.action_deadlines`): one reminder per lead time
at `due - lead`, one escalation at `due`; lead times that had passed when a task was created
are skipped but the shortest, which went out at creation; a task created late was escalated at
once, its reminders skipped.
"""
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import (
    ActionReminderSent,
    AuditEvent,
    Case,
    CorrectiveAction,
    HumanTask,
    ReminderSent,
)
from app.models.enums import AuditKind, CaseStatus, TaskState
from app.models.types import utcnow
from app.services.jobs import notifications
from app.services.jobs.action_deadlines import (
    ACCEPTED,
    auditor_of,
    company_users,
    due_instant,
)
from app.services.jobs.reminders import OVERDUE, Lead, lead_times
from app.services.runtime.unit_of_work import transaction


def record_past_deadlines(after_case_id: int) -> tuple[int, int]:
    """Record the reminders and escalations due before now of the open tasks and corrective
    actions of cases newer than `after_case_id` (the seed's); returns (reminders,
    escalations) recorded."""
    now, leads = utcnow(), lead_times()
    reminded = escalated = 0
    with transaction():
        for task in db.session.scalars(select(HumanTask).where(
                HumanTask.case_id > after_case_id, HumanTask.state == TaskState.READY,
                HumanTask.due_at.is_not(None))):
            for label, at, skipped in _task_plan(task.created_at, task.due_at, now, leads):
                db.session.add(ReminderSent(task_id=task.id, lead=label, skipped=skipped,
                                            sent_at=at))
                if not skipped:
                    _task_event(task, label, at)
                    reminded, escalated = (reminded + (label != OVERDUE),
                                           escalated + (label == OVERDUE))
        actions = db.session.execute(
            select(CorrectiveAction, Case).join(Case, Case.id == CorrectiveAction.case_id)
            .where(Case.id > after_case_id, CorrectiveAction.state == ACCEPTED,
                   CorrectiveAction.due_date.is_not(None),
                   Case.status.not_in(CaseStatus.ended()))).all()
        for action, case in actions:
            due = due_instant(action.due_date)
            for label, at in [(lead.label, due - lead.delta) for lead in leads] + [(OVERDUE, due)]:
                if at > now:
                    continue
                db.session.add(ActionReminderSent(action_id=action.id, due_date=action.due_date,
                                                  lead=label, skipped=False, sent_at=at))
                _action_event(action, case, label, at)
                reminded, escalated = (reminded + (label != OVERDUE),
                                       escalated + (label == OVERDUE))
    return reminded, escalated


def _task_plan(created: datetime, due: datetime, now: datetime,
               leads: list[Lead]) -> list[tuple[str, datetime, bool]]:
    """(lead or "overdue", when, skipped) for what the reminder job would have done by now."""
    if due <= created:  # created late: escalated at once, no reminders
        return [(OVERDUE, created, False)] + [(lead.label, created, True) for lead in leads] \
            if created <= now else []
    plan = []
    at_creation = [lead for lead in leads if due - lead.delta <= created]  # shortest first
    for index, lead in enumerate(at_creation):
        plan.append((lead.label, created, index > 0))
    for lead in leads:
        if lead not in at_creation and due - lead.delta <= now:
            plan.append((lead.label, due - lead.delta, False))
    if due <= now:
        plan.append((OVERDUE, due, False))
    return [(label, at, skipped) for label, at, skipped in plan if at <= now]


def _task_event(task: HumanTask, label: str, at: datetime) -> None:
    people = notifications.task_audience(task)
    if label == OVERDUE:
        everyone = {p.id: p for p in notifications.supervisors()}
        for person in people:
            everyone.setdefault(person.id, person)
        db.session.add(AuditEvent(
            kind=AuditKind.DEADLINE_ESCALATED.value, case_id=task.case_id, task_id=task.id,
            at=at, details={"title": task.title, "due_at": task.due_at.isoformat(),
                            "recipients": [p.username for p in everyone.values()],
                            "seeded": True}))
    else:
        db.session.add(AuditEvent(
            kind=AuditKind.REMINDER_SENT.value, case_id=task.case_id, task_id=task.id, at=at,
            details={"lead": label, "recipients": [p.username for p in people],
                     "seeded": True}))


def _action_event(action: CorrectiveAction, case: Case, label: str, at: datetime) -> None:
    if label == OVERDUE:
        people = company_users("applicant", case.company_id)
        auditor = auditor_of(case.id)
        if auditor is not None and auditor not in people:
            people.append(auditor)
        kind = AuditKind.CORRECTIVE_ACTION_OVERDUE
    else:
        people, kind = company_users("supplier", case.supplier_id), AuditKind.REMINDER_SENT
    details = {"action_id": action.id, "finding_no": action.finding_no,
               "criterion_id": action.criterion_id,
               "recipients": [p.username for p in people], "seeded": True}
    if label != OVERDUE:
        details["lead"] = label
    else:
        details["due_date"] = action.due_date.isoformat()
    db.session.add(AuditEvent(kind=kind.value, case_id=case.id, at=at, details=details))

"""Deadline reminders at the configured lead times, escalation, assignment email, notifications."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import HumanTask, Notification, ReminderSent, User
from app.services.errors import NotFound
from app.services.jobs import mail, notifications, reminders
from tests.scheduler.sched_helpers import deploy_ok, events, start_case


def _task(case: dict) -> HumanTask:
    return db.session.get(HumanTask, case["open_tasks"][0]["id"])


def _notified(kind: str) -> dict[str, int]:
    rows = db.session.execute(select(User.username, Notification.id).join(User).where(
        Notification.kind == kind)).all()
    counts: dict[str, int] = {}
    for username, _ in rows:
        counts[username] = counts.get(username, 0) + 1
    return counts


def _deliver(now) -> None:
    assert mail.send_due(now=now).retried == 0


@pytest.fixture
def due_case(staff, company, lead_times):
    """A case whose one task (case-worker queue) is due in 60 s; leads 40 s and 20 s."""
    lead_times("PT40S, PT20S")
    deploy_ok(staff["designer"], "sched_due_task.bpmn")
    case = start_case(staff["cw"], company, "sched_due_task", due="PT60S")
    return case


def test_reminders_at_each_lead_time_then_one_escalation(due_case, smtp):
    smtp.start()
    task = _task(due_case)
    due = task.due_at
    assert [lead.label for lead in reminders.lead_times()] == ["PT20S", "PT40S"]
    assert reminders.next_due_at(due - timedelta(seconds=59)) == due - timedelta(seconds=40)

    early = reminders.run_due(now=due - timedelta(seconds=41))
    assert (early.reminders, early.escalations) == (0, 0)

    at_40 = due - timedelta(seconds=39)
    assert reminders.run_due(now=at_40).reminders == 1
    assert reminders.run_due(now=at_40).reminders == 0  # once only
    assert _notified("deadline_reminder") == {"cw": 1, "cw2": 1}
    assert reminders.next_due_at(at_40) == due - timedelta(seconds=20)
    _deliver(at_40)
    assert sorted(m["to"][0] for m in smtp.mailbox.messages) == [
        "cw2@example.test", "cw@example.test"]
    assert "Annual profile review" in smtp.mailbox.messages[0]["subject"]

    at_20 = due - timedelta(seconds=19)
    assert reminders.run_due(now=at_20).reminders == 1
    assert _notified("deadline_reminder") == {"cw": 2, "cw2": 2}
    assert reminders.next_due_at(at_20) == due

    late = due + timedelta(seconds=1)
    report = reminders.run_due(now=late)
    assert (report.reminders, report.escalations) == (0, 1)
    assert reminders.run_due(now=late + timedelta(hours=1)).escalations == 0
    assert _notified("deadline_escalated") == {"admin": 1, "cw": 1, "cw2": 1}
    escalated = events("deadline_escalated")
    assert len(escalated) == 1 and escalated[0].task_id == task.id
    assert escalated[0].case_id == due_case["id"]
    assert sorted(escalated[0].details["recipients"]) == ["admin", "cw", "cw2"]
    assert [e.details["lead"] for e in events("reminder_sent")] == ["PT40S", "PT20S"]
    assert reminders.next_due_at(late) is None

    _deliver(late)
    assert len(smtp.mailbox.to("admin@example.test")) == 1
    assert len(smtp.mailbox.to("cw@example.test")) == 3
    assert len(smtp.mailbox.to("spec@example.test")) == 0
    assert len(smtp.mailbox.messages) == 7


def test_after_downtime_only_the_nearest_reminder_is_sent(due_case):
    due = _task(due_case).due_at
    report = reminders.run_due(now=due - timedelta(seconds=5))  # both lead times passed
    assert report.reminders == 1
    rows = {r.lead: r.skipped for r in db.session.scalars(select(ReminderSent))}
    assert rows == {"PT20S": False, "PT40S": True}
    assert _notified("deadline_reminder") == {"cw": 1, "cw2": 1}
    assert reminders.run_due(now=due - timedelta(seconds=1)).reminders == 0


def test_completed_task_gets_no_reminder_and_no_escalation(due_case, staff):
    task = _task(due_case)
    done = staff["cw"].post(f"/api/v1/tasks/{task.id}/complete", json={"data": {}})
    assert done.status_code == 200, done.get_json()
    report = reminders.run_due(now=task.due_at + timedelta(days=1))
    assert (report.reminders, report.escalations) == (0, 0)
    assert events("deadline_escalated") == []


def test_assignment_emails_the_assignee_and_reminders_go_to_them_only(due_case, staff, smtp):
    smtp.start()
    task = _task(due_case)
    response = staff["cw"].post(f"/api/v1/tasks/{task.id}/assign", json={"username": "cw2"})
    assert response.status_code == 200, response.get_json()
    assert _notified("task_assigned") == {"cw2": 1}
    _deliver(None)
    assert [m["to"] for m in smtp.mailbox.messages] == [["cw2@example.test"]]
    assert "assigned to you" in smtp.mailbox.messages[0]["subject"]
    assert "by cw" in smtp.mailbox.messages[0]["body"]

    db.session.expire_all()
    reminders.run_due(now=task.due_at - timedelta(seconds=39))
    assert _notified("deadline_reminder") == {"cw2": 1}
    reminders.run_due(now=task.due_at + timedelta(seconds=1))  # escalation: boss and holder
    assert _notified("deadline_escalated") == {"admin": 1, "cw": 1, "cw2": 1}


def test_applicant_task_reminds_only_applicants_of_that_company(staff, company, lead_times,
                                                                make_user, smtp):
    from app.models import Company

    smtp.start()
    other = Company(legal_name="Other", entity_type="importer")
    db.session.add(other)
    db.session.commit()
    make_user("acme_applicant", "applicant", company_id=company)
    make_user("other_applicant", "applicant", company_id=other.id)
    lead_times("PT30S")
    deploy_ok(staff["designer"], "sched_applicant_task.bpmn")
    task = _task(start_case(staff["cw"], company, "sched_applicant_task", due="PT60S"))
    assert task.role == "applicant"
    assert reminders.run_due(now=task.due_at - timedelta(seconds=29)).reminders == 1
    assert _notified("deadline_reminder") == {"acme_applicant": 1}
    _deliver(None)
    assert [m["to"] for m in smtp.mailbox.messages] == [["acme_applicant@example.test"]]


def test_notifications_read_and_unread(due_case, staff):
    task = _task(due_case)
    reminders.run_due(now=task.due_at - timedelta(seconds=39))
    reminders.run_due(now=task.due_at + timedelta(seconds=1))
    cw = db.session.scalar(select(User).where(User.username == "cw"))
    cw2 = db.session.scalar(select(User).where(User.username == "cw2"))
    listed = notifications.list_for(cw)
    assert [n.kind for n in listed] == ["deadline_escalated", "deadline_reminder"]
    assert notifications.unread_count(cw) == 2
    assert notifications.mark_read(cw, listed[0].id) == 1
    assert notifications.unread_count(cw) == 1
    assert [n.kind for n in notifications.list_for(cw, unread_only=True)] == [
        "deadline_reminder"]
    with pytest.raises(NotFound):
        notifications.mark_read(cw2, listed[1].id)  # not theirs
    assert notifications.unread_count(cw) == 1
    assert notifications.mark_read(cw) == 1
    assert notifications.unread_count(cw) == 0 and notifications.unread_count(cw2) == 2
    notifications.mark_unread(cw, listed[0].id)
    assert notifications.unread_count(cw) == 1


def test_two_schedulers_send_each_reminder_once(app, staff, company, lead_times, is_postgres):
    if not is_postgres:
        pytest.skip("several schedulers at once need PostgreSQL (SQLite: one scheduler)")
    import threading

    lead_times("PT40S")
    deploy_ok(staff["designer"], "sched_due_task.bpmn")
    cases = [start_case(staff["cw"], company, "sched_due_task", due="PT60S") for _ in range(30)]
    now = max(_task(c).due_at for c in cases) - timedelta(seconds=30)  # all in the lead window
    db.session.remove()
    reports, errors = [], []

    def run():
        with app.app_context():
            try:
                reports.append(reminders.run_due(now=now))
            except Exception as err:  # surfaced below
                errors.append(err)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert sum(r.reminders for r in reports) == 30
    sent = events("reminder_sent")
    assert sorted(e.task_id for e in sent) == sorted(_task(c).id for c in cases)
    assert _notified("deadline_reminder") == {"cw": 30, "cw2": 30}


def test_a_backlog_beyond_the_batch_is_flagged_and_finished_next_run(staff, company,
                                                                     lead_times):
    lead_times("PT40S")
    deploy_ok(staff["designer"], "sched_due_task.bpmn")
    tasks = [_task(start_case(staff["cw"], company, "sched_due_task", due="PT60S"))
             for _ in range(3)]
    now = max(t.due_at for t in tasks) - timedelta(seconds=30)
    first = reminders.run_due(now=now, limit=2)
    assert (first.reminders, first.more) == (2, True)
    second = reminders.run_due(now=now, limit=2)
    assert (second.reminders, second.more) == (1, False)

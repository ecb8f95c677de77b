"""Corrective-action deadlines: the supplier's contacts are reminded at each lead time before the
due date, once; an overdue action escalates once to the client's applicants and the auditor;
closed and proposed actions and other clients' suppliers get nothing."""
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ActionReminderSent, CorrectiveAction, Notification, User
from app.models.types import utcnow
from app.services.jobs import action_deadlines, mail, scheduler
from tests.portfolio_world import build
from tests.scheduler.sched_helpers import events

TODAY = date(2026, 6, 15)
NOON = datetime.combine(TODAY, time(12), UTC)


@pytest.fixture
def world(make_user, lead_times):
    lead_times("P7D, P1D")
    built = build(make_user, TODAY)
    make_user("andes", "supplier", built.companies["andes"])  # Globex's supplier only
    return built


def _notified(kind: str | None = None) -> dict[str, int]:
    query = select(User.username).join(Notification, Notification.user_id == User.id)
    if kind:
        query = query.where(Notification.kind == kind)
    counts: dict[str, int] = {}
    for username in db.session.scalars(query):
        counts[username] = counts.get(username, 0) + 1
    return counts


def _due(world, name: str) -> datetime:
    """The instant an action of the world becomes overdue."""
    action = db.session.get(CorrectiveAction, world.actions[name])
    return action_deadlines.due_instant(action.due_date)


def test_due_instant_is_the_end_of_the_due_day_in_utc():
    assert action_deadlines.due_instant(date(2026, 6, 15)) == datetime(2026, 6, 16, tzinfo=UTC)


def _only_accepted(world, name: str) -> None:
    """Close every other accepted action of the world."""
    for other in ("norte_1", "acme_maquila_1", "globex_maquila_1"):
        if other != name:
            db.session.get(CorrectiveAction, world.actions[other]).state = "closed"
    db.session.commit()


def test_reminder_at_due_less_each_lead_sent_once_even_when_run_twice(world, smtp):
    smtp.start()
    _only_accepted(world, "acme_maquila_1")
    due = _due(world, "acme_maquila_1")  # accepted, due in 3 days
    before = action_deadlines.run_due(now=due - timedelta(days=7, seconds=1))
    assert before.reminders == 0
    at_7 = due - timedelta(days=7) + timedelta(seconds=1)
    assert action_deadlines.run_due(now=at_7).reminders == 1
    assert action_deadlines.run_due(now=at_7).reminders == 0  # the second run: nothing
    assert _notified("corrective_action_reminder") == {"maquila": 1}
    assert action_deadlines.next_due_at(at_7) == due - timedelta(days=1)

    at_1 = due - timedelta(days=1) + timedelta(seconds=1)
    assert action_deadlines.run_due(now=at_1).reminders == 1
    assert action_deadlines.run_due(now=at_1).reminders == 0
    assert _notified("corrective_action_reminder") == {"maquila": 2}

    assert mail.send_due().sent == 2
    sent = smtp.mailbox.to("maquila@example.test")
    assert len(sent) == 2 and len(smtp.mailbox.messages) == 2
    assert "Corrective action due Jun 18, 2026: finding 1 (criterion 10.2)" in sent[0]["subject"]
    assert "security audit of Maquila Unida for Acme Imports" in sent[0]["body"]
    assert "Owner: Plant manager" in sent[0]["body"]
    reminded = [e for e in events("reminder_sent") if e.details.get("action_id")]
    assert [(e.case_id, e.details["lead"], e.details["recipients"]) for e in reminded] == [
        (world.cases["acme_maquila"], "P7D", ["maquila"]),
        (world.cases["acme_maquila"], "P1D", ["maquila"])]


def test_after_downtime_only_the_nearest_reminder_is_sent(world):
    _only_accepted(world, "acme_maquila_1")
    due = _due(world, "acme_maquila_1")
    report = action_deadlines.run_due(now=due - timedelta(hours=2))  # both leads passed
    assert report.reminders == 1
    rows = {r.lead: r.skipped for r in db.session.scalars(select(ActionReminderSent).where(
        ActionReminderSent.action_id == world.actions["acme_maquila_1"]))}
    assert rows == {"P1D": False, "P7D": True}
    assert _notified("corrective_action_reminder") == {"maquila": 1}


def test_overdue_escalates_once_to_the_clients_applicants_and_the_auditor(world, smtp):
    smtp.start()
    report = action_deadlines.run_due(now=NOON)
    assert report.escalations == 2  # Acme's Norte #1 and Globex's Maquila #1
    assert action_deadlines.run_due(now=NOON + timedelta(days=3)).escalations == 0
    assert _notified("corrective_action_overdue") == {"acme": 1, "aud": 1, "globex": 1}
    overdue = {e.details["action_id"]: e for e in events("corrective_action_overdue")}
    assert set(overdue) == {world.actions["norte_1"], world.actions["globex_maquila_1"]}
    norte = overdue[world.actions["norte_1"]]
    assert norte.case_id == world.cases["acme_norte"]
    assert sorted(norte.details["recipients"]) == ["acme", "aud"]
    assert norte.details["due_date"] == "2026-06-10"
    assert overdue[world.actions["globex_maquila_1"]].details["recipients"] == ["globex"]
    # an action already late is never "reminded" afterwards
    assert "norte" not in _notified()

    mail.send_due()
    to_acme = smtp.mailbox.to("acme@example.test")
    assert len(to_acme) == 1
    assert "Overdue corrective action at Norte Ensambles" in to_acme[0]["subject"]
    assert "was due on Jun 10, 2026 and is still open" in to_acme[0]["body"]
    assert len(smtp.mailbox.to("aud@example.test")) == 1
    assert "Maquila Unida" in smtp.mailbox.to("globex@example.test")[0]["subject"]


def test_closed_and_proposed_actions_get_nothing(world, lead_times):
    lead_times("P30D, P7D, P1D")  # Norte #2 (proposed, due in 10 days) is in the P30D window
    db.session.get(CorrectiveAction, world.actions["acme_maquila_1"]).state = "closed"
    db.session.get(CorrectiveAction, world.actions["globex_maquila_1"]).state = "closed"
    db.session.commit()
    report = action_deadlines.run_due(now=NOON)
    assert (report.reminders, report.escalations) == (0, 1)  # Norte #1 only; #3 is closed
    assert [e.details["action_id"] for e in events("corrective_action_overdue")] == [
        world.actions["norte_1"]]
    later = action_deadlines.run_due(now=NOON + timedelta(days=40))
    assert (later.reminders, later.escalations) == (0, 0)
    assert "corrective_action_reminder" not in {n.kind for n in
                                                db.session.scalars(select(Notification))}


def test_another_clients_supplier_and_applicants_get_nothing(world):
    action_deadlines.run_due(now=NOON)
    action_deadlines.run_due(now=_due(world, "acme_maquila_1") - timedelta(hours=1))
    action_deadlines.run_due(now=_due(world, "acme_maquila_1") + timedelta(hours=1))
    counts = _notified()
    assert "andes" not in counts and "norte" not in counts  # no accepted action before its due
    assert _notified("corrective_action_overdue") == {"acme": 2, "aud": 1, "globex": 1}
    assert counts["maquila"] == 2  # the reminders of Acme's audit
    globex = db.session.scalar(select(User).where(User.username == "globex"))
    messages = [n.message for n in db.session.scalars(
        select(Notification).where(Notification.user_id == globex.id))]
    assert messages == [
        "Overdue corrective action at Maquila Unida: finding 1 (criterion 3.2)"]


def test_a_moved_due_date_is_reminded_again(world):
    _only_accepted(world, "acme_maquila_1")
    due = _due(world, "acme_maquila_1")
    assert action_deadlines.run_due(now=due - timedelta(hours=1)).reminders == 1
    action = db.session.get(CorrectiveAction, world.actions["acme_maquila_1"])
    action.due_date = action.due_date + timedelta(days=14)  # the auditor granted more time
    db.session.commit()
    assert action_deadlines.run_due(now=due - timedelta(minutes=30)).reminders == 0
    new_due = action_deadlines.due_instant(action.due_date)
    assert action_deadlines.run_due(now=new_due - timedelta(days=6)).reminders == 1


def test_the_scheduler_sleeps_until_the_next_action_deadline(app, world, monkeypatch, smtp):
    today = utcnow().date()
    for name in ("norte_1", "globex_maquila_1"):
        db.session.get(CorrectiveAction, world.actions[name]).state = "closed"
    db.session.get(CorrectiveAction, world.actions["acme_maquila_1"]).due_date = \
        today + timedelta(days=20)
    db.session.commit()
    monkeypatch.setitem(app.config, "SCHEDULER_MAX_SLEEP", 86400.0 * 30)
    reminder_at = action_deadlines.due_instant(today + timedelta(days=20)) - timedelta(days=7)
    assert scheduler.plan_next_wake(app) == reminder_at
    report = scheduler.run_once(app, now=reminder_at + timedelta(seconds=1))
    assert report.reminders_sent == 1 and report.errors == []
    assert _notified("corrective_action_reminder") == {"maquila": 1}


def test_an_ended_case_gets_no_reminders(world):
    from app.models import Case

    db.session.get(Case, world.cases["acme_norte"]).status = "terminated"
    db.session.commit()
    action_deadlines.run_due(now=NOON)
    assert [e.details["action_id"] for e in events("corrective_action_overdue")] == [
        world.actions["globex_maquila_1"]]


def test_two_schedulers_send_each_action_reminder_once(app, make_user, lead_times, is_postgres):
    if not is_postgres:
        pytest.skip("several schedulers at once need PostgreSQL (SQLite: one scheduler)")
    import threading

    lead_times("P7D")
    world = build(make_user, TODAY)
    extra = [CorrectiveAction(case_id=world.cases["acme_maquila"], finding_no=10 + i,
                              criterion_id="7.1", severity="minor", state="accepted",
                              due_date=TODAY + timedelta(days=2)) for i in range(20)]
    db.session.add_all(extra)
    db.session.commit()
    db.session.remove()
    reports, errors = [], []

    def run():
        with app.app_context():
            try:
                reports.append(action_deadlines.run_due(now=NOON))
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
    assert sum(r.reminders for r in reports) == 21  # the 20 and Maquila #1
    assert sum(r.escalations for r in reports) == 2
    assert _notified("corrective_action_reminder") == {"maquila": 21}
    assert _notified("corrective_action_overdue") == {"acme": 1, "aud": 1, "globex": 1}


def test_a_spanish_speaking_supplier_contact_is_reminded_in_spanish(world, smtp):
    smtp.start()
    _only_accepted(world, "acme_maquila_1")
    contact = db.session.get(User, world.users["maquila"].id)
    contact.language = "es"
    db.session.commit()
    action_deadlines.run_due(now=_due(world, "acme_maquila_1") - timedelta(hours=2))
    mail.send_due()
    (sent,) = smtp.mailbox.to("maquila@example.test")
    from email.header import decode_header, make_header

    subject = str(make_header(decode_header(sent["subject"])))
    assert "Acción correctiva con vencimiento el 18 jun 2026: hallazgo 1 (criterio 10.2)" in \
        " ".join(subject.split())
    assert "Una acción correctiva de la auditoría de seguridad de Maquila Unida para Acme " \
        "Imports vence el 18 jun 2026." in sent["body"]
    assert "menor" in sent["body"]

"""The scheduler: catches up after downtime, fires each timer once, sleeps until the next due."""
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Case, HumanTask, OutboxEmail, SchedulerHeartbeat
from app.models.types import utcnow
from app.services.jobs import mail, scheduler
from tests.scheduler.sched_helpers import (
    clone_case,
    deploy_ok,
    events,
    fired_per_case,
    start_case,
)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _soon(seconds: float = 1.5) -> datetime:
    """An instant a little ahead: timers set to a past date fire at once, without waiting."""
    return utcnow() + timedelta(seconds=seconds)


def _sleep_past(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - utcnow()).total_seconds()) + 0.05)


def test_scheduler_stopped_then_started_fires_everything_overdue_once(app, staff, company,
                                                                       lead_times, smtp):
    """Timers, reminders, escalations and emails that fell due while nothing ran: all once."""
    smtp.start()
    lead_times("")  # no reminders: the task is created closer to its due date than any lead
    deploy_ok(staff["designer"], "sched_timer_date.bpmn", "sched_due_task.bpmn",
              "sched_boundary.bpmn")
    soon = _soon(2.5)
    waiting = [start_case(staff["cw"], company, "sched_timer_date", fire_at=_iso(soon))
               for _ in range(3)]
    future = start_case(staff["cw"], company, "sched_timer_date",
                        fire_at=_iso(utcnow() + timedelta(days=30)))
    lapsing = start_case(staff["cw"], company, "sched_boundary", deadline_at=_iso(soon))
    overdue = start_case(staff["cw"], company, "sched_due_task", due=_iso(soon))
    assert overdue["open_tasks"][0]["due_at"] is not None
    assert scheduler.catch_up(app).work_done == 0  # nothing due yet
    _sleep_past(soon)  # the scheduler is "down" while everything falls due

    report = scheduler.catch_up(app)
    assert report.errors == []
    assert report.timers_fired == 4  # three date timers and one boundary timer
    assert report.escalations == 1 and report.reminders_sent == 0
    assert report.emails_sent == 3  # escalation to admin, cw, cw2
    assert scheduler.catch_up(app).work_done == 0  # nothing left: run again, nothing happens

    per_case = fired_per_case()
    assert per_case == {c["id"]: 1 for c in [*waiting, lapsing]}
    for case in waiting:
        titles = db.session.scalars(select(HumanTask.title).where(
            HumanTask.case_id == case["id"], HumanTask.state == "ready")).all()
        assert titles == ["Revalidate membership"]
    lapsed = {t.title: t.state for t in db.session.scalars(
        select(HumanTask).where(HumanTask.case_id == lapsing["id"]))}
    assert lapsed == {"Answer the validation questions": "cancelled",
                      "Handle lapsed validation": "ready"}
    assert db.session.get(Case, future["id"]).next_timer_at > utcnow() + timedelta(days=29)
    assert len(events("deadline_escalated")) == 1
    assert sorted(m["to"][0] for m in smtp.mailbox.messages) == [
        "admin@example.test", "cw2@example.test", "cw@example.test"]


def test_next_wake_is_the_earliest_due_instant_capped(app, staff, company, lead_times):
    lead_times("PT10M")
    deploy_ok(staff["designer"], "sched_timer_date.bpmn", "sched_due_task.bpmn")
    in_an_hour = utcnow() + timedelta(hours=1)
    start_case(staff["cw"], company, "sched_timer_date", fire_at=_iso(in_an_hour))
    assert scheduler.plan_next_wake(app) <= utcnow() + timedelta(
        seconds=app.config["SCHEDULER_MAX_SLEEP"])  # the cap
    app.config["SCHEDULER_MAX_SLEEP"], cap = 86400.0, app.config["SCHEDULER_MAX_SLEEP"]
    try:
        assert abs((scheduler.plan_next_wake(app) - in_an_hour).total_seconds()) < 0.01
        task = start_case(staff["cw"], company, "sched_due_task", due="PT30M")["open_tasks"][0]
        due = db.session.get(HumanTask, task["id"]).due_at
        assert scheduler.plan_next_wake(app) == due - timedelta(minutes=10)  # the reminder
        mail.enqueue("x@example.test", "s", "b")
        db.session.commit()
        assert scheduler.plan_next_wake(app) <= utcnow()  # an email waits to be sent
    finally:
        app.config["SCHEDULER_MAX_SLEEP"] = cap


def _wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_scheduler_process_wakes_for_new_work_and_writes_a_heartbeat(app, staff, company,
                                                                     monkeypatch):
    monkeypatch.setitem(app.config, "SCHEDULER_MAX_SLEEP", 0.2)
    deploy_ok(staff["designer"], "sched_timer_date.bpmn")
    process = scheduler.SchedulerProcess(app, name="test-scheduler")
    thread = threading.Thread(target=process.start, daemon=True)
    thread.start()
    try:
        case = start_case(staff["cw"], company, "sched_timer_date", fire_at=_iso(_soon(0.5)))
        assert _wait_for(lambda: fired_per_case().get(case["id"]) == 1)
        process.wake_now()
        assert _wait_for(lambda: db.session.get(SchedulerHeartbeat, "test-scheduler")
                         is not None)
    finally:
        process.stop()
        thread.join(10)
    assert not thread.is_alive()
    beat = db.session.get(SchedulerHeartbeat, "test-scheduler")
    assert beat.totals["timers_fired"] == 1 and beat.totals["ticks"] >= 1
    assert beat.last_error is None and beat.next_wake_at is None  # stopped
    assert fired_per_case() == {case["id"]: 1}


def test_status_command_shows_due_fired_and_failed(app, staff, company):
    deploy_ok(staff["designer"], "sched_timer_date.bpmn")
    soon = _soon()
    case = start_case(staff["cw"], company, "sched_timer_date", fire_at=_iso(soon))
    start_case(staff["cw"], company, "sched_timer_date",
               fire_at=_iso(utcnow() + timedelta(days=1)))
    _sleep_past(soon)
    db.session.add(OutboxEmail(to_addr="x@example.test", subject="s", body="b", status="failed",
                               attempts=3, next_attempt_at=utcnow(),
                               last_error="SMTPDataError: 550 no such user"))
    db.session.commit()
    runner = app.test_cli_runner()
    before = runner.invoke(args=["scheduler", "status"])
    assert before.exit_code == 0, before.output
    assert "timers: 2 waiting, 1 overdue" in before.output
    assert "550 no such user" in before.output and "1 failed" in before.output

    once = runner.invoke(args=["scheduler", "run", "--once"])
    assert once.exit_code == 0, once.output
    assert "timers fired 1" in once.output
    after = runner.invoke(args=["scheduler", "status"]).output
    assert "timers: 1 waiting, 0 overdue" in after
    assert f"timer_fired case {case['id']} revalidation_due" in after
    assert runner.invoke(args=["scheduler", "requeue-mail"]).output.strip() == \
        "requeued 1 email(s)"


def test_a_failing_job_does_not_stop_the_others(app, staff, company, monkeypatch, smtp):
    smtp.start()
    mail.enqueue("x@example.test", "still sent", "b")
    db.session.commit()

    def broken(**_):
        raise RuntimeError("reminders are broken")

    monkeypatch.setattr(scheduler.reminders, "run_due", broken)
    report = scheduler.run_once(app)
    assert report.emails_sent == 1
    assert report.errors == ["reminders: RuntimeError: reminders are broken"]
    assert report.next_wake <= utcnow() + scheduler.ERROR_RETRY


def test_two_scheduler_processes_fire_1000_due_timers_exactly_once(app, staff, company,
                                                                   is_postgres, database_url):
    if not is_postgres:
        pytest.skip("several schedulers need PostgreSQL (SQLite: one scheduler process)")
    import os
    import subprocess
    import sys

    deploy_ok(staff["designer"], "sched_timer_date.bpmn")
    soon = _soon(2)
    first = start_case(staff["cw"], company, "sched_timer_date", fire_at=_iso(soon))
    ids = [first["id"], *clone_case(first["id"], 999)]
    _sleep_past(soon)
    db.session.remove()
    env = {**os.environ, "DATABASE_URL": database_url.replace("+psycopg", ""),
           "FLASK_APP": "wsgi.py", "SCHEDULER_BATCH": "2000", "SAFEPORT_DEMO": "0"}
    env.pop("SAFEPORT_ENV", None)
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    procs = [subprocess.Popen([flask, "scheduler", "run", "--once"], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    fired = [int(out.split("timers fired ")[1].split(",")[0]) for out, _ in outputs]
    print("timers fired by each process:", fired)
    assert sum(fired) == 1000
    assert fired_per_case() == {case_id: 1 for case_id in ids}
    assert db.session.scalar(select(db.func.count()).select_from(HumanTask).where(
        HumanTask.title == "Revalidate membership", HumanTask.state == "ready")) == 1000


def test_a_new_short_timer_wakes_a_sleeping_scheduler_on_postgres(app, staff, company,
                                                                 monkeypatch, is_postgres):
    """The web side's NOTIFY wakes the scheduler: it does not wait out its long sleep."""
    if not is_postgres:
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's (SQLite: the sleep cap bounds the delay)")
    monkeypatch.setitem(app.config, "SCHEDULER_MAX_SLEEP", 600.0)
    deploy_ok(staff["designer"], "sched_timer_date.bpmn")
    process = scheduler.SchedulerProcess(app, name="sleepy")
    thread = threading.Thread(target=process.start, daemon=True)
    thread.start()
    try:
        assert _wait_for(lambda: db.session.get(SchedulerHeartbeat, "sleepy") is not None)
        time.sleep(0.5)  # it is asleep now, planning to wake in ten minutes
        case = start_case(staff["cw"], company, "sched_timer_date", fire_at=_iso(_soon(0.5)))
        assert _wait_for(lambda: fired_per_case().get(case["id"]) == 1, timeout=60)
    finally:
        process.stop()
        thread.join(10)
    assert not thread.is_alive()


def test_a_cycle_timer_fires_once_per_cycle(app, staff, company):
    deploy_ok(staff["designer"], "sched_cycle.bpmn")
    case = start_case(staff["cw"], company, "sched_cycle", every="R2/PT1S")
    fired_total = 0
    for _ in range(2):
        due = db.session.get(Case, case["id"]).next_timer_at
        assert due is not None
        _sleep_past(due)
        report = scheduler.catch_up(app)
        assert report.timers_fired == 1 and report.errors == []
        fired_total += report.timers_fired
        db.session.expire_all()
    assert db.session.get(Case, case["id"]).next_timer_at is None  # R2: two cycles only
    chases = db.session.scalars(select(HumanTask.state).where(
        HumanTask.case_id == case["id"], HumanTask.title == "Chase the applicant")).all()
    assert chases == ["ready", "ready"]
    assert fired_per_case() == {case["id"]: 2}


def test_a_case_whose_state_cannot_be_loaded_does_not_block_the_others(app, staff, company):
    from sqlalchemy import update

    from app.models import CaseState

    deploy_ok(staff["designer"], "sched_timer_date.bpmn")
    soon = _soon()
    broken = start_case(staff["cw"], company, "sched_timer_date", fire_at=_iso(soon))
    fine = start_case(staff["cw"], company, "sched_timer_date", fire_at=_iso(soon))
    db.session.execute(update(CaseState).where(CaseState.case_id == broken["id"])
                       .values(state_json="{not json"))
    db.session.execute(update(Case).where(Case.id == broken["id"])  # no cached copy is current
                       .values(lock_version=Case.lock_version + 1))
    db.session.commit()
    _sleep_past(soon)
    report = scheduler.catch_up(app)
    assert report.errors == [] and report.timers_fired == 1
    assert fired_per_case() == {fine["id"]: 1}
    db.session.expire_all()
    case = db.session.get(Case, broken["id"])
    assert case.status == "error" and "firing its timer failed" in case.error_message
    assert [e.case_id for e in events("error")] == [broken["id"]]
    assert scheduler.catch_up(app).work_done == 0  # not retried in a loop

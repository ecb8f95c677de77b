"""The scheduler process: fires BPMN timers, sends reminders, escalations and the email outbox.

`flask scheduler run` starts an APScheduler BlockingScheduler with one job, `tick`. Each tick
runs the jobs (timers, task reminders, corrective-action deadlines, mail), each in an app context
of its own that commits or rolls back inside it, then asks the database when the next thing is
due (the indexed next-timer column, the task and corrective-action due dates less each lead
time, the outbox's next attempt) and sleeps exactly until then, never longer than
SCHEDULER_MAX_SLEEP (new work written by the web workers is seen at the latest then). After
downtime the first tick finds everything overdue and catches up, batch after batch. Every job is
safe to run twice and in several processes at once: rows are claimed with FOR UPDATE SKIP LOCKED
(timers, outbox) or guarded by a unique key (reminders).

Nothing here starts on import: `SchedulerProcess(app).start()` does.
"""
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from apscheduler.events import EVENT_JOB_SUBMITTED
from apscheduler.executors.debug import DebugExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from flask import Flask
from sqlalchemy import URL

from app.extensions import db
from app.models import SchedulerHeartbeat
from app.models.types import utcnow
from app.services.jobs import action_deadlines, mail, reminders, wakeup
from app.services.runtime import timers
from app.services.runtime.unit_of_work import transaction

log = logging.getLogger("safeport.scheduler")

#: After a run that failed, try again this soon (the database may be back by then).
ERROR_RETRY = timedelta(seconds=5)
#: After a run that did nothing although something looked due, do not spin: wait this long.
IDLE_GUARD = timedelta(seconds=1)
#: The heartbeat row is written at most this often (and after errors, and on stopping).
HEARTBEAT_EVERY = timedelta(seconds=5)


@dataclass
class RunReport:
    """What one tick did and when the next one is due."""

    timers_fired: int = 0
    reminders_sent: int = 0
    escalations: int = 0
    emails_sent: int = 0
    emails_retried: int = 0
    emails_failed: int = 0
    more: bool = False  # a job left due work for the next run
    errors: list[str] = field(default_factory=list)
    next_wake: datetime | None = None

    @property
    def work_done(self) -> int:
        return (self.timers_fired + self.reminders_sent + self.escalations + self.emails_sent
                + self.emails_retried + self.emails_failed)


def _in_context(app: Flask, job: Callable[[], object]) -> object:
    """Run one job in a fresh app context; whatever it left uncommitted is dropped with the
    session (`remove` closes it, which rolls back)."""
    with app.app_context():
        try:
            return job()
        finally:
            db.session.remove()


def run_once(app: Flask, now: datetime | None = None) -> RunReport:
    """Run every job once as of `now` (default: the time each job starts) and plan the next."""
    report = RunReport()
    batch = app.config["SCHEDULER_BATCH"]

    def fire() -> None:
        report.timers_fired = timers.fire_due_timers(now=now, limit=batch)

    def reminding(job: Callable[..., reminders.ReminderReport]) -> Callable[[], None]:
        def remind() -> None:
            result = job(now=now, limit=batch)
            report.reminders_sent += result.reminders
            report.escalations += result.escalations
            report.more = report.more or result.more
        return remind

    def send() -> None:
        result = mail.send_due(now=now, limit=batch)
        report.emails_sent, report.emails_retried = result.sent, result.retried
        report.emails_failed = result.failed

    for name, step in (("timers", fire), ("reminders", reminding(reminders.run_due)),
                       ("action deadlines", reminding(action_deadlines.run_due)),
                       ("mail", send)):
        try:
            _in_context(app, step)
        except Exception as err:  # one failing job must not stop the others
            log.exception("scheduler job %s failed", name)
            report.errors.append(f"{name}: {type(err).__name__}: {err}".splitlines()[0][:500])
    report.next_wake = plan_next_wake(app, report)
    return report


def plan_next_wake(app: Flask, report: RunReport | None = None) -> datetime:
    """The earliest of: next timer, next reminder or escalation (tasks and corrective actions),
    next email attempt; capped."""
    now = utcnow()
    cap = now + timedelta(seconds=app.config["SCHEDULER_MAX_SLEEP"])
    if report is not None and report.errors:
        return min(cap, now + ERROR_RETRY)
    if report is not None and report.more:
        return now
    try:
        instants = _in_context(app, lambda: [timers.next_due_at(), reminders.next_due_at(now),
                                             action_deadlines.next_due_at(now),
                                             mail.next_attempt_at()])
    except Exception:
        log.exception("cannot plan the next wake-up")
        return min(cap, now + ERROR_RETRY)
    wake = min([cap, *(i for i in instants if i is not None)])
    if wake <= now and report is not None and report.work_done == 0:
        wake = now + IDLE_GUARD  # due but nothing could be done (all claimed elsewhere)
    return wake


def catch_up(app: Flask, max_runs: int = 1000) -> RunReport:
    """Run until nothing is due now (for `--once`, tests and start-up); returns the totals."""
    total = RunReport()
    for _ in range(max_runs):
        report = run_once(app)
        _add(total, report)
        total.next_wake = report.next_wake
        if report.errors or report.work_done == 0 or report.next_wake > utcnow():
            break
    return total


def _add(total: RunReport, report: RunReport) -> None:
    for name in ("timers_fired", "reminders_sent", "escalations", "emails_sent",
                 "emails_retried", "emails_failed"):
        setattr(total, name, getattr(total, name) + getattr(report, name))
    total.errors.extend(report.errors)


# -- the long-running process -----------------------------------------------------------------
class _WakeTrigger(BaseTrigger):
    """Fires `tick` at the instant the previous tick planned (each plan is used once)."""

    def __init__(self, first: datetime):
        self.planned: datetime | None = first

    def get_next_fire_time(self, previous_fire_time, now):
        planned, self.planned = self.planned, None
        return planned


class SchedulerProcess:
    """APScheduler in the foreground running `tick`, with a heartbeat row for `status`."""

    def __init__(self, app: Flask, name: str | None = None):
        self.app = app
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.totals = RunReport()
        self.ticks = 0
        self.trigger = _WakeTrigger(utcnow())
        self.scheduler = BlockingScheduler(executors={"default": DebugExecutor()},
                                           timezone="UTC")
        self._stopping = threading.Event()
        self._in_tick = False
        self._last_beat: datetime | None = None
        self.scheduler.add_listener(self._after_tick, EVENT_JOB_SUBMITTED)

    def tick(self) -> None:
        """One run of every job, then plan the next wake-up (always, even after an error)."""
        report = RunReport(errors=["tick did not finish"])
        self._in_tick = True
        try:
            report = run_once(self.app)
            self.ticks += 1
            _add(self.totals, report)
            if report.work_done or report.errors:
                log.info("tick: %s", {k: v for k, v in asdict(report).items() if v})
            if report.errors or self._last_beat is None or \
                    utcnow() - self._last_beat >= HEARTBEAT_EVERY:
                self._beat(report)
        finally:
            wake = report.next_wake or utcnow() + ERROR_RETRY
            self.trigger.planned = max(wake, utcnow())

    def _beat(self, report: RunReport) -> None:
        """Write this process's heartbeat row (next_wake None: it has stopped)."""
        self._last_beat = utcnow()

        def write() -> None:
            totals = asdict(self.totals)
            totals.pop("errors"), totals.pop("next_wake"), totals.pop("more")
            with transaction():
                row = db.session.get(SchedulerHeartbeat, self.name) or SchedulerHeartbeat(
                    id=self.name, started_at=utcnow(), totals={})
                row.last_run_at, row.next_wake_at = utcnow(), report.next_wake
                row.totals = {**totals, "ticks": self.ticks, "errors": len(self.totals.errors)}
                if report.errors:
                    row.last_error = "; ".join(report.errors)[:2000]
                db.session.add(row)

        try:
            _in_context(self.app, write)
        except Exception:
            log.exception("cannot write the scheduler heartbeat")

    def start(self) -> None:
        """Run until SIGTERM/SIGINT or `stop()`; blocks."""
        self.scheduler.add_job(self.tick, trigger=self.trigger, id="tick", coalesce=True,
                               max_instances=1, misfire_grace_time=None)
        with self.app.app_context():
            url = db.engine.url
        if url.get_backend_name() == "postgresql":
            threading.Thread(target=self._listen, args=(url,), name="scheduler-listen",
                             daemon=True).start()
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: self.stop())
        log.info("scheduler %s started", self.name)
        self.scheduler.start()
        self._beat(RunReport())  # the final totals, and no next wake-up
        log.info("scheduler %s stopped", self.name)

    def wake_now(self) -> None:
        """Run `tick` as soon as the current one (if any) is done."""
        try:
            self.scheduler.modify_job("tick", next_run_time=utcnow())
        except JobLookupError:
            pass  # not started yet, or stopping

    def _listen(self, url: URL) -> None:
        """Wake on `NOTIFY safeport_scheduler` (see wakeup.py); reconnect after errors."""
        import psycopg

        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._stopping.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {wakeup.CHANNEL}")
                    self.wake_now()  # whatever was written while nobody listened
                    while not self._stopping.is_set():
                        for _ in conn.notifies(timeout=5.0, stop_after=1):
                            self.wake_now()
            except psycopg.Error as err:
                log.warning("scheduler LISTEN connection lost (%s); retrying", err)
                self._stopping.wait(ERROR_RETRY.total_seconds())

    def stop(self) -> None:
        """Stop after the tick that is running, if any (safe from a signal handler)."""
        self._stopping.set()
        if not self._in_tick:
            self._shutdown()
        # else: _after_tick shuts down once APScheduler has finished its bookkeeping for it

    def _after_tick(self, _event) -> None:
        self._in_tick = False  # APScheduler is done with the job (it dispatches this last)
        if self._stopping.is_set():
            self._shutdown()

    def _shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)


# -- what is going on -------------------------------------------------------------------------

"""How late the scheduler fires timers among 100,000 waiting cases, and what it costs when idle.

    .venv/bin/python bench/timers.py [--cases 100000] [--measured 600] [--window 60]
                                     [--overdue 1000] [--idle 60]

On PostgreSQL (BENCH_TIMERS_DATABASE_URL, default below; the database is created when missing and
its public schema is DROPPED and re-migrated on every run). It deploys
tests/data/bpmn/sched_timer_date.bpmn (a timer on a date, then a user task), starts one real case
through the service and copies its row and engine state with COPY, each copy with its own due
instant written into the state, so the seed of 100,000 cases takes seconds:

- `--overdue` cases already due when the scheduler starts (it was "down"): how long catching up
  takes;
- `--measured` cases due at random instants over the `--window` seconds after start-up: their
  lateness (audit `timer_fired` time minus due instant), p50 / p95 / max;
- the rest spread from one hour to a year ahead: they must cost nothing until due.

Then, with nothing due for an hour, it samples the scheduler process's CPU time over `--idle`
seconds. The scheduler runs as a real `flask scheduler run` subprocess. Figures are printed, one
per line; nothing is asserted (targets: p95 lateness <= 1 s, idle CPU near zero).
"""
from __future__ import annotations

import argparse
import io
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/safeport_bench_timers"
TEMPLATE_INSTANT = "2099-01-01T00:00:00+00:00"


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def ensure_database(url: str) -> None:
    from sqlalchemy import create_engine, text

    base, name = url.rsplit("/", 1)
    admin = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def make_app(url: str):
    from app import create_app
    from config import TestConfig

    config = type("BenchConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": url, "PERIODS": dict(TestConfig.PERIODS)})
    return create_app(config)


def prepare(url: str) -> tuple[int, str]:
    """Migrate from empty, deploy, start one template case; returns (case id, state JSON)."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app.extensions import db
    from app.models import CaseState, User
    from app.services.identity.users import create_user
    from app.services.membership.companies import create_company
    from app.services.repository.deployments import deploy
    from app.services.runtime.cases import start_case

    db.session.execute(text("DROP SCHEMA public CASCADE"))
    db.session.execute(text("CREATE SCHEMA public"))
    db.session.commit()
    upgrade()
    name = "sched_timer_date.bpmn"
    deploy(None, {name: (ROOT / "tests" / "data" / "bpmn" / name).read_bytes()})
    create_user(None, username="bench_cw", password="bench-password-1", role="case_worker")
    user = db.session.scalar(db.select(User).where(User.username == "bench_cw"))
    company = create_company(user, legal_name="Bench Imports Inc.", entity_type="importer")
    case = start_case(user, company_id=company.id, process_id="sched_timer_date",
                      data={"fire_at": TEMPLATE_INSTANT})
    state = db.session.get(CaseState, case.id).state_json
    assert TEMPLATE_INSTANT in state, "the due instant is not in the state JSON"
    return case.id, state


def seed(after_id: int, state: str, due: list[datetime], template_id: int | None = None
         ) -> list[int]:
    """Copy the template case once per due instant (COPY) with ids after `after_id`."""
    from sqlalchemy import text

    from app.extensions import db
    from app.models import Case

    template = db.session.get(Case, template_id or after_id)
    first = after_id + 1
    ids = list(range(first, first + len(due)))
    started = template.started_at.isoformat()
    cases, states = io.StringIO(), io.StringIO()
    for case_id, instant in zip(ids, due, strict=True):
        iso = instant.isoformat()
        cases.write(f"{case_id}\t{template.company_id}\t{template.process_version_id}\trunning\t"
                    f"{template.current_stage or chr(92) + 'N'}\t{iso}\t{started}\t{started}\t1\n")
        body = state.replace(TEMPLATE_INSTANT, iso)
        body = body.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        states.write(f"{case_id}\t1.5\t{body}\n")
    raw = db.engine.raw_connection()
    try:
        with raw.cursor() as cur:
            with cur.copy("COPY cases (id, company_id, process_version_id, status, current_stage,"
                          " next_timer_at, started_at, updated_at, lock_version) FROM STDIN") as cp:
                cp.write(cases.getvalue())
            with cur.copy("COPY case_states (case_id, serializer_version, state_json) "
                          "FROM STDIN") as cp:
                cp.write(states.getvalue())
            cur.execute("SELECT setval('cases_id_seq', %s)", (ids[-1],))
        raw.commit()
    finally:
        raw.close()
    db.session.execute(text("ANALYZE cases"))
    db.session.commit()
    return ids


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fired_at() -> dict[int, datetime]:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import AuditEvent

    db.session.rollback()
    return dict(db.session.execute(select(AuditEvent.case_id, AuditEvent.at)
                                   .where(AuditEvent.kind == "timer_fired")).all())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--measured", type=int, default=600)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--overdue", type=int, default=1000)
    parser.add_argument("--idle", type=float, default=60.0)
    args = parser.parse_args()
    url = os.environ.get("BENCH_TIMERS_DATABASE_URL", DEFAULT_URL)
    try:
        ensure_database(url)
    except Exception as err:
        print(f"PostgreSQL unreachable ({str(err).splitlines()[0]}): skipped")
        return
    app = make_app(url)
    rng = random.Random(6)
    with app.app_context():
        template_id, state = prepare(url)
        t0 = datetime.now(UTC)
        overdue = [t0 - timedelta(seconds=rng.uniform(0, 3600)) for _ in range(args.overdue)]
        far = [t0 + timedelta(hours=1) + timedelta(seconds=rng.uniform(0, 365 * 86400))
               for _ in range(args.cases - args.overdue - args.measured - 1)]
        began = time.perf_counter()
        ids = seed(template_id, state, overdue + far)
        print(f"seed_cases={len(ids) + 1} (+{args.measured} measured later) "
              f"seed_s={time.perf_counter() - began:.1f}", flush=True)
        overdue_ids = set(ids[:len(overdue)])

        # 1. The scheduler was down: everything overdue fires once on start-up.
        with Scheduler(url) as sched:
            while len(overdue_ids - fired_at().keys()) > 0 and sched.alive():
                time.sleep(0.2)
            fired = fired_at()
            caught_up = max(fired[i] for i in overdue_ids)
            drained = (caught_up - sched.launched).total_seconds()
            print(f"catch_up overdue={len(overdue_ids)} drained_in_s={drained:.2f} "
                  f"per_timer_ms={1000 * drained / max(1, len(overdue_ids)):.1f} "
                  "(from process launch, start-up included)", flush=True)

        # 2. Timers falling due one by one while it runs: how late does each fire?
        start_at = datetime.now(UTC) + timedelta(seconds=15)
        measured = [start_at + timedelta(seconds=rng.uniform(0, args.window))
                    for _ in range(args.measured)]
        last = max(ids)
        measured_ids = seed(last, state, measured, template_id=template_id)
        due_of = dict(zip(measured_ids, measured, strict=True))
        with Scheduler(url) as sched:
            end = max(measured) + timedelta(seconds=5)
            time.sleep(max(0.0, (end - datetime.now(UTC)).total_seconds()))
            fired = fired_at()
            lateness = [(fired[i] - due_of[i]).total_seconds() for i in measured_ids
                        if i in fired]
            missing = len(measured_ids) - len(lateness)
            early = sum(1 for x in lateness if x < 0)
            print(f"lateness n={len(lateness)} missing={missing} early={early} "
                  f"p50_s={statistics.median(lateness):.3f} "
                  f"p95_s={percentile(lateness, 0.95):.3f} max_s={max(lateness):.3f}",
                  flush=True)
            far_fired = len(set(fired) - set(measured_ids) - overdue_ids)
            print(f"fired_too_soon_far_future={far_fired}", flush=True)

            # 3. Nothing due for an hour: what does waiting cost?
            before, wall = cpu_seconds(sched.proc.pid), time.perf_counter()
            time.sleep(args.idle)
            used, wall = cpu_seconds(sched.proc.pid) - before, time.perf_counter() - wall
            print(f"idle cpu_s={used:.3f} over wall_s={wall:.1f} "
                  f"cpu_percent={100 * used / wall:.3f} (waiting cases={args.cases - len(fired)})",
                  flush=True)


class Scheduler:
    """A `flask scheduler run` subprocess on the bench database."""

    def __init__(self, url: str):
        self.url = url

    def __enter__(self) -> Scheduler:
        env = {**os.environ, "DATABASE_URL": self.url.replace("+psycopg", ""),
               "FLASK_APP": "wsgi.py", "SAFEPORT_DEMO": "0", "SCHEDULER_MAX_SLEEP": "30"}
        env.pop("SAFEPORT_ENV", None)
        flask = str(Path(sys.executable).parent / "flask")
        self.log = tempfile.TemporaryFile(mode="w+")  # not a pipe: a full pipe would block it
        self.launched = datetime.now(UTC)
        self.proc = subprocess.Popen([flask, "scheduler", "run"], cwd=ROOT, env=env,
                                     stdout=subprocess.DEVNULL, stderr=self.log, text=True)
        return self

    def alive(self) -> bool:
        return self.proc.poll() is None

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.seek(0)
        errors = self.log.read()
        self.log.close()
        if "Traceback" in errors:
            print(errors[-3000:])


if __name__ == "__main__":
    main()

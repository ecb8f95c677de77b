"""How much SafePort adds to SpiffWorkflow and the database per completed user task.

    .venv/bin/python bench/engine.py [--db sqlite|postgres|both] [--cases N] [--profile]

For each database, on the same diagrams, it times one completed user task three ways:

(a) a_raw_spiff  raw SpiffWorkflow in memory: find the ready user task, set its data,
                 task.run(), do_engine_steps() (parsed once with SpiffBpmnParser);
(b) b_bare_db    one bare SQLAlchemy Core transaction on the app's engine and migrated tables
                 writing the rows SafePort writes per completion: UPDATE case_states (a real
                 SafePort state JSON of that depth), UPDATE the completed human_tasks row,
                 INSERT the next human_tasks row, INSERT two audit_events, UPDATE cases; COMMIT;
(c) c_safeport   app.services.tasks.actions.complete(user, task_id, {}).

Scenarios: tests/data/bpmn/six_tasks.bpmn (N cases x 6 tasks), and tests/data/bpmn/loop.bpmn at
the 5th and the 200th completed task of a case (completions 5..34 and 200..229). Every figure
(median and p95 in ms) and every ratio c / (a + b) is printed on a line of its own. Targets are
not asserted. PostgreSQL: BENCH_DATABASE_URL (default below); the database is created when
missing and its public schema is DROPPED and re-migrated on every run. SQLite: a temp file.

--profile runs cProfile around (c) at the 200th task of the loop case on SQLite only and prints
the top cumulative entries inside app/ and SpiffWorkflow.
"""
from __future__ import annotations

import argparse
import cProfile
import math
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DATA = ROOT / "tests" / "data"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/safeport_bench"
LOOP_DEPTHS = (5, 200)
LOOP_SAMPLES = 30
RAW_LOOP_WORKFLOWS = 5
TASK_DATA: dict = {}
LOOP_START = {"done": False}


# -- statistics and printing ------------------------------------------------------------------
def p95(samples: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class Figure:
    samples: list[float]  # seconds

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def p95_ms(self) -> float:
        return p95(self.samples) * 1000


def report(db_name: str, scenario: str, a: Figure, b: Figure, c: Figure,
           results: list[tuple[str, float, float]]) -> None:
    for label, fig in (("a_raw_spiff", a), ("b_bare_db", b), ("c_safeport", c)):
        print(f"{db_name} {scenario} {label} median_ms={fig.median_ms:.3f} "
              f"p95_ms={fig.p95_ms:.3f} n={len(fig.samples)}", flush=True)
    r_med = c.median_ms / (a.median_ms + b.median_ms)
    r_p95 = c.p95_ms / (a.p95_ms + b.p95_ms)
    print(f"{db_name} {scenario} ratio c/(a+b) median={r_med:.2f} p95={r_p95:.2f}", flush=True)
    results.append((f"{db_name} {scenario}", r_med, r_p95))


# -- (a) raw SpiffWorkflow --------------------------------------------------------------------
class RawSpiff:
    """Diagrams parsed once; workflows run in memory with the default script engine."""

    def __init__(self) -> None:
        from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

        parser = SpiffBpmnParser()
        parser.add_bpmn_files([str(DATA / "bpmn" / "six_tasks.bpmn"),
                               str(DATA / "bpmn" / "loop.bpmn")])
        self.specs = {pid: parser.get_spec(pid) for pid in ("six_tasks", "loop")}

    def new(self, process_id: str, start_data: dict | None = None):
        from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
        from SpiffWorkflow.util.task import TaskState

        wf = BpmnWorkflow(self.specs[process_id])
        if start_data:
            for task in wf.get_tasks(state=TaskState.READY):
                task.data.update(start_data)
        wf.do_engine_steps()
        return wf

    @staticmethod
    def complete_one(wf) -> float:
        from SpiffWorkflow.util.task import TaskState

        t0 = time.perf_counter()
        task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
        task.data.update(TASK_DATA)
        task.run()
        wf.do_engine_steps()
        return time.perf_counter() - t0

    def six_tasks(self, cases: int) -> Figure:
        for _ in range(5):  # warm-up
            wf = self.new("six_tasks")
            while not wf.completed:
                self.complete_one(wf)
        samples = []
        for _ in range(cases):
            wf = self.new("six_tasks")
            for _ in range(6):
                samples.append(self.complete_one(wf))
            assert wf.completed
        return Figure(samples)

    def loop(self) -> dict[int, Figure]:
        wf = self.new("loop", LOOP_START)
        for _ in range(20):  # warm-up
            self.complete_one(wf)
        found: dict[int, list[float]] = {d: [] for d in LOOP_DEPTHS}
        last = max(LOOP_DEPTHS) + LOOP_SAMPLES - 1
        for _ in range(RAW_LOOP_WORKFLOWS):
            wf = self.new("loop", LOOP_START)
            for n in range(1, last + 1):
                dt = self.complete_one(wf)
                for depth in LOOP_DEPTHS:
                    if depth <= n < depth + LOOP_SAMPLES:
                        found[depth].append(dt)
        return {d: Figure(s) for d, s in found.items()}


# -- databases --------------------------------------------------------------------------------
def ensure_pg_database(url: str) -> None:
    """Create the database named in `url` when missing (connecting to `postgres`)."""
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    u = make_url(url)
    params = {k: v for k, v in {"host": u.host, "port": u.port, "user": u.username,
                                "password": u.password, "dbname": "postgres"}.items()
              if v is not None}
    with psycopg.connect(**params, autocommit=True, connect_timeout=5) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                              (u.database,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(u.database)))


def make_config(url: str):
    """The test suite's config bound to one database (FORMS_DIR includes the test forms)."""
    from tests.conftest import make_config as bound_config

    return bound_config(url)


def reset_schema(url: str) -> None:
    """Drop everything in the bench database, as the test suite does."""
    from tests.conftest import reset_schema as drop_everything

    drop_everything(url)


class SafePort:
    """The app on one migrated database, with the diagrams deployed and a case worker."""

    def __init__(self, url: str):
        from flask_migrate import upgrade

        from app import create_app
        from app.extensions import db
        from app.models import User
        from app.services.identity.users import create_user
        from app.services.membership.companies import create_company
        from app.services.repository.deployments import deploy
        from app.services.setup import clear_caches

        self.app = create_app(make_config(url))
        self.ctx = self.app.app_context()
        self.ctx.push()
        clear_caches()  # version ids repeat across databases
        reset_schema(url)
        upgrade()
        self.versions = {}
        for name in ("six_tasks", "loop"):
            deployed = deploy(None, {f"{name}.bpmn": (DATA / "bpmn" / f"{name}.bpmn")
                                     .read_bytes()})
            self.versions[name] = deployed[0].version.id
        create_user(None, username="bench_cw", password="bench-password-1",
                    role="case_worker", email="bench_cw@example.test")
        self.user = db.session.scalar(db.select(User).where(User.username == "bench_cw"))
        self.company = create_company(self.user, legal_name="Bench Imports Inc.",
                                      entity_type="importer")
        self.company_id = self.company.id
        self.user_id = self.user.id

    def close(self) -> None:
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()
        self.ctx.pop()

    # -- (c) ----------------------------------------------------------------------------------
    def start(self, process_id: str, data: dict | None = None) -> int:
        from app.extensions import db
        from app.services.runtime.cases import start_case

        case = start_case(self.user, company_id=self.company_id, process_id=process_id,
                          data=data)
        case_id = case.id
        db.session.commit()
        return case_id

    def ready_task(self, case_id: int) -> int | None:
        from sqlalchemy import select

        from app.extensions import db
        from app.models import HumanTask

        task_id = db.session.scalar(select(HumanTask.id).where(
            HumanTask.case_id == case_id, HumanTask.state == "ready"))
        db.session.commit()  # end the lookup's transaction: complete() begins its own
        return task_id

    def complete_one(self, case_id: int) -> float:
        from app.services.tasks.actions import complete

        task_id = self.ready_task(case_id)
        t0 = time.perf_counter()
        complete(self.user, task_id, TASK_DATA)
        return time.perf_counter() - t0

    def state_json(self, case_id: int) -> str:
        from sqlalchemy import select

        from app.extensions import db
        from app.models import CaseState

        text = db.session.scalar(select(CaseState.state_json)
                                 .where(CaseState.case_id == case_id))
        db.session.commit()
        return text

    def six_tasks(self, cases: int) -> tuple[Figure, list[str]]:
        """(c) on the six-task diagram; also the real state JSON after each completion."""
        states: list[str] = []
        for i in range(3):  # warm-up
            case_id = self.start("six_tasks")
            for _ in range(6):
                self.complete_one(case_id)
                if i == 0:
                    states.append(self.state_json(case_id))
        samples = []
        for _ in range(cases):
            case_id = self.start("six_tasks")
            for _ in range(6):
                samples.append(self.complete_one(case_id))
            assert self.ready_task(case_id) is None
        return Figure(samples), states

    def loop(self, *, profile: cProfile.Profile | None = None
             ) -> tuple[dict[int, Figure], dict[int, str]]:
        """(c) at each loop depth; also the real state JSON after every completion."""
        warm = self.start("loop", LOOP_START)
        for _ in range(10):
            self.complete_one(warm)
        case_id = self.start("loop", LOOP_START)
        found: dict[int, list[float]] = {d: [] for d in LOOP_DEPTHS}
        states: dict[int, str] = {}
        last = max(LOOP_DEPTHS) + LOOP_SAMPLES - 1
        for n in range(1, last + 1):
            measured = [d for d in LOOP_DEPTHS if d <= n < d + LOOP_SAMPLES]
            if profile is not None and measured and measured[0] == max(LOOP_DEPTHS):
                profile.enable()
                dt = self.complete_one(case_id)
                profile.disable()
            else:
                dt = self.complete_one(case_id)
            for depth in measured:
                found[depth].append(dt)
            states[n] = self.state_json(case_id)
        return {d: Figure(s) for d, s in found.items()}, states

    # -- (b) ----------------------------------------------------------------------------------
    def bare_case(self, process_id: str, first_state: str) -> tuple[int, int, int]:
        """A case row, its state row and its first human task row, written directly."""
        from sqlalchemy import insert

        from app.extensions import db
        from app.models import Case, CaseState, HumanTask

        now = datetime.now(UTC)
        with db.engine.begin() as conn:
            case_id = conn.execute(insert(Case.__table__).values(
                company_id=self.company_id, process_version_id=self.versions[process_id],
                status="running", current_stage="Task 1", started_by_id=self.user_id,
                started_at=now, updated_at=now, lock_version=1)).inserted_primary_key[0]
            conn.execute(insert(CaseState.__table__).values(
                case_id=case_id, serializer_version="1.5", state_json=first_state))
            task_id = conn.execute(insert(HumanTask.__table__).values(
                case_id=case_id, engine_task_id=str(uuid.uuid4()), bpmn_id="t1",
                title="Task 1", role="case_worker", state="ready", priority=50,
                created_at=now)).inserted_primary_key[0]
        return case_id, task_id, 1

    def bare_complete(self, case_id: int, task_id: int, lock_version: int, state_json: str,
                      next_bpmn_id: str | None, next_title: str, completed_title: str
                      ) -> tuple[float, int]:
        """One transaction writing what SafePort writes for one completion."""
        from sqlalchemy import insert, update

        from app.extensions import db
        from app.models import AuditEvent, Case, CaseState, HumanTask

        cases, states = Case.__table__, CaseState.__table__
        tasks, events = HumanTask.__table__, AuditEvent.__table__
        t0 = time.perf_counter()
        now = datetime.now(UTC)
        with db.engine.begin() as conn:
            conn.execute(update(states).where(states.c.case_id == case_id)
                         .values(state_json=state_json))
            conn.execute(update(tasks).where(tasks.c.id == task_id).values(
                state="completed", completed_at=now, completed_by_id=self.user_id,
                assignee_id=self.user_id))
            conn.execute(insert(events).values(
                kind="task_completed", case_id=case_id, task_id=task_id,
                actor_id=self.user_id, at=now, details={"title": completed_title, "data": {}}))
            if next_bpmn_id is not None:
                new_id = conn.execute(insert(tasks).values(
                    case_id=case_id, engine_task_id=str(uuid.uuid4()), bpmn_id=next_bpmn_id,
                    title=next_title, role="case_worker", state="ready", priority=50,
                    created_at=now)).inserted_primary_key[0]
                conn.execute(insert(events).values(
                    kind="task_created", case_id=case_id, task_id=new_id,
                    actor_id=self.user_id, at=now,
                    details={"title": next_title, "role": "case_worker",
                             "element": next_bpmn_id}))
                case_values = {"current_stage": next_title}
            else:  # the last task ends the case
                new_id = task_id
                conn.execute(insert(events).values(
                    kind="case_completed", case_id=case_id, actor_id=self.user_id, at=now,
                    details={}))
                case_values = {"current_stage": None, "status": "completed",
                               "completed_at": now}
            changed = conn.execute(update(cases).where(
                cases.c.id == case_id, cases.c.lock_version == lock_version).values(
                updated_at=now, lock_version=lock_version + 1, **case_values)).rowcount
            assert changed == 1
        return time.perf_counter() - t0, new_id

    def bare_six_tasks(self, cases: int, states: list[str]) -> Figure:
        samples: list[float] = []
        for i in range(cases + 3):
            case_id, task_id, version = self.bare_case("six_tasks", states[0])
            for k in range(1, 7):
                nxt = (f"t{k + 1}", f"Task {k + 1}") if k < 6 else (None, "")
                dt, task_id = self.bare_complete(case_id, task_id, version, states[k - 1],
                                                 nxt[0], nxt[1], f"Task {k}")
                version += 1
                if i >= 3:  # the first three cases are warm-up
                    samples.append(dt)
        return Figure(samples)

    def bare_loop(self, states: dict[int, str]) -> dict[int, Figure]:
        found: dict[int, list[float]] = {d: [] for d in LOOP_DEPTHS}
        warm, task_id, version = self.bare_case("loop", states[1])
        for n in range(1, 11):
            _, task_id = self.bare_complete(warm, task_id, version, states[n], "step", "Step",
                                            "Step")
            version += 1
        case_id, task_id, version = self.bare_case("loop", states[1])
        for n in range(1, max(states) + 1):
            dt, task_id = self.bare_complete(case_id, task_id, version, states[n], "step",
                                             "Step", "Step")
            version += 1
            for depth in LOOP_DEPTHS:
                if depth <= n < depth + LOOP_SAMPLES:
                    found[depth].append(dt)
        return {d: Figure(s) for d, s in found.items()}


# -- runs -------------------------------------------------------------------------------------
def run_database(db_name: str, url: str, cases: int, raw: RawSpiff,
                 results: list[tuple[str, float, float]]) -> None:
    started = time.perf_counter()
    sp = SafePort(url)
    try:
        c_six, six_states = sp.six_tasks(cases)
        b_six = sp.bare_six_tasks(cases, six_states)
        a_six = raw.six_tasks(cases)
        print(f"{db_name} six_tasks state_json_bytes after_task_1={len(six_states[0])} "
              f"after_task_6={len(six_states[-1])}")
        report(db_name, "six_tasks", a_six, b_six, c_six, results)

        c_loop, loop_states = sp.loop()
        b_loop = sp.bare_loop(loop_states)
        a_loop = raw.loop()
        for depth in LOOP_DEPTHS:
            print(f"{db_name} loop@{depth} state_json_bytes={len(loop_states[depth])}")
            report(db_name, f"loop@{depth}", a_loop[depth], b_loop[depth], c_loop[depth],
                   results)
        lo, hi = min(LOOP_DEPTHS), max(LOOP_DEPTHS)
        for label, figs in (("a_raw_spiff", a_loop), ("b_bare_db", b_loop),
                            ("c_safeport", c_loop)):
            print(f"{db_name} growth loop@{hi}/loop@{lo} {label} "
                  f"median={figs[hi].median_ms / figs[lo].median_ms:.2f}")
    finally:
        sp.close()
    print(f"{db_name} elapsed_s={time.perf_counter() - started:.1f}", flush=True)


def run_profile(top: int = 15) -> None:
    """cProfile around (c) at the deepest loop depth on SQLite; top entries in app/ and Spiff."""
    with tempfile.TemporaryDirectory(prefix="safeport-bench-") as tmp:
        sp = SafePort(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            profile = cProfile.Profile()
            figs, _ = sp.loop(profile=profile)
        finally:
            sp.close()
    depth = max(LOOP_DEPTHS)
    print(f"profile sqlite loop@{depth} c_safeport median_ms={figs[depth].median_ms:.3f} "
          f"(under cProfile, n={len(figs[depth].samples)})")
    stats = pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative")
    pattern = re.escape(str(ROOT / "app") + os.sep) + "|SpiffWorkflow"
    stats.print_stats(pattern, top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--cases", type=int, default=50,
                        help="six-task cases measured per database (default 50)")
    parser.add_argument("--profile", action="store_true",
                        help="profile (c) at the 200th loop task on SQLite instead")
    args = parser.parse_args(argv)
    if args.profile:
        run_profile()
        return 0

    started = time.perf_counter()
    raw = RawSpiff()
    results: list[tuple[str, float, float]] = []
    runs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for db_name in runs:
        if db_name == "sqlite":
            with tempfile.TemporaryDirectory(prefix="safeport-bench-") as tmp:
                run_database("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", args.cases, raw,
                             results)
            continue
        url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG_URL)
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        try:
            ensure_pg_database(url)
        except Exception as err:  # report and go on with the other database
            print(f"postgres skipped: {str(err).splitlines()[0] if str(err) else err!r}")
            continue
        run_database("postgres", url, args.cases, raw, results)

    if results:
        worst_med = max(results, key=lambda r: r[1])
        worst_p95 = max(results, key=lambda r: r[2])
        over = [name for name, med, hi in results if med > 1.5 or hi > 1.5]
        print(f"summary worst ratio median={worst_med[1]:.2f} ({worst_med[0]})")
        print(f"summary worst ratio p95={worst_p95[2]:.2f} ({worst_p95[0]})")
        print(f"summary ratios above 1.5: {', '.join(over) if over else 'none'}")
    print(f"summary elapsed_s={time.perf_counter() - started:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How much SafePort adds to SpiffWorkflow and the database per completed user task, and how
much the HTTP API adds to that.

    .venv/bin/python bench/engine.py [--db sqlite|postgres|both] [--cases N] [--no-http]
                                     [--profile]

For each database, on the same diagrams, it times one completed user task five ways:

(a)  a_raw_spiff     raw SpiffWorkflow in memory: find the ready user task, set its data,
                     task.run(), do_engine_steps() (parsed once with SpiffBpmnParser);
(b)  b_bare_db       one bare SQLAlchemy Core transaction writing the rows SafePort writes per
                     completion (bench/baselines.py, as (a));
(c)  c_safeport      app.services.tasks.actions.complete(user, task_id, {});
(d1) d1_test_client  POST /api/v1/tasks/<id>/complete through Flask's test client;
(d2) d2_gunicorn     the same request to one gunicorn worker (the production command) over a
                     local HTTP connection (bench/over_http.py).

Scenarios: tests/data/bpmn/six_tasks.bpmn (N cases x 6 tasks), and tests/data/bpmn/loop.bpmn at
the 5th and the 200th completed task of a case (completions 5..34 and 200..229). The five run in
turns (bench/lanes.py), each a block of completions in a row (five cases; a depth's 30 loop
tasks): each runs warm as in a loop of its own, and all close in time, so a machine shared with
other work slows them alike. (b) writes the state JSON (c) produced. Every figure
(median and p95 in ms), every ratio c/(a+b) and d/c, the growth from the 5th to the 200th loop
task, and the SQL statements, commits and round trips of one completion (bench/statements.py)
are printed on lines of their own. Targets (c/(a+b) <= 1.5, d/c <= 1.3, c's growth <= that of
a+b) are summarised, not asserted. PostgreSQL: BENCH_DATABASE_URL (default below); the database
is created when missing and its public schema is DROPPED and re-migrated on every run. SQLite:
a temp file.

--profile runs cProfile around (c) at the 200th task of the loop case on SQLite only and prints
the top cumulative entries inside app/ and SpiffWorkflow.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.baselines import BareDb, RawSpiff  # noqa: E402  (after the path set-up)
from bench.figures import Figure, Results, report, report_counts, report_growth, summarise  # noqa: E402
from bench.statements import count_statements  # noqa: E402

DATA = ROOT / "tests" / "data"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/safeport_bench"
LOOP_DEPTHS = (5, 200)
LOOP_SAMPLES = 30
BLOCK = 5  # six-task cases a lane completes in a row before the next lane's turn
TASK_DATA: dict = {}
LOOP_START = {"done": False}
USERNAME, PASSWORD = "bench_cw", "bench-password-1"


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

        self.url = url
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
        create_user(None, username=USERNAME, password=PASSWORD, role="case_worker",
                    email="bench_cw@example.test")
        self.user = db.session.scalar(db.select(User).where(User.username == USERNAME))
        self.company_id = create_company(self.user, legal_name="Bench Imports Inc.",
                                         entity_type="importer").id
        self.user_id = self.user.id
        self.bare = BareDb(self.company_id, self.user_id, self.versions)

    def close(self) -> None:
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()
        self.ctx.pop()

    def count(self, fn, engine=None):
        """Run `fn` under a statement count on `engine` (the app's); (its result, Counts)."""
        from app.extensions import db

        with count_statements(engine or db.engine) as counts:
            result = fn()
        return result, counts

    # The bench's own reads go through a connection of their own, not the session: a commit
    # there would expire the user before every measured call and add a reload SafePort's
    # requests do not make.
    def _read(self, statement):
        from app.extensions import db

        with db.engine.connect() as conn:
            return conn.scalar(statement)

    def ready_task(self, case_id: int) -> int | None:
        from sqlalchemy import select

        from app.models import HumanTask

        return self._read(select(HumanTask.id).where(HumanTask.case_id == case_id,
                                                     HumanTask.state == "ready"))

    def state_json(self, case_id: int) -> str:
        from sqlalchemy import select

        from app.models import CaseState

        return self._read(select(CaseState.state_json).where(CaseState.case_id == case_id))

    def token(self) -> str:
        from app.services.identity.users import issue_token

        return issue_token(self.user)


class ServiceDriver:
    """(c) the task service called directly, in the bench's app context."""

    label = "c_safeport"

    def __init__(self, sp: SafePort):
        from app.extensions import db

        self.sp, self.engine = sp, db.engine

    def start(self, process_id: str, data: dict | None = None) -> int:
        from app.services.runtime.cases import start_case

        return start_case(self.sp.user, company_id=self.sp.company_id, process_id=process_id,
                          data=data).id

    def complete(self, task_id: int, data: dict) -> float:
        from app.services.tasks.actions import complete

        t0 = time.perf_counter()
        complete(self.sp.user, task_id, data)
        return time.perf_counter() - t0

    def close(self) -> None:
        pass


# -- runs -------------------------------------------------------------------------------------
@dataclass
class Run:
    """Samples (seconds) and counts of one database, per lane label (and loop depth)."""

    six: dict = field(default_factory=dict)
    loops: dict = field(default_factory=dict)
    six_counts: dict = field(default_factory=dict)
    loop_counts: dict = field(default_factory=dict)


def run_lanes(lanes: list, cases: int, profile: cProfile.Profile | None = None) -> Run:
    """Measure the lanes in turns, each a block of completions in a row (so each runs warm, as
    in a loop of its own, and all run close in time). Six-task cases: a warm-up of three, then
    blocks of BLOCK cases up to `cases`, then one more case with its third completion counted.
    Loop: every lane's loop case is taken to just before a depth, then each lane completes its
    LOOP_SAMPLES tasks in a row and one more, counted. `profile` (if given) runs around the
    first lane's completions at the deepest depth."""
    run = Run()
    for lane in lanes:
        run.six[lane.label], run.loops[lane.label] = [], {d: [] for d in LOOP_DEPTHS}
        for _ in range(3):
            lane.six_case()
    for block in range(0, cases, BLOCK):
        for lane in lanes:
            for _ in range(min(BLOCK, cases - block)):
                run.six[lane.label] += lane.six_case()[0]
    for lane in lanes:
        counts = lane.six_case(count=True)[1]
        if counts is not None:
            run.six_counts[lane.label] = counts
        lane.loop_begin()
    done = 0
    for depth in LOOP_DEPTHS:
        for lane in lanes:
            for _ in range(done, depth - 1):
                lane.loop_step()
            if profile is not None and lane is lanes[0] and depth == max(LOOP_DEPTHS):
                profile.enable()
            run.loops[lane.label][depth] = [lane.loop_step()[0] for _ in range(LOOP_SAMPLES)]
            if profile is not None:
                profile.disable()
            counts = lane.loop_step(count=True)[1]
            if counts is not None:
                run.loop_counts.setdefault(lane.label, {})[depth] = counts
        done = depth + LOOP_SAMPLES
    return run


def measure(sp: SafePort, cases: int, raw: RawSpiff, http: bool) -> tuple[Run, list, dict]:
    """Record (b)'s states through (c), then run every lane in turns; the driver of each
    (d) lives (its gunicorn up) for the whole run."""
    from bench.lanes import BareLane, DriverLane, RawLane, record_states

    service = ServiceDriver(sp)
    steps = max(LOOP_DEPTHS) + LOOP_SAMPLES + 1
    six_states, loop_states = record_states(sp, service, TASK_DATA, LOOP_START, steps)
    drivers, floors, running = [service], [], []
    try:
        if http:
            from bench.floor import GunicornFloor, test_client_lane
            from bench.over_http import GunicornDriver, TestClientDriver
            from tests.server_process import production_env

            drivers.append(TestClientDriver(make_config(sp.url), sp.token(), sp.company_id))
            drivers.append(GunicornDriver(sp.url, USERNAME, PASSWORD, sp.company_id))
            running.append(GunicornFloor(production_env(sp.url)))
            floors = [test_client_lane(), running[0].lane]
        lanes = [RawLane(raw, LOOP_START, TASK_DATA),
                 BareLane(sp, sp.bare, six_states, loop_states),
                 *(DriverLane(sp, d, LOOP_START, TASK_DATA) for d in drivers), *floors]
        return run_lanes(lanes, cases), six_states, loop_states
    finally:
        for driver in [*drivers, *running]:
            driver.close()


def run_database(db_name: str, url: str, cases: int, raw: RawSpiff, results: Results,
                 http: bool = True) -> None:
    started = time.perf_counter()
    sp = SafePort(url)
    try:
        run, six_states, loop_states = measure(sp, cases, raw, http)
    finally:
        sp.close()
    six = {k: Figure(v) for k, v in run.six.items()}
    print(f"{db_name} six_tasks state_json_bytes after_task_1={len(six_states[0])} "
          f"after_task_6={len(six_states[-1])}")
    report(db_name, "six_tasks", six, results)
    report_counts(db_name, "six_tasks", run.six_counts)
    for depth in LOOP_DEPTHS:
        print(f"{db_name} loop@{depth} state_json_bytes={len(loop_states[depth])}")
        report(db_name, f"loop@{depth}", {k: Figure(v[depth]) for k, v in run.loops.items()},
               results)
        report_counts(db_name, f"loop@{depth}", {k: v[depth] for k, v in
                                                 run.loop_counts.items()})
    report_growth(db_name, {k: {d: Figure(s) for d, s in v.items()}
                            for k, v in run.loops.items()}, results)
    print(f"{db_name} elapsed_s={time.perf_counter() - started:.1f}", flush=True)


def run_profile(top: int = 15) -> None:
    """cProfile around (c) at the deepest loop depth on SQLite; top entries in app/ and Spiff."""
    from bench.lanes import DriverLane

    with tempfile.TemporaryDirectory(prefix="safeport-bench-") as tmp:
        sp = SafePort(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            profile = cProfile.Profile()
            lane = DriverLane(sp, ServiceDriver(sp), LOOP_START, TASK_DATA)
            run = run_lanes([lane], 0, profile)
        finally:
            sp.close()
    depth = max(LOOP_DEPTHS)
    fig = Figure(run.loops[lane.label][depth])
    print(f"profile sqlite loop@{depth} c_safeport median_ms={fig.median_ms:.3f} "
          f"(under cProfile, n={len(fig.samples)})")
    stats = pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative")
    pattern = re.escape(str(ROOT / "app") + os.sep) + "|SpiffWorkflow"
    stats.print_stats(pattern, top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--cases", type=int, default=50,
                        help="six-task cases measured per database and driver (default 50)")
    parser.add_argument("--no-http", action="store_true", help="skip (d1) and (d2)")
    parser.add_argument("--profile", action="store_true",
                        help="profile (c) at the 200th loop task on SQLite instead")
    args = parser.parse_args(argv)
    if args.profile:
        run_profile()
        return 0

    started = time.perf_counter()
    raw = RawSpiff(DATA / "bpmn")
    results: Results = []
    runs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for db_name in runs:
        if db_name == "sqlite":
            with tempfile.TemporaryDirectory(prefix="safeport-bench-") as tmp:
                run_database("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", args.cases, raw,
                             results, not args.no_http)
            continue
        url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG_URL)
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        try:
            ensure_pg_database(url)
        except Exception as err:  # report and go on with the other database
            print(f"postgres skipped: {str(err).splitlines()[0] if str(err) else err!r}")
            continue
        run_database("postgres", url, args.cases, raw, results, not args.no_http)
    summarise(results)
    print(f"summary elapsed_s={time.perf_counter() - started:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Inbox speed at scale: 100,000 cases and 1,000,000 task rows on PostgreSQL.

    .venv/bin/python bench/inbox.py [--cases 100000] [--tasks-per-case 10] [--runs 60]

Seeds BENCH_INBOX_DATABASE_URL (default below; the database is created when missing and its
public schema is DROPPED and re-migrated on every run) with companies, users of every role, and
cases whose task rows are mostly completed with one open task each (half of them claimed),
then measures for each role:

  query  app.services.tasks.inbox.inbox_page(...)  (count, page of rows, tab counts, stages)
  page   GET /inbox through the Flask test client as that user (query + sign-in + template)

for the views a user opens all day (My tasks, the role queue, sorted by each header both
ways, searched by company, task name, person and case number, filtered by overdue,
unassigned and due this week). It prints p50 and p95 in ms per role and view, and the
targets: query p95 <= 50 ms, page p95 <= 150 ms. Nothing is asserted.
"""
from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DATA = ROOT / "tests" / "data"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/safeport_bench_inbox"
STAGES = ("Eligibility review", "Portal application", "Security profile", "Specialist review",
          "Validation", "Annual review")
ROLE_WEIGHTS = (("case_worker", 0.5), ("applicant", 0.3), ("specialist", 0.2))
ENTITY_TYPES = ("importer", "exporter", "customs_broker", "sea_carrier", "air_carrier",
                "highway_carrier_us_mexico", "foreign_manufacturer")
QUERY_TARGET, PAGE_TARGET = 50.0, 150.0


def p95(samples: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def ensure_database(url: str) -> None:
    """Create the bench database when it does not exist."""
    from sqlalchemy import create_engine, text

    name = url.rsplit("/", 1)[1]
    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def make_app(url: str):
    """The app on the bench database (test settings: no CSRF, plain-HTTP cookies)."""
    from app import create_app
    from config import TestConfig

    config = type("BenchConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "PERIODS": dict(TestConfig.PERIODS), "INBOX_STAGES_CACHE_SECONDS": 60,
        "FORMS_DIR": os.pathsep.join([str(DATA / "forms"), str(ROOT / "forms")]),
    })
    return create_app(config)


def seed(n_cases: int, tasks_per_case: int, rng: random.Random) -> dict[str, int]:
    """Migrate from empty and bulk-load companies, users, cases and task rows with COPY."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app.extensions import db
    from app.services.repository.deployments import deploy

    db.session.execute(text("DROP SCHEMA public CASCADE"))
    db.session.execute(text("CREATE SCHEMA public"))
    db.session.commit()
    upgrade()
    version_id = deploy(None, {"two_lanes.bpmn": (DATA / "bpmn" / "two_lanes.bpmn")
                               .read_bytes()})[0].version.id
    now = datetime.now(UTC)
    n_companies = max(1, n_cases // 100)
    password_hash = _password_hash()
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy("COPY companies (id, legal_name, entity_type, created_at) FROM STDIN") as c:
            for i in range(1, n_companies + 1):
                kind = rng.choice(("Imports", "Freight", "Logistics", "Manufacturing"))
                c.write_row((i, f"Company {i:05d} {kind}", rng.choice(ENTITY_TYPES), now))
        users: dict[str, list[int]] = {"case_worker": [], "specialist": [], "admin": []}
        applicant_of: dict[int, int] = {}
        with cur.copy("COPY users (id, username, password_hash, role, company_id, active, "
                      "created_at) FROM STDIN") as c:
            uid = 0
            for role, count in (("case_worker", 50), ("specialist", 20), ("admin", 2)):
                for i in range(count):
                    uid += 1
                    c.write_row((uid, f"{role}{i}", password_hash, role, None, True, now))
                    users[role].append(uid)
            for company in range(1, n_companies + 1):
                uid += 1
                c.write_row((uid, f"applicant{company}", password_hash, "applicant", company,
                             True, now))
                applicant_of[company] = uid
        with cur.copy("COPY cases (id, company_id, process_version_id, status, current_stage, "
                      "started_at, updated_at, lock_version) FROM STDIN") as c:
            for case in range(1, n_cases + 1):
                started = now - timedelta(days=rng.uniform(0, 720))
                c.write_row((case, (case - 1) % n_companies + 1, version_id, "running",
                             rng.choice(STAGES), started, now, 1))
        roles = [r for r, _ in ROLE_WEIGHTS]
        weights = [w for _, w in ROLE_WEIGHTS]
        with cur.copy("COPY human_tasks (id, case_id, engine_task_id, bpmn_id, title, role, "
                      "state, assignee_id, due_at, priority, created_at, completed_at, "
                      "completed_by_id) FROM STDIN") as c:
            tid = 0
            for case in range(1, n_cases + 1):
                company = (case - 1) % n_companies + 1
                for step in range(tasks_per_case):
                    tid += 1
                    role = rng.choices(roles, weights)[0]
                    people = users[role] if role != "applicant" else [applicant_of[company]]
                    created = now - timedelta(days=rng.uniform(0, 700))
                    due = created + timedelta(days=rng.choice((3, 14, 30, 60))) \
                        if rng.random() < 0.9 else None
                    if step < tasks_per_case - 1:  # history
                        who = rng.choice(people)
                        c.write_row((tid, case, f"{case}-{step}", f"task_{step}",
                                     f"Step {step}", role, "completed", who, due,
                                     rng.randint(0, 100), created, created + timedelta(hours=5),
                                     who))
                    else:  # the one open task of the case
                        created = now - timedelta(days=rng.uniform(0, 40))
                        due = created + timedelta(days=rng.choice((3, 14, 30, 60))) \
                            if rng.random() < 0.9 else None
                        holder = rng.choice(people) if rng.random() < 0.5 else None
                        c.write_row((tid, case, f"{case}-{step}", f"task_{step}",
                                     rng.choice(STAGES) + " task", role, "ready", holder, due,
                                     rng.randint(0, 100), created, None, None))
        for table in ("companies", "users", "cases", "human_tasks"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))")
        raw.commit()
    finally:
        raw.close()
    db.session.commit()  # no open snapshot, so VACUUM can mark every page all-visible
    db.session.remove()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return {"case_worker": users["case_worker"][0], "specialist": users["specialist"][0],
            "admin": users["admin"][0], "applicant": applicant_of[1]}


def _password_hash() -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash("bench-password-1")


def views_for(role: str) -> list[tuple[str, dict[str, str]]]:
    """The inbox views measured for a role, as query arguments."""
    queue = "case_worker" if role == "admin" else role
    return [("my tasks", {"view": "mine"}), ("queue", {"view": queue}),
            ("queue by priority", {"view": queue, "sort": "priority"}),
            ("queue newest", {"view": queue, "sort": "created"}),
            ("queue page 5", {"view": queue, "page": "5"}),
            ("queue search", {"view": queue, "q": "company 0001"}),
            ("queue overdue", {"view": queue, "overdue": "1"}),
            ("queue by company", {"view": queue, "sort": "company"}),
            ("queue by task", {"view": queue, "sort": "title", "order": "desc"}),
            ("queue due desc p5", {"view": queue, "sort": "due", "order": "desc", "page": "5"}),
            ("search task name", {"view": queue, "q": "validation"}),
            ("search person", {"view": queue, "q": "case_worker1"}),
            ("search case no.", {"view": queue, "q": "#4242"}),
            ("queue unassigned", {"view": queue, "assigned": "unassigned"}),
            ("queue due week", {"view": queue, "due_week": "1"}),
            ("mine by company", {"view": "mine", "sort": "company"})]


def measure(app, user_ids: dict[str, int], runs: int) -> list[tuple]:
    """Time the inbox query and page for every role and view; rows of figures."""
    from urllib.parse import urlencode

    from app.extensions import db
    from app.models import User
    from app.services.tasks import inbox as worklist

    results = []
    for role, user_id in user_ids.items():
        client = app.test_client()
        username = db.session.get(User, user_id).username
        assert client.post("/login", data={"username": username,
                                           "password": "bench-password-1"}).status_code == 302
        for label, args in views_for(role):
            filters, _ = worklist.parse_filters(args)
            query_ms, page_ms = [], []
            for i in range(runs + 3):
                db.session.remove()
                actor = db.session.get(User, user_id)
                start = time.perf_counter()
                found = worklist.inbox_page(actor, filters)
                elapsed = (time.perf_counter() - start) * 1000
                start = time.perf_counter()
                response = client.get("/inbox?" + urlencode(args))
                page_elapsed = (time.perf_counter() - start) * 1000
                assert response.status_code == 200, response.status_code
                if i >= 3:  # warm-up
                    query_ms.append(elapsed)
                    page_ms.append(page_elapsed)
            results.append((role, label, found.total, statistics.median(query_ms),
                            p95(query_ms), statistics.median(page_ms), p95(page_ms)))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--tasks-per-case", type=int, default=10)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--no-seed", action="store_true", help="reuse the last seeded data")
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_INBOX_DATABASE_URL", DEFAULT_URL)
    try:
        ensure_database(url)
    except Exception as err:  # no PostgreSQL here: say so and stop
        print(f"PostgreSQL is not reachable at {url}: {str(err).splitlines()[0]}")
        return 1
    app = make_app(url)
    with app.app_context():
        from sqlalchemy import text

        from app.extensions import db

        if args.no_seed:
            row = db.session.execute(text(
                "SELECT (SELECT min(id) FROM users WHERE role = 'case_worker'), "
                "(SELECT min(id) FROM users WHERE role = 'specialist'), "
                "(SELECT min(id) FROM users WHERE role = 'admin'), "
                "(SELECT min(id) FROM users WHERE role = 'applicant')")).one()
            user_ids = dict(zip(("case_worker", "specialist", "admin", "applicant"), row,
                                strict=True))
        else:
            start = time.perf_counter()
            user_ids = seed(args.cases, args.tasks_per_case, random.Random(4))
            print(f"seeded {args.cases:,} cases and {args.cases * args.tasks_per_case:,} task "
                  f"rows in {time.perf_counter() - start:.1f} s")
        counts = db.session.execute(text(
            "SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM human_tasks), "
            "(SELECT count(*) FROM human_tasks WHERE state = 'ready')")).one()
        print(f"database: {counts[0]:,} cases, {counts[1]:,} task rows, {counts[2]:,} open")
        results = measure(app, user_ids, args.runs)
        db.session.remove()
        db.engine.dispose()
    print(f"\n{'role':<12} {'view':<18} {'total':>7} {'query p50':>10} {'p95':>7} "
          f"{'page p50':>9} {'p95':>7}")
    worst_query = worst_page = 0.0
    for role, label, total, q50, q95, g50, g95 in results:
        worst_query, worst_page = max(worst_query, q95), max(worst_page, g95)
        print(f"{role:<12} {label:<18} {total:>7} {q50:>10.1f} {q95:>7.1f} {g50:>9.1f} "
              f"{g95:>7.1f}")
    print(f"\nworst query p95 {worst_query:.1f} ms (target <= {QUERY_TARGET:.0f}); "
          f"worst page p95 {worst_page:.1f} ms (target <= {PAGE_TARGET:.0f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

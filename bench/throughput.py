"""Whole six-task instances per second over HTTP, with 1, 2 and 4 gunicorn workers.

    .venv/bin/python bench/throughput.py [--workers 1,2,4] [--duration 20] [--threads N]

Sets up PostgreSQL the way README "Production" does (BENCH_THROUGHPUT_DATABASE_URL, default
below; the database is DROPPED and re-created on every run): `flask db upgrade`, an admin,
`flask deploy` of tests/data/bpmn/six_tasks.bpmn. For each worker count it starts
`gunicorn -c gunicorn.conf.py wsgi:app` (SAFEPORT_ENV=production, WEB_CONCURRENCY workers) and
lets client threads (default 2 per worker, at least 4) each run instances back to back for
--duration seconds after a 3 s warm-up: `POST /api/v1/cases` (six_tasks), then six times
`POST /api/v1/tasks/<id>/complete` for its ready task (looked up in the database by the client,
outside the API). It prints instances/s, requests/s, p50/p95 of each request kind, the 5xx
count, and checks the audit trail: every instance counted has six `task_completed` events and a
`case_completed` one. Before the runs it counts the SQL statements, commits and round trips of
one whole instance through the same API in this process (bench/statements.py).
Nothing is asserted. The client threads share the 2-core machine with the server.
"""
from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.over_http import HttpClient  # noqa: E402  (after the path set-up above)
from bench.statements import Counts, count_statements  # noqa: E402
from tests.server_process import (  # noqa: E402
    ProductionServer,
    flask_cli,
    production_env,
    recreate_database,
)

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/safeport_bench_throughput"
PASSWORD = "bench-password-1"
WARM_UP = 3.0


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else float("nan")


def prepare(url: str) -> dict[str, str]:
    """Migrate the (re-created) database, create the admin, deploy six_tasks.bpmn; the env."""
    env = production_env(url)
    flask_cli(env, "db", "upgrade")
    flask_cli(env, "create-user", "admin", "--role", "admin", "--password", PASSWORD)
    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(ROOT / "tests" / "data" / "bpmn" / "six_tasks.bpmn", folder)
        flask_cli(env, "deploy", folder)
    return env


def call(http: HttpClient, method: str, path: str, token: str | None = None,
         body: dict | None = None, expect: int = 200) -> dict:
    status, answer = http.call(method, path, token, body)
    if status != expect:
        raise SystemExit(f"{method} {path}: {status} {answer}")
    return answer


def populate(server: ProductionServer) -> int:
    """A company and the case worker `bench_cw` (through the API, as the admin): the company."""
    http = HttpClient("127.0.0.1", server.port)
    admin = call(http, "POST", "/auth/token", body={"username": "admin",
                                                    "password": PASSWORD})["token"]
    company = call(http, "POST", "/companies", admin,
                   {"legal_name": "Throughput Imports Inc.", "entity_type": "importer"}, 201)
    call(http, "POST", "/users", admin,
         {"username": "bench_cw", "password": PASSWORD, "role": "case_worker"}, 201)
    http.close()
    return company["id"]


def ready_task(conn, case_id: int) -> int | None:
    row = conn.execute("SELECT id FROM human_tasks WHERE case_id = %s AND state = 'ready'",
                       (case_id,)).fetchone()
    return row[0] if row else None


def count_instance(url: str, company_id: int) -> Counts:
    """Statements of one whole instance (start + six completions) through the API, in-process
    (the test client of an app on the same database)."""
    from app import create_app
    from app.extensions import db
    from app.models import User
    from app.services.identity.users import issue_token
    from tests.conftest import make_config

    app = create_app(make_config(url))
    with app.app_context():
        token = issue_token(db.session.scalar(db.select(User).where(
            User.username == "bench_cw")))
        engine = db.engine
    client, headers = app.test_client(), {"Authorization": f"Bearer {token}"}
    import psycopg

    total = Counts()
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        for counted in (False, True):  # the first instance warms the caches
            with count_statements(engine) as counts:
                answer = client.post("/api/v1/cases", headers=headers, json={
                    "company_id": company_id, "process_id": "six_tasks", "data": {}})
                case_id = answer.get_json()["id"]
                for _ in range(6):
                    task_id = ready_task(conn, case_id)
                    client.post(f"/api/v1/tasks/{task_id}/complete", headers=headers,
                                json={"data": {}})
                conn.commit()
            if counted:
                total = counts
    engine.dispose()
    return total


class Client(threading.Thread):
    """Runs instances back to back until `stop_at`; counts those finished after `count_from`."""

    def __init__(self, port: int, token: str, company_id: int, url: str, count_from: float,
                 stop_at: float):
        super().__init__(daemon=True)
        self.http = HttpClient("127.0.0.1", port)
        self.token, self.company_id, self.url = token, company_id, url
        self.count_from, self.stop_at = count_from, stop_at
        self.samples: dict[str, list[float]] = {"start": [], "complete": []}
        self.statuses: Counter = Counter()
        self.finished: list[int] = []

    def _timed(self, kind: str, path: str, body: dict) -> dict | None:
        self.http.ready()
        t0 = time.perf_counter()
        status, answer = self.http.call("POST", path, self.token, body)
        if time.monotonic() >= self.count_from:
            self.samples[kind].append(time.perf_counter() - t0)
            self.statuses[status] += 1
        return answer if status in (200, 201) else None

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while time.monotonic() < self.stop_at:
                case = self._timed("start", "/cases", {
                    "company_id": self.company_id, "process_id": "six_tasks", "data": {}})
                if case is None:
                    continue
                done = 0
                for _ in range(6):
                    task_id = ready_task(conn, case["id"])
                    if task_id is None or self._timed("complete", f"/tasks/{task_id}/complete",
                                                      {"data": {}}) is None:
                        break
                    done += 1
                if done == 6 and self.count_from <= time.monotonic() <= self.stop_at:
                    self.finished.append(case["id"])
        self.http.close()


def audit_check(url: str, cases: list[int]) -> str:
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT case_id, count(*) FILTER (WHERE kind = 'task_completed'), "
            "count(*) FILTER (WHERE kind = 'case_completed') FROM audit_events "
            "WHERE case_id = ANY(%s) GROUP BY case_id", (cases,)).fetchall()
    good = sum(1 for _, done, ended in rows if done == 6 and ended == 1)
    return f"audit instances_checked={len(cases)} complete_trail={good} " \
           f"wrong={len(cases) - good}"


def run(env: dict[str, str], url: str, company_id: int, workers: int, threads: int,
        duration: float) -> None:
    with ProductionServer(env, workers=workers) as server:
        http = HttpClient("127.0.0.1", server.port)
        token = call(http, "POST", "/auth/token",
                     body={"username": "bench_cw", "password": PASSWORD})["token"]
        http.close()
        began = time.monotonic()
        plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
        clients = [Client(server.port, token, company_id, plain, began + WARM_UP,
                          began + WARM_UP + duration) for _ in range(threads)]
        cpu = time.process_time()
        for client in clients:
            client.start()
        for client in clients:
            client.join(duration + WARM_UP + 60)
        client_cpu = time.process_time() - cpu
        log = server.output()
    finished = [case for c in clients for case in c.finished]
    statuses = sum((c.statuses for c in clients), Counter())
    requests = sum(statuses.values())
    print(f"workers={workers} threads={threads} duration_s={duration:g} "
          f"instances={len(finished)} instances_per_s={len(finished) / duration:.1f} "
          f"requests_per_s={requests / duration:.1f} client_cpu_s={client_cpu:.1f}")
    for kind in ("start", "complete"):
        times = [1000 * t for c in clients for t in c.samples[kind]]
        print(f"workers={workers} {kind:8} n={len(times)} p50_ms={percentile(times, 0.5):.1f} "
              f"p95_ms={percentile(times, 0.95):.1f}")
    fivexx = sum(n for status, n in statuses.items() if status >= 500)
    print(f"workers={workers} statuses "
          f"{' '.join(f'{k}:{v}' for k, v in sorted(statuses.items()))} 5xx={fivexx} "
          f"{audit_check(url.replace('postgresql+psycopg://', 'postgresql://', 1), finished)}",
          flush=True)
    if "Traceback" in log:
        print(f"server tracebacks={log.count('Traceback')}; the first:\n"
              f"{log[log.index('Traceback'):][:3000]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2,4", help="worker counts (default 1,2,4)")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--threads", type=int, default=None,
                        help="client threads (default 2 per worker, at least 4)")
    args = parser.parse_args()
    url = os.environ.get("BENCH_THROUGHPUT_DATABASE_URL", DEFAULT_URL)
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        recreate_database(url)
    except Exception as err:  # PostgreSQL down: say so, like the other benches
        print(f"PostgreSQL unreachable ({str(err).splitlines()[0]}): skipped")
        return
    env = prepare(url)
    with ProductionServer(env, workers=1) as server:
        company_id = populate(server)
    counts = count_instance(url, company_id)
    print(f"per_instance (start + 6 completions, through the API) {counts.line()}", flush=True)
    for workers in (int(w) for w in args.workers.split(",")):
        run(env, url, company_id, workers, args.threads or max(4, 2 * workers), args.duration)


if __name__ == "__main__":
    main()

"""N concurrent case workers against the production command: throughput, latency, lost work.

    .venv/bin/python bench/load.py [--users 50] [--duration 60] [--workers N] [--cases N]

Sets up a deployment the way README "Production" does, on PostgreSQL
(BENCH_LOAD_DATABASE_URL, default below; the database is DROPPED and re-created on every run):
`flask db upgrade`, `flask create-user` (an admin), `flask deploy` of tests/data/bpmn/loop.bpmn
(one user task that repeats forever, so work never runs out). Then it starts
`gunicorn -c gunicorn.conf.py wsgi:app` (SAFEPORT_ENV=production; WEB_CONCURRENCY from
--workers, else gunicorn.conf.py's default), creates a company, --users case workers and --cases
loop cases through the JSON API, and lets every user loop for --duration seconds, one thread each:
list the role inbox (a random page), open a random unclaimed task, claim it, complete it.
Nothing is sent after the deadline; a request still running then may finish (30 s timeout).

It prints requests/s and completions/s, p50/p95 (ms) and status counts per request kind, the
5xx count, and the audit trail compared with the client's view: `lost` = tasks answered 200 on
complete without a task_completed event, `doubled` = tasks with two or more task_completed
events, `unanswered` = task_completed events whose complete got no 200 (a timeout or a 5xx after
the commit). Nothing is asserted.
"""
from __future__ import annotations

import argparse
import math
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy.exc import OperationalError  # noqa: E402

from tests.server_process import (  # noqa: E402  (after the path set-up above)
    ProductionServer,
    call,
    flask_cli,
    production_env,
    recreate_database,
)

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/safeport_bench_load"
KINDS = ("inbox", "open", "claim", "complete")
PASSWORD = "bench-password-1"
PER_PAGE = 50


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else float("nan")


@dataclass
class UserResult:
    """What one simulated user saw: (status, seconds) per request kind, tasks completed."""

    samples: dict[str, list[tuple[int, float]]] = field(
        default_factory=lambda: defaultdict(list))
    completed: list[int] = field(default_factory=list)
    empty_inbox: int = 0


class User:
    """One case worker looping inbox -> open -> claim -> complete until the deadline."""

    def __init__(self, api: str, token: str, deadline: float, seed: int):
        self.api, self.token, self.deadline = api, token, deadline
        self.rng = random.Random(seed)
        self.result = UserResult()
        self.pages = 1

    def _call(self, kind: str, method: str, path: str, body: dict | None = None):
        began = time.perf_counter()
        try:
            status, answer = call(method, self.api + path, self.token, body, timeout=30)
        except OSError:  # refused, reset or timed out: no answer at all
            status, answer = 0, {}
        self.result.samples[kind].append((status, time.perf_counter() - began))
        return status, answer

    def _pick(self) -> int | None:
        page = self.rng.randint(1, self.pages)
        status, inbox = self._call("inbox", "GET",
                                   f"/tasks?scope=role&per_page={PER_PAGE}&page={page}")
        if status != 200:
            return None
        self.pages = max(1, math.ceil(inbox["total"] / PER_PAGE))
        free = [t["id"] for t in inbox["items"] if t["assignee"] is None]
        if not free:
            self.result.empty_inbox += 1
            return None
        return self.rng.choice(free)

    def run(self) -> None:
        while time.monotonic() < self.deadline:
            task_id = self._pick()
            if task_id is None:
                time.sleep(0.02)
                continue
            if time.monotonic() >= self.deadline:
                break
            if self._call("open", "GET", f"/tasks/{task_id}")[0] != 200:
                continue
            if time.monotonic() >= self.deadline:
                break
            if self._call("claim", "POST", f"/tasks/{task_id}/claim")[0] != 200:
                continue  # someone else was quicker (409)
            if time.monotonic() >= self.deadline:
                break
            if self._call("complete", "POST", f"/tasks/{task_id}/complete",
                          {"data": {}})[0] == 200:
                self.result.completed.append(task_id)


def prepare(url: str) -> dict[str, str]:
    """Migrate the (re-created) database, create the admin, deploy loop.bpmn; the env."""
    env = production_env(url)
    flask_cli(env, "db", "upgrade")
    flask_cli(env, "create-user", "admin", "--role", "admin", "--password", PASSWORD)
    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(ROOT / "tests" / "data" / "bpmn" / "loop.bpmn", folder)
        flask_cli(env, "deploy", folder)
    return env


def _ok(expected: int, answer: tuple[int, dict]) -> dict:
    status, body = answer
    if status != expected:
        raise SystemExit(f"set-up request failed: {status} {body}")
    return body


def populate(api: str, users: int, cases: int) -> list[str]:
    """A company, `users` case workers and `cases` loop cases; the case workers' tokens."""
    admin = _ok(200, call("POST", api + "/auth/token",
                          body={"username": "admin", "password": PASSWORD}))["token"]
    company = _ok(201, call("POST", api + "/companies", admin,
                            {"legal_name": "Load Imports Inc.", "entity_type": "importer"}))

    def make_user(i: int) -> str:
        name = f"bench_cw_{i}"
        _ok(201, call("POST", api + "/users", admin,
                      {"username": name, "password": PASSWORD, "role": "case_worker"}))
        return _ok(200, call("POST", api + "/auth/token",
                             body={"username": name, "password": PASSWORD}))["token"]

    with ThreadPoolExecutor(8) as pool:
        tokens = list(pool.map(make_user, range(users)))
        list(pool.map(lambda i: _ok(201, call(
            "POST", api + "/cases", tokens[i % users],
            {"company_id": company["id"], "process_id": "loop", "data": {"done": False}})),
            range(cases)))
    return tokens


def run_load(api: str, tokens: list[str], duration: float) -> tuple[list[UserResult], float, int]:
    """Every user in its own thread until the deadline; (results, seconds, threads stuck)."""
    deadline = time.monotonic() + duration
    users = [User(api, token, deadline, seed=i) for i, token in enumerate(tokens)]
    threads = [threading.Thread(target=u.run, daemon=True) for u in users]
    began, cpu = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:  # hard stop: in-flight requests get at most their 30 s timeout
        thread.join(max(0.0, deadline + 35 - time.monotonic()))
    elapsed = time.perf_counter() - began
    print(f"client_cpu_s={time.process_time() - cpu:.1f} (this process, on the same cores)")
    return [u.result for u in users], elapsed, sum(t.is_alive() for t in threads)


def audit_completions(url: str) -> Counter:
    """task_completed events per task id, from the audit trail."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT task_id, count(*) FROM audit_events "
                                     "WHERE kind = 'task_completed' GROUP BY task_id")).all()
    finally:
        engine.dispose()
    return Counter({task_id: n for task_id, n in rows})


def report(results: list[UserResult], elapsed: float, audit: Counter, log: str) -> None:
    samples = {kind: [s for r in results for s in r.samples.get(kind, [])] for kind in KINDS}
    total = sum(len(v) for v in samples.values())
    answered = Counter(task for r in results for task in r.completed)
    print(f"elapsed_s={elapsed:.1f} requests={total} requests_per_s={total / elapsed:.1f} "
          f"completions={sum(answered.values())} "
          f"completions_per_s={sum(answered.values()) / elapsed:.1f}")
    for kind in KINDS:
        times = [1000 * t for status, t in samples[kind] if status]
        statuses = Counter(status for status, _ in samples[kind])
        counts = " ".join(f"{k or 'no_answer'}:{v}" for k, v in sorted(statuses.items()))
        print(f"{kind:9} n={len(samples[kind]):6} p50_ms={percentile(times, 0.5):7.1f} "
              f"p95_ms={percentile(times, 0.95):7.1f} max_ms={max(times, default=0):7.1f} "
              f"status {counts}")
    fivexx = sum(1 for v in samples.values() for status, _ in v if status >= 500)
    no_answer = sum(1 for v in samples.values() for status, _ in v if status == 0)
    lost = sum(1 for task in answered if audit[task] == 0)
    doubled = sum(1 for n in audit.values() if n > 1)
    unanswered = sum(1 for task in audit if task not in answered)
    print(f"5xx={fivexx} no_answer={no_answer} "
          f"empty_inbox_pages={sum(r.empty_inbox for r in results)}")
    print(f"audit task_completed={sum(audit.values())} tasks={len(audit)} "
          f"client_200={len(answered)} lost={lost} doubled={doubled} unanswered={unanswered} "
          f"client_doubled={sum(1 for n in answered.values() if n > 1)}")
    if "Traceback" in log:
        first = log.index("Traceback")
        print(f"server tracebacks={log.count('Traceback')}; the first:\n{log[first:first + 3000]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: gunicorn.conf.py's, 2 x CPUs + 1)")
    parser.add_argument("--cases", type=int, default=None, help="loop cases (default 4 x users)")
    args = parser.parse_args()
    url = os.environ.get("BENCH_LOAD_DATABASE_URL", DEFAULT_URL)
    try:
        recreate_database(url)
    except OperationalError as err:  # PostgreSQL down: say so, like the other benches
        print(f"PostgreSQL unreachable ({str(err).splitlines()[0]}): skipped")
        return
    env = prepare(url)
    with ProductionServer(env, workers=args.workers) as server:
        workers = len(server.worker_pids())
        cases = args.cases or 4 * args.users
        began = time.perf_counter()
        tokens = populate(server.base + "/api/v1", args.users, cases)
        print(f"gunicorn_workers={workers} users={args.users} cases={cases} "
              f"duration_s={args.duration:g} setup_s={time.perf_counter() - began:.1f}",
              flush=True)
        results, elapsed, stuck = run_load(server.base + "/api/v1", tokens, args.duration)
        if stuck:
            print(f"threads still waiting after the hard stop: {stuck}")
    report(results, elapsed, audit_completions(url), server.output())


if __name__ == "__main__":
    main()

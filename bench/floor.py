"""The floor under (d): what the same HTTP request costs when the app behind it does no work.

A bare Flask app with the completion's route: it parses the JSON body and answers with a task
as the API dumps it, and has a /healthz for tests/server_process.py. bench/engine.py runs it as
two more lanes, in turns with the others: (f1) through Flask's test client, (f2) in one gunicorn
worker under gunicorn.conf.py (the production settings, access log included). c + f is the
least a (d) can cost; d - c - f is SafePort's own HTTP work (authentication, the user, parsing
and dumping with marshmallow, its request hooks).

    .venv/bin/gunicorn -c gunicorn.conf.py bench.floor:app
"""
from __future__ import annotations

import time

from flask import Flask, jsonify, request

from bench.over_http import API, HttpClient

app = Flask(__name__)
ANSWER = {"title": "Task 1", "role": "case_worker", "case_id": 1, "state": "completed",
          "assignee": "bench_cw", "due_at": None, "priority": 50, "form_key": None,
          "bpmn_id": "t1", "created_at": "2026-12-03T07:15:26.815089+00:00",
          "completed_at": "2026-12-03T07:15:27.102311+00:00"}


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.post(f"{API}/tasks/<int:task_id>/complete")
def complete(task_id: int):
    body = request.get_json()
    if not isinstance(body, dict) or "data" not in body:
        return {"message": "the request body has errors"}, 422
    return jsonify({"id": task_id, **ANSWER}), 200


class FloorLane:
    """One floor lane: completes "tasks" on the bare app as (d) does on SafePort."""

    def __init__(self, label: str, send):
        self.label, self._send, self.n = label, send, 0

    def _one(self) -> float:
        self.n += 1
        return self._send(f"{API}/tasks/{self.n}/complete", {"data": {}})

    def six_case(self, count: bool = False) -> tuple[list[float], None]:
        return [self._one() for _ in range(6)], None

    def loop_begin(self) -> None:
        pass

    def loop_step(self, count: bool = False) -> tuple[float, None]:
        return self._one(), None


def test_client_lane() -> FloorLane:
    """(f1) the bare app through Flask's test client, timed as (d1) is."""
    client = app.test_client()

    def send(path: str, body: dict) -> float:
        t0 = time.perf_counter()
        answer = client.post(path, json=body, headers={"Authorization": "Bearer x"})
        answer.get_json()
        elapsed = time.perf_counter() - t0
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return elapsed

    return FloorLane("f1_flask_floor", send)


class GunicornFloor:
    """(f2) the bare app in one gunicorn worker, timed as (d2) is; `close()` stops it."""

    def __init__(self, env: dict[str, str]):
        from tests.server_process import ProductionServer

        self.server = ProductionServer(env, workers=1, app="bench.floor:app")
        self.server.__enter__()
        self.http = HttpClient("127.0.0.1", self.server.port)
        self.lane = FloorLane("f2_gunicorn_floor", self._send)

    def _send(self, path: str, body: dict) -> float:
        return self.http.timed_post(path.removeprefix(API), "x", body)

    def close(self) -> None:
        self.http.close()
        self.server.stop()

"""The completion of bench/engine.py through the JSON API: (d1) Flask's test client in the bench
process, (d2) one real gunicorn worker (the production command, tests/server_process.py).

Both drivers start cases and complete tasks with the API calls a client makes:
`POST /api/v1/cases` and `POST /api/v1/tasks/<id>/complete` with a bearer token. Only the
completion is timed, from before the request is sent to after its JSON answer is parsed.

gunicorn's sync workers (the production setting) answer every request with
`Connection: close`; the client reconnects before the next request, outside the timed call, so
(d2) is one request on an open connection, as a keep-alive proxy in front would see it.
"""
from __future__ import annotations

import http.client
import json
import time
from typing import Any

from tests.server_process import ProductionServer, production_env

API = "/api/v1"


class TestClientDriver:
    """(d1) the API through the test client of an app of its own (`config`): not the bench's
    app, whose context is pushed, so each request pushes its own app context and has its own
    session, pooled connection and live cache, as under a server."""

    label = "d1_test_client"

    def __init__(self, config, token: str, company_id: int):
        from app import create_app
        from app.extensions import db

        self.app = create_app(config)
        with self.app.app_context():
            self.engine = db.engine  # for counting statements
        self.client = self.app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"}
        self.company_id = company_id

    def start(self, process_id: str, data: dict | None = None) -> int:
        answer = self.client.post(f"{API}/cases", headers=self.headers, json={
            "company_id": self.company_id, "process_id": process_id, "data": data or {}})
        assert answer.status_code == 201, answer.get_data(as_text=True)
        return answer.get_json()["id"]

    def complete(self, task_id: int, data: dict) -> float:
        t0 = time.perf_counter()
        answer = self.client.post(f"{API}/tasks/{task_id}/complete", headers=self.headers,
                                  json={"data": data})
        answer.get_json()
        elapsed = time.perf_counter() - t0
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return elapsed

    def close(self) -> None:
        self.engine.dispose()


class HttpClient:
    """JSON over one http.client connection, reopened (untimed) when the server closed it."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.conn: http.client.HTTPConnection | None = None

    def ready(self) -> None:
        """Have an open connection before the timed request."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            self.conn.connect()

    def call(self, method: str, path: str, token: str | None = None,
             body: Any = None) -> tuple[int, Any]:
        self.ready()
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        payload = json.dumps(body).encode() if body is not None else None
        try:
            self.conn.request(method, API + path, body=payload, headers=headers)
            response = self.conn.getresponse()
            raw = response.read()
        except (ConnectionError, http.client.HTTPException):
            self.close()
            raise
        if response.will_close:
            self.close()
        return response.status, json.loads(raw) if raw else None

    def timed_post(self, path: str, token: str, body: Any) -> float:
        """Seconds one POST takes on an already open connection, answer parsed (asserting
        200); the connection is opened first, outside the timing."""
        self.ready()
        t0 = time.perf_counter()
        status, answer = self.call("POST", path, token, body)
        elapsed = time.perf_counter() - t0
        assert status == 200, answer
        return elapsed

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class GunicornDriver:
    """(d2) `gunicorn -c gunicorn.conf.py wsgi:app` with one worker on the bench's database
    (SAFEPORT_ENV=production), signed in as the bench's case worker."""

    label = "d2_gunicorn"
    engine = None  # its statements are made in another process (the same code as d1's)

    def __init__(self, database_url: str, username: str, password: str, company_id: int,
                 workers: int = 1):
        self.server = ProductionServer(production_env(database_url), workers=workers)
        self.server.__enter__()
        try:
            self.http = HttpClient("127.0.0.1", self.server.port)
            status, body = self.http.call("POST", "/auth/token",
                                          body={"username": username, "password": password})
            assert status == 200, body
            self.token, self.company_id = body["token"], company_id
        except BaseException:
            self.server.stop()
            raise

    def start(self, process_id: str, data: dict | None = None) -> int:
        status, body = self.http.call("POST", "/cases", self.token, {
            "company_id": self.company_id, "process_id": process_id, "data": data or {}})
        assert status == 201, body
        return body["id"]

    def complete(self, task_id: int, data: dict) -> float:
        return self.http.timed_post(f"/tasks/{task_id}/complete", self.token, {"data": data})

    def close(self) -> None:
        self.http.close()
        self.server.stop()
        if "Traceback" in self.server.output():
            log = self.server.output()
            print(f"gunicorn logged an error:\n{log[log.index('Traceback'):][:3000]}")

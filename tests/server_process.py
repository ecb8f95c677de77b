"""The production command as a subprocess, for tests/production and bench/load.py.

`ProductionServer` runs `gunicorn -c gunicorn.conf.py wsgi:app` (README "Production") in its own
process group on a free port, waits for /healthz, and always stops it (SIGTERM, then SIGKILL to
the group). `flask_cli` runs the set-up commands (`flask db upgrade`, `flask create-user`,
`flask deploy`) the same way an operator does. `call` is a small JSON-over-HTTP client.
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def plain_url(url: str) -> str:
    """A SQLAlchemy URL as DATABASE_URL takes it (config.py adds the driver)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def recreate_database(url: str) -> None:
    """Drop (closing its connections) and create the PostgreSQL database `url` names."""
    from sqlalchemy import create_engine, text

    base, name = url.replace("postgresql://", "postgresql+psycopg://", 1).rsplit("/", 1)
    assert name.replace("_", "").isalnum(), f"unexpected database name {name!r}"
    admin = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def drop_database(url: str) -> None:
    from sqlalchemy import create_engine, text

    base, name = url.replace("postgresql://", "postgresql+psycopg://", 1).rsplit("/", 1)
    admin = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def production_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a production deployment on `database_url` (a fresh SECRET_KEY)."""
    env = {**os.environ, "SAFEPORT_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
           "DATABASE_URL": plain_url(database_url), "FLASK_APP": "wsgi.py", "SAFEPORT_DEMO": "0",
           "SAFEPORT_FORMS_DIR": os.pathsep.join([str(ROOT / "tests" / "data" / "forms"),
                                                  str(ROOT / "forms")])}
    env.pop("SAFEPORT_TEST_DATABASE_URL", None)
    env.update(extra)
    return env


def flask_cli(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    """Run `flask ARGS` in the project directory; its stdout, or AssertionError with stderr."""
    done = subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"flask {' '.join(args)} failed:\n{done.stderr[-3000:]}"
    return done.stdout


def call(method: str, url: str, token: str | None = None, body: dict | None = None,
         timeout: float = 30) -> tuple[int, dict]:
    """One JSON request; (status, JSON answer or {}). 4xx and 5xx are answers, not errors."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as err:
        status, raw = err.code, err.read()
    try:
        return status, json.loads(raw) if raw else {}
    except ValueError:
        return status, {"_raw": raw[:500].decode(errors="replace")}


class ProductionServer:
    """`gunicorn -c gunicorn.conf.py wsgi:app` (or `app`) on a free local port.

    `workers` sets WEB_CONCURRENCY; None keeps what the environment or gunicorn.conf.py says.
    """

    def __init__(self, env: dict[str, str], workers: int | None = 2, ready_timeout: float = 60,
                 app: str = "wsgi:app"):
        self.app = app  # another WSGI app under the same settings (bench/floor.py)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "SAFEPORT_BIND": f"127.0.0.1:{self.port}"}
        if workers is not None:
            self.env["WEB_CONCURRENCY"] = str(workers)
        self.ready_timeout = ready_timeout
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> ProductionServer:
        self.log = tempfile.TemporaryFile(mode="w+")  # a file, not a pipe: a full pipe blocks
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", self.app], cwd=ROOT, env=self.env,
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"gunicorn exited with {self.proc.returncode}:\n"
                                     f"{self.output()[-4000:]}")
            try:
                if call("GET", self.base + "/healthz", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"gunicorn not ready in {self.ready_timeout}s:\n"
                             f"{self.output()[-4000:]}")

    def worker_pids(self) -> list[int]:
        """The pids of the master's children (its workers), from /proc."""
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                    pids.append(int(entry.name))
        return sorted(pids)

    def output(self) -> str:
        """What gunicorn wrote so far (access log and errors), also after it stopped."""
        if self.log.closed:
            return self._final_output
        self.log.flush()
        self.log.seek(0)
        text = self.log.read()
        self.log.seek(0, os.SEEK_END)
        return text

    def stop(self) -> None:
        """SIGTERM to the master (graceful); if it lingers, SIGKILL to its process group."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # not reaped: the group is still ours
                self.proc.wait(10)
        if not self.log.closed:
            self._final_output = self.output()
            self.log.close()

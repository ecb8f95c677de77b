"""The users behind API tokens, kept by each process until any user row changes
(app/services/identity/user_cache.py, migration 0012)."""
import os
import signal
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, event, make_url, text
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.services.identity import user_cache


@contextmanager
def user_reads():
    """Count the statements that read the users table."""
    reads = []

    def on_execute(_conn, _cursor, statement, *_args):
        if "FROM users" in statement:
            reads.append(statement)

    event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        yield reads
    finally:
        event.remove(db.engine, "before_cursor_execute", on_execute)


def fresh(api, url="/api/v1/tasks"):
    """A request in a session of its own, as under a server (the test's app context keeps
    one session across requests)."""
    db.session.remove()
    return api.get(url)


def signed_in_and_cached(make_user, login):
    make_user("carla", "case_worker")
    api = login("carla")
    for _ in range(2):  # the first after a pause only wakes the LISTEN heartbeat
        assert fresh(api).status_code == 200
    with user_reads() as reads:
        assert fresh(api).status_code == 200
    assert reads == [], "the second request read its user again"
    return api


@contextmanager
def another_worker(database_url):
    """A connection of another process: its changes reach this one only through the database."""
    engine = create_engine(make_url(database_url).set(drivername="postgresql+psycopg")
                           if database_url.startswith("postgresql") else database_url)
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def listener_pid(database_url) -> int:
    """The server process behind this process's LISTEN connection."""
    with another_worker(database_url) as conn:
        (pid,) = conn.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE application_name = :name "
            "AND datname = current_database()"),
            {"name": user_cache.APPLICATION_NAME}).scalars().all()
    return pid


def until_notified(is_postgres, before):
    """PostgreSQL delivers the trigger's NOTIFY when the change commits; wait for it to land."""
    if not is_postgres:
        return
    cache = user_cache.for_current_database()
    deadline = time.monotonic() + 5
    while cache.mark() == before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cache.mark() != before, "no notification of the change arrived"


def test_a_token_user_is_read_once_then_kept(make_user, login):
    api = signed_in_and_cached(make_user, login)
    with user_reads() as reads:
        for _ in range(3):
            assert fresh(api).status_code == 200
    assert reads == []


@pytest.mark.parametrize("change", [
    "UPDATE users SET active = false WHERE username = 'carla'",
    "UPDATE users SET password_hash = 'scrypt:changed-elsewhere' WHERE username = 'carla'",
])
def test_a_change_committed_by_another_worker_ends_the_token(
        make_user, login, database_url, is_postgres, change):
    api = signed_in_and_cached(make_user, login)
    before = user_cache.for_current_database().mark() if is_postgres else None
    with another_worker(database_url) as conn:
        conn.execute(text(change))
    until_notified(is_postgres, before)

    assert fresh(api).status_code == 401


def test_a_role_changed_elsewhere_counts_on_the_next_request(
        make_user, login, database_url, is_postgres):
    api = signed_in_and_cached(make_user, login)
    assign = "/api/v1/tasks/999/assign"  # case workers only: 403 before any 404
    db.session.remove()
    assert api.post(assign, {"username": "carla"}).status_code == 404
    before = user_cache.for_current_database().mark() if is_postgres else None
    with another_worker(database_url) as conn:
        conn.execute(text("UPDATE users SET role = 'specialist' WHERE username = 'carla'"))
    until_notified(is_postgres, before)

    db.session.remove()
    with user_reads() as reads:
        assert api.post(assign, {"username": "carla"}).status_code == 403
    assert len(reads) == 1


@pytest.fixture
def listener_reset():
    """Tests that break the LISTEN connection leave a fresh one for the next test."""
    yield
    user_cache.for_current_database().close()


def test_a_lost_listen_connection_turns_the_cache_off(
        make_user, login, database_url, is_postgres, listener_reset):
    if not is_postgres:
        pytest.skip("SQLite has no LISTEN connection: it reads user_changes instead")
    api = signed_in_and_cached(make_user, login)
    with another_worker(database_url) as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"),
                            {"pid": listener_pid(database_url)}).scalar()
    with another_worker(database_url) as conn:  # no notification can reach this process now
        conn.execute(text("UPDATE users SET active = false WHERE username = 'carla'"))

    assert refused_within(api, user_cache.DEAF_AFTER + 1)


def test_a_silent_listen_connection_turns_the_cache_off(
        make_user, login, database_url, is_postgres, listener_reset):
    """A cut network or a hung server sends no error at all: only the heartbeat notices."""
    if not is_postgres:
        pytest.skip("SQLite has no LISTEN connection: it reads user_changes instead")
    api = signed_in_and_cached(make_user, login)
    pid = listener_pid(database_url)
    try:
        os.kill(pid, signal.SIGSTOP)  # the listener's server process stops answering
    except PermissionError:
        pytest.skip("needs to signal PostgreSQL's server processes (same machine, root)")
    try:
        with another_worker(database_url) as conn:
            conn.execute(text("UPDATE users SET active = false WHERE username = 'carla'"))
        assert refused_within(api, user_cache.DEAF_AFTER + 1)
    finally:
        os.kill(pid, signal.SIGCONT)


def test_a_token_the_cached_user_would_refuse_is_checked_against_the_row(
        make_user, login, database_url, is_postgres, listener_reset):
    """A new password's token arriving before the change's notification is accepted: the
    cache never refuses a token on its own."""
    if not is_postgres:
        pytest.skip("SQLite reads user_changes on every request: its cache is never behind")
    signed_in_and_cached(make_user, login)
    pid = listener_pid(database_url)
    try:
        os.kill(pid, signal.SIGSTOP)  # no notification reaches this process meanwhile
    except PermissionError:
        pytest.skip("needs to signal PostgreSQL's server processes (same machine, root)")
    try:
        with another_worker(database_url) as conn:
            conn.execute(text("UPDATE users SET password_hash = :h WHERE username = 'carla'"),
                         {"h": generate_password_hash("password-2", method="pbkdf2:sha256:1")})
        new = login("carla", "password-2")
        assert fresh(new).status_code == 200
    finally:
        os.kill(pid, signal.SIGCONT)


def refused_within(api, seconds: float) -> bool:
    """The token is refused (401) within `seconds`, asking once every 50 ms."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = fresh(api).status_code
        if status == 401:
            return True
        assert status == 200
        time.sleep(0.05)
    return False


def test_the_cache_can_be_turned_off(app, make_user, login, monkeypatch):
    make_user("carla", "case_worker")
    api = login("carla")
    monkeypatch.setitem(app.config, "API_USER_CACHE_SECONDS", 0)
    with user_reads() as reads:
        for _ in range(2):
            assert fresh(api).status_code == 200
    assert len(reads) == 2


EXITS_LISTENING = """
import atexit
listeners = []
# atexit runs its functions last registered first: this one runs after SafePort's
atexit.register(lambda: print("closed at exit:", [conn.closed for conn in listeners]))
from app import create_app
from app.services.identity import user_cache
from tests.conftest import make_config
app = create_app(make_config({url!r}))
with app.app_context():
    cache = user_cache.for_current_database()
    assert cache.mark() is not None  # the LISTEN connection is up
    listeners.append(cache._listener)
"""


def test_a_process_closes_its_listen_connection_when_it_exits(database_url, is_postgres):
    """Left to the garbage collector at exit, psycopg warns it was deleted while open."""
    if not is_postgres:
        pytest.skip("the LISTEN connection is PostgreSQL's")
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", EXITS_LISTENING.format(url=database_url)],
                          cwd=os.getcwd(), capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert done.returncode == 0, done.stderr
    assert "closed at exit: [True]" in done.stdout, (done.stdout, done.stderr)

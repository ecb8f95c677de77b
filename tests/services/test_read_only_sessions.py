"""A request's transaction that only read ends with COMMIT on PostgreSQL, which keeps psycopg's
prepared statements; one that wrote, or has unflushed changes, still rolls back
(app/services/runtime/sessions.py)."""
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.models import User


@pytest.fixture(autouse=True)
def _postgres_only(is_postgres):
    if not is_postgres:
        pytest.skip("SQLite has no prepared statements to keep: its sessions end as they did")


@contextmanager
def endings():
    """How the transactions ended meanwhile: 'commit' and 'rollback', in order."""
    seen: list[str] = []
    hooks = [("commit", lambda _c: seen.append("commit")),
             ("rollback", lambda _c: seen.append("rollback"))]
    for name, hook in hooks:
        event.listen(db.engine, name, hook)
    try:
        yield seen
    finally:
        for name, hook in hooks:
            event.remove(db.engine, name, hook)


def full_name_of(username: str) -> str | None:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT full_name FROM users WHERE username = :u"),
                            {"u": username}).scalar()


def test_read_only_requests_keep_the_prepared_statements(app, make_user):
    make_user("carla", "case_worker")
    connections = {}
    with endings() as seen:
        for _ in range(12):  # psycopg prepares a statement on its fifth run on a connection
            with app.app_context():  # a request's own context, as under a server
                db.session.execute(select(User.id).where(User.username == "carla")).all()
                raw = db.session.connection().connection.dbapi_connection
                connections[id(raw)] = raw
    assert seen == ["commit"] * 12
    # a ROLLBACK would have made psycopg forget them after every request
    assert max(len(raw._prepared._names) for raw in connections.values()) > 0


def test_a_request_that_wrote_still_rolls_back(app, make_user):
    make_user("carla", "case_worker")
    with endings() as seen:
        with app.app_context():
            db.session.execute(text("UPDATE users SET full_name = 'Written' "
                                    "WHERE username = 'carla'"))
    assert seen == ["rollback"]
    assert full_name_of("carla") is None


def test_unflushed_changes_are_never_committed_by_the_teardown(app, make_user):
    make_user("carla", "case_worker")
    with endings() as seen:
        with app.app_context():
            user = db.session.scalar(select(User).where(User.username == "carla"))
            user.full_name = "Changed, never saved"
    assert seen == ["rollback"]
    assert full_name_of("carla") is None


def test_an_error_rolls_back(app, make_user):
    make_user("carla", "case_worker")
    with endings() as seen, pytest.raises(RuntimeError):
        with app.app_context():
            db.session.execute(select(User.id)).all()
            raise RuntimeError("the view failed")
    assert seen == ["rollback"]


def test_a_failed_statement_caught_by_the_view_does_not_break_the_teardown(app, make_user):
    make_user("carla", "case_worker")
    with app.app_context():
        with pytest.raises(DBAPIError):  # division by zero
            db.session.execute(text("SELECT 1 / 0")).all()
    # the context ended without raising; the next request's session works
    with app.app_context():
        assert db.session.execute(select(User.username)).scalars().all() == ["carla"]


def test_a_request_that_ran_no_sql_takes_no_connection_at_its_end(app, make_user, login):
    make_user("sam", "specialist")
    api = login("sam")
    for _ in range(3):  # the first after a pause only wakes the LISTEN heartbeat
        with app.app_context():
            assert api.get("/api/v1/tasks").status_code == 200  # the process now keeps sam
    checkouts = []

    def on_checkout(*_args):
        checkouts.append(1)

    event.listen(db.engine.pool, "checkout", on_checkout)
    try:
        with endings() as seen:
            with app.app_context():  # case workers only: refused before any SQL
                assert api.post("/api/v1/tasks/1/assign", {"username": "sam"}).status_code == 403
    finally:
        event.remove(db.engine.pool, "checkout", on_checkout)
    assert seen == [] and checkouts == []

"""Shared fixtures: one migrated database per run (SQLite, or PostgreSQL when
SAFEPORT_TEST_DATABASE_URL is set), emptied after every test; API helpers."""
import os
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db
from app.services.setup import clear_caches

pytest_plugins = ["tests.demo_world"]

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("SAFEPORT_TEST_DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'safeport-test.db'}"


def make_config(url: str, **overrides):
    """A TestConfig subclass bound to one database."""
    from config import TestConfig

    return type("BoundTestConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "PERIODS": dict(TestConfig.PERIODS),
        "FORMS_DIR": os.pathsep.join([str(DATA / "forms"), str(ROOT / "forms")]),
        **overrides,
    })


def reset_schema(url: str) -> None:
    """Drop everything in the test database, so migrations start from empty."""
    if url.startswith("postgresql"):
        db.session.execute(text("DROP SCHEMA public CASCADE"))
        db.session.execute(text("CREATE SCHEMA public"))
        db.session.commit()
    else:
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()


def pytest_collection_modifyitems(config, items) -> None:
    """On the PostgreSQL pass, skip the modules marked database_agnostic: what they test
    (forms, the engine, the sandbox, the code layout) reads no database or reads it the same
    on both, and they took a quarter of that pass. The SQLite pass runs them."""
    if not os.environ.get("SAFEPORT_TEST_DATABASE_URL"):
        return
    skip = pytest.mark.skip(reason="database_agnostic: runs in the SQLite pass")
    for item in items:
        if item.get_closest_marker("database_agnostic"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return _database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def app(database_url):
    """One app for the run, on a database migrated from empty to head."""
    application = create_app(make_config(database_url))
    with application.app_context():
        reset_schema(database_url)
        upgrade()
        if db.engine.dialect.name == "postgresql":
            _keep_insertion_order()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _app_context(request, app):
    """Every test runs in an app context on an empty database."""
    with app.app_context():
        yield
        db.session.rollback()
        _empty_database()
        db.session.remove()
        clear_caches()


def _empty_database() -> None:
    # user_changes is a counter the triggers keep (migration 0012), not data: it keeps its row.
    # DELETE, not TRUNCATE, on PostgreSQL too: TRUNCATE makes new files for every table it
    # names (and CASCADE names nearly all 34 from any one), 0.08 s a test; DELETE takes a few
    # ms. `_keep_insertion_order` keeps rows coming back in the order they were inserted.
    tables = [t.name for t in reversed(db.metadata.sorted_tables) if t.name != "user_changes"]
    for name in tables:
        db.session.execute(text(f"DELETE FROM {name}"))
    if db.engine.dialect.name == "postgresql" and _schema_sequences():
        # ids start again at 1, as TRUNCATE's RESTART IDENTITY made them
        db.session.execute(text("SELECT " + ", ".join(
            f"setval('{name}', 1, false)" for name in _schema_sequences())))
    db.session.commit()


def _keep_insertion_order() -> None:
    """Turn autovacuum off for the test tables (PostgreSQL). Deleted rows then leave no free
    space for new ones to fill, so new rows go at the end of the table, as in a fresh one
    after TRUNCATE. Without this, a query with no ORDER BY returns rows in an order that
    depends on when autovacuum last ran (a test relying on it failed once in a run)."""
    for table in db.metadata.sorted_tables:
        db.session.execute(text(f"ALTER TABLE {table.name} SET (autovacuum_enabled = false)"))
    db.session.commit()


_sequences: list[str] = []


def _schema_sequences() -> list[str]:
    """The schema's sequences (read once a run)."""
    if not _sequences:
        _sequences.extend(db.session.scalars(text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'S' AND n.nspname = current_schema() ORDER BY c.relname")))
    return _sequences


@pytest.fixture
def is_postgres(app) -> bool:
    return db.engine.dialect.name == "postgresql"


@pytest.fixture
def client(app):
    return app.test_client()


class Api:
    """A test client that speaks JSON with a bearer token."""

    def __init__(self, client, token: str | None = None):
        self.client, self.token = client, token

    def _headers(self):
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, url, **kw):
        return self.client.get(url, headers=self._headers(), **kw)

    def post(self, url, json=None, **kw):
        if "data" in kw:
            return self.client.post(url, headers=self._headers(), **kw)
        return self.client.post(url, json=json if json is not None else {},
                                headers=self._headers(), **kw)


@pytest.fixture
def make_user():
    """Create a user directly and return it (password 'password-1')."""
    from app.services.identity.users import create_user

    def make(username: str, role: str, company_id: int | None = None):
        return create_user(None, username=username, password="password-1", role=role,
                           email=f"{username}@example.test", company_id=company_id)

    return make


@pytest.fixture
def login(client):
    """Return an Api client signed in as `username` through POST /api/v1/auth/token."""

    def sign_in(username: str, password: str = "password-1") -> Api:
        response = client.post("/api/v1/auth/token",
                               json={"username": username, "password": password})
        assert response.status_code == 200, response.get_json()
        return Api(client, response.get_json()["token"])

    return sign_in


#: the `staff` fixture's users and their roles
STAFF = {"admin": "admin", "cw": "case_worker", "cw2": "case_worker", "spec": "specialist",
         "designer": "designer"}


def sign_in_staff(make_user, login) -> dict[str, Api]:
    """Create the STAFF users and sign each in."""
    for username, role in STAFF.items():
        make_user(username, role)
    return {name: login(name) for name in STAFF}


@pytest.fixture
def staff(make_user, login):
    """Signed-in API clients for every staff role."""
    return sign_in_staff(make_user, login)


class LazyStaff(dict):
    """Signed-in staff clients like `staff`, each created on first use only."""

    def __init__(self, make_user, login):
        super().__init__()
        self.make_user, self.login = make_user, login

    def __missing__(self, name):
        self.make_user(name, STAFF[name])
        self[name] = self.login(name)
        return self[name]


@pytest.fixture
def lazy_staff(make_user, login):
    """Like `staff`, for tests that need only some of the roles."""
    return LazyStaff(make_user, login)


class Clock:
    """The sign-in back-off's clock, moved by hand (`clock.advance(seconds)`)."""

    def __init__(self):
        from app.models.types import utcnow

        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        from datetime import timedelta

        self.now += timedelta(seconds=seconds)


@pytest.fixture
def signin_clock(monkeypatch) -> Clock:
    """Freeze the time the sign-in back-off reads (every app in the process shares it)."""
    from app.services.identity import signin

    clock = Clock()
    monkeypatch.setattr(signin, "utcnow", clock)
    return clock

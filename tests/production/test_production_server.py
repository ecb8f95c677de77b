"""The production command (README "Production") serves a whole case over real HTTP.

Set up the way an operator does (`flask db upgrade`, `flask create-user`, `flask deploy`) on a
database of its own (`<test database>_gunicorn`, dropped afterwards), then
`gunicorn -c gunicorn.conf.py wsgi:app` with two workers and SAFEPORT_ENV=production drives the
two-lane case from start to end through the JSON API. PostgreSQL only: production runs on it.
"""
import os
import shutil

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.server_process import (
    ROOT,
    ProductionServer,
    call,
    drop_database,
    flask_cli,
    production_env,
    recreate_database,
)

ADMIN_PASSWORD = "admin-password-1"


def _prod_database_url() -> str:
    url = os.environ.get("SAFEPORT_TEST_DATABASE_URL", "")
    if not url.startswith(("postgresql://", "postgresql+psycopg://")):
        pytest.skip("the production server runs on PostgreSQL: set SAFEPORT_TEST_DATABASE_URL")
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_gunicorn").render_as_string(hide_password=False)


@pytest.fixture
def server(tmp_path):
    """A migrated database with one admin and the two-lane diagram; gunicorn on it, 2 workers."""
    url = _prod_database_url()
    recreate_database(url)
    try:
        env = production_env(url)
        flask_cli(env, "db", "upgrade")
        flask_cli(env, "create-user", "admin", "--role", "admin", "--password", ADMIN_PASSWORD)
        diagrams = tmp_path / "bpmn"
        diagrams.mkdir()
        shutil.copy(ROOT / "tests" / "data" / "bpmn" / "two_lanes.bpmn", diagrams)
        assert "two_lanes v1 (new version)" in flask_cli(env, "deploy", str(diagrams))
        with ProductionServer(env, workers=2) as running:
            yield running
        assert "Traceback" not in running.output(), running.output()[-4000:]
    finally:
        drop_database(url)


def _token(server, username: str, password: str) -> str:
    status, body = call("POST", server.base + "/api/v1/auth/token",
                        body={"username": username, "password": password})
    assert status == 200, body
    return body["token"]


def _setup_people(server, admin: str) -> tuple[str, str, int]:
    """A company, a case worker and its applicant, created through the API; their tokens."""
    api = server.base + "/api/v1"
    status, company = call("POST", api + "/companies", admin,
                           {"legal_name": "Acme Imports", "entity_type": "importer"})
    assert status == 201, company
    for username, role, company_id in (("cw", "case_worker", None),
                                       ("acme", "applicant", company["id"])):
        status, body = call("POST", api + "/users", admin,
                            {"username": username, "password": "password-1", "role": role,
                             "company_id": company_id})
        assert status == 201, body
    return (_token(server, "cw", "password-1"), _token(server, "acme", "password-1"),
            company["id"])


def _complete(api: str, token: str, task_id: int, data: dict) -> int:
    return call("POST", f"{api}/tasks/{task_id}/complete", token, {"data": data})[0]


def test_production_command_serves_a_case_end_to_end_with_two_workers(server):
    assert len(server.worker_pids()) == 2
    api = server.base + "/api/v1"
    cw, applicant, company_id = _setup_people(server, _token(server, "admin", ADMIN_PASSWORD))

    status, case = call("POST", api + "/cases", cw,
                        {"company_id": company_id, "process_id": "two_lanes"})
    assert status == 201, case
    review = case["open_tasks"][0]
    assert review["title"] == "Review request"
    status, queue = call("GET", api + "/tasks?scope=role", cw)
    assert status == 200 and [t["id"] for t in queue["items"]] == [review["id"]]
    assert call("POST", f"{api}/tasks/{review['id']}/claim", cw)[0] == 200
    assert _complete(api, cw, review["id"], {"decision": "maybe"}) == 422
    assert _complete(api, cw, review["id"], {"decision": "accept"}) == 200
    assert _complete(api, cw, review["id"], {"decision": "accept"}) == 409

    status, seen = call("GET", f"{api}/cases/{case['id']}", applicant)
    assert status == 200 and seen["open_tasks"][0]["title"] == "Answer questions"
    assert _complete(api, applicant, seen["open_tasks"][0]["id"], {"answer": 42}) == 200
    outside = call("GET", f"{api}/cases/{case['id']}", cw)[1]["open_tasks"][0]
    assert _complete(api, cw, outside["id"], {}) == 200

    status, final = call("GET", f"{api}/cases/{case['id']}", cw)
    assert status == 200 and final["status"] == "completed" and final["open_tasks"] == []
    events = call("GET", f"{api}/cases/{case['id']}/events", cw)[1]["items"]
    kinds = [event["kind"] for event in events]
    assert kinds[0] == "case_started" and kinds[-1] == "case_completed"
    assert kinds.count("task_completed") == 3
    assert " 500 " not in server.output()


def test_a_user_disabled_elsewhere_is_refused_by_every_worker(server):
    """Both workers keep the token's user (app/services/identity/user_cache.py); a change
    committed by another process reaches both through the trigger's NOTIFY."""
    api = server.base + "/api/v1"
    cw, _applicant, _company_id = _setup_people(server, _token(server, "admin", ADMIN_PASSWORD))
    for _ in range(20):  # every request on a new connection: both workers serve some
        assert call("GET", api + "/tasks", cw)[0] == 200
    engine = create_engine(make_url(_prod_database_url()).set(drivername="postgresql+psycopg"))
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE users SET active = false WHERE username = 'cw'"))
    finally:
        engine.dispose()

    assert [call("GET", api + "/tasks", cw)[0] for _ in range(20)] == [401] * 20
    assert " 500 " not in server.output()

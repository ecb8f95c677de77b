"""What every API request goes through, made cheaper in issue 16 without changing what a
client sees: the token's signature checked once per process (its age on every request), no
cookie session for bearer-token requests, one hook for the answer's headers."""
import time

import pytest

from app.services.identity import users


@pytest.fixture
def api(make_user, login):
    make_user("plumber", "case_worker")
    return login("plumber")


def test_a_token_seen_before_still_expires(api, app, monkeypatch):
    assert api.get("/api/v1/tasks").status_code == 200  # signature checked and remembered
    later = time.time() + app.config["API_TOKEN_MAX_AGE"] + 1
    monkeypatch.setattr(users.time, "time", lambda: later)
    refused = api.get("/api/v1/tasks")
    assert refused.status_code == 401
    assert "expired" in refused.get_json()["message"]


def test_a_token_seen_before_is_refused_by_an_app_with_another_key(api, app):
    from app import create_app
    from tests.conftest import make_config

    assert api.get("/api/v1/tasks").status_code == 200
    other = create_app(make_config(app.config["SQLALCHEMY_DATABASE_URI"],
                                   SECRET_KEY="another-key-for-another-deployment"))
    answer = other.test_client().get("/api/v1/tasks",
                                     headers={"Authorization": f"Bearer {api.token}"})
    assert answer.status_code == 401


@pytest.mark.parametrize("tamper", [lambda t: t[:-2] + ("AA" if t[-2:] != "AA" else "BB"),
                                    lambda t: "x" + t, lambda t: t.split(".")[0]])
def test_a_tampered_token_is_refused_after_the_real_one_was_seen(api, tamper):
    assert api.get("/api/v1/tasks").status_code == 200
    answer = api.client.get("/api/v1/tasks",
                            headers={"Authorization": f"Bearer {tamper(api.token)}"})
    assert answer.status_code == 401
    assert answer.get_json()["message"] == "the token is not valid"


def test_a_bearer_request_gets_no_session_cookie(api):
    answer = api.get("/api/v1/tasks")
    assert answer.status_code == 200
    assert "Set-Cookie" not in answer.headers
    assert "Cookie" not in answer.headers.get("Vary", "")
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["X-Request-Id"]
    assert "Content-Security-Policy" not in answer.headers  # pages only


def test_a_browser_still_gets_its_session_and_page_headers(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert "session=" in page.headers.get("Set-Cookie", "")  # the CSRF token lives in it
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"


def test_a_view_that_sets_its_own_header_keeps_it(client):
    """Activation pages send their own Referrer-Policy (their link carries a secret), even
    the page saying a link is not valid."""
    page = client.get("/activate/not-a-real-link")
    assert page.status_code == 400
    assert page.headers.getlist("Referrer-Policy") == ["no-referrer"]
    assert page.headers["X-Frame-Options"] == "DENY"

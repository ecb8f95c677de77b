"""Production settings (issue 15): start-up refusals and the security headers."""
import os
import re
import subprocess
import sys

import pytest

from app import create_app
from app.extensions import db
from app.hardening import ConfigError, config_for
from config import PERIOD_DEFAULTS, ProductionConfig
from tests.conftest import make_config
from tests.server_process import ROOT


def production_config(database_url: str, **overrides):
    """ProductionConfig bound to the test database, with a cheap password hash."""
    return type("BoundProductionConfig", (ProductionConfig,), {
        "SQLALCHEMY_DATABASE_URI": database_url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SECRET_KEY": "a-production-secret-for-tests-0123456789", **overrides})


@pytest.mark.parametrize("key", [None, "", "dev-only-change-me"])
def test_production_refuses_to_start_without_a_secret_key(database_url, key):
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app(production_config(database_url, SECRET_KEY=key))


@pytest.mark.parametrize("name, value", [
    ("SAFEPORT_VALIDATION_PERIOD", "365 days"),
    ("SAFEPORT_CERTIFICATION_TARGET", ""),
    ("SAFEPORT_ANNUAL_REVIEW_WINDOW", "-P90D"),
    ("SAFEPORT_REMINDER_LEAD_TIMES", "P30D,a week"),
])
def test_a_period_that_does_not_parse_stops_start_up_naming_the_setting(database_url, name,
                                                                        value):
    periods = {**PERIOD_DEFAULTS, name: value}
    with pytest.raises(ConfigError, match=rf"^{name}="):
        create_app(make_config(database_url, PERIODS=periods))
    with pytest.raises(ConfigError, match=rf"^{name}="):
        create_app(production_config(database_url, PERIODS=periods))


def test_an_empty_lead_time_list_turns_reminders_off_and_is_accepted(database_url):
    app = create_app(make_config(database_url, PERIODS={
        **PERIOD_DEFAULTS, "SAFEPORT_REMINDER_LEAD_TIMES": "", "SAFEPORT_VALIDATION_PERIOD":
        "PT5S"}))
    assert app.config["PERIODS"]["SAFEPORT_VALIDATION_PERIOD"] == "PT5S"


def test_an_unknown_safeport_env_is_refused():
    assert config_for("production") == "config.ProductionConfig"
    assert config_for(None) == config_for("") == "config.Config"
    with pytest.raises(ConfigError, match="SAFEPORT_ENV='prod'"):
        config_for("prod")


@pytest.mark.parametrize("env, message", [
    ({"SAFEPORT_ENV": "production"}, "SECRET_KEY is not set"),
    ({"SAFEPORT_VALIDATION_PERIOD": "one year"}, "SAFEPORT_VALIDATION_PERIOD='one year'"),
])
def test_the_wsgi_entry_point_refuses_to_start_from_the_environment(database_url, env, message):
    full = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "SAFEPORT_ENV")}
    full.update(env, DATABASE_URL="sqlite://")
    done = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=full, text=True,
                          capture_output=True, timeout=120)
    assert done.returncode != 0
    assert f"ConfigError: {message}" in done.stderr


def _csrf_token(page: bytes) -> str:
    return re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()


def test_production_sends_hsts_and_secure_session_cookies(database_url, make_user):
    make_user("cw", "case_worker")
    app = create_app(production_config(database_url))
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    try:
        client = app.test_client()
        page = client.get("/login", base_url="https://localhost")
        assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
        assert client.get("/healthz").headers["Strict-Transport-Security"].startswith("max-age=")
        signed_in = client.post(  # over HTTPS Flask-WTF also wants a same-origin Referer
            "/login", base_url="https://localhost", headers={"Referer": "https://localhost/login"},
            data={"username": "cw", "password": "password-1",
                  "csrf_token": _csrf_token(page.data)})
        assert signed_in.status_code == 302, signed_in.data[:500]
        cookie = signed_in.headers["Set-Cookie"]
        assert cookie.startswith("session=") and "; Secure" in cookie and "HttpOnly" in cookie
        inbox = client.get("/inbox", base_url="https://localhost")
        assert inbox.status_code == 200
        assert inbox.headers["Cache-Control"] == "no-store"
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_no_hsts_outside_production(client):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_signed_in_pages_and_api_answers_are_not_stored(client, make_user):
    make_user("cw", "case_worker")
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    token = client.post("/api/v1/auth/token", json={"username": "cw", "password": "password-1"})
    assert token.headers["Cache-Control"] == "no-store"
    bearer = {"Authorization": f"Bearer {token.get_json()['token']}"}
    tasks = client.get("/api/v1/tasks", headers=bearer)
    assert tasks.status_code == 200 and tasks.headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/tasks/999", headers=bearer).headers["Cache-Control"] == "no-store"

    assert client.post("/login", data={"username": "cw", "password": "password-1"}
                       ).status_code == 302
    for url in ("/inbox", "/account/password"):
        page = client.get(url)
        assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store", url
    static = client.get("/static/css/app.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")
    static.close()
    assert "no-store" not in client.get("/healthz").headers.get("Cache-Control", "")

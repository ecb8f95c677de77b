"""Sign in and out, role start pages, the rate limit, CSRF and password changes."""
import pytest

from app import create_app
from tests.conftest import make_config


@pytest.mark.parametrize("username, start", [
    ("cw", "/inbox"), ("spec", "/inbox"), ("admin", "/dashboard"), ("designer", "/processes"),
    ("acme", "/my-company"),
])
def test_each_role_lands_on_its_start_page(world, client, sign_in, username, start):
    response = sign_in(username)
    assert response.status_code == 302 and response.headers["Location"] == start
    page = client.get(start)
    assert page.status_code == 200, page.text
    assert f'<span class="name">{username}</span>' in page.text


def test_pages_need_a_signed_in_user(world, client):
    for url in ("/inbox", "/cases/1", "/tasks/1", "/dashboard", "/my-company"):
        response = client.get(url)
        assert response.status_code == 302 and "/login?next=" in response.headers["Location"]


def test_wrong_password_is_refused_and_the_back_off_applies(world, client, sign_in,
                                                            signin_clock):
    for _ in range(5):
        response = sign_in("cw", "wrong-password")
        assert response.status_code == 401
        assert "unknown username or wrong password" in response.text
    blocked = sign_in("cw")  # even the right password waits now
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "1"
    assert "Too many failed sign-ins for this username. Wait 1 second" in blocked.text
    assert 'name="password"' in blocked.text  # the form, ready for the next attempt
    assert sign_in("cw2").status_code == 302  # other names are not affected
    client.post("/logout")
    signin_clock.advance(1)
    assert sign_in("cw").status_code == 302  # the wait is over: never locked out for good


def test_next_is_followed_only_within_the_site(world, client):
    ok = client.post("/login?next=/cases/1", data={"username": "cw", "password": "password-1"})
    assert ok.headers["Location"] == "/cases/1"
    client.post("/logout")
    evil = client.post("/login?next=https://evil.example/", data={"username": "cw",
                                                                  "password": "password-1"})
    assert evil.headers["Location"] == "/inbox"
    client.post("/logout")
    sneaky = client.post("/login?next=/\\evil.example/", data={"username": "cw",
                                                             "password": "password-1"})
    assert sneaky.headers["Location"] == "/inbox"


def test_sign_out_needs_post_and_ends_the_session(world, client, sign_in):
    sign_in("cw")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/inbox").status_code == 302


def test_session_cookie_is_http_only_and_pages_send_security_headers(world, client, sign_in):
    response = sign_in("cw")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/inbox")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"


def test_password_change_checks_and_signs_out_other_sessions(world, app, client, sign_in):
    sign_in("cw")
    other = app.test_client()
    other.post("/login", data={"username": "cw", "password": "password-1"})
    assert other.get("/inbox").status_code == 200
    bad = client.post("/account/password", data={"current": "nope", "new": "short",
                                                 "repeat": "different"})
    assert bad.status_code == 422
    for message in ("is not your current password", "at least 10 characters",
                    "does not match"):
        assert message in bad.text
    good = client.post("/account/password", data={
        "current": "password-1", "new": "a-longer-secret", "repeat": "a-longer-secret"})
    assert good.status_code == 302
    assert client.get("/inbox").status_code == 200  # this session follows the change
    assert other.get("/inbox").status_code == 302  # the other one is signed out
    client.post("/logout")
    assert client.post("/login", data={"username": "cw", "password": "password-1"}
                       ).status_code == 401
    assert client.post("/login", data={"username": "cw", "password": "a-longer-secret"}
                       ).status_code == 302


def test_forms_without_a_csrf_token_are_refused(world, database_url):
    app = create_app(make_config(database_url, WTF_CSRF_ENABLED=True))
    client = app.test_client()
    with app.app_context():
        refused = client.post("/login", data={"username": "cw", "password": "password-1"})
        assert refused.status_code == 400 and "has expired" in refused.text
        page = client.get("/login")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        accepted = client.post("/login", data={"username": "cw", "password": "password-1",
                                               "csrf_token": token})
        assert accepted.status_code == 302
        # signing in starts a new session, so the page's token changes
        token = client.get("/inbox").text.split('name="csrf_token" value="')[1].split('"')[0]
        # htmx sends the token as a header; a post without it is refused
        assert client.post("/tasks/1/claim", headers={"HX-Request": "true"}).status_code == 400
        claimed = client.post("/tasks/1/claim", headers={"HX-Request": "true",
                                                         "X-CSRFToken": token})
        assert claimed.status_code == 200, claimed.text.split("<main>")[1][:600]
        # the JSON API uses bearer tokens and is not subject to CSRF
        assert client.post("/api/v1/auth/token", json={"username": "cw",
                                                       "password": "password-1"}
                           ).status_code == 200

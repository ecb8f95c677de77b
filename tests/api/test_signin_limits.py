"""Issue 15: the per-address sign-in limit (Flask-Limiter) on POST /login and
POST /api/v1/auth/token, shared by workers through Redis, and the per-account back-off in the
database, shared by workers through the database.

A "worker" is a second app made by `create_app`: its own engine, its own limiter, its own
in-memory counters, on the suite's database (SQLite or PostgreSQL).
"""
import os
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import SignInFailures
from app.services.identity import signin
from tests.conftest import make_config

PASSWORD = "password-1"
REDIS_URL = os.environ.get("SAFEPORT_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
ERROR_KEYS = {"error", "message", "details"}


@contextmanager
def workers(database_url, count=2, **settings):
    """`count` apps on the suite's database, as separate worker processes would be."""
    apps = [create_app(make_config(database_url, **settings)) for _ in range(count)]
    try:
        yield [app.test_client() for app in apps]
    finally:
        for app in apps:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def limited(prefix: str, storage: str = "memory://", limit: str = "3 per minute") -> dict:
    """Settings with the per-address limit on (and the per-account back-off out of the way)."""
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": storage,
            "RATELIMIT_KEY_PREFIX": prefix, "SIGNIN_RATE_LIMIT": limit,
            "SIGNIN_BACKOFF_AFTER": 1000}


@pytest.fixture
def prefix() -> str:
    """Keys of this test only, in a Redis that other test runs may share."""
    return f"safeport-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def redis_url(prefix):
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as err:
        pytest.skip(f"Redis at {REDIS_URL} is not reachable ({err}): set "
                    "SAFEPORT_TEST_REDIS_URL to run the cross-worker limit test")
    yield REDIS_URL
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)
    client.close()


def token(client, username, password=PASSWORD, address="127.0.0.1"):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def login(client, username, password=PASSWORD, address="127.0.0.1"):
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def too_many(response, says: str) -> int:
    """Check a 429 in the API's error shape; its Retry-After in seconds."""
    assert response.status_code == 429, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == ERROR_KEYS and body["error"] == "too_many_requests", body
    assert body["details"] == [] and says in body["message"], body
    return int(response.headers["Retry-After"])


def too_many_page(response, says: str) -> int:
    """Check a 429 sign-in page: plain words and the form again; its Retry-After."""
    assert response.status_code == 429, response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert says in response.text and 'name="password"' in response.text
    return int(response.headers["Retry-After"])


def failures(username: str) -> SignInFailures | None:
    db.session.expire_all()
    return db.session.scalar(select(SignInFailures).where(SignInFailures.username == username))


# --- the per-address limit ----------------------------------------------------------------------

def test_api_token_route_answers_429_after_the_limit(database_url, make_user, prefix):
    make_user("carla", "case_worker")
    with workers(database_url, 1, **limited(prefix)) as (client,):
        for name in ("carla", "nobody", "carla"):
            assert token(client, name, "wrong-password").status_code == 401
        refused = token(client, "carla")  # the right password, but from the same address
        wait = too_many(refused, "Too many sign-in attempts from your address. Wait")
        assert 1 <= wait <= 60
        assert token(client, "carla", address="10.0.0.2").status_code == 200  # per address
        spec = client.get("/api/v1/openapi.json").get_json()
        assert "429" in spec["paths"]["/api/v1/auth/token"]["post"]["responses"]


def test_html_login_answers_429_after_the_limit_in_plain_words(database_url, make_user, prefix):
    make_user("carla", "case_worker")
    with workers(database_url, 1, **limited(prefix)) as (client,):
        for _ in range(3):
            assert login(client, "carla", "wrong-password").status_code == 401
        assert client.get("/login").status_code == 200  # showing the form costs nothing
        wait = too_many_page(login(client, "carla"),
                             "Too many sign-in attempts from your address. Wait")
        assert 1 <= wait <= 60
        assert login(client, "carla", address="10.0.0.2").status_code == 302


def test_both_sign_in_routes_share_one_budget_per_address(database_url, make_user, prefix):
    make_user("carla", "case_worker")
    with workers(database_url, 1, **limited(prefix)) as (client,):
        assert token(client, "carla", "wrong-password").status_code == 401
        assert login(client, "carla", "wrong-password").status_code == 401
        assert token(client, "carla", "wrong-password").status_code == 401
        too_many_page(login(client, "carla"), "from your address")


def test_the_limit_holds_across_workers_sharing_redis(database_url, make_user, prefix,
                                                      redis_url):
    make_user("carla", "case_worker")
    with workers(database_url, 2, **limited(prefix, redis_url)) as (first, second):
        assert token(first, "carla", "wrong-password").status_code == 401
        assert login(second, "carla", "wrong-password").status_code == 401
        assert token(first, "nobody", "wrong-password").status_code == 401
        too_many_page(login(second, "carla"), "from your address")
        too_many(token(first, "carla"), "from your address")
        assert token(second, "carla", address="10.0.0.2").status_code == 200


def test_in_memory_each_worker_counts_alone(database_url, make_user, prefix):
    """Why several workers need Redis: with memory:// each one has its own budget."""
    make_user("carla", "case_worker")
    with workers(database_url, 2, **limited(prefix)) as (first, second):
        for client in (first, second):
            for _ in range(3):
                assert token(client, "carla", "wrong-password").status_code == 401
        too_many(token(first, "carla"), "from your address")
        too_many(token(second, "carla"), "from your address")


def test_an_unreachable_redis_falls_back_to_counting_in_memory(database_url, make_user, prefix):
    make_user("carla", "case_worker")
    with workers(database_url, 1, **limited(prefix, "redis://127.0.0.1:1/0")) as (client,):
        for _ in range(3):
            assert token(client, "carla", "wrong-password").status_code == 401
        too_many(token(client, "carla"), "from your address")


# --- the per-account back-off -------------------------------------------------------------------

BACKOFF = {"SIGNIN_BACKOFF_AFTER": 2, "SIGNIN_BACKOFF_BASE_SECONDS": 1,
           "SIGNIN_BACKOFF_MAX_SECONDS": 8}


def test_back_off_is_shared_by_workers_grows_and_expires(database_url, make_user,
                                                         signin_clock):
    make_user("carla", "case_worker")
    with workers(database_url, 2, **BACKOFF) as (first, second):
        assert token(first, "carla", "wrong-password").status_code == 401
        assert login(second, "carla", "wrong-password").status_code == 401  # 2 failures: wait
        waits = []
        for count in range(2, 7):
            # on either worker, even the right password is not checked while the account waits
            waits.append(too_many(token(first, "carla"), "Too many failed sign-ins for this "
                                                          "username. Wait"))
            assert too_many_page(login(second, "carla"), "Too many failed sign-ins") == waits[-1]
            assert failures("carla").failures == count  # refused attempts are not counted
            signin_clock.advance(waits[-1] - 0.5)
            assert token(second, "carla", "wrong-password").status_code == 429  # not yet
            signin_clock.advance(0.5)
            assert login(first, "carla", "wrong-password").status_code == 401  # checked: failed
        assert waits == [1, 2, 4, 8, 8]  # doubling, capped at SIGNIN_BACKOFF_MAX_SECONDS
        signin_clock.advance(8)
        assert login(second, "carla").status_code == 302  # the owner gets in after the wait
        assert failures("carla") is None  # and starts from zero
        assert token(first, "carla", "wrong-password").status_code == 401
        assert token(second, "carla", "wrong-password").status_code == 401
        too_many(token(first, "carla"), "Wait 1 second")


@pytest.mark.parametrize("earlier_failures", [0, 1])
def test_an_attempt_that_loses_a_race_to_another_worker_is_not_checked(
        database_url, make_user, signin_clock, monkeypatch, earlier_failures):
    """Each attempt is counted before its password is checked; of two parallel attempts under
    one name, the one whose count another worker overtook is refused unchecked."""
    make_user("carla", "case_worker")
    with workers(database_url, 2, **BACKOFF) as (first, second):
        for _ in range(earlier_failures):
            assert token(first, "carla", "wrong-password").status_code == 401
        raced = {}
        real_backoff = signin.backoff_seconds

        def meanwhile_on_the_other_worker(count):  # between reading the count and writing it
            if "response" not in raced:
                raced["response"] = None
                raced["response"] = login(second, "carla", "wrong-password")
            return real_backoff(count)

        monkeypatch.setattr(signin, "backoff_seconds", meanwhile_on_the_other_worker)
        too_many(token(first, "carla"), "Wait 1 second")  # the right password, unchecked
        assert raced["response"].status_code == 401
        assert failures("carla").failures == earlier_failures + 1


def test_a_success_resets_the_count(database_url, make_user, signin_clock):
    make_user("carla", "case_worker")
    with workers(database_url, 1, **BACKOFF) as (client,):
        assert token(client, "carla", "wrong-password").status_code == 401
        assert failures("carla").failures == 1
        assert token(client, "carla").status_code == 200
        assert failures("carla") is None
        for _ in range(2):  # the two free failures are free again
            assert token(client, "carla", "wrong-password").status_code == 401
        too_many(token(client, "carla"), "for this username")


def test_unknown_usernames_back_off_like_real_ones(database_url, make_user, signin_clock,
                                                  monkeypatch):
    """Neither the answers nor the work done tell which usernames exist."""
    make_user("carla", "case_worker")
    hashed = []
    real_check = signin.check_password_hash
    monkeypatch.setattr(signin, "check_password_hash",
                        lambda *args: hashed.append(1) or real_check(*args))
    with workers(database_url, 1, **BACKOFF) as (client,):
        answers = {}
        for name in ("carla", "ghost"):
            seen = []
            for _ in range(3):
                response = token(client, name, "wrong-password")
                seen.append((response.status_code, response.headers.get("Retry-After"),
                             response.get_json()["message"]))
            answers[name] = seen
        assert answers["carla"] == answers["ghost"]
        assert [status for status, _, _ in answers["ghost"]] == [401, 401, 429]
        assert len(hashed) == 2  # the unknown name's two checked attempts hashed a password
        assert failures("ghost").failures == 2 and failures("carla").failures == 2


def test_an_inactive_account_counts_failures_and_never_gets_in(database_url, make_user,
                                                               signin_clock):
    user = make_user("carla", "case_worker")
    user.active = False
    db.session.commit()
    with workers(database_url, 1, **BACKOFF) as (client,):
        assert token(client, "carla").status_code == 401
        assert failures("carla").failures == 1


@pytest.mark.parametrize("hops, separate", [(0, False), (1, True)])
def test_behind_a_trusted_proxy_each_client_has_its_own_budget(database_url, prefix, make_user,
                                                              hops, separate):
    make_user("cw", "case_worker")
    with workers(database_url, count=1, PROXY_HOPS=hops, **limited(prefix, limit="2 per minute")
                 ) as (client,):
        def attempt(address: str) -> int:
            return client.post("/api/v1/auth/token", json={"username": "cw", "password": "x"},
                               headers={"X-Forwarded-For": address}).status_code
        assert [attempt("192.0.2.1") for _ in range(3)] == [401, 401, 429]
        assert attempt("192.0.2.2") == (401 if separate else 429)


def test_limits_on_every_request_still_apply_when_configured(database_url):
    """The per-request check is skipped only while no app-wide limit exists: a configured
    RATELIMIT_DEFAULT limits any endpoint."""
    with workers(database_url, count=1, RATELIMIT_ENABLED=True,
                 RATELIMIT_DEFAULT="2 per minute") as (client,):
        statuses = [client.get("/healthz").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_without_app_wide_limits_other_endpoints_are_not_limited(database_url, make_user,
                                                                 prefix):
    with workers(database_url, count=1, **limited(prefix, limit="1 per minute")) as (client,):
        make_user("limits_free", "case_worker")
        answer = token(client, "limits_free")
        assert answer.status_code == 200
        headers = {"Authorization": f"Bearer {answer.get_json()['token']}"}
        assert [client.get("/api/v1/cases", headers=headers).status_code
                for _ in range(5)] == [200] * 5
        assert token(client, "limits_free").status_code == 429  # the sign-in limit holds

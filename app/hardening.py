"""Production hardening (issue 15): settings checked at start-up, and security headers.

- `config_for(env)`: the config class `SAFEPORT_ENV` names (unset: `config.Config`).
- `check_settings(config)`: refuses to start when a period setting does not parse (in every
  environment), or without a real `SECRET_KEY` where the config requires one (production).
- `init_app(app)`: the headers of every answer, in one hook: its request id, the browser
  security headers (a Content-Security-Policy on pages), `Strict-Transport-Security` when
  `HSTS_SECONDS` is set (production), and `Cache-Control: no-store` on every answer to a
  signed-in user (web session or bearer token) and on the token answer itself, so no proxy or
  browser cache keeps case data.
"""
from collections.abc import Mapping
from typing import Any

import isodate
from flask import Flask, request, session
from werkzeug.middleware.proxy_fix import ProxyFix

from app.engine.bounds import Limits
from app.errors import REQUEST_ID_HEADER, request_id

ENVIRONMENTS = {"": "config.Config", "development": "config.DevelopmentConfig",
                "production": "config.ProductionConfig"}
#: the placeholder `config.Config` falls back to; never acceptable where a key is required.
DEV_SECRET_KEY = "dev-only-change-me"
#: settings holding a comma-separated list of durations (empty allowed) rather than one.
DURATION_LISTS = {"SAFEPORT_REMINDER_LEAD_TIMES"}
#: endpoints whose answers are never signed-in pages even with a session cookie.
_CACHEABLE_ENDPOINTS = {"static", "healthz"}
#: sent with every answer unless the view set its own
SECURITY_HEADERS = (("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
                    ("Referrer-Policy", "same-origin"))
#: sent with every page (text/html)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")


class ConfigError(RuntimeError):
    """A setting the app refuses to start with; the message names the setting."""


def config_for(env: str | None) -> str:
    """The import path of the config class for a `SAFEPORT_ENV` value."""
    name = (env or "").strip().lower()
    if name not in ENVIRONMENTS:
        raise ConfigError(f"SAFEPORT_ENV={env!r} is not understood: use 'production' or "
                          "'development', or leave it unset")
    return ENVIRONMENTS[name]


def check_settings(config: Mapping[str, Any]) -> None:
    """Raise ConfigError for the first setting the app must not start with."""
    for name, value in (config.get("PERIODS") or {}).items():
        _check_period(name, value)
    try:
        Limits.from_settings(config.get("SCRIPT_LIMITS") or {})  # a bad bound fails here
    except ValueError as err:
        raise ConfigError(str(err)) from None
    if config.get("REQUIRE_SECRET_KEY"):
        key = config.get("SECRET_KEY")
        if not key or key == DEV_SECRET_KEY:
            raise ConfigError(
                "SECRET_KEY is not set: in production (SAFEPORT_ENV=production) SafePort "
                "refuses to start without a SECRET_KEY from the environment; generate one with "
                "`python3 -c 'import secrets; print(secrets.token_hex(32))'`")


def _check_period(name: str, value: Any) -> None:
    text = "" if value is None else str(value)
    parts = [p.strip() for p in text.split(",")] if name in DURATION_LISTS else [text.strip()]
    for part in parts:
        if not part and name in DURATION_LISTS:
            continue  # an empty list turns the feature off
        try:
            if part.startswith("-"):
                raise ValueError("negative")
            isodate.parse_duration(part)
        except (isodate.ISO8601Error, ValueError, TypeError):
            example = "P30D,P7D,P1D" if name in DURATION_LISTS else "P90D"
            raise ConfigError(f"{name}={text!r} is not a non-negative ISO-8601 duration"
                              f"{' list' if name in DURATION_LISTS else ''} "
                              f"(for example {example})") from None


def _signed_in() -> bool:
    """Whether the request carries a user's credentials (or asks for them: the token)."""
    if request.endpoint in _CACHEABLE_ENDPOINTS:
        return False
    return (bool(request.headers.get("Authorization")) or request.endpoint == "api.create_token"
            or "_user_id" in session)


def init_app(app: Flask) -> None:
    """Register the hardening response headers; trust `PROXY_HOPS` reverse proxies for the
    client address and scheme (so per-address sign-in limits count clients, not the proxy)."""
    hsts = int(app.config.get("HSTS_SECONDS") or 0)
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    defaults = list(SECURITY_HEADERS)
    if hsts > 0:
        defaults.append(("Strict-Transport-Security", f"max-age={hsts}"))

    @app.after_request
    def _response_headers(response):
        headers = response.headers
        present = {key.lower() for key in headers.keys()}
        headers.extend([(key, value) for key, value in defaults if key.lower() not in present])
        if response.mimetype == "text/html" and "content-security-policy" not in present:
            headers.add("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if _signed_in():
            headers["Cache-Control"] = "no-store"
        headers[REQUEST_ID_HEADER] = request_id()
        return response

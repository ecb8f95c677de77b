"""The server-rendered web UI: sign-in, inboxes, task forms, case pages, dashboard, portfolio.

Views parse input, call one service and render a template; services decide and commit.
"""
from flask import Blueprint, Flask, g
from flask_babel import gettext
from flask_wtf.csrf import CSRFProtect

from app.errors import is_htmx
from app.web import (
    audits,
    auth,
    cases,
    checklist,
    dashboard,
    designer,
    filters,
    i18n,
    inbox,
    operations,
    portfolio,
    profile,
    tasks,
)
from app.web.session import CookieSessionInterface, login_manager

csrf = CSRFProtect()


def init_app(app: Flask, *, csrf_exempt: tuple[Blueprint, ...] = ()) -> None:
    """Bind Flask-Login and CSRF protection (bearer-token blueprints exempt: no cookies,
    nothing to forge), and register the web blueprints."""
    app.session_interface = CookieSessionInterface()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.localize_callback = gettext  # flashed in the visitor's language
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    for blueprint in csrf_exempt:
        csrf.exempt(blueprint)
    for module in (auth, inbox, tasks, checklist, cases, dashboard, designer, operations,
                   portfolio, audits, profile):
        app.register_blueprint(module.bp)
    filters.init_app(app)
    i18n.init_app(app)

    @app.before_request
    def _forget_cached_user():
        # Flask-Login and Flask-WTF cache the user and the CSRF token on `g`, which lives as
        # long as the app context; when a caller (a test) keeps one context across requests,
        # each request must still read its own session.
        g.pop("_login_user", None)
        g.pop(app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)  # Flask-WTF's cache

    @app.context_processor
    def _globals():
        return {"is_htmx": is_htmx()}

"""The server-rendered web UI: sign-in, inboxes, task forms, case pages, dashboard.

Views parse input, call one service and render a template; services decide and commit.
"""
from flask import Flask, flash, g, redirect, render_template, request, url_for
from flask_login import LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import RequestEntityTooLarge

from app.extensions import db
from app.models import User
from app.services.errors import ServiceError

login_manager = LoginManager()
csrf = CSRFProtect()

#: where each role starts after signing in.
START_PAGES = {"applicant": "cases.my_company", "case_worker": "inbox.index",
               "specialist": "inbox.index", "admin": "dashboard.index",
               "designer": "dashboard.processes"}


class WebUser(UserMixin):
    """The signed-in user as Flask-Login sees it; `.user` is the model services take.

    The session id includes part of the password hash, so changing the password ends every
    other session.
    """

    def __init__(self, user: User):
        self.user = user

    def get_id(self) -> str:
        return f"{self.user.id}:{self.user.password_hash[-12:]}"

    @property
    def is_active(self) -> bool:
        return self.user.active

    def __getattr__(self, name: str):
        return getattr(self.user, name)


def actor() -> User:
    """The signed-in user's model, for passing to services."""
    return current_user.user


def start_page(user: User) -> str:
    """The URL a user lands on after signing in."""
    return url_for(START_PAGES.get(user.role, "inbox.index"))


@login_manager.user_loader
def _load_user(session_id: str) -> WebUser | None:
    user_id, _, stamp = session_id.partition(":")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active or user.password_hash[-12:] != stamp:
        return None
    return WebUser(user)


def _is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def _service_error(err: ServiceError):
    if request.path.startswith("/api/"):
        from app.api.core import error_response

        return error_response(err.code, err.message, err.details, err.status)
    if _is_htmx():
        return render_template("partials/error.html", error=err), err.status
    return render_template("error.html", error=err), err.status


def _csrf_error(err: CSRFError):
    if request.path.startswith("/api/"):
        return err
    return render_template("error.html", error=ServiceError(
        "This form has expired or did not come from SafePort. Go back, reload the page and "
        "try again.")), 400


def init_app(app: Flask) -> None:
    """Bind Flask-Login and CSRF protection, and register the web blueprints."""
    from app.api import bp as api_bp
    from app.web import auth, cases, dashboard, designer, inbox, operations, tasks

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    csrf.exempt(api_bp)  # bearer tokens, no cookies: nothing to forge
    for module in (auth, inbox, tasks, cases, dashboard, designer, operations):
        app.register_blueprint(module.bp)
    app.register_error_handler(ServiceError, _service_error)  # the API's own handler wins there
    app.register_error_handler(CSRFError, _csrf_error)

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(err):
        if request.path.startswith("/api/"):
            from app.api.core import error_response

            return error_response("too_large", "the request is larger than the server "
                                  "accepts", [], 413)
        flash("That file is larger than the server accepts.", "error")
        return redirect(request.referrer or url_for("auth.home"))

    @app.before_request
    def _forget_cached_user():
        # Flask-Login and Flask-WTF cache the user and the CSRF token on `g`, which lives as
        # long as the app context; when a caller (a test) keeps one context across requests,
        # each request must still read its own session.
        g.pop("_login_user", None)
        g.pop(app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)  # Flask-WTF's cache

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
        return response

    @app.context_processor
    def _globals():
        return {"is_htmx": _is_htmx()}

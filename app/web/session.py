"""Who is signed in: Flask-Login's user wrapper, the actor services take, where each role
starts, and the signed-cookie session they ride on."""
from flask import url_for
from flask.sessions import NullSession, SecureCookieSessionInterface
from flask_login import LoginManager, UserMixin, current_user

from app.extensions import db
from app.models import User

login_manager = LoginManager()

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


class BearerRequestSession(NullSession):
    """The session of a request that carries a bearer token and no session cookie (the JSON
    API): always empty and never saved. Writing to it is a bug, said as such."""

    def _refuse(self, *args, **kwargs):
        raise RuntimeError("a bearer-token request has no cookie session to write to")

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _refuse


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session with two per-request costs taken out (about 0.2 ms of an
    API call): an API request (bearer token, no session cookie) opens no session and saves
    none, and the signing serializer is built once per key rather than on every request."""

    def __init__(self):
        self._serializers: dict = {}

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None and app.secret_key:
            self._serializers.clear()  # the key changed (a test): the old one is done
            serializer = self._serializers[keys] = super().get_signing_serializer(app)
        return serializer

    def open_session(self, app, request):
        if "Authorization" in request.headers and self.get_cookie_name(app) not in request.cookies:
            return BearerRequestSession()
        return super().open_session(app, request)

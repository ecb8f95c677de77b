"""Who is signed in: Flask-Login's user wrapper, the actor services take, where each role starts."""
from flask import url_for
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

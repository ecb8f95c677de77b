"""Activation links: a person chooses their own password from a signed, expiring link.

The same link serves a new account (a public enquiry's contact) and a password reset: it is
signed with `SECRET_KEY` (salt "activate"), lives `ACTIVATION_MAX_AGE` seconds (7 days), and
carries a fingerprint of the user's password hash, so it stops working once the password is
changed (by this link or otherwise): each link works once.
"""
import hashlib
import secrets

from flask import current_app, has_request_context, request
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.extensions import db
from app.models import User
from app.services.errors import Invalid, Unauthorized
from app.services.identity.signin import password_problems
from app.services.runtime.unit_of_work import transaction

SALT = "activate"
#: where the web UI serves the link (app/web/auth.py routes the same path)
PATH = "/activate/"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def fingerprint(user: User) -> str:
    """A short digest of the user's password hash: it changes with every password set."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def unusable_password() -> str:
    """A random password nobody knows, for an account activated by link."""
    return secrets.token_urlsafe(32)


def activation_token(user: User) -> str:
    """A token that lets the user choose a password (until it expires or one is set)."""
    return _serializer().dumps({"uid": user.id, "pw": fingerprint(user)})


def activation_link(user: User) -> str:
    """The absolute address of the activation page for this user: on `SAFEPORT_BASE_URL`,
    else on the address the current request came to."""
    base = current_app.config.get("BASE_URL") or (
        request.host_url if has_request_context() else "http://localhost:5000/")
    return f"{base.rstrip('/')}{PATH}{activation_token(user)}"


def user_for_token(token: str) -> User:
    """The user an activation token belongs to; Unauthorized (with a message a person can act
    on) when it is expired, altered, or already used."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["ACTIVATION_MAX_AGE"])
    except SignatureExpired:
        raise Unauthorized(_("This link has expired. Ask us for a new one.")) from None
    except BadSignature:
        raise Unauthorized(_("This link is not valid. Check that it was copied whole.")) from None
    uid = data.get("uid") if isinstance(data, dict) else None
    user = db.session.get(User, uid) if isinstance(uid, int) else None
    if user is None or not user.active or data.get("pw") != fingerprint(user):
        raise Unauthorized(_("This link was already used or is no longer valid. Sign in with "
                             "your password, or ask us for a new link."))
    return user


def activate(token: str, new: str, repeat: str) -> User:
    """Set the password of the token's user (the password rules of a change apply); the link
    then stops working. Unauthorized for a bad link, Invalid (422 per field) for the password."""
    user = user_for_token(token)
    problems = password_problems(new, repeat)
    if problems:
        raise Invalid(_("the password was not set"), problems)
    with transaction():
        user.set_password(new, current_app.config["PASSWORD_HASH_METHOD"])
    return user

"""Users: creation, API tokens and preferences (password sign-in is `signin`)."""
import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, select

from app.extensions import db
from app.models import Company, User
from app.models.user import COMPANY_ROLES, ROLES
from app.services.errors import Invalid, Unauthorized
from app.services.identity import user_cache
from app.services.identity.access import require_role
from app.services.runtime.unit_of_work import transaction

_TOKEN_SALT = "safeport-api-token"
#: the one read per API request, built once; always the row as it is now, even when the
#: session already holds the user (a password change or deactivation counts at once)
_USER_BY_ID = (select(User).where(User.id == bindparam("user_id"))
               .execution_options(populate_existing=True))


#: tokens whose signature this process has checked: (secret key, token) -> (claims, signed at)
_VERIFIED: dict[tuple[str, str], tuple[dict, float]] = {}
_VERIFIED_MAX = 4096


def _tokens() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_TOKEN_SALT)


def _token_claims(token: str) -> dict:
    """What a token says, its signature checked once per process (a client sends the same
    token on every request) and its age on every call."""
    config = current_app.config
    max_age = config["API_TOKEN_MAX_AGE"]
    key = (config["SECRET_KEY"], token)
    verified = _VERIFIED.get(key)
    if verified is None:
        try:
            claims, signed_at = _tokens().loads(token, max_age=max_age, return_timestamp=True)
        except SignatureExpired:
            raise Unauthorized("the token has expired") from None
        except BadSignature:
            raise Unauthorized("the token is not valid") from None
        if not isinstance(claims, dict):
            raise Unauthorized("the token is not valid")
        if len(_VERIFIED) >= _VERIFIED_MAX:
            _VERIFIED.clear()
        _VERIFIED[key] = verified = (claims, signed_at.timestamp())
    if time.time() - verified[1] > max_age:
        raise Unauthorized("the token has expired")
    return verified[0]


def create_user(actor: User | None, *, username: str, password: str, role: str,
                email: str | None = None, company_id: int | None = None) -> User:
    """Create a user (admins only; `actor=None` is the CLI or the demo seed)."""
    if actor is not None:
        require_role(actor, "admin")
    problems: dict[str, list[str]] = {}
    if role not in ROLES:
        problems["role"] = [f"must be one of {', '.join(ROLES)}"]
    if role in COMPANY_ROLES and company_id is None:
        problems["company_id"] = [f"a user with the {role} role must belong to a company"]
    if role not in COMPANY_ROLES and company_id is not None:
        problems["company_id"] = ["only applicants and supplier contacts belong to a company"]
    if company_id is not None and db.session.get(Company, company_id) is None:
        problems["company_id"] = [f"company {company_id} does not exist"]
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        problems["username"] = ["is already taken"]
    if problems:
        raise Invalid("the user cannot be created", problems)
    user = User(username=username, role=role, email=email, company_id=company_id)
    user.set_password(password, current_app.config["PASSWORD_HASH_METHOD"])
    with transaction():
        db.session.add(user)
    return user


def issue_token(user: User) -> str:
    """A signed, expiring API token; changing the password invalidates it."""
    return _tokens().dumps({"uid": user.id, "pw": user.password_hash[-12:]})


def user_for_token(token: str) -> User:
    """The user a token belongs to, or Unauthorized when invalid or expired.

    The user comes from this process's cache while no user row has changed since it was
    read (`user_cache`), else from the database.
    """
    data = _token_claims(token)
    uid = data.get("uid")
    if not isinstance(uid, int):
        raise Unauthorized("the token is not valid")
    seconds = current_app.config["API_USER_CACHE_SECONDS"]
    cache = user_cache.for_current_database() if seconds > 0 else None
    mark = cache.mark() if cache else None
    user = cache.user(uid, mark, data.get("pw")) if cache else None
    if user is None:
        user = db.session.scalar(_USER_BY_ID, {"user_id": uid})
        if user is not None and cache:
            cache.keep(user, mark, seconds)
    if user is None or not user.active or user.password_hash[-12:] != data.get("pw"):
        raise Unauthorized("the token is not valid")
    return user


def get_user_by_username(username: str) -> User | None:
    """A user by name, or None."""
    return db.session.scalar(select(User).where(User.username == username))


#: the languages people may choose (English is the source, Spanish the translation)
LANGUAGES = ("en", "es")
_KEEP: Any = object()


def set_preferences(actor: User, *, language: Any = _KEEP, time_zone: Any = _KEEP) -> User:
    """Change one's own language ("en", "es"; None: the browser's) and time zone (an IANA
    name such as "America/Mexico_City"; None: UTC); what is not given stays."""
    problems: dict[str, list[str]] = {}
    if language is not _KEEP and language is not None and language not in LANGUAGES:
        problems["language"] = [f"must be one of {', '.join(LANGUAGES)}"]
    if time_zone is not _KEEP and time_zone is not None and not _known_zone(time_zone):
        problems["time_zone"] = ["is not a known time zone (IANA name, e.g. America/Mexico_City)"]
    if problems:
        raise Invalid("the preferences were not changed", problems)
    with transaction():
        if language is not _KEEP:
            actor.language = language
        if time_zone is not _KEEP:
            actor.time_zone = time_zone
    return actor


def _known_zone(name: object) -> bool:
    if not isinstance(name, str) or not name or len(name) > 64:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True

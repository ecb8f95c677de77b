"""Signing in (the web form and the API token alike) with a per-account back-off, and password
changes.

The back-off lives in the database (`signin_failures`), so every worker counts the same
failures: after `SIGNIN_BACKOFF_AFTER` consecutive failures under a username, the next attempt
is not even checked until `SIGNIN_BACKOFF_BASE_SECONDS * 2**(failures - after)` seconds (at most
`SIGNIN_BACKOFF_MAX_SECONDS`) have passed since the last one; it answers 429 with the wait. The
delay always expires, so the real owner is never locked out for good, and a success starts the
count over. Unknown usernames are counted and hashed exactly like known ones, so neither the
answers nor their timing tell which accounts exist. The per-address limit on both sign-in routes
is Flask-Limiter's (`app/ratelimits.py`).
"""
import math
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, insert, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models import SignInFailures, User
from app.models.types import utcnow
from app.services.errors import Conflict, Invalid, TooManyAttempts, Unauthorized
from app.services.runtime.unit_of_work import transaction

MIN_PASSWORD_LENGTH = 10
MAX_USERNAME_LENGTH = 80
#: a username without a failed attempt for this long (or the longest delay) starts from zero
FORGET_AFTER = timedelta(days=1)
_DUMMY_HASH = "safeport_signin_dummy_hash"


def sign_in(username: str, password: str) -> User:
    """The active user with these credentials; 401 otherwise, 429 while the name must wait."""
    username = username.strip()
    if not username or len(username) > MAX_USERNAME_LENGTH:  # no account can have this name
        check_password_hash(_dummy_hash(), password)
        raise Unauthorized("unknown username or wrong password")
    _count_attempt(username, utcnow())
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        check_password_hash(_dummy_hash(), password)  # as long as checking a real password
        raise Unauthorized("unknown username or wrong password")
    if not user.check_password(password) or not user.active:
        raise Unauthorized("unknown username or wrong password")
    with transaction():
        db.session.execute(delete(SignInFailures).where(SignInFailures.username == username))
    return user


def backoff_seconds(failures: int) -> float:
    """How long the attempt after `failures` consecutive failures waits."""
    config = current_app.config
    over = failures - config["SIGNIN_BACKOFF_AFTER"]
    if over < 0:
        return 0.0
    return min(config["SIGNIN_BACKOFF_BASE_SECONDS"] * 2.0 ** min(over, 64),
               config["SIGNIN_BACKOFF_MAX_SECONDS"])


def _count_attempt(username: str, now: datetime) -> None:
    """Count this attempt as a failure before the password is checked (a success deletes the
    count), committed at once so parallel attempts on any worker see it; 429 while the name's
    delay runs or when another attempt under it won the race."""
    try:
        with transaction():
            row = db.session.execute(
                select(SignInFailures.failures, SignInFailures.next_attempt_at,
                       SignInFailures.last_failed_at)
                .where(SignInFailures.username == username)).first()
            if row is not None and row.next_attempt_at > now:
                raise _wait(row.next_attempt_at - now)
            forget_before = now - _forget_after()
            failures = (row.failures if row and row.last_failed_at >= forget_before else 0) + 1
            values = {"failures": failures, "last_failed_at": now,
                      "next_attempt_at": now + timedelta(seconds=backoff_seconds(failures))}
            if row is None:
                db.session.execute(delete(SignInFailures)
                                   .where(SignInFailures.last_failed_at < forget_before))
                db.session.execute(insert(SignInFailures).values(username=username, **values))
                return
            counted = db.session.execute(
                update(SignInFailures).where(SignInFailures.username == username,
                                             SignInFailures.failures == row.failures)
                .values(**values)).rowcount
            if counted != 1:
                raise _wait(timedelta(seconds=1))
    except Conflict:  # a parallel first attempt inserted the row (or SQLite was locked)
        raise _wait(timedelta(seconds=1)) from None


def _forget_after() -> timedelta:
    return max(FORGET_AFTER, timedelta(seconds=current_app.config["SIGNIN_BACKOFF_MAX_SECONDS"]))


def _wait(delay: timedelta) -> TooManyAttempts:
    seconds = max(1, math.ceil(delay.total_seconds()))
    return TooManyAttempts(f"Too many failed sign-ins for this username. Wait {seconds} "
                           f"second{'s' if seconds != 1 else ''} and try again.", seconds)


def _dummy_hash() -> str:
    """A hash of a random password made like real ones, made once per app on first use."""
    extensions = current_app.extensions
    if _DUMMY_HASH not in extensions:
        extensions[_DUMMY_HASH] = generate_password_hash(
            secrets.token_urlsafe(16), method=current_app.config["PASSWORD_HASH_METHOD"])
    return extensions[_DUMMY_HASH]


def password_problems(new: str, repeat: str) -> dict[str, list[str]]:
    """What is wrong with a new password and its repetition (the rules of every password a
    person chooses: a change, an activation, a reset), by field `new` and `repeat`."""
    problems: dict[str, list[str]] = {}
    if len(new) < MIN_PASSWORD_LENGTH:
        problems["new"] = [f"must be at least {MIN_PASSWORD_LENGTH} characters"]
    if new != repeat:
        problems["repeat"] = ["does not match the new password"]
    return problems


def change_password(actor: User, current: str, new: str, repeat: str) -> User:
    """Change one's own password (which signs out other sessions and API tokens)."""
    problems = password_problems(new, repeat)
    if not actor.check_password(current):
        problems["current"] = ["is not your current password"]
    if "new" not in problems and new == current:
        problems["new"] = ["must differ from the current password"]
    if problems:
        raise Invalid("the password was not changed", problems)
    with transaction():
        actor.set_password(new, current_app.config["PASSWORD_HASH_METHOD"])
    return actor

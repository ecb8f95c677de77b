"""Signing in to the web UI: password check with a rate limit, and password changes."""
import threading
import time
from collections import defaultdict, deque

from flask import current_app

from app.models import User
from app.services.errors import Invalid, ServiceError, Unauthorized
from app.services.identity import users
from app.services.runtime.unit_of_work import transaction

MIN_PASSWORD_LENGTH = 10


class TooManyAttempts(ServiceError):
    """Too many failed sign-ins from one address for one username: wait and try again."""

    status, code = 429, "too_many_attempts"


class _Limiter:
    """Failed attempts per key in a sliding window (per process; enough for one server)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, key: str, window: float) -> deque[float]:
        stamps = self._failures[key]
        while stamps and stamps[0] < time.monotonic() - window:
            stamps.popleft()
        return stamps

    def blocked(self, key: str, limit: int, window: float) -> bool:
        with self._lock:
            return len(self._recent(key, window)) >= limit

    def fail(self, key: str) -> None:
        with self._lock:
            self._failures[key].append(time.monotonic())

    def reset(self, key: str | None = None) -> None:
        with self._lock:
            if key is None:
                self._failures.clear()
            else:
                self._failures.pop(key, None)


limiter = _Limiter()


def sign_in(username: str, password: str, remote_addr: str | None) -> User:
    """The user with these credentials; 429 after too many failures for this name and address."""
    limit = current_app.config["LOGIN_RATE_LIMIT"]
    window = current_app.config["LOGIN_RATE_WINDOW"]
    key = f"{remote_addr or '-'}|{username.strip().lower()}"
    if limiter.blocked(key, limit, window):
        raise TooManyAttempts(f"too many failed sign-ins; try again in {int(window // 60)} "
                              "minutes")
    try:
        user = users.authenticate(username.strip(), password)
    except Unauthorized:
        limiter.fail(key)
        raise
    limiter.reset(key)
    return user


def change_password(actor: User, current: str, new: str, repeat: str) -> User:
    """Change one's own password (which signs out other sessions and API tokens)."""
    problems: dict[str, list[str]] = {}
    if not actor.check_password(current):
        problems["current"] = ["is not your current password"]
    if len(new) < MIN_PASSWORD_LENGTH:
        problems["new"] = [f"must be at least {MIN_PASSWORD_LENGTH} characters"]
    elif new == current:
        problems["new"] = ["must differ from the current password"]
    if new != repeat:
        problems["repeat"] = ["does not match the new password"]
    if problems:
        raise Invalid("the password was not changed", problems)
    with transaction():
        actor.set_password(new, current_app.config["PASSWORD_HASH_METHOD"])
    return actor

"""The users bearer tokens belong to, kept by each worker and never used once stale.

Resolving a token used to read its user on every API request: one more statement and, on
PostgreSQL, one more round trip on top of the ten a task completion needs. Each process now keeps
the users its tokens resolved to, and drops all of them as soon as any user row changes.
Changes are rare (a password, an account disabled, a name or language), so this costs little:

- migration 0012 adds a trigger on `users`. Any UPDATE or DELETE (and, on PostgreSQL, a
  TRUNCATE) adds one to `user_changes.n`. On PostgreSQL it also sends `NOTIFY safeport_users`
  when the change commits.
- PostgreSQL: the process keeps one LISTEN connection per database and, before every lookup,
  reads what has arrived on it, without waiting. Once a second it also sends that connection a
  heartbeat, answered by a later lookup. The cache is used only while the last heartbeat
  answered was sent at most 2 s ago: every notification committed before that has been read.
  A dead peer or a cut network sends nothing, so silence alone proves nothing. While the
  connection is down or silent, every request reads its user, as before.
- SQLite has no notifications, so the process reads `user_changes.n` instead. That is a call
  into the library, not a round trip.
- A change committed by this process's own session empties the cache at that commit. Its own
  requests therefore never depend on how fast the notification arrives.

Entries also expire after API_USER_CACHE_SECONDS (0 turns the cache off).
"""
from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, make_transient_to_detached

from app.extensions import db
from app.models import User

log = logging.getLogger(__name__)

CHANNEL = "safeport_users"
#: how the LISTEN connection shows in pg_stat_activity
APPLICATION_NAME = "safeport-user-cache"
#: how long to wait before connecting again after the LISTEN connection failed
RETRY_SECONDS = 5.0
#: how often the LISTEN connection is asked to answer, and how long without an answer makes
#: it deaf (a dead peer or a cut network sends nothing: silence alone proves nothing)
HEARTBEAT_SECONDS = 1.0
DEAF_AFTER = 2.0
_COLUMNS = tuple(attr.key for attr in inspect(User).column_attrs)
_CHANGED = "safeport_users_changed"  # session.info: this transaction changed a user row


@dataclass(frozen=True)
class _Entry:
    user: User  # detached, never in a session: each request merges a copy of it
    mark: Any
    expires: float


class UserCache:
    """The users of one database, as this process last read them."""

    def __init__(self, url: URL):
        self.postgres = url.get_backend_name() == "postgresql"
        self._conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._entries: dict[int, _Entry] = {}
        self._lock = threading.Lock()
        self._generation = 0  # PostgreSQL: notifications (and reconnections) seen so far
        self._listener: Any = None
        self._pid = os.getpid()
        self._retry_at = 0.0
        self._alive_at = 0.0  # when the last answered heartbeat was sent
        self._ping_sent: float | None = None
        self._ok: Any = None  # psycopg's ConnStatus.OK, once connected

    def mark(self) -> Any:
        """What an entry must carry to be current now; None: do not use the cache now."""
        if not self.postgres:
            return db.session.connection().exec_driver_sql(
                "SELECT n FROM user_changes").scalar()
        with self._lock:
            return self._generation if self._listening() else None

    def user(self, user_id: int, mark: Any, password_tail: str) -> User | None:
        """The cached user, attached to the session without a read; None if not cached, or
        if the entry would refuse the token (a refusal is always decided on the row itself)."""
        entry = self._entries.get(user_id)
        if mark is None or entry is None or entry.mark != mark or entry.expires < time.monotonic():
            return None
        kept = entry.user
        if not kept.active or kept.password_hash[-12:] != password_tail:
            return None
        if db.session.identity_key(User, user_id) in db.session.identity_map:
            return None  # the session holds its own copy: read it as it is now
        return db.session.merge(kept, load=False)

    def keep(self, user: User, mark: Any, seconds: float) -> None:
        """Remember `user`, read after `mark` was taken, unless a change came in meanwhile."""
        if mark is None or seconds <= 0:
            return
        kept = User(**{key: getattr(user, key) for key in _COLUMNS})
        make_transient_to_detached(kept)
        with self._lock:
            if self.postgres and not (self._listening() and self._generation == mark):
                return
            self._entries[user.id] = _Entry(kept, mark, time.monotonic() + seconds)

    def forget(self) -> None:
        """Drop every entry (a user row changed)."""
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def close(self) -> None:
        """Drop every entry and the LISTEN connection; the next lookup connects again."""
        with self._lock:
            if self._listener is not None:
                self._drop_listener()
            self._retry_at = 0.0

    # -- PostgreSQL: the LISTEN connection (called under the lock) ------------------------
    def _listening(self) -> bool:
        """True while the LISTEN connection is known to hear: it answered a heartbeat sent
        at most DEAF_AFTER ago, so every notification committed before that is read."""
        if self._pid != os.getpid():  # a forked worker: the parent's socket is not its own
            self._listener, self._pid = None, os.getpid()
            self._reset()
        if self._listener is None:
            return self._connect()
        now = time.monotonic()
        try:
            pgconn = self._listener.pgconn
            pgconn.consume_input()  # reads what has arrived, without waiting
            changed = False
            while pgconn.notifies() is not None:
                changed = True
            if self._ping_sent is not None and not pgconn.is_busy():
                while pgconn.get_result() is not None:
                    pass
                self._alive_at, self._ping_sent = self._ping_sent, None
            if pgconn.status != self._ok:
                raise ConnectionError("the connection is closed")
            if self._ping_sent is None and now - self._alive_at >= HEARTBEAT_SECONDS:
                pgconn.send_query(b"SELECT 1")  # answered by a later call, never waited for
                self._ping_sent = now
            elif self._ping_sent is not None and now - self._ping_sent > DEAF_AFTER:
                raise ConnectionError(f"no heartbeat answer for {DEAF_AFTER} s")
        except Exception as err:  # broken or silent: trust nothing it may have missed
            log.warning("user cache: LISTEN connection lost (%s)", err)
            self._drop_listener()
            return False
        if changed:
            self._reset()
        return now - self._alive_at <= DEAF_AFTER

    def _connect(self) -> bool:
        if time.monotonic() < self._retry_at:
            return False
        import psycopg

        try:
            conn = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=2,
                                   application_name=APPLICATION_NAME)
            conn.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as err:
            log.warning("user cache: cannot LISTEN (%s); reading users meanwhile", err)
            self._retry_at = time.monotonic() + RETRY_SECONDS
            return False
        self._listener, self._ping_sent, self._ok = conn, None, psycopg.pq.ConnStatus.OK
        self._alive_at = time.monotonic()  # LISTEN itself was answered just now
        self._reset()  # whatever changed while nobody listened
        return True

    def _drop_listener(self) -> None:
        try:
            self._listener.close()
        except Exception:  # already broken
            pass
        self._listener = None
        self._retry_at = time.monotonic() + RETRY_SECONDS
        self._reset()

    def _reset(self) -> None:
        self._generation += 1
        self._entries.clear()


_CACHES: dict[str, UserCache] = {}
_CACHES_LOCK = threading.Lock()


@atexit.register
def _close_all() -> None:
    """Close this process's LISTEN connections when it ends (left to the garbage collector,
    psycopg warns that each was deleted while open). A forked child's copies are its
    parent's sockets: closing them would end the parent's connections."""
    for cache in list(_CACHES.values()):
        if cache._pid == os.getpid():
            cache.close()


def for_current_database() -> UserCache:
    """This process's cache for the database the session is bound to."""
    url = db.engine.url
    key = url.render_as_string(hide_password=False)
    cache = _CACHES.get(key)
    if cache is None:
        with _CACHES_LOCK:
            cache = _CACHES.setdefault(key, UserCache(url))
    return cache


def _note_user_changes(session: Session, _context) -> None:
    if any(isinstance(obj, User) for obj in (*session.dirty, *session.deleted)):
        session.info[_CHANGED] = True


def _after_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        for cache in list(_CACHES.values()):
            cache.forget()


def _after_rollback(session: Session, _previous) -> None:
    session.info.pop(_CHANGED, None)


def listen_for_own_changes() -> None:
    """Empty the caches when this process commits a change to a user (once per process)."""
    for name, hook in (("after_flush", _note_user_changes), ("after_commit", _after_commit),
                       ("after_soft_rollback", _after_rollback)):
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)

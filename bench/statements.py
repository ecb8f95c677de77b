"""What one call costs the database: SQL statements, commits and (PostgreSQL) round trips.

    with count_statements(db.engine) as counts:
        complete(user, task_id, {})
    print(counts.line())

Statements and commits come from SQLAlchemy's `before_cursor_execute` and `commit` events on
the engine (an `executemany` is one statement). Round trips are read from libpq's own protocol
trace of every connection checked out meanwhile: each time the client sends and then waits for
an answer is one (BEGIN, COMMIT and an executemany's pipeline included), plus one per pool
pre-ping (sent before the trace is attached). SQLite has no round trips: each statement is a
call into the library in the same process.
"""
from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event


@dataclass
class Counts:
    statements: int = 0
    commits: int = 0
    rollbacks: int = 0
    pings: int = 0
    round_trips: int | None = None  # PostgreSQL only
    verbs: Counter = field(default_factory=Counter)

    def line(self) -> str:
        verbs = " ".join(f"{verb}:{n}" for verb, n in sorted(self.verbs.items()))
        trips = "n/a" if self.round_trips is None else str(self.round_trips)
        return (f"statements={self.statements} commits={self.commits} "
                f"rollbacks={self.rollbacks} round_trips={trips} ({verbs})")

    def add(self, other: Counts) -> None:
        self.statements += other.statements
        self.commits += other.commits
        self.rollbacks += other.rollbacks
        self.pings += other.pings
        if other.round_trips is not None:
            self.round_trips = (self.round_trips or 0) + other.round_trips
        self.verbs.update(other.verbs)


def round_trips_in(trace: str) -> int:
    """Client-to-server exchanges in a libpq trace: each run of frontend ('F') messages
    followed by a backend ('B') answer is one round trip."""
    trips, sending = 0, False
    for line in trace.splitlines():
        if line.startswith("F\t"):
            sending = True
        elif line.startswith("B\t") and sending:
            trips, sending = trips + 1, False
    return trips


@contextmanager
def count_statements(engine) -> Iterator[Counts]:
    """Count what `engine` is asked to do inside the block (see the module docstring)."""
    counts = Counts()
    postgres = engine.dialect.name == "postgresql"
    trace = tempfile.TemporaryFile() if postgres else None
    traced: list = []

    def on_execute(_conn, _cursor, statement, _params, _context, _many):
        counts.statements += 1
        counts.verbs[statement.lstrip().split(None, 1)[0].upper()] += 1

    def on_commit(_conn):
        counts.commits += 1

    def on_rollback(_conn):
        counts.rollbacks += 1

    def on_checkout(dbapi_conn, _record, _proxy):
        from psycopg import pq

        dbapi_conn.pgconn.trace(os.dup(trace.fileno()))
        dbapi_conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        traced.append(dbapi_conn)

    def on_checkin(dbapi_conn, _record):
        if dbapi_conn in traced:
            dbapi_conn.pgconn.untrace()  # flushes the trace
            traced.remove(dbapi_conn)

    dialect, ping = engine.dialect, engine.dialect.do_ping

    def counted_ping(dbapi_conn):
        counts.pings += 1
        return ping(dbapi_conn)

    hooks = [(engine, "before_cursor_execute", on_execute), (engine, "commit", on_commit),
             (engine, "rollback", on_rollback)]
    if postgres:
        hooks += [(engine.pool, "checkout", on_checkout), (engine.pool, "checkin", on_checkin)]
    for target, name, hook in hooks:
        event.listen(target, name, hook)
    dialect.do_ping = counted_ping
    try:
        yield counts
    finally:
        del dialect.do_ping  # the class's method again
        for target, name, hook in hooks:
            event.remove(target, name, hook)
        for dbapi_conn in traced:
            dbapi_conn.pgconn.untrace()
        if trace is not None:
            trace.seek(0)
            counts.round_trips = round_trips_in(trace.read().decode(errors="replace"))
            counts.round_trips += counts.pings
            trace.close()

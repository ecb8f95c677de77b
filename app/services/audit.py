"""The audit trail: append-only rows written in the same transaction as what they record.

Events are buffered on the session and inserted in one statement when the transaction
commits (or flushes explicitly with `write_pending`), so a busy action costs one round trip
for its whole trail; a rolled-back transaction writes none of them. `init_app` binds the
session hooks that do this.
"""
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import AuditEvent, User
from app.models.enums import AuditKind
from app.models.types import utcnow

_BUFFER = "safeport_audit_rows"
#: built once; one execution inserts every buffered row (executemany)
_INSERT = insert(AuditEvent.__table__)


def record(kind: AuditKind | str, *, case_id: int | None = None, actor: User | None = None,
           task_id: int | None = None, **details: Any) -> None:
    """Add an audit event to the current transaction (the caller commits).

    An unknown kind is a programming error: ValueError.
    """
    db.session.info.setdefault(_BUFFER, []).append({
        "kind": AuditKind(kind).value, "case_id": case_id, "task_id": task_id,
        "actor_id": actor.id if actor else None, "details": details, "at": utcnow(),
    })


def write_pending(session: Session) -> None:
    """Insert the buffered events now (commit does this by itself)."""
    rows = session.info.pop(_BUFFER, None)
    if rows:
        session.execute(_INSERT, rows)


def _forget(session: Session, _previous_transaction) -> None:
    session.info.pop(_BUFFER, None)


def init_app(_app) -> None:
    """Write buffered events at every commit and drop them at every rollback (once per
    process: the hooks are on the session class every app's sessions share)."""
    for name, hook in (("before_commit", write_pending), ("after_soft_rollback", _forget)):
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)

"""How a request's database session ends when no service committed it.

Every read-only request (an inbox page, a task's JSON, a completion's answer read back) leaves
a transaction open that the app context's teardown rolls back. On PostgreSQL that ROLLBACK
makes psycopg forget every statement it had prepared on the connection, so the next request
parses and plans its statements again (about 0.4 ms on a task completion). A transaction that
only read has nothing to undo, so it ends with COMMIT instead, which keeps them. Anything that
wrote, failed, or may have (any statement but a SELECT, unflushed changes) still rolls back.
"""
from contextlib import suppress

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db

_WROTE = "safeport_wrote"  # on the pooled connection's info, for the transaction under way
_CONNECTION = "safeport_connection"  # session.info: the connection its transaction uses


def _note_statement(conn, _cursor, statement: str, _params, _context, _many) -> None:
    if statement.lstrip()[:6].upper() != "SELECT":
        conn.info[_WROTE] = True


def _forget(conn) -> None:
    conn.info.pop(_WROTE, None)


def _note_connection(session: Session, _transaction, connection) -> None:
    session.info[_CONNECTION] = connection


def _forget_connection(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CONNECTION, None)


def _end_read_only(error: BaseException | None) -> None:
    session = db.session()
    connection = session.info.get(_CONNECTION)
    if error is not None or connection is None:
        return  # nothing ran (the rollback sends nothing), or it failed
    if session.new or session.dirty or session.deleted:
        return
    try:
        if not connection.info.get(_WROTE):
            session.commit()
    except Exception:  # a failed or broken transaction: roll back, never fail the teardown
        with suppress(Exception):
            session.rollback()


def init_app(app: Flask) -> None:
    """On PostgreSQL, end read-only request transactions with COMMIT (see the module)."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        return
    event.listen(engine, "before_cursor_execute", _note_statement)
    event.listen(engine, "commit", _forget)
    event.listen(engine, "rollback", _forget)
    for name, hook in (("after_begin", _note_connection),
                       ("after_transaction_end", _forget_connection)):
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)
    # registered after Flask-SQLAlchemy's own teardown, so it runs before it removes the session
    app.teardown_appcontext(_end_read_only)

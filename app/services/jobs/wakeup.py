"""Telling a sleeping scheduler that something new falls due soon (PostgreSQL LISTEN/NOTIFY).

The scheduler sleeps until the earliest due instant it knows of, at most SCHEDULER_MAX_SLEEP. A web
worker that writes something due sooner than that (a short timer, an email) calls `poke` in its
transaction; PostgreSQL delivers the notification only if that transaction commits, and the
scheduler wakes at once. On SQLite `poke` does nothing: the scheduler's sleep cap bounds the delay.
"""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import text

from app.extensions import db
from app.models.types import utcnow

CHANNEL = "safeport_scheduler"


def poke(due: datetime | None) -> None:
    """Wake the scheduler after this commit if `due` comes before its next routine check."""
    if due is None or db.session.get_bind().dialect.name != "postgresql":
        return
    horizon = utcnow() + timedelta(seconds=current_app.config["SCHEDULER_MAX_SLEEP"])
    if due <= horizon:
        db.session.execute(text(f"NOTIFY {CHANNEL}"))

"""Binding the services to an app: per-app caches, session hooks and script effects.

Nothing here runs at import; `create_app` calls `init_app` once per app.
"""
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.services import audit
from app.services.audits import effects as audit_effects
from app.services.identity import user_cache
from app.services.jobs import notifications
from app.services.membership import records
from app.services.runtime import effects, persistence, sessions, state
from app.services.tasks import inbox


def _forget_unsaved(session: Session, _previous_transaction) -> None:
    """A rolled-back transaction's instances never reach the live cache."""
    session.info.pop(persistence.PENDING, None)


def _tell_assignee(task, assignee) -> None:
    notifications.task_assigned(task, assignee, None)


def init_app(app: Flask) -> None:
    """Give the app its runtime state and effect handlers; bind the session hooks."""
    runtime = state.init_app(app)
    effects.register(runtime.effects)
    records.register(runtime.effects)
    audit_effects.register(runtime.effects)
    runtime.on_assigned.append(_tell_assignee)
    audit.init_app(app)
    inbox.init_app(app)
    sessions.init_app(app)
    user_cache.listen_for_own_changes()
    if not event.contains(Session, "after_soft_rollback", _forget_unsaved):
        event.listen(Session, "after_soft_rollback", _forget_unsaved)


def clear_caches() -> None:
    """Forget the current app's cached instances, specs, forms and stages (tests reuse ids
    after emptying the database)."""
    state.runtime().clear()
    inbox.init_app(current_app)

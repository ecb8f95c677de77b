"""The unit of work around one case: lock it, load its instance, act, save everything at once.

Every change to a case goes through `lock_case` -> `load` -> (engine action) -> `save` -> `commit`,
so the engine state, the human task rows, the timer column, the message subscriptions and the
audit trail always change together or not at all.
"""
from functools import lru_cache
from typing import Any

from flask import current_app
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from app.engine import Instance, VersionRef
from app.extensions import db
from app.models import Case, CaseState, HumanTask, MessageSubscription, ProcessVersion, User
from app.models.types import utcnow
from app.models.user import TASK_ROLES
from app.services import audit
from app.services.errors import Conflict, NotFound

STALE_MESSAGE = "the case was changed by someone else meanwhile; reload it and try again"


def version_ref(version_id: int) -> VersionRef:
    """Reference to a stored version; its spec JSON is read only on a cache miss."""
    return VersionRef(version_id, lambda: db.session.scalar(
        select(ProcessVersion.spec_json).where(ProcessVersion.id == version_id)))


@lru_cache(maxsize=256)
def _forms(version_id: int, _app_key: int) -> dict[str, Any]:
    return db.session.scalar(select(ProcessVersion.forms).where(ProcessVersion.id == version_id))


def forms_of(version_id: int) -> dict[str, Any]:
    """The form definitions deployed with a version (immutable, so cached)."""
    return _forms(version_id, id(current_app._get_current_object())) or {}


def engine_settings() -> dict[str, Any]:
    """The settings scripts can read with `setting(name)`."""
    return current_app.config["PERIODS"]


def lock_case(case_id: int) -> Case:
    """Load a case and lock its row until commit (FOR UPDATE on PostgreSQL)."""
    case = db.session.scalar(
        select(Case).where(Case.id == case_id).with_for_update()
        .execution_options(populate_existing=True))
    if case is None:
        raise NotFound(f"case {case_id} not found")
    return case


def load(case: Case) -> Instance:
    """The engine instance of a (locked) case."""
    state_json = db.session.scalar(
        select(CaseState.state_json).where(CaseState.case_id == case.id))
    return Instance.load(version_ref(case.process_version_id), state_json,
                         roles=TASK_ROLES, settings=engine_settings())


def start(case: Case, data: dict | None = None) -> Instance:
    """Start the engine instance of a new (flushed) case."""
    return Instance.start(version_ref(case.process_version_id), roles=TASK_ROLES,
                          settings=engine_settings(), data=data)


def save(case: Case, instance: Instance, actor: User | None, *, new: bool = False) -> None:
    """Write the instance state and everything derived from it, in the current transaction."""
    now = utcnow()
    state_json = instance.dump()
    if new:
        db.session.add(CaseState(case_id=case.id, serializer_version="1.5",
                                 state_json=state_json))
    else:
        db.session.execute(update(CaseState).where(CaseState.case_id == case.id)
                           .values(state_json=state_json))
    _sync_tasks(case, instance, actor, now)
    _sync_subscriptions(case, instance, new)
    case.next_timer_at = instance.next_timer_at()
    case.current_stage = instance.current_stage()
    case.updated_at = now
    if instance.error is not None:
        if case.status != "error":
            audit.record("error", case_id=case.id, actor=actor, message=instance.error.message,
                         element=instance.error.bpmn_id)
        case.status, case.error_message = "error", instance.error.message
    elif instance.completed:
        case.status, case.completed_at, case.error_message = "completed", now, None
        case.next_timer_at = None
        audit.record("case_completed", case_id=case.id, actor=actor)
    elif case.status in ("error", "running"):
        case.status, case.error_message = "running", None


def _sync_tasks(case: Case, instance: Instance, actor: User | None, now) -> None:
    ready = {t.engine_task_id: t for t in instance.ready_human_tasks()}
    open_rows = db.session.scalars(select(HumanTask).where(
        HumanTask.case_id == case.id, HumanTask.state == "ready")).all()
    for row in open_rows:
        if row.engine_task_id not in ready:
            # Gone without being completed here: a boundary timer or message cancelled it.
            row.state, row.completed_at = "cancelled", now
            audit.record("task_cancelled", case_id=case.id, task_id=row.id, title=row.title)
    known = {row.engine_task_id for row in open_rows}
    forms = forms_of(case.process_version_id)
    for info in ready.values():
        if info.engine_task_id in known:
            continue
        row = HumanTask(
            case_id=case.id, engine_task_id=info.engine_task_id, bpmn_id=info.bpmn_id,
            title=info.title, role=info.role, due_at=info.due_at, priority=info.priority,
            form_key=info.form_key if info.form_key in forms else None, created_at=now,
        )
        db.session.add(row)
        db.session.flush([row])
        audit.record("task_created", case_id=case.id, task_id=row.id, actor=actor,
                     title=info.title, role=info.role, element=info.bpmn_id)


def _sync_subscriptions(case: Case, instance: Instance, new: bool) -> None:
    waiting = sorted(set(instance.waiting_messages()), key=str)
    if not new:
        current = sorted(db.session.execute(
            select(MessageSubscription.message_name, MessageSubscription.correlation_key)
            .where(MessageSubscription.case_id == case.id)).tuples(), key=str)
        if current == waiting:
            return
        db.session.execute(delete(MessageSubscription)
                           .where(MessageSubscription.case_id == case.id))
    if waiting:
        db.session.execute(insert(MessageSubscription), [
            {"case_id": case.id, "message_name": name, "correlation_key": key}
            for name, key in waiting
        ])


def commit() -> None:
    """Commit, turning a lost race (stale version, duplicate row, lock timeout) into a 409."""
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError, OperationalError) as err:
        db.session.rollback()
        if isinstance(err, OperationalError) and "locked" not in str(err).lower():
            raise
        raise Conflict(STALE_MESSAGE) from None


def clear_caches() -> None:
    """Forget cached specs and forms (tests reuse ids after emptying the database)."""
    from app.engine.serializer import SPECS

    SPECS.clear()
    _forms.cache_clear()

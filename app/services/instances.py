"""The unit of work around one case: lock it, load its instance, act, save everything at once.

Every change to a case goes through `lock_case` -> `load` -> (engine action) -> `save` -> `commit`,
so the engine state, the human task rows, the timer column, the message subscriptions and the
audit trail always change together or not at all.
"""
from functools import lru_cache
from typing import Any

from flask import current_app
from sqlalchemy import delete, event, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from app.engine import STATE_FORMAT_VERSION, Instance, InstanceCache, VersionRef
from app.extensions import db
from app.models import Case, CaseState, HumanTask, MessageSubscription, ProcessVersion, User
from app.models.types import utcnow
from app.models.user import TASK_ROLES
from app.services import audit, wakeup
from app.services.errors import Conflict, NotFound

STALE_MESSAGE = "the case was changed by someone else meanwhile; reload it and try again"
LIVE = InstanceCache()
_PENDING = "safeport_saved_instances"


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
    """The settings scripts can read with `setting(name)`, and the bounds of every script."""
    config = current_app.config
    return {**config["PERIODS"], **config["SCRIPT_LIMITS"]}


def lock_case(case_id: int) -> Case:
    """Load a case and lock its row until commit (FOR UPDATE on PostgreSQL)."""
    case = db.session.scalar(
        select(Case).where(Case.id == case_id).with_for_update()
        .execution_options(populate_existing=True))
    if case is None:
        raise NotFound(f"case {case_id} not found")
    return case


def lock_task(task_id: int) -> tuple[HumanTask, Case]:
    """A task and its case, freshly read, with the case row locked until commit."""
    row = db.session.execute(
        select(HumanTask, Case).join(Case, Case.id == HumanTask.case_id)
        .where(HumanTask.id == task_id).with_for_update(of=Case)
        .execution_options(populate_existing=True)).first()
    if row is None:
        raise NotFound(f"task {task_id} not found")
    return row[0], row[1]


def _cache_key(case_id: int) -> tuple[int, int]:
    return id(current_app._get_current_object()), case_id


def load(case: Case) -> Instance:
    """The engine instance of a (locked) case, from the live cache when still current."""
    instance = LIVE.take(_cache_key(case.id), case.lock_version)
    if instance is not None:
        return instance
    state_json = db.session.scalar(
        select(CaseState.state_json).where(CaseState.case_id == case.id))
    return Instance.load(version_ref(case.process_version_id), state_json,
                         roles=TASK_ROLES, settings=engine_settings(), effect_check=_check_effect)


def peek(case: Case) -> Instance:
    """The instance for reading only (it is not changed, so it goes back to the cache)."""
    instance = load(case)
    LIVE.put(_cache_key(case.id), case.lock_version, instance)
    return instance


def start(case: Case, data: dict | None = None) -> Instance:
    """Start the engine instance of a new (flushed) case."""
    return Instance.start(version_ref(case.process_version_id), roles=TASK_ROLES,
                          settings=engine_settings(), data=data, effect_check=_check_effect)


def _check_effect(kind: str, values: dict) -> None:
    from app.services.membership import check_effect

    check_effect(kind, values)


def save(case: Case, instance: Instance, actor: User | None, *, new: bool = False) -> None:
    """Write the instance state and everything derived from it, in the current transaction.

    The case row is written first, with its version checked, so a concurrent writer that got
    past the lock (SQLite) fails here with a 409 before anything else is written.
    """
    try:
        _save(case, instance, actor, new)
    except (StaleDataError, IntegrityError, OperationalError) as err:
        _raise_conflict(err)


def _raise_conflict(err: Exception) -> None:
    db.session.rollback()
    if isinstance(err, OperationalError) and "locked" not in str(err).lower():
        raise err
    raise Conflict(STALE_MESSAGE) from None


def _save(case: Case, instance: Instance, actor: User | None, new: bool) -> None:
    now = utcnow()
    effects = instance.take_effects()
    if effects:  # membership record changes the scripts emitted (issue 3)
        from app.services.membership import apply_effects

        apply_effects(case, effects, actor)
    values = {"next_timer_at": instance.next_timer_at(),
              "current_stage": instance.current_stage(), "updated_at": now}
    if instance.error is not None:
        if case.status != "error":
            audit.record("error", case_id=case.id, actor=actor, message=instance.error.message,
                         element=instance.error.bpmn_id)
        values.update(status="error", error_message=instance.error.message)
    elif instance.completed and case.status != "terminated":
        values.update(status="completed", completed_at=now, error_message=None,
                      next_timer_at=None)
        audit.record("case_completed", case_id=case.id, actor=actor)
    elif case.status in ("error", "running"):
        values.update(status="running", error_message=None)
    if new:
        for key, value in values.items():
            setattr(case, key, value)
    else:
        _write_case(case, values)
    wakeup.poke(values["next_timer_at"])  # a timer due before the scheduler's next check
    state_json = instance.dump()
    if new:
        db.session.add(CaseState(case_id=case.id, serializer_version=STATE_FORMAT_VERSION,
                                 state_json=state_json))
    else:
        db.session.execute(update(CaseState).where(CaseState.case_id == case.id)
                           .values(state_json=state_json))
    _sync_tasks(case, instance, actor, now)
    _sync_subscriptions(case, instance, new)
    db.session.info.setdefault(_PENDING, []).append((case, instance))


def _write_case(case: Case, values: dict) -> None:
    """One UPDATE of the case row with every pending change, checked against its version."""
    state = inspect(case)
    for column in state.mapper.column_attrs:
        if column.key not in values and state.attrs[column.key].history.has_changes():
            values[column.key] = getattr(case, column.key)
    version = case.lock_version
    with db.session.no_autoflush:  # the pending changes go into this very statement
        written = db.session.execute(
            update(Case).where(Case.id == case.id, Case.lock_version == version)
            .values(**values, lock_version=version + 1)
            .execution_options(synchronize_session=False)).rowcount
    if written != 1:
        raise StaleDataError(f"case {case.id} changed meanwhile")
    for key, value in {**values, "lock_version": version + 1}.items():
        set_committed_value(case, key, value)


def mark_completed(task: HumanTask, actor: User) -> None:
    """Record a task as completed by `actor` (one UPDATE; the object reflects it)."""
    values = {"state": "completed", "completed_at": utcnow(), "completed_by_id": actor.id,
              "assignee_id": task.assignee_id or actor.id}
    db.session.execute(update(HumanTask).where(HumanTask.id == task.id).values(**values))
    for key, value in values.items():
        set_committed_value(task, key, value)


def _sync_tasks(case: Case, instance: Instance, actor: User | None, now) -> None:
    """Make the case's ready task rows match the engine: cancel the gone, add the new.

    The instance remembers which tasks had rows when it was loaded or last saved, so this
    needs no read: rows are ready exactly while their engine task is.
    """
    ready = {t.engine_task_id: t for t in instance.ready_human_tasks()}
    gone = instance.known_ready - ready.keys()
    if gone:
        # Gone without being completed here: a boundary timer or message cancelled them.
        cancelled = db.session.execute(
            update(HumanTask).where(HumanTask.case_id == case.id,
                                    HumanTask.engine_task_id.in_(gone),
                                    HumanTask.state == "ready")
            .values(state="cancelled", completed_at=now)
            .returning(HumanTask.id, HumanTask.title)
            .execution_options(synchronize_session=False)).all()
        for row in cancelled:
            audit.record("task_cancelled", case_id=case.id, task_id=row.id, title=row.title)
    new = [info for key, info in ready.items() if key not in instance.known_ready]
    instance.known_ready = set(ready)
    if not new:
        return
    forms = forms_of(case.process_version_id)
    ids = db.session.scalars(
        insert(HumanTask).returning(HumanTask.id, sort_by_parameter_order=True),
        [{"case_id": case.id, "engine_task_id": info.engine_task_id, "bpmn_id": info.bpmn_id,
          "title": info.title, "role": info.role, "due_at": info.due_at,
          "priority": info.priority, "state": "ready",
          "form_key": info.form_key if info.form_key in forms else None, "created_at": now}
         for info in new]).all()
    for info, task_id in zip(new, ids, strict=True):
        audit.record("task_created", case_id=case.id, task_id=task_id, actor=actor,
                     title=info.title, role=info.role, element=info.bpmn_id)


def _sync_subscriptions(case: Case, instance: Instance, new: bool) -> None:
    waiting = sorted(set(instance.waiting_messages()), key=str)
    if not new and waiting == instance.loaded_messages:
        return  # unchanged since load: no need to touch the table
    if not new:
        db.session.execute(delete(MessageSubscription)
                           .where(MessageSubscription.case_id == case.id))
    if waiting:
        db.session.execute(insert(MessageSubscription), [
            {"case_id": case.id, "message_name": name, "correlation_key": key}
            for name, key in waiting
        ])
    instance.loaded_messages = waiting


def commit() -> None:
    """Commit, turning a lost race (stale version, duplicate row, lock timeout) into a 409.

    Instances saved in this transaction go to the live cache only once it has committed.
    """
    try:
        db.session.flush()
        # versions as written by this transaction (reading them after commit would reload)
        saved = [(case.id, case.lock_version, instance)
                 for case, instance in db.session.info.pop(_PENDING, [])]
        db.session.commit()
    except (StaleDataError, IntegrityError, OperationalError) as err:
        _raise_conflict(err)
    for case_id, version, instance in saved:
        LIVE.put(_cache_key(case_id), version, instance)


@event.listens_for(Session, "after_soft_rollback")
def _forget_unsaved(session: Session, _previous_transaction) -> None:
    """A rolled-back transaction's instances never reach the live cache."""
    session.info.pop(_PENDING, None)


def clear_caches() -> None:
    """Forget cached specs and forms (tests reuse ids after emptying the database)."""
    from app.engine.serializer import SPECS

    SPECS.clear()
    LIVE.clear()
    _forms.cache_clear()

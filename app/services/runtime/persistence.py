"""Writing an instance and everything derived from it (the save half of the unit of work).

The case row is written first, with its version checked, so a concurrent writer that got past
the lock (SQLite) fails here before anything else is written. Task rows, message subscriptions
and audit rows follow in the same transaction; the unit of work commits them.
"""
from datetime import datetime

from sqlalchemy import bindparam, delete, insert, inspect, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from app.engine import STATE_FORMAT_VERSION, Instance
from app.extensions import db
from app.models import Case, CaseState, HumanTask, MessageSubscription, User
from app.models.enums import AuditKind, CaseStatus, TaskState
from app.models.types import utcnow
from app.models.user import roles_worked_by
from app.services import audit
from app.services.jobs import wakeup
from app.services.runtime.state import forms_of, runtime

#: session.info key: (case, instance) pairs saved in this transaction, for the live cache
PENDING = "safeport_saved_instances"

# Statements built once (building one costs more than running it); an UPDATE without
# values() sets the columns its parameters name.
_CASES, _STATES, _TASKS = Case.__table__, CaseState.__table__, HumanTask.__table__
_UPDATE_CASE = update(_CASES).where(_CASES.c.id == bindparam("where_id"),
                                    _CASES.c.lock_version == bindparam("where_version"))
_UPDATE_STATE = update(_STATES).where(_STATES.c.case_id == bindparam("where_case_id"))
_INSERT_TASKS = insert(_TASKS).returning(_TASKS.c.id, sort_by_parameter_order=True)


def save(case: Case, instance: Instance, actor: User | None, *, new: bool = False) -> None:
    """Write the instance state and everything derived from it, in the current transaction."""
    now = utcnow()
    effects = instance.take_effects()
    if effects:
        runtime().effects.apply(case, effects, actor)
    values = _case_values(case, instance, actor, now)
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
        db.session.execute(_UPDATE_STATE, {"state_json": state_json, "where_case_id": case.id})
    _sync_tasks(case, instance, actor, now)
    _sync_subscriptions(case, instance, new)
    db.session.info.setdefault(PENDING, []).append((case, instance))


def _case_values(case: Case, instance: Instance, actor: User | None, now: datetime) -> dict:
    """The case row's columns that follow from the instance (status, stage, next timer)."""
    values = {"next_timer_at": instance.next_timer_at(),
              "current_stage": instance.current_stage(), "updated_at": now}
    if case.status == CaseStatus.TERMINATED:
        values["next_timer_at"] = None
    elif instance.error is not None:
        if case.status != CaseStatus.ERROR:
            audit.record(AuditKind.ERROR, case_id=case.id, actor=actor,
                         message=instance.error.message, element=instance.error.bpmn_id)
        values.update(status=CaseStatus.ERROR, error_message=instance.error.message)
    elif instance.completed:
        values.update(status=CaseStatus.COMPLETED, completed_at=now, error_message=None,
                      next_timer_at=None)
        audit.record(AuditKind.CASE_COMPLETED, case_id=case.id, actor=actor)
    elif case.status in (CaseStatus.ERROR, CaseStatus.RUNNING):
        values.update(status=CaseStatus.RUNNING, error_message=None)
    return values


def _write_case(case: Case, values: dict) -> None:
    """One UPDATE of the case row with every pending change, checked against its version."""
    state = inspect(case)
    if state.modified:  # only then can an attribute hold a pending change
        for column in state.mapper.column_attrs:
            if column.key not in values and state.attrs[column.key].history.has_changes():
                values[column.key] = getattr(case, column.key)
    version = case.lock_version
    with db.session.no_autoflush:  # the pending changes go into this very statement
        written = db.session.execute(_UPDATE_CASE, {
            **values, "lock_version": version + 1, "where_id": case.id,
            "where_version": version}).rowcount
    if written != 1:
        raise StaleDataError(f"case {case.id} changed meanwhile")
    for key, value in {**values, "lock_version": version + 1}.items():
        set_committed_value(case, key, value)


def _sync_tasks(case: Case, instance: Instance, actor: User | None, now: datetime) -> None:
    """Make the case's ready task rows match the engine: cancel the gone, add the new.

    The instance remembers which tasks had rows when it was loaded or last saved, so this
    needs no read: rows are ready exactly while their engine task is.
    """
    ready = {t.engine_task_id: t for t in instance.ready_human_tasks()}
    gone = instance.known_ready - ready.keys()
    if gone:
        # Gone without being completed here: a boundary event or the end of the case.
        cancelled = db.session.execute(
            update(HumanTask).where(HumanTask.case_id == case.id,
                                    HumanTask.engine_task_id.in_(gone),
                                    HumanTask.state == TaskState.READY)
            .values(state=TaskState.CANCELLED, completed_at=now)
            .returning(HumanTask.id, HumanTask.title)
            .execution_options(synchronize_session=False)).all()
        for row in cancelled:
            audit.record(AuditKind.TASK_CANCELLED, case_id=case.id, task_id=row.id,
                         title=row.title)
    new = [info for key, info in ready.items() if key not in instance.known_ready]
    instance.known_ready = set(ready)
    if not new:
        return
    forms = forms_of(case.process_version_id)
    assignees = _assignees(new)
    ids = db.session.scalars(_INSERT_TASKS, [
        {"case_id": case.id, "engine_task_id": info.engine_task_id, "bpmn_id": info.bpmn_id,
         "title": info.title, "role": info.role, "due_at": info.due_at,
         "priority": info.priority, "state": TaskState.READY,
         "form_key": info.form_key if info.form_key in forms else None, "created_at": now,
         "separate_from": info.separate_from,
         "assignee_id": assignees[info.assign_to].id if info.assign_to in assignees else None}
        for info in new]).all()
    for info, task_id in zip(new, ids, strict=True):
        audit.record(AuditKind.TASK_CREATED, case_id=case.id, task_id=task_id, actor=actor,
                     title=info.title, role=info.role, element=info.bpmn_id)
        if info.assign_to in assignees:
            _opened_assigned(case, task_id, info, assignees[info.assign_to])


def _assignees(new: list) -> dict[str, User]:
    """The active users `assignTo` names who work the task's role (others are ignored: the
    task then waits in its queue)."""
    names = {info.assign_to for info in new if info.assign_to}
    if not names:
        return {}
    users = db.session.scalars(select(User).where(User.username.in_(names),
                                                  User.active.is_(True)))
    found = {user.username: user for user in users}
    return {info.assign_to: found[info.assign_to] for info in new
            if info.assign_to in found and info.role in roles_worked_by(found[info.assign_to].role)}


def _opened_assigned(case: Case, task_id: int, info, assignee: User) -> None:
    audit.record(AuditKind.TASK_ASSIGNED, case_id=case.id, task_id=task_id, actor=None,
                 assignee=assignee.username)
    task = db.session.get(HumanTask, task_id)
    for hook in runtime().on_assigned:
        hook(task, assignee)


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

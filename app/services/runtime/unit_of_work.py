"""One unit of work per case: lock it, load its instance, act, save everything, commit.

    with case_work(case_id, actor) as work:
        work.instance.deliver_message(name, payload)

Leaving the block normally writes the engine state, the human task rows, the timer column, the
message subscriptions and the audit trail, and commits them together; any error rolls all of
it back and nothing reaches the live instance cache. Blocks nest: an inner unit (a script that
starts or ends another case) joins the outer one, which alone commits. `transaction()` is the
same guarantee for writes that move no case.
"""
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, inspect, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from app.engine import Instance, VersionRef
from app.extensions import db
from app.models import Case, CaseState, HumanTask, ProcessVersion, User
from app.models.enums import TaskState
from app.models.types import utcnow
from app.models.user import TASK_ROLES
from app.services.errors import Conflict, NotFound
from app.services.runtime import persistence
from app.services.runtime.state import runtime

STALE_MESSAGE = "the case was changed by someone else meanwhile; reload it and try again"
_DEPTH = "safeport_unit_depth"
#: session.info key: objects whose loaded values the transaction vouches for (see keep_loaded)
_KEEP = "safeport_keep_loaded"
_RACES = (StaleDataError, IntegrityError)
_MISSING = object()

# The hot path's statements, built once: building a statement costs more than running it.
_LOCK_CASE = (select(Case).where(Case.id == bindparam("case_id")).with_for_update()
              .execution_options(populate_existing=True))
_LOCK_TASK = (select(HumanTask, Case).join(Case, Case.id == HumanTask.case_id)
              .where(HumanTask.id == bindparam("task_id")).with_for_update(of=Case)
              .execution_options(populate_existing=True))
_STATE_OF = select(CaseState.state_json).where(CaseState.case_id == bindparam("case_id"))
_TASKS = HumanTask.__table__
#: SET takes the columns the parameters name
_UPDATE_TASK = update(_TASKS).where(_TASKS.c.id == bindparam("where_id"))


@contextmanager
def transaction() -> Iterator[None]:
    """Commit what the block wrote, or roll all of it back on any error.

    A lost race (stale case version, duplicate row, lock timeout) becomes a 409 Conflict.
    Nested blocks join the outermost one, which alone commits or rolls back.
    """
    info = db.session.info
    depth = info.get(_DEPTH, 0)
    info[_DEPTH] = depth + 1
    try:
        yield
        if depth == 0:
            _commit()
    except BaseException as err:
        if depth == 0:
            db.session.rollback()
            if _is_race(err):
                raise Conflict(STALE_MESSAGE) from None
        raise
    finally:
        info[_DEPTH] = depth
        if depth == 0:
            info.pop(_KEEP, None)


def keep_loaded(*objects: Any) -> None:
    """Leave these objects loaded when the current transaction commits.

    A commit expires every object, so reading one afterwards (the API answering with the task
    it completed) costs a SELECT per object. The unit of work vouches for the objects it read
    under the case lock and wrote itself (and for the acting user, read once per request):
    their values as committed are what the database now holds, so they stay loaded. Everything
    else is expired as usual.
    """
    db.session.info.setdefault(_KEEP, []).extend(o for o in objects if o is not None)


def _is_race(err: BaseException) -> bool:
    if isinstance(err, _RACES):
        return True
    return isinstance(err, OperationalError) and "locked" in str(err).lower()


def _commit() -> None:
    """Flush, commit, and only then hand the saved instances to the live cache."""
    db.session.flush()
    # versions as written by this transaction (reading them after commit would reload)
    saved = [(case.id, case.lock_version, instance)
             for case, instance in db.session.info.pop(persistence.PENDING, [])]
    kept = _loaded_values(db.session.info.pop(_KEEP, ()))
    db.session.commit()
    for obj, values in kept:
        for key, value in values.items():
            set_committed_value(obj, key, value)
    live = runtime().live
    for case_id, version, instance in saved:
        live.put(_cache_key(case_id), version, instance)


def _loaded_values(objects: Any) -> list[tuple[Any, dict[str, Any]]]:
    """The loaded columns of each persistent object (after the flush: as committed), and the
    loaded many-to-one references that still match their foreign keys."""
    found, seen = [], set()
    for obj in objects:
        state = inspect(obj)
        if id(obj) in seen or not state.persistent:
            continue
        seen.add(id(obj))
        loaded, mapper = state.dict, state.mapper
        values = {attr.key: loaded[attr.key] for attr in mapper.column_attrs
                  if attr.key in loaded}
        for rel in mapper.relationships:
            if rel.key in loaded and not rel.uselist and _refers(mapper, rel, values,
                                                                 loaded[rel.key]):
                values[rel.key] = loaded[rel.key]
        found.append((obj, values))
    return found


def _refers(mapper: Any, rel: Any, values: dict[str, Any], target: Any) -> bool:
    """Whether a loaded many-to-one `target` is the row its foreign key columns name now (a
    Core UPDATE may have moved the key and left the reference behind)."""
    keys = [values.get(mapper.get_property_by_column(local).key, _MISSING)
            for local, _remote in rel.local_remote_pairs]
    if target is None:
        return all(key is None for key in keys)
    identity = inspect(target).identity
    return identity is not None and tuple(keys) == tuple(identity)


class CaseWork:
    """A locked case inside a unit of work; its instance is loaded on first use."""

    def __init__(self, case: Case, actor: User | None, task: HumanTask | None = None,
                 instance: Instance | None = None, new: bool = False):
        self.case, self.actor, self.task = case, actor, task
        self._instance, self._new, self._saved = instance, new, False

    @property
    def instance(self) -> Instance:
        """The case's engine instance (from the live cache when still current)."""
        if self._instance is None:
            self._instance = load(self.case)
        return self._instance

    def start(self, data: dict[str, Any]) -> Instance:
        """Start the instance of a new case with its start data (run to its first wait)."""
        self._instance = Instance.start(
            version_ref(self.case.process_version_id), roles=TASK_ROLES,
            settings=engine_settings(), data=data, effect_check=runtime().effects.check)
        return self._instance

    def save(self) -> None:
        """Write the instance (if it was used) and everything derived from it, once."""
        if self._instance is not None and not self._saved:
            persistence.save(self.case, self._instance, self.actor, new=self._new)
            self._saved = True


@contextmanager
def case_work(case_id: int, actor: User | None) -> Iterator[CaseWork]:
    """The unit of work of one case, locked by id (404 when it does not exist)."""
    with transaction():
        work = CaseWork(lock_case(case_id), actor)
        keep_loaded(work.case, actor)
        yield work
        work.save()


@contextmanager
def task_work(task_id: int, actor: User | None) -> Iterator[CaseWork]:
    """The unit of work of a task's case, the case locked and the task freshly read."""
    with transaction():
        task, case = lock_task(task_id)
        keep_loaded(task, case, actor)
        work = CaseWork(case, actor, task)
        yield work
        work.save()


@contextmanager
def locked_case_work(case: Case, actor: User | None) -> Iterator[CaseWork]:
    """The unit of work of a case the caller has just locked (the scheduler's SKIP LOCKED)."""
    with transaction():
        keep_loaded(case, actor)
        work = CaseWork(case, actor)
        yield work
        work.save()


@contextmanager
def new_case_work(case: Case, actor: User | None) -> Iterator[CaseWork]:
    """The unit of work that creates `case`; the block starts its instance with `work.start`."""
    with transaction():
        db.session.add(case)
        db.session.flush()
        keep_loaded(case, actor)
        work = CaseWork(case, actor, new=True)
        yield work
        work.save()


def version_ref(version_id: int) -> VersionRef:
    """Reference to a stored version; its spec JSON is read only on a cache miss."""
    return VersionRef(version_id, lambda: db.session.scalar(
        select(ProcessVersion.spec_json).where(ProcessVersion.id == version_id)),
        runtime().specs)


def engine_settings() -> dict[str, Any]:
    """The settings scripts can read with `setting(name)`, and the bounds of every script."""
    config = current_app.config
    return {**config["PERIODS"], **config["SCRIPT_LIMITS"]}


def lock_case(case_id: int) -> Case:
    """Load a case and lock its row until commit (FOR UPDATE on PostgreSQL)."""
    case = db.session.scalar(_LOCK_CASE, {"case_id": case_id})
    if case is None:
        raise NotFound(f"case {case_id} not found")
    return case


def lock_task(task_id: int) -> tuple[HumanTask, Case]:
    """A task and its case, freshly read, with the case row locked until commit."""
    row = db.session.execute(_LOCK_TASK, {"task_id": task_id}).first()
    if row is None:
        raise NotFound(f"task {task_id} not found")
    return row[0], row[1]


def _cache_key(case_id: int) -> int:
    return case_id


def load(case: Case) -> Instance:
    """The engine instance of a (locked) case, from the live cache when still current.

    It is taken out of the cache: only a successful commit puts it back."""
    instance = runtime().live.take(_cache_key(case.id), case.lock_version)
    if instance is not None:
        return instance
    state_json = db.session.scalar(_STATE_OF, {"case_id": case.id})
    return Instance.load(version_ref(case.process_version_id), state_json, roles=TASK_ROLES,
                         settings=engine_settings(), effect_check=runtime().effects.check)


def peek(case: Case) -> Instance:
    """The instance for reading only (it is not changed, so it goes back to the cache)."""
    instance = load(case)
    runtime().live.put(_cache_key(case.id), case.lock_version, instance)
    return instance


def mark_completed(task: HumanTask, actor: User) -> None:
    """Record a task as completed by `actor` (one UPDATE; the object reflects it)."""
    values = {"state": TaskState.COMPLETED, "completed_at": utcnow(),
              "completed_by_id": actor.id, "assignee_id": task.assignee_id or actor.id}
    db.session.execute(_UPDATE_TASK, {**values, "where_id": task.id})
    for key, value in values.items():
        set_committed_value(task, key, value)

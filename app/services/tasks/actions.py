"""Human tasks: read one, claim, release, assign and complete (the task service)."""
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app.engine import DataTooLarge, TaskNotReady
from app.extensions import db
from app.models import AuditEvent, HumanTask, User
from app.models.enums import AuditKind, CaseStatus, TaskState
from app.models.user import COMPANY_ROLES, roles_worked_by
from app.services import audit
from app.services.errors import Conflict, Forbidden, Invalid, NotFound
from app.services.forms.definition import form_variables
from app.services.forms.schema import to_json_schema
from app.services.forms.translation import translate_form, translated_messages
from app.services.forms.validation import validate_submission
from app.services.identity import zones
from app.services.identity.access import (
    check_four_eyes,
    check_may_work_on,
    check_task_access,
    get_task,
    may_see_case,
    require_role,
)
from app.services.identity.users import get_user_by_username
from app.services.jobs import notifications
from app.services.membership.catalogue import expand_form
from app.services.runtime.state import forms_of
from app.services.runtime.unit_of_work import (
    CaseWork,
    keep_loaded,
    mark_completed,
    peek,
    task_work,
    transaction,
)
from app.services.tasks.directory import with_directory_lists

_TASKS = HumanTask.__table__


@dataclass
class TaskView:
    """A task with its form as JSON Schema and the data the form starts from; a completed
    task also with what was submitted, by whom."""

    task: HumanTask
    form: dict[str, Any] | None
    schema: dict[str, Any] | None
    data: dict[str, Any]
    resolved: bool = False  #: the schema is resolved for the task's current data
    completed_by: str | None = None
    submitted_data: dict[str, Any] | None = None
    #: the form's own field messages, English -> the language the form was asked in
    messages: dict[str, str] | None = None


def task_detail(actor: User, task_id: int, *, resolved: bool = True,
                language: str = "en") -> TaskView:
    """One task the actor may see, with its form and current data; the form's words (and its
    schema's titles) in `language` where forms/i18n has them, its rules unchanged.

    The form's JSON Schema is resolved for the ready task's data (what `complete` checks:
    hidden fields left out, conditionally required ones required) unless `resolved` is
    False; a task that is no longer ready has no current data, so its schema is unresolved.
    """
    task = get_task(actor, task_id)
    form = expand_form(forms_of(task.case.process_version_id).get(task.form_key), task.case)
    messages = translated_messages(form, language) if form else {}
    form = translate_form(form, language)
    data: dict[str, Any] | None = None
    if task.state == TaskState.READY:
        try:
            data = with_directory_lists(form, peek(task.case).task_data(task.engine_task_id))
        except TaskNotReady:
            data = None
    context = data if resolved else None
    if data and actor.role in COMPANY_ROLES:  # the process's internal variables stay with staff
        shown = form_variables(form)
        data = {key: value for key, value in data.items() if key in shown}
    schema = to_json_schema(form, context, today=zones.today(actor)) if form else None
    view = TaskView(task, form, schema, data or {},
                    resolved=context is not None and form is not None, messages=messages)
    if task.state == TaskState.COMPLETED:
        view.completed_by, view.submitted_data = _submission(task)
    return view


def _submission(task: HumanTask) -> tuple[str | None, dict[str, Any] | None]:
    """Who completed the task and the data they submitted, from the audit trail."""
    found = db.session.execute(
        select(AuditEvent.details, User.username)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.case_id == task.case_id, AuditEvent.task_id == task.id,
               AuditEvent.kind == AuditKind.TASK_COMPLETED)
        .order_by(AuditEvent.id.desc()).limit(1)).first()
    if found is None:
        return None, None
    return found.username, found.details.get("data")


def claim(actor: User, task_id: int) -> HumanTask:
    """Take a ready task of one's role; 409 when someone else holds it or it is done."""
    task = get_task(actor, task_id)
    check_may_work_on(actor, task)
    with transaction():
        _set_assignee(task, actor, only_if_free=True)
        audit.record(AuditKind.TASK_CLAIMED, case_id=task.case_id, task_id=task.id, actor=actor)
        keep_loaded(task, actor)
    return task


def unclaim(actor: User, task_id: int) -> HumanTask:
    """Give a claimed task back to its queue (its holder, or an admin)."""
    task = get_task(actor, task_id)
    check_may_work_on(actor, task)
    if task.assignee_id != actor.id and actor.role != "admin":
        raise Forbidden("only the person holding a task (or an admin) can release it")
    with transaction():
        changed = db.session.execute(
            update(_TASKS).where(_TASKS.c.id == task.id, _TASKS.c.state == TaskState.READY,
                                 _TASKS.c.assignee_id == task.assignee_id)
            .values(assignee_id=None)).rowcount
        if not changed:
            raise Conflict(f"task {task.id} was completed or reassigned meanwhile")
        _assigned(task, None)
        audit.record(AuditKind.TASK_UNCLAIMED, case_id=task.case_id, task_id=task.id,
                     actor=actor)
        keep_loaded(task, actor)
    return task


def assign(actor: User, task_id: int, username: str) -> HumanTask:
    """Give a task to a colleague who holds its role (case workers and admins)."""
    require_role(actor, "case_worker")
    task = get_task(actor, task_id)
    assignee = get_user_by_username(username)
    if assignee is None or not assignee.active:
        raise Invalid("unknown user", {"username": [f"no active user '{username}'"]})
    if task.role not in roles_worked_by(assignee.role) or assignee.role == "admin":
        raise Invalid("wrong role", {"username": [f"{username} does not hold the {task.role} "
                                                  "role"]})
    if assignee.role in COMPANY_ROLES and not may_see_case(assignee, task.case):
        raise Invalid("wrong company", {"username": [f"{username} is not with this company"]})
    try:
        check_four_eyes(assignee, task)
    except Forbidden as err:
        raise Invalid("four eyes", {"username": [str(err)]}) from None
    with transaction():
        _set_assignee(task, assignee, only_if_free=False)
        audit.record(AuditKind.TASK_ASSIGNED, case_id=task.case_id, task_id=task.id,
                     actor=actor, assignee=username)
        notifications.task_assigned(task, assignee, actor)  # in-app + outbox email
        keep_loaded(task, assignee, actor)
    return task


# A conditional UPDATE built once: the task is still ready (and, for a claim, free or already
# the claimant's); a refused one reads the task again to say why.
_ASSIGN = (update(_TASKS).where(_TASKS.c.id == bindparam("task_id"),
                                _TASKS.c.state == TaskState.READY)
           .values(assignee_id=bindparam("assignee")))
_CLAIM = _ASSIGN.where(_TASKS.c.assignee_id.is_(None)
                       | (_TASKS.c.assignee_id == bindparam("assignee")))


def _set_assignee(task: HumanTask, assignee: User, *, only_if_free: bool) -> None:
    statement = _CLAIM if only_if_free else _ASSIGN
    changed = db.session.execute(statement, {"task_id": task.id,
                                             "assignee": assignee.id}).rowcount
    if not changed:
        db.session.refresh(task)
        if task.state != TaskState.READY:
            raise Conflict(f"task {task.id} is already {task.state}")
        raise Conflict(f"task {task.id} is already claimed by someone else")
    _assigned(task, assignee)


def _assigned(task: HumanTask, assignee: User | None) -> None:
    """The task object as the UPDATE left the row: ready, held by `assignee`."""
    set_committed_value(task, "state", TaskState.READY)
    set_committed_value(task, "assignee_id", assignee.id if assignee else None)
    set_committed_value(task, "assignee", assignee)


def complete(actor: User, task_id: int, data: dict[str, Any]) -> HumanTask:
    """Complete a task with form data: 422 with field errors, 409 when done meanwhile."""
    with task_work(task_id, actor) as work:
        task, case = work.task, work.case
        check_task_access(actor, task, case)
        check_may_work_on(actor, task)
        _check_open(work)
        data = _validated(work, data)
        try:
            work.instance.complete_task(task.engine_task_id, data)
        except TaskNotReady as err:
            raise Conflict(str(err)) from None
        except DataTooLarge as err:  # SAFEPORT_MAX_CASE_DATA: refused, nothing changed
            raise Invalid(str(err), {"_schema": [str(err)]}) from None
        mark_completed(task, actor)
        audit.record(AuditKind.TASK_COMPLETED, case_id=case.id, task_id=task.id, actor=actor,
                     title=task.title, stage=case.current_stage, data=data)
    return task


def open_task(case_id: int, bpmn_id: str) -> HumanTask:
    """The case's ready task with that BPMN id (for walks such as the demo); 404 if none."""
    task = db.session.scalar(select(HumanTask).where(
        HumanTask.case_id == case_id, HumanTask.bpmn_id == bpmn_id,
        HumanTask.state == TaskState.READY).limit(1))
    if task is None:
        raise NotFound(f"task {bpmn_id} is not open in case {case_id}")
    return task


def _check_open(work: CaseWork) -> None:
    task, actor = work.task, work.actor
    if task.state != TaskState.READY:
        raise Conflict(f"task {task.id} is already {task.state}")
    if task.assignee_id not in (None, actor.id) and actor.role != "admin":
        raise Conflict(f"task {task.id} is claimed by someone else")
    if work.case.status != CaseStatus.RUNNING:
        raise Conflict(f"case {work.case.id} is {work.case.status}: nothing in it can be "
                       "completed while it is not running")


def _validated(work: CaseWork, data: dict[str, Any]) -> dict[str, Any]:
    """The submitted data, cleaned by the task's form (422 with every field's problem)."""
    task, case = work.task, work.case
    form = expand_form(forms_of(case.process_version_id).get(task.form_key), case)
    if form is None:
        return data
    try:
        context = with_directory_lists(form, work.instance.task_data(task.engine_task_id))
    except TaskNotReady as err:
        raise Conflict(str(err)) from None
    data, errors = validate_submission(form, data, context, today=zones.today(work.actor))
    if errors:
        raise Invalid("the form has errors", errors)
    return data

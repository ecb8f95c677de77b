"""Human tasks: inboxes, claim, release, assign and complete (the task service)."""
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update

from app.engine import DataTooLarge, TaskNotReady
from app.extensions import db
from app.models import Case, HumanTask, User
from app.models.user import TASK_ROLES
from app.services import audit, instances, notifications
from app.services.access import check_may_work_on, check_task_access, get_task, require_role
from app.services.catalogue import expand_form
from app.services.errors import Conflict, Forbidden, Invalid
from app.services.forms import to_json_schema, validate_submission
from app.services.membership import submission_problems
from app.services.users import get_user_by_username

SCOPES = ("mine", "role", "all")


def inbox(actor: User, *, scope: str = "mine", role: str | None = None,
          case_id: int | None = None, state: str = "ready", page: int = 1,
          per_page: int = 50) -> tuple[list[HumanTask], int]:
    """Tasks for an inbox, soonest due first (no due date last), then oldest; and the total."""
    query = select(HumanTask).where(HumanTask.state == state)
    if scope == "mine":
        query = query.where(HumanTask.assignee_id == actor.id) if state == "ready" else \
            query.where(HumanTask.completed_by_id == actor.id)
    elif scope == "role":
        role = role or actor.role
        if actor.role != "admin" and role != actor.role:
            raise Forbidden(f"you do not hold the role {role}")
        if role not in TASK_ROLES:
            raise Invalid("unknown role", {"role": [f"must be one of {', '.join(TASK_ROLES)}"]})
        query = query.where(HumanTask.role == role)
    else:
        require_role(actor, "admin")
    if actor.role == "applicant":
        query = query.join(Case, Case.id == HumanTask.case_id).where(
            Case.company_id == actor.company_id)
    if case_id is not None:
        query = query.where(HumanTask.case_id == case_id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(
        query.order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at,
                       HumanTask.id)
        .limit(per_page).offset((page - 1) * per_page)).all()
    return list(items), total


@dataclass
class TaskView:
    """A task with its form as JSON Schema and the data the form starts from."""

    task: HumanTask
    form: dict[str, Any] | None
    schema: dict[str, Any] | None
    data: dict[str, Any]


def task_detail(actor: User, task_id: int) -> TaskView:
    """One task the actor may see, with its form and current data."""
    task = get_task(actor, task_id)
    form = expand_form(instances.forms_of(task.case.process_version_id).get(task.form_key),
                       task.case)
    data: dict[str, Any] = {}
    if task.state == "ready":
        try:
            data = instances.peek(task.case).task_data(task.engine_task_id)
        except TaskNotReady:
            data = {}
    return TaskView(task, form, to_json_schema(form) if form else None, data)


def claim(actor: User, task_id: int) -> HumanTask:
    """Take a ready task of one's role; 409 when someone else holds it or it is done."""
    task = get_task(actor, task_id)
    check_may_work_on(actor, task)
    _set_assignee(task, actor, actor, only_if_free=True)
    audit.record("task_claimed", case_id=task.case_id, task_id=task.id, actor=actor)
    db.session.commit()
    return task


def unclaim(actor: User, task_id: int) -> HumanTask:
    """Give a claimed task back to its queue (its holder, or an admin)."""
    task = get_task(actor, task_id)
    check_may_work_on(actor, task)
    if task.assignee_id != actor.id and actor.role != "admin":
        raise Forbidden("only the person holding a task (or an admin) can release it")
    changed = db.session.execute(
        update(HumanTask).where(HumanTask.id == task.id, HumanTask.state == "ready",
                                HumanTask.assignee_id == task.assignee_id)
        .values(assignee_id=None)).rowcount
    if not changed:
        db.session.rollback()
        raise Conflict(f"task {task.id} was completed or reassigned meanwhile")
    audit.record("task_unclaimed", case_id=task.case_id, task_id=task.id, actor=actor)
    db.session.commit()
    db.session.refresh(task)
    return task


def assign(actor: User, task_id: int, username: str) -> HumanTask:
    """Give a task to a colleague who holds its role (case workers and admins)."""
    require_role(actor, "case_worker")
    task = get_task(actor, task_id)
    assignee = get_user_by_username(username)
    if assignee is None or not assignee.active:
        raise Invalid("unknown user", {"username": [f"no active user '{username}'"]})
    if assignee.role != task.role:
        raise Invalid("wrong role", {"username": [f"{username} does not hold the {task.role} "
                                                  "role"]})
    if assignee.role == "applicant" and assignee.company_id != task.case.company_id:
        raise Invalid("wrong company", {"username": [f"{username} is not with this company"]})
    _set_assignee(task, assignee, actor, only_if_free=False)
    audit.record("task_assigned", case_id=task.case_id, task_id=task.id, actor=actor,
                 assignee=username)
    notifications.task_assigned(task, assignee, actor)  # in-app + outbox email, same commit
    db.session.commit()
    return task


def _set_assignee(task: HumanTask, assignee: User, actor: User, *, only_if_free: bool) -> None:
    condition = [HumanTask.id == task.id, HumanTask.state == "ready"]
    if only_if_free:
        condition.append((HumanTask.assignee_id.is_(None))
                         | (HumanTask.assignee_id == assignee.id))
    changed = db.session.execute(
        update(HumanTask).where(*condition).values(assignee_id=assignee.id)).rowcount
    if not changed:
        db.session.rollback()
        db.session.refresh(task)
        if task.state != "ready":
            raise Conflict(f"task {task.id} is already {task.state}")
        raise Conflict(f"task {task.id} is already claimed by someone else")
    db.session.refresh(task)


def complete(actor: User, task_id: int, data: dict[str, Any]) -> HumanTask:
    """Complete a task with form data: 422 with field errors, 409 when done meanwhile."""
    task, case = instances.lock_task(task_id)
    check_task_access(actor, task, case)
    check_may_work_on(actor, task)
    _check_open(task, actor)
    if case.status != "running":
        db.session.rollback()
        raise Conflict(f"case {case.id} is {case.status}")
    instance = instances.load(case)
    form = expand_form(instances.forms_of(case.process_version_id).get(task.form_key), case)
    try:
        if form is not None:
            data, errors = validate_submission(
                form, data, instance.task_data(task.engine_task_id))
            errors = errors or submission_problems(task.form_key, data, case)
            if errors:
                db.session.rollback()
                raise Invalid("the form has errors", errors)
        instance.complete_task(task.engine_task_id, data)
    except TaskNotReady as err:
        db.session.rollback()
        raise Conflict(str(err)) from None
    except DataTooLarge as err:  # SAFEPORT_MAX_CASE_DATA: refused, nothing changed
        db.session.rollback()
        raise Invalid(str(err), {"_schema": [str(err)]}) from None
    instances.mark_completed(task, actor)
    audit.record("task_completed", case_id=case.id, task_id=task.id, actor=actor,
                 title=task.title, data=data)
    instances.save(case, instance, actor)
    instances.commit()
    return task


def _check_open(task: HumanTask, actor: User) -> None:
    if task.state != "ready":
        db.session.rollback()
        raise Conflict(f"task {task.id} is already {task.state}")
    if task.assignee_id not in (None, actor.id) and actor.role != "admin":
        db.session.rollback()
        raise Conflict(f"task {task.id} is claimed by someone else")

"""Who may see and act on what: one place for the 403 and 404 rules."""
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Case, Company, HumanTask, User
from app.services.errors import Forbidden, NotFound

STAFF_ROLES = ("case_worker", "specialist", "admin")
#: a task with its case (the access rule reads both), in one statement built once
_TASK_WITH_CASE = (select(HumanTask).where(HumanTask.id == bindparam("task_id"))
                   .options(joinedload(HumanTask.case, innerjoin=True)))


def require_role(user: User, *roles: str) -> None:
    """Refuse (403) unless the user holds one of the roles; admins pass every check."""
    if user.role != "admin" and user.role not in roles:
        raise Forbidden(f"this needs the role {' or '.join(roles)}")


def visible_company_id(user: User) -> int | None:
    """The only company an applicant may see, or None for staff (who see all)."""
    return user.company_id if user.role == "applicant" else None


def get_company(user: User, company_id: int) -> Company:
    """A company the user may see; another company's is simply not found."""
    company = db.session.get(Company, company_id)
    only = visible_company_id(user)
    if company is None or (user.role == "applicant" and only != company_id):
        raise NotFound(f"company {company_id} not found")
    if user.role == "designer":
        raise Forbidden("designers do not work with companies' data")
    return company


def get_case(user: User, case_id: int) -> Case:
    """A case the user may see (404 for another company's case, so ids leak nothing)."""
    return check_case_access(user, db.session.get(Case, case_id), case_id)


def check_case_access(user: User, case: Case | None, case_id: int) -> Case:
    """The case if the user may see it: 404 when missing or another company's, 403 for roles
    that do not work on cases."""
    if case is None or (user.role == "applicant" and case.company_id != user.company_id):
        raise NotFound(f"case {case_id} not found")
    if user.role == "designer":
        raise Forbidden("designers do not work on cases")
    return case


def check_task_access(user: User, task: HumanTask, case: Case) -> None:
    """404 unless the user may see the task: its case, and for applicants only their own
    role's tasks (staff tasks and what staff decided in them stay with staff)."""
    try:
        check_case_access(user, case, case.id)
    except NotFound:
        raise NotFound(f"task {task.id} not found") from None
    if user.role == "applicant" and task.role != "applicant":
        raise NotFound(f"task {task.id} not found")


def get_task(user: User, task_id: int) -> HumanTask:
    """A human task the user may see."""
    task = db.session.scalar(_TASK_WITH_CASE, {"task_id": task_id})
    if task is None:
        raise NotFound(f"task {task_id} not found")
    check_task_access(user, task, task.case)
    return task


def check_may_work_on(user: User, task: HumanTask) -> None:
    """Refuse (403) unless the task's lane is the user's role (admins may act on any task)."""
    if user.role == "admin":
        return
    if user.role != task.role:
        raise Forbidden(f"task {task.id} belongs to the {task.role} role")

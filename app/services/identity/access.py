"""Who may see and act on what: one place for the 403 and 404 rules."""
from sqlalchemy import ColumnElement, bindparam, select, true
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Case, Company, HumanTask, User
from app.models.enums import TaskState
from app.models.user import COMPANY_ROLES, roles_worked_by
from app.services.errors import Forbidden, NotFound

STAFF_ROLES = ("case_worker", "specialist", "admin")
#: the audit firm's people: they see partner-audit cases only
AUDIT_ROLES = ("auditor", "reviewer")
#: a task with its case (the access rule reads both), in one statement built once
_TASK_WITH_CASE = (select(HumanTask).where(HumanTask.id == bindparam("task_id"))
                   .options(joinedload(HumanTask.case, innerjoin=True)))


def require_role(user: User, *roles: str) -> None:
    """Refuse (403) unless the user holds one of the roles; admins pass every check."""
    if user.role != "admin" and user.role not in roles:
        raise Forbidden(f"this needs the role {' or '.join(roles)}")


def visible_company_id(user: User) -> int | None:
    """The only company an applicant or supplier contact may see, or None for staff."""
    return user.company_id if user.role in COMPANY_ROLES else None


def case_scope(user: User) -> ColumnElement[bool]:
    """The cases a user may see, as a condition on `Case`: a client's applicants their
    company's cases, a supplier's contacts the audits of their site, the audit firm's people
    partner audits, the program's staff every case."""
    if user.role == "applicant":
        return Case.company_id == user.company_id
    if user.role == "supplier":
        return Case.supplier_id == user.company_id
    if user.role in AUDIT_ROLES:
        return Case.supplier_id.is_not(None)
    return true()


def may_see_case(user: User, case: Case) -> bool:
    """`case_scope` for one loaded case."""
    if user.role == "applicant":
        return case.company_id == user.company_id
    if user.role == "supplier":
        return case.supplier_id is not None and case.supplier_id == user.company_id
    if user.role in AUDIT_ROLES:
        return case.supplier_id is not None
    return True


def get_company(user: User, company_id: int) -> Company:
    """A company the user may see; another company's is simply not found."""
    company = db.session.get(Company, company_id)
    only = visible_company_id(user)
    if company is None or (only is not None and only != company_id):
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
    if case is None or not may_see_case(user, case):
        raise NotFound(f"case {case_id} not found")
    if user.role == "designer":
        raise Forbidden("designers do not work on cases")
    return case


def check_task_access(user: User, task: HumanTask, case: Case) -> None:
    """404 unless the user may see the task: its case, and for a company's people (client
    applicants, supplier contacts) only their own role's tasks (what staff and auditors
    decided stays with them)."""
    try:
        check_case_access(user, case, case.id)
    except NotFound:
        raise NotFound(f"task {task.id} not found") from None
    if user.role in COMPANY_ROLES and task.role != user.role:
        raise NotFound(f"task {task.id} not found")


def get_task(user: User, task_id: int) -> HumanTask:
    """A human task the user may see."""
    task = db.session.scalar(_TASK_WITH_CASE, {"task_id": task_id})
    if task is None:
        raise NotFound(f"task {task_id} not found")
    check_task_access(user, task, task.case)
    return task


def check_may_work_on(user: User, task: HumanTask) -> None:
    """Refuse (403) unless the user works the task's lane (admins may act on any task), and
    the four-eyes rule: nobody takes a task whose `separateFrom` names one they performed."""
    if user.role != "admin" and task.role not in roles_worked_by(user.role):
        raise Forbidden(f"task {task.id} belongs to the {task.role} role")
    check_four_eyes(user, task)


def four_eyes_conflict(user: User, task: HumanTask) -> str | None:
    """The title of a task of the case that `task.separate_from` names and the user completed
    (an audit's auditor may not approve its report, whatever their role); None if none."""
    if not task.separate_from:
        return None
    names = [name.strip() for name in task.separate_from.split(",") if name.strip()]
    return db.session.scalar(select(HumanTask.title).where(
        HumanTask.case_id == task.case_id, HumanTask.bpmn_id.in_(names),
        HumanTask.state == TaskState.COMPLETED, HumanTask.completed_by_id == user.id).limit(1))


def check_four_eyes(user: User, task: HumanTask) -> None:
    """403 when the four-eyes rule keeps the user from the task (`four_eyes_conflict`)."""
    performed = four_eyes_conflict(user, task)
    if performed is not None:
        raise Forbidden(f"four eyes: you performed '{performed}' in this case, so someone else "
                        f"must do '{task.title}'")

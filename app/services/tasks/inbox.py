"""Inboxes: which tasks a user sees, filtered, in what order, how many.

One query builder (`task_ids`, `ORDERS`) serves the JSON API's `inbox` and the web's
`inbox_page` alike: the same access rules, the same filters, the same order.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from time import monotonic
from typing import Any

from flask import current_app
from sqlalchemy import Select, func, select

from app.extensions import db
from app.models import Case, Company, HumanTask, User
from app.models.enums import CaseStatus, TaskState
from app.models.types import utcnow
from app.models.user import COMPANY_ROLES, ENTITY_TYPES, ROLES, TASK_ROLES, roles_worked_by
from app.models.web import SavedFilter
from app.services.errors import Forbidden, Invalid
from app.services.identity.access import AUDIT_ROLES, case_scope
from app.services.tasks.views import saved_filters

SORTS = {"due": "Due date", "priority": "Priority", "created": "Newest"}
DUE_SOON = timedelta(days=2)
PER_PAGE = 25
#: counts stop here ("1000+"): nobody pages through more, and counting 50,000 open tasks on
#: every inbox view would cost more than the rest of the page.
COUNT_CAP = 1000
#: roles whose inbox is narrowed to the cases they may see (`access.case_scope`)
SCOPED_ROLES = (*COMPANY_ROLES, *AUDIT_ROLES)
STAGES_EXTENSION = "safeport.inbox_stages"


@dataclass
class Filters:
    """What an inbox shows; every field round-trips through the URL's query string."""

    view: str = "mine"  # "mine", a role name (that role's queue), or "all" (admins)
    case_id: int | None = None
    stage: str = ""
    company_id: int | None = None
    entity_type: str = ""
    due_before: date | None = None
    overdue: bool = False
    q: str = ""
    sort: str = "due"
    page: int = 1

    def as_query(self, **changes: Any) -> dict[str, Any]:
        """The non-default fields as query arguments (for links), with `changes` applied."""
        values = {**self.__dict__, **changes}
        out = {}
        for key, value in values.items():
            if value in (None, "", False) or (key, value) in (("sort", "due"), ("page", 1)):
                continue
            out[key] = "1" if value is True else str(value)
        return out


@dataclass
class InboxRow:
    """One line of an inbox, read in a single query (no lazy loads)."""

    id: int
    title: str
    role: str
    case_id: int
    company_id: int
    company: str
    entity_type: str
    stage: str | None
    assignee: str | None
    assignee_id: int | None
    due_at: datetime | None
    priority: int
    created_at: datetime
    case_status: str
    #: the audited supplier of a partner audit (the company above is its client)
    supplier: str | None = None
    urgency: str = ""  # "overdue", "due-soon" or ""


@dataclass
class InboxPage:
    """A page of an inbox with its total, the counts for every tab and the stages to filter."""

    rows: list[InboxRow]
    total: int
    page: int
    pages: int
    counts: dict[str, int]
    stages: list[str] = field(default_factory=list)
    cap: int = COUNT_CAP
    queues: list[str] = field(default_factory=list)
    #: role -> usernames the actor may assign that role's tasks to (empty: may not assign)
    colleagues: dict[str, list[str]] = field(default_factory=dict)
    saved: list[SavedFilter] = field(default_factory=list)

    @property
    def capped(self) -> bool:
        """True when the total is only known to exceed the cap."""
        return self.total > self.cap


def parse_filters(args: dict[str, str]) -> tuple[Filters, dict[str, list[str]]]:
    """Filters from query arguments, and messages for those that could not be read."""
    errors: dict[str, list[str]] = {}
    f = Filters(view=args.get("view") or "mine", stage=(args.get("stage") or "").strip(),
                entity_type=args.get("entity_type") or "", q=(args.get("q") or "").strip(),
                overdue=args.get("overdue") in ("1", "on", "true"),
                sort=args.get("sort") if args.get("sort") in SORTS else "due")
    if f.view not in ("mine", *TASK_ROLES):
        errors["view"], f.view = ["unknown inbox"], "mine"
    if f.entity_type and f.entity_type not in ENTITY_TYPES:
        errors["entity_type"], f.entity_type = ["unknown entity type"], ""
    for name in ("company_id", "page"):
        raw = args.get(name)
        if raw:
            try:
                setattr(f, name, max(1, int(raw)))
            except ValueError:
                errors[name] = ["must be a whole number"]
    if args.get("due_before"):
        try:
            f.due_before = date.fromisoformat(args["due_before"])
        except ValueError:
            errors["due_before"] = ["must be a date (YYYY-MM-DD)"]
    return f, errors


def queues_of(actor: User) -> list[str]:
    """The role queues a user may open: their own role's, or every queue for admins."""
    return list(roles_worked_by(actor.role))


ORDERS = {  # NULLS LAST is PostgreSQL's own ascending order, so the inbox index serves it
    "due": (HumanTask.due_at.asc().nulls_last(), HumanTask.created_at, HumanTask.id),
    "priority": (HumanTask.priority.desc(), HumanTask.due_at.asc().nulls_last(), HumanTask.id),
    "created": (HumanTask.created_at.desc(), HumanTask.id.desc()),
}


def task_ids(actor: User, f: Filters | None = None, state: str = TaskState.READY) -> Select:
    """The ids of the tasks `actor` sees in the view `f.view` with its filters.

    "mine" is what the actor holds (or, for finished tasks, completed); a role's queue needs
    that role (admins open every queue); "all" is for admins. Applicants only ever see their
    own company's tasks.
    """
    f = f or Filters()
    query = select(HumanTask.id).where(HumanTask.state == state)
    if f.view == "mine":
        holder = HumanTask.assignee_id if state == TaskState.READY else HumanTask.completed_by_id
        query = query.where(holder == actor.id)
    elif f.view == "all":
        if actor.role != "admin":
            raise Forbidden("only admins see every task")
    elif f.view in queues_of(actor):
        query = query.where(HumanTask.role == f.view)
    else:
        raise Forbidden(f"you do not work the {f.view} queue")
    return _filtered(actor, query, f)


def _filtered(actor: User, query: Select, f: Filters) -> Select:
    """Company scope (applicants see only their company) and the optional filters."""
    scoped = actor.role in SCOPED_ROLES
    if scoped or f.stage or f.company_id or f.entity_type or f.q:
        query = query.join(Case, Case.id == HumanTask.case_id)
    if scoped:
        query = query.where(case_scope(actor))
    if f.entity_type or f.q:
        query = query.join(Company, Company.id == Case.company_id)
    if f.case_id is not None:
        query = query.where(HumanTask.case_id == f.case_id)
    if f.stage:
        query = query.where(Case.current_stage == f.stage)
    if f.company_id:
        query = query.where(Case.company_id == f.company_id)
    if f.entity_type:
        query = query.where(Company.entity_type == f.entity_type)
    if f.q:
        pattern = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(func.lower(Company.legal_name).like(pattern.lower(), escape="\\"))
    if f.due_before:
        query = query.where(HumanTask.due_at < datetime.combine(f.due_before, time(),
                                                                tzinfo=utcnow().tzinfo))
    if f.overdue:
        query = query.where(HumanTask.due_at < utcnow())
    return query


def inbox(actor: User, *, scope: str = "mine", role: str | None = None,
          case_id: int | None = None, state: str = TaskState.READY, page: int = 1,
          per_page: int = 50) -> tuple[list[HumanTask], int]:
    """The API's inbox: my tasks, a role's queue (mine by default) or all tasks (admins),
    in the web inbox's "due" order; one page of them and the total."""
    if scope == "role":
        role = role or actor.role
        if role not in TASK_ROLES:
            raise Invalid("unknown role", {"role": [f"must be one of {', '.join(TASK_ROLES)}"]})
    ids = task_ids(actor, Filters(view=role if scope == "role" else scope, case_id=case_id),
                   state)
    total = db.session.scalar(select(func.count()).select_from(ids.subquery()))
    if not total:
        return [], 0
    order = ORDERS["due"]
    page_ids = ids.order_by(*order).limit(per_page).offset((page - 1) * per_page).subquery()
    items = db.session.scalars(select(HumanTask).join(page_ids, page_ids.c.id == HumanTask.id)
                               .order_by(*order)).all()
    return list(items), total


def _count(query) -> int:
    """Rows of `query`, counted up to COUNT_CAP + 1."""
    return db.session.scalar(select(func.count()).select_from(
        query.limit(COUNT_CAP + 1).subquery()))


def counts(actor: User) -> dict[str, int]:
    """Open tasks in "My tasks" and in each queue the user works (up to COUNT_CAP + 1)."""
    out = {"mine": _count(task_ids(actor, Filters()))}
    for role in queues_of(actor):
        out[role] = _count(task_ids(actor, Filters(view=role)))
    return out


def inbox_page(actor: User, f: Filters, per_page: int = PER_PAGE) -> InboxPage:
    """One page of an inbox with the given filters, its total, the tab counts, and what the
    page offers around it (stages to filter by, colleagues to assign to, saved views)."""
    if f.view != "mine" and f.view not in queues_of(actor):
        raise Forbidden(f"you do not work the {f.view} queue")
    ids = task_ids(actor, f)
    tabs = counts(actor)
    filtered = any((f.stage, f.company_id, f.entity_type, f.q, f.due_before, f.overdue))
    total = _count(ids) if filtered else tabs[f.view]
    order = ORDERS[f.sort]
    pages = max(1, -(-min(total, COUNT_CAP) // per_page))
    page = f.page if total > COUNT_CAP else min(f.page, pages)
    page_ids = ids.order_by(*order).limit(per_page).offset((page - 1) * per_page).subquery()
    assignee = User.__table__.alias("assignee")
    supplier = Company.__table__.alias("supplier")
    rows = db.session.execute(
        select(HumanTask.id, HumanTask.title, HumanTask.role, HumanTask.case_id,
               Company.id, Company.legal_name, Company.entity_type, Case.current_stage,
               assignee.c.username, HumanTask.assignee_id, HumanTask.due_at,
               HumanTask.priority, HumanTask.created_at, Case.status, supplier.c.legal_name)
        .join(page_ids, page_ids.c.id == HumanTask.id)
        .join(Case, Case.id == HumanTask.case_id)
        .join(Company, Company.id == Case.company_id)
        .outerjoin(assignee, assignee.c.id == HumanTask.assignee_id)
        .outerjoin(supplier, supplier.c.id == Case.supplier_id)
        .order_by(*order)).all()
    now = utcnow()
    items = [InboxRow(*row) for row in rows]
    for row in items:
        if row.due_at is not None:
            row.urgency = ("overdue" if row.due_at < now else
                           "due-soon" if row.due_at < now + DUE_SOON else "")
    if total > COUNT_CAP and len(items) == per_page:
        pages = max(pages, page + 1)  # more pages than counted: offer the next one
    queues = queues_of(actor)
    return InboxPage(items, total, page, pages, tabs, stages(actor), COUNT_CAP, queues,
                     {role: colleagues(actor, role) for role in queues}, saved_filters(actor))


def stages(actor: User) -> list[str]:
    """Stages that running cases are in, for the stage filter (cached for a minute: reading
    them means scanning every running case)."""
    company = actor.company_id if actor.role == "applicant" else None
    key = (company, actor.role == "supplier")
    ttl = current_app.config["INBOX_STAGES_CACHE_SECONDS"]
    cache = current_app.extensions[STAGES_EXTENSION]
    cached = cache.get(key)
    if cached is not None and cached[0] > monotonic():
        return cached[1]
    query = (select(Case.current_stage).where(Case.status == CaseStatus.RUNNING,
                                              Case.current_stage.is_not(None))
             .distinct().order_by(Case.current_stage).limit(100))
    if actor.role in SCOPED_ROLES:
        query = query.where(case_scope(actor))
    found = list(db.session.scalars(query))
    if ttl > 0:
        cache[key] = (monotonic() + ttl, found)
    return found


def init_app(app) -> None:
    """Give the app its cache of running stages: company (None for staff) -> (expiry, stages)."""
    app.extensions[STAGES_EXTENSION] = {}


def check_filters(errors: dict[str, list[str]]) -> None:
    """Refuse unreadable filters (422) with one message per field."""
    if errors:
        raise Invalid("some filters could not be read", errors)


def colleagues(actor: User, role: str) -> list[str]:
    """Usernames a case worker or admin may assign a task of `role` to (not applicants)."""
    if actor.role not in ("case_worker", "admin") or role in COMPANY_ROLES:
        return []
    takers = [r for r in ROLES if role in roles_worked_by(r) and r != "admin"]
    return list(db.session.scalars(select(User.username).where(
        User.role.in_(takers), User.active.is_(True)).order_by(User.username).limit(200)))

"""An inbox page: a view's rows in one query, its total, the tab counts and what the page
offers around it (stages to filter, colleagues to assign to, saved views); and the API's inbox.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from time import monotonic

from flask import current_app
from sqlalchemy import Select, func, select

from app.extensions import db
from app.models import Case, Company, HumanTask, User
from app.models.enums import CaseStatus, TaskState
from app.models.types import utcnow
from app.models.user import COMPANY_ROLES, ROLES, TASK_ROLES, roles_worked_by
from app.models.web import SavedFilter, TaskFollowUp
from app.services.errors import Forbidden, Invalid
from app.services.identity import zones
from app.services.identity.access import case_scope
from app.services.tasks.inbox.query import (
    ORDERS,
    SCOPED_ROLES,
    Filters,
    order_by,
    queues_of,
    task_ids,
)
from app.services.tasks.views import saved_filters

DUE_SOON = timedelta(days=2)
PER_PAGE = 25
#: counts stop here ("1000+"): nobody pages through more, and counting 50,000 open tasks on
#: every inbox view would cost more than the rest of the page.
COUNT_CAP = 1000
STAGES_EXTENSION = "safeport.inbox_stages"


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
    #: the reader's own follow-up date for the task ("snoozed until"), if any
    follow_up: datetime | None = None
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

    @property
    def assignable(self) -> list[str]:
        """Everyone the actor may assign some task on this page to (for bulk assign)."""
        return sorted({name for names in self.colleagues.values() for name in names})


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


def _narrowed(ids: Select) -> tuple[Select, int]:
    """A filtered or searched view: its matches (up to the cap) read once, in whatever order
    the indexes give them, and counted; when they are all there, the page is sorted from
    them alone rather than by walking the whole queue in the view's order looking for rare
    matches. Above the cap matches are common and the ordered walk stops soon."""
    found = list(db.session.scalars(ids.limit(COUNT_CAP + 1)))
    if len(found) > COUNT_CAP:
        return ids, len(found)
    return ids.where(HumanTask.id.in_(found)), len(found)


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
    order = order_by(f)
    if f.narrowed:
        ids, total = _narrowed(ids)
    else:
        total = tabs[f.view]
    pages = max(1, -(-min(total, COUNT_CAP) // per_page))
    page = f.page if total > COUNT_CAP else min(f.page, pages)
    items = _rows(actor, ids.order_by(*order).limit(per_page).offset((page - 1) * per_page),
                  order) if total else []
    if total > COUNT_CAP and len(items) == per_page:
        pages = max(pages, page + 1)  # more pages than counted: offer the next one
    queues = queues_of(actor)
    return InboxPage(items, total, page, pages, tabs, stages(actor), COUNT_CAP, queues,
                     {role: colleagues(actor, role) for role in queues}, saved_filters(actor))


def _rows(actor: User, page_query, order) -> list[InboxRow]:
    """The rows of one page of ids, with company, stage, assignee and the actor's follow-up."""
    page_ids = page_query.subquery()
    assignee = User.__table__.alias("assignee")
    supplier = Company.__table__.alias("supplier")
    rows = db.session.execute(
        select(HumanTask.id, HumanTask.title, HumanTask.role, HumanTask.case_id,
               Company.id, Company.legal_name, Company.entity_type, Case.current_stage,
               assignee.c.username, HumanTask.assignee_id, HumanTask.due_at,
               HumanTask.priority, HumanTask.created_at, Case.status, supplier.c.legal_name,
               TaskFollowUp.until)
        .join(page_ids, page_ids.c.id == HumanTask.id)
        .join(Case, Case.id == HumanTask.case_id)
        .join(Company, Company.id == Case.company_id)
        .outerjoin(assignee, assignee.c.id == HumanTask.assignee_id)
        .outerjoin(supplier, supplier.c.id == Case.supplier_id)
        .outerjoin(TaskFollowUp, (TaskFollowUp.task_id == HumanTask.id)
                   & (TaskFollowUp.user_id == actor.id))
        .order_by(*order)).all()
    now, zone = utcnow(), zones.zone_of(actor)
    items = [InboxRow(*row) for row in rows]
    for row in items:
        if row.follow_up is not None and row.follow_up <= now:
            row.follow_up = None  # the date has come: the task is back, no longer snoozed
        elif row.follow_up is not None:  # its day is the reader's day
            row.follow_up = row.follow_up.astimezone(zone)
        if row.due_at is not None:
            row.urgency = ("overdue" if row.due_at < now else
                           "due-soon" if row.due_at < now + DUE_SOON else "")
    return items


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

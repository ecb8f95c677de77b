"""The case list: cases a user may see, filtered and sorted by what the URL says, a page of
them or all of them as CSV. The dashboard counts with the same query (`count`), so a figure
and the list it links to always agree."""
import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, exists, func, select

from app.extensions import db
from app.models import Case, Company, HumanTask, Membership, User
from app.models.enums import CaseStatus, TaskState
from app.models.types import utcnow
from app.models.user import ENTITY_TYPES, TASK_ROLES
from app.services.identity.access import case_scope, require_role

PER_PAGE = 50
#: the most rows one CSV export holds
CSV_LIMIT = 10_000
#: how far ahead the dashboard's "due soon" figures look (deadline and review filters)
HORIZON_DAYS = 90
STATUSES = tuple(s.value for s in CaseStatus)
#: membership dates the `review_due` filter looks at
REVIEW_DATES = {"annual_review": Membership.anniversary_at,
                "revalidation": Membership.revalidation_due_at,
                "validation": Membership.validation_due_at}
#: an audit's supplier: the list shows (and sorts and searches) its name for partner audits
company_alias = Company.__table__.alias("supplier")
SHOWN_NAME = func.coalesce(company_alias.c.legal_name, Company.legal_name)
SORTS = {
    "id": (Case.id,),
    "company": (func.lower(SHOWN_NAME), Case.id),
    "status": (Case.status, Case.id),
    "stage": (Case.current_stage, Case.id),
    "started": (Case.started_at, Case.id),
    "entity_type": (Company.entity_type, Case.id),
}


@dataclass
class CaseFilters:
    """What the case list shows; every field round-trips through the query string."""

    status: str = ""
    stage: str = ""
    entity_type: str = ""
    q: str = ""
    #: cases with an open task for this role (with `overdue`: a past-due one)
    waiting_on: str = ""
    overdue: bool = False
    #: running cases with a timer due within HORIZON_DAYS
    timer_due: bool = False
    #: cases of companies whose membership date (REVIEW_DATES) falls within HORIZON_DAYS
    review_due: str = ""
    sort: str = "-id"
    page: int = 1

    def as_query(self, **changes: Any) -> dict[str, str]:
        """The non-default fields as query arguments (for links), with `changes` applied."""
        values = {**self.__dict__, **changes}
        return {key: "1" if value is True else str(value) for key, value in values.items()
                if value not in (None, "", False) and (key, value) not in (("sort", "-id"),
                                                                            ("page", 1))}


def parse_filters(args: dict[str, str]) -> CaseFilters:
    """Filters from query arguments; what cannot be read is left out (a list, not a form)."""
    def pick(name: str, allowed) -> str:
        value = (args.get(name) or "").strip()
        return value if value in allowed else ""

    sort = args.get("sort") or "-id"
    f = CaseFilters(status=pick("status", STATUSES), stage=(args.get("stage") or "").strip(),
                    entity_type=pick("entity_type", ENTITY_TYPES),
                    q=(args.get("q") or "").strip()[:200],
                    waiting_on=pick("waiting_on", TASK_ROLES),
                    overdue=args.get("overdue") in ("1", "on", "true"),
                    timer_due=args.get("timer_due") in ("1", "on", "true"),
                    review_due=pick("review_due", REVIEW_DATES),
                    sort=sort if sort.lstrip("-") in SORTS else "-id")
    try:
        f.page = max(1, int(args.get("page") or 1))
    except ValueError:
        f.page = 1
    return f


def _query(actor: User, f: CaseFilters, now: datetime) -> Select:
    """Cases the actor may see with the filters, joined to their company."""
    query = (select(Case).join(Company, Company.id == Case.company_id)
             .outerjoin(company_alias, company_alias.c.id == Case.supplier_id)
             .where(case_scope(actor)))
    if f.status:
        query = query.where(Case.status == f.status)
    if f.stage:
        query = query.where(Case.current_stage == f.stage)
    if f.entity_type:
        query = query.where(Company.entity_type == f.entity_type)
    if f.q:
        pattern = "%" + f.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace(
            "_", "\\_") + "%"
        query = query.where(func.lower(Company.legal_name).like(pattern, escape="\\")
                            | func.lower(company_alias.c.legal_name).like(pattern, escape="\\"))
    if f.waiting_on or f.overdue:
        task = select(HumanTask.id).where(HumanTask.case_id == Case.id,
                                          HumanTask.state == TaskState.READY)
        if f.waiting_on:
            task = task.where(HumanTask.role == f.waiting_on)
        if f.overdue:
            task = task.where(HumanTask.due_at < now)
        query = query.where(exists(task))
    if f.timer_due:
        query = query.where(Case.status == CaseStatus.RUNNING, Case.next_timer_at >= now,
                            Case.next_timer_at < now + timedelta(days=HORIZON_DAYS))
    if f.review_due:
        column = REVIEW_DATES[f.review_due]
        query = query.where(Case.status == CaseStatus.RUNNING, exists(
            select(Membership.id).where(Membership.company_id == Case.company_id,
                                        column >= now,
                                        column < now + timedelta(days=HORIZON_DAYS))))
    return query


def _order(f: CaseFilters) -> list:
    columns = SORTS[f.sort.lstrip("-")]
    return [c.desc() for c in columns] if f.sort.startswith("-") else list(columns)


def _check(actor: User) -> None:
    require_role(actor, "case_worker", "specialist", "supplier", "auditor", "reviewer")


def count(actor: User, f: CaseFilters, now: datetime | None = None) -> int:
    """How many cases the list shows with these filters."""
    _check(actor)
    query = _query(actor, f, now or utcnow())
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


@dataclass
class CaseListPage:
    """One page of the case list and what it needs around it."""

    items: list[Case]
    total: int
    page: int
    pages: int
    stages: list[str]


def case_list(actor: User, f: CaseFilters, per_page: int = PER_PAGE) -> CaseListPage:
    """A page of the filtered, sorted list, its total and the stages to filter by."""
    now = utcnow()
    total = count(actor, f, now)
    pages = max(1, -(-total // per_page))
    page = min(f.page, pages)
    items = db.session.scalars(_query(actor, f, now).order_by(*_order(f))
                               .limit(per_page).offset((page - 1) * per_page)).all()
    stages = list(db.session.scalars(
        select(Case.current_stage).where(case_scope(actor), Case.current_stage.is_not(None))
        .distinct().order_by(Case.current_stage).limit(100)))
    return CaseListPage(list(items), total, page, pages, stages)


CSV_HEADERS = ("case", "company", "supplier", "entity_type", "status", "stage", "started",
               "completed")


def _cell(value: Any) -> str:
    """A CSV cell; text a spreadsheet would run as a formula is quoted with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def case_list_csv(actor: User, f: CaseFilters) -> str:
    """Every case of the filtered list (up to CSV_LIMIT), in its order, as CSV text."""
    _check(actor)
    rows = db.session.execute(
        _query(actor, f, utcnow()).with_only_columns(
            Case.id, Company.legal_name, company_alias.c.legal_name, Company.entity_type,
            Case.status, Case.current_stage, Case.started_at, Case.completed_at)
        .order_by(*_order(f)).limit(CSV_LIMIT)).all()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()

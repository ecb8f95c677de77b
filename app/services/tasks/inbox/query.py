"""The inbox query: which tasks a user sees in a view, with its filters, in what order.

One query builder (`task_ids`, `order_by`) serves the JSON API's `inbox`, the web's
`inbox_page`, bulk actions and "complete and go to next" alike: the same access rules, the
same filters, the same order.
"""
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, false, func, or_, select, text

from app.extensions import db
from app.models import Case, Company, HumanTask, User
from app.models.enums import TaskState
from app.models.types import utcnow
from app.models.user import COMPANY_ROLES, ENTITY_TYPES, TASK_ROLES, roles_worked_by
from app.models.web import TaskFollowUp
from app.services.errors import Forbidden
from app.services.identity import zones
from app.services.identity.access import AUDIT_ROLES, case_scope

#: sort key -> its label and its default direction (a header click flips it)
SORTS = {"due": "Due date", "priority": "Priority", "created": "Newest", "company": "Company",
         "title": "Task"}
DEFAULT_ORDER = {"due": "asc", "priority": "desc", "created": "desc", "company": "asc",
                 "title": "asc"}
ASSIGNED = ("unassigned", "me", "others")
#: roles whose inbox is narrowed to the cases they may see (`access.case_scope`)
SCOPED_ROLES = (*COMPANY_ROLES, *AUDIT_ROLES)


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
    due_week: bool = False
    assigned: str = ""  # "", "unassigned", "me" or "others"
    snoozed: bool = False  # only the tasks the user snoozed (hidden from the view otherwise)
    q: str = ""
    sort: str = "due"
    order: str = ""  # "asc" or "desc"; "" is the sort's own direction
    page: int = 1

    @property
    def direction(self) -> str:
        """The direction the list is sorted in."""
        return self.order or DEFAULT_ORDER[self.sort]

    @property
    def narrowed(self) -> bool:
        """True when anything beyond the view (and sort, page) narrows the list."""
        return any((self.case_id, self.stage, self.company_id, self.entity_type,
                    self.due_before, self.overdue, self.due_week, self.assigned, self.snoozed,
                    self.q))

    def as_query(self, **changes: Any) -> dict[str, Any]:
        """The non-default fields as query arguments (for links), with `changes` applied."""
        values = {**self.__dict__, **changes}
        if values.get("order") == DEFAULT_ORDER.get(values.get("sort") or "due"):
            values["order"] = ""
        out = {}
        for key, value in values.items():
            if value in (None, "", False) or (key, value) in (("sort", "due"), ("page", 1)):
                continue
            out[key] = "1" if value is True else str(value)
        return out

    def sorted_by(self, key: str) -> dict[str, Any]:
        """Query arguments for a click on the `key` column: that sort, or the other
        direction when it is already sorted by it; back to page 1."""
        if key == self.sort:
            order = "asc" if self.direction == "desc" else "desc"
        else:
            order = DEFAULT_ORDER[key]
        return self.as_query(sort=key, order=order, page=1)


def _flag(args: dict[str, str], name: str) -> bool:
    return args.get(name) in ("1", "on", "true")


def parse_filters(args: dict[str, str]) -> tuple[Filters, dict[str, list[str]]]:
    """Filters from query arguments, and messages for those that could not be read."""
    errors: dict[str, list[str]] = {}
    sort = args.get("sort") if args.get("sort") in SORTS else "due"
    f = Filters(view=args.get("view") or "mine", stage=(args.get("stage") or "").strip(),
                entity_type=args.get("entity_type") or "", q=(args.get("q") or "").strip()[:100],
                overdue=_flag(args, "overdue"), due_week=_flag(args, "due_week"),
                snoozed=_flag(args, "snoozed"), sort=sort,
                order=args.get("order") if args.get("order") in ("asc", "desc") else "",
                assigned=args.get("assigned") if args.get("assigned") in ASSIGNED else "")
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


_DUE = HumanTask.due_at.asc().nulls_last()
# NULLS LAST is PostgreSQL's own ascending order, so the inbox indexes serve the default sorts
_ORDERS = {
    ("due", "asc"): (_DUE, HumanTask.created_at, HumanTask.id),
    ("due", "desc"): (HumanTask.due_at.desc().nulls_last(), HumanTask.created_at.desc(),
                      HumanTask.id.desc()),
    ("priority", "desc"): (HumanTask.priority.desc(), _DUE, HumanTask.id),
    ("priority", "asc"): (HumanTask.priority.asc(), _DUE, HumanTask.id),
    ("created", "desc"): (HumanTask.created_at.desc(), HumanTask.id.desc()),
    ("created", "asc"): (HumanTask.created_at.asc(), HumanTask.id.asc()),
    ("company", "asc"): (Company.legal_name.asc(), _DUE, HumanTask.id),
    ("company", "desc"): (Company.legal_name.desc(), _DUE, HumanTask.id),
    # the open-title index read forwards, or backwards (PostgreSQL's DESC is NULLS FIRST)
    ("title", "asc"): (HumanTask.title.asc(), HumanTask.due_at.asc(), HumanTask.id.asc()),
    ("title", "desc"): (HumanTask.title.desc(), HumanTask.due_at.desc(), HumanTask.id.desc()),
}
#: the API's order and the old names (`ORDERS["due"]`)
ORDERS = {key: _ORDERS[(key, DEFAULT_ORDER[key])] for key in ("due", "priority", "created")}


def order_by(f: Filters) -> tuple:
    """The ORDER BY of a view: its sort and direction, then stable tie-breakers."""
    return _ORDERS[(f.sort, f.direction)]


def task_ids(actor: User, f: Filters | None = None, state: str = TaskState.READY) -> Select:
    """The ids of the tasks `actor` sees in the view `f.view` with its filters.

    "mine" is what the actor holds (or, for finished tasks, completed); a role's queue needs
    that role (admins open every queue); "all" is for admins. Applicants only ever see their
    own company's tasks. Tasks the actor snoozed are left out until their follow-up date
    (`f.snoozed` shows only those).
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
    return _snoozed(actor, _filtered(actor, query, f), f)


def _filtered(actor: User, query: Select, f: Filters) -> Select:
    """Company scope (applicants see only their company) and the optional filters."""
    scoped = actor.role in SCOPED_ROLES
    if scoped or f.stage or f.company_id or f.entity_type or f.sort == "company":
        query = query.join(Case, Case.id == HumanTask.case_id)
    if scoped:
        query = query.where(case_scope(actor))
    if f.entity_type or f.sort == "company":
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
        query = query.where(_search(f.q, f.view if f.view in TASK_ROLES else None))
    if f.due_before:
        query = query.where(HumanTask.due_at < zones.start_of_day(actor, f.due_before))
    if f.overdue:
        query = query.where(HumanTask.due_at < utcnow())
    if f.due_week:
        start, end = zones.week_of(actor)
        query = query.where(HumanTask.due_at >= start, HumanTask.due_at < end)
    if f.assigned == "unassigned":
        query = query.where(HumanTask.assignee_id.is_(None))
    elif f.assigned == "me":
        query = query.where(HumanTask.assignee_id == actor.id)
    elif f.assigned == "others":
        query = query.where(HumanTask.assignee_id.is_not(None),
                            HumanTask.assignee_id != actor.id)
    return query





def _search(q: str, role: str | None) -> ColumnElement[bool]:
    """One box for the task's name, the case number ("123" or "#123"), the company's (or the
    audited supplier's) name and the assignee's username or full name.

    Companies and people are few: they are matched first, in their own small tables, so that
    the condition on the tasks reads only the tasks' own columns (title, case, assignee), which
    the open-task title index holds: a queue is searched from the index alone."""
    pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

    def like(column):
        return func.lower(column).like(pattern, escape="\\")

    companies = _few(select(Company.id).where(like(Company.legal_name)
                                              | like(Company.trade_name)))
    people = _few(select(User.id).where(like(User.username) | like(User.full_name)))
    titles = _open_titles(role) if role else None
    if titles is None:
        matches = [like(HumanTask.title)]
    else:  # the queue's few task names, matched here: the tasks are then read by name
        found = [title for title in titles if q.lower() in title.lower()]
        matches = [HumanTask.title.in_(found)] if found else []
    if companies is not None:
        matches.append(HumanTask.case_id.in_(select(Case.id).where(
            Case.company_id.in_(companies) | Case.supplier_id.in_(companies))))
    if people is not None:
        matches.append(HumanTask.assignee_id.in_(people))
    number = q.removeprefix("#").strip()
    if number.isdigit() and len(number) < 10:
        matches.append(HumanTask.case_id == int(number))
    return or_(*matches) if matches else false()


#: matched companies or people (or a queue's task names) beyond this are left to the
#: database to match
FEW = 500

# The distinct names of a queue's open tasks, read by hopping along the open-title index from
# one name to the next (a loose index scan: one probe per name, however long the queue).
_TITLES = text("""
WITH RECURSIVE names(title) AS (
  SELECT min(title) FROM human_tasks WHERE state = 'ready' AND role = :role
  UNION ALL
  SELECT (SELECT min(h.title) FROM human_tasks h
          WHERE h.state = 'ready' AND h.role = :role AND h.title > names.title)
  FROM names WHERE names.title IS NOT NULL
)
SELECT title FROM names WHERE title IS NOT NULL LIMIT :limit""")


def _open_titles(role: str) -> list[str] | None:
    """The names of the open tasks of a role's queue, or None when there are too many."""
    found = list(db.session.scalars(_TITLES, {"role": role, "limit": FEW + 1}))
    return found if len(found) <= FEW else None


def _few(query: Select) -> list[int] | Select | None:
    """The ids `query` finds: a list when there are few, None when there are none, else the
    query itself (as a subquery for IN)."""
    found = list(db.session.scalars(query.limit(FEW + 1)))
    if not found:
        return None
    return found if len(found) <= FEW else query


def _snoozed(actor: User, query: Select, f: Filters) -> Select:
    """Leave out (or, with `f.snoozed`, keep only) the tasks the actor snoozed until later.
    Most users snooze nothing: then the view's query stays as it was."""
    now = utcnow()
    mine = (TaskFollowUp.user_id == actor.id, TaskFollowUp.until > now)
    if not f.snoozed and db.session.scalar(select(TaskFollowUp.task_id).where(*mine)
                                           .limit(1)) is None:
        return query
    held = exists().where(TaskFollowUp.task_id == HumanTask.id, *mine)
    return query.where(held if f.snoozed else ~held)

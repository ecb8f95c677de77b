"""Figures for the dashboard: cases per stage and status, work waiting per role, deadlines,
reviews due, time per task. Every count is a count of the list it links to: the case list
(`caselist.count` with the link's filters) or an inbox (`inbox.task_ids` with its filters),
so following a figure shows that many rows."""
from dataclasses import dataclass, field
from datetime import timedelta
from statistics import median

from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, HumanTask, User
from app.models.enums import CaseStatus, TaskState
from app.models.types import utcnow
from app.models.user import TASK_ROLES
from app.services.identity.access import require_role
from app.services.tasks import caselist, inbox

HORIZON = timedelta(days=caselist.HORIZON_DAYS)
SAMPLE = 5000


@dataclass
class Figure:
    """One number on the dashboard and the list it counts: `page` is "cases" or "inbox",
    `args` that list's URL filters."""

    label: str
    value: float
    page: str = ""
    args: dict[str, str] = field(default_factory=dict)


@dataclass
class Dashboard:
    """Everything the dashboard shows, one list of figures per card."""

    cases_per_stage: list[Figure]
    cases_per_status: list[Figure]
    open_per_role: list[Figure]
    overdue_per_role: list[Figure]
    cases_waiting: list[Figure]
    cases_overdue: list[Figure]
    deadlines: list[Figure]
    median_hours_per_task: list[Figure]
    reviews_due: list[Figure]


def _cases(actor: User, label: str, **args: str) -> Figure:
    """A figure counting the case list with these filters."""
    filters = caselist.parse_filters(args)
    return Figure(label, caselist.count(actor, filters), "cases", filters.as_query())


def _tasks(actor: User, role: str, overdue: bool = False) -> Figure:
    """A figure counting a role's queue (only overdue tasks), as the inbox counts it."""
    f = inbox.Filters(view=role, overdue=overdue)
    ids = inbox.task_ids(actor, f).limit(inbox.COUNT_CAP + 1).subquery()
    return Figure(role, db.session.scalar(select(func.count()).select_from(ids)), "inbox",
                  f.as_query())


def dashboard(actor: User) -> Dashboard:
    """The dashboard's figures (case workers, specialists and admins)."""
    require_role(actor, "case_worker", "specialist")
    running = CaseStatus.RUNNING.value
    stages = db.session.scalars(
        select(Case.current_stage).where(Case.status == running,
                                         Case.current_stage.is_not(None))
        .group_by(Case.current_stage).order_by(func.count().desc(), Case.current_stage))
    per_stage = [_cases(actor, stage, status=running, stage=stage) for stage in stages]
    per_status = [f for f in (_cases(actor, s, status=s) for s in caselist.STATUSES) if f.value]
    queues = inbox.queues_of(actor)
    open_rows = [f for f in (_tasks(actor, role) for role in queues) if f.value]
    overdue = [_tasks(actor, role, overdue=True) for role in queues]
    waiting = [_cases(actor, role, waiting_on=role) for role in TASK_ROLES]
    waiting = [f for f in waiting if f.value]
    late = [f for f in (_cases(actor, role, waiting_on=role, overdue="1") for role in TASK_ROLES)
            if f.value]
    deadline_stages = db.session.scalars(
        select(Case.current_stage).where(Case.status == running, Case.next_timer_at.is_not(None),
                                         Case.current_stage.is_not(None))
        .group_by(Case.current_stage).order_by(Case.current_stage))
    deadlines = [f for f in (_cases(actor, stage, status=running, stage=stage, timer_due="1")
                             for stage in deadline_stages) if f.value]
    reviews = [_cases(actor, label, review_due=key) for key, label in (
        ("annual_review", "Annual reviews"), ("revalidation", "Revalidations"),
        ("validation", "Validations"))]
    return Dashboard(per_stage, per_status, open_rows, overdue, waiting, late, deadlines,
                     _median_hours(), reviews)


def _median_hours() -> list[Figure]:
    """Median hours from a task's creation to its completion, per task title (last 90 days)."""
    done = db.session.execute(
        select(HumanTask.title, HumanTask.created_at, HumanTask.completed_at)
        .where(HumanTask.state == TaskState.COMPLETED,
               HumanTask.completed_at >= utcnow() - HORIZON)
        .order_by(HumanTask.completed_at.desc()).limit(SAMPLE)).all()
    durations: dict[str, list[float]] = {}
    for title, created, completed in done:
        durations.setdefault(title, []).append((completed - created).total_seconds() / 3600)
    return sorted((Figure(title, round(median(hours), 1)) for title, hours in durations.items()),
                  key=lambda figure: -figure.value)

"""Figures for the dashboard: cases per stage, overdue work per role, deadlines, time per task."""
from dataclasses import dataclass
from datetime import timedelta
from statistics import median

from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, HumanTask, User
from app.models.enums import CaseStatus, TaskState
from app.models.types import utcnow
from app.services.identity.access import require_role

HORIZON = timedelta(days=90)
SAMPLE = 5000


@dataclass
class Dashboard:
    """Everything the dashboard shows; each list holds (label, number) pairs."""

    cases_per_stage: list[tuple[str, int]]
    cases_per_status: list[tuple[str, int]]
    open_per_role: list[tuple[str, int]]
    overdue_per_role: list[tuple[str, int]]
    deadlines: list[tuple[str, int]]
    median_hours_per_task: list[tuple[str, float]]
    reviews_due: list[tuple[str, int]]


def dashboard(actor: User) -> Dashboard:
    """The dashboard's figures (case workers, specialists and admins)."""
    require_role(actor, "case_worker", "specialist")
    now = utcnow()
    per_stage = db.session.execute(
        select(func.coalesce(Case.current_stage, "(none)"), func.count())
        .where(Case.status == CaseStatus.RUNNING).group_by(Case.current_stage)
        .order_by(func.count().desc())).all()
    per_status = db.session.execute(
        select(Case.status, func.count()).group_by(Case.status).order_by(Case.status)).all()
    open_rows = db.session.execute(
        select(HumanTask.role, func.count()).where(HumanTask.state == TaskState.READY)
        .group_by(HumanTask.role).order_by(HumanTask.role)).all()
    overdue = db.session.execute(
        select(HumanTask.role, func.count()).where(HumanTask.state == TaskState.READY,
                                                   HumanTask.due_at < now)
        .group_by(HumanTask.role).order_by(HumanTask.role)).all()
    deadlines = db.session.execute(
        select(func.coalesce(Case.current_stage, "(none)"), func.count())
        .where(Case.status == CaseStatus.RUNNING, Case.next_timer_at >= now,
               Case.next_timer_at < now + HORIZON)
        .group_by(Case.current_stage).order_by(func.count().desc())).all()
    done = db.session.execute(
        select(HumanTask.title, HumanTask.created_at, HumanTask.completed_at)
        .where(HumanTask.state == TaskState.COMPLETED, HumanTask.completed_at >= now - HORIZON)
        .order_by(HumanTask.completed_at.desc()).limit(SAMPLE)).all()
    durations: dict[str, list[float]] = {}
    for title, created, completed in done:
        durations.setdefault(title, []).append((completed - created).total_seconds() / 3600)
    medians = sorted(((title, round(median(hours), 1)) for title, hours in durations.items()),
                     key=lambda item: -item[1])
    return Dashboard([tuple(r) for r in per_stage], [tuple(r) for r in per_status],
                     [tuple(r) for r in open_rows], [tuple(r) for r in overdue],
                     [tuple(r) for r in deadlines], medians, _reviews_due(now))


def _reviews_due(now) -> list[tuple[str, int]]:
    """Annual reviews and revalidations falling due in the next 90 days (membership records)."""
    try:
        from app.models.membership import Membership
    except ImportError:  # the membership record is not part of this build
        return []
    soon = now + HORIZON

    def count(column) -> int:
        return db.session.scalar(select(func.count()).where(column >= now, column < soon))

    return [("Annual reviews", count(Membership.anniversary_at)),
            ("Revalidations", count(Membership.revalidation_due_at)),
            ("Validations", count(Membership.validation_due_at))]

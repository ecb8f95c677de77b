"""The dashboard's trends over time: cases opened and closed per week, overdue tasks at the
end of each week, and the median days a case spends in each stage. Plain data (lists of
numbers by ISO week start) for the charts and their tables alike."""
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from statistics import median

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Case, HumanTask, User
from app.models.enums import AuditKind, TaskState
from app.models.types import utcnow
from app.services.identity.access import require_role

WEEKS = 104
#: most task rows read for the overdue and per-stage figures
SAMPLE = 20_000


@dataclass
class Trends:
    """Weekly series (one value per week in `weeks`, a Monday each) and the stage medians."""

    weeks: list[str]
    opened: list[int]
    closed: list[int]
    overdue: list[int]
    stages: list[str]
    median_days: list[float]

    def rows(self, *names: str) -> list[tuple]:
        """The series `names` side by side, one tuple per week (or stage): the tables."""
        return list(zip(*(getattr(self, name) for name in names), strict=True))

    def as_json(self) -> dict:
        """The trends as a JSON-ready dict."""
        return asdict(self)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def trends(actor: User, weeks: int = WEEKS, now: datetime | None = None) -> Trends:
    """The last `weeks` weeks up to this one (staff who see the dashboard)."""
    require_role(actor, "case_worker", "specialist")
    now = now or utcnow()
    first = _monday(now.date()) - timedelta(weeks=weeks - 1)
    start = datetime.combine(first, time(), tzinfo=now.tzinfo)
    labels = [(first + timedelta(weeks=i)).isoformat() for i in range(weeks)]

    def week_of(moment: datetime) -> int:
        return (moment - start).days // 7

    opened, closed = [0] * weeks, [0] * weeks
    for started, completed in db.session.execute(
            select(Case.started_at, Case.completed_at).where(
                (Case.started_at >= start) | (Case.completed_at >= start))):
        if started >= start:
            opened[min(week_of(started), weeks - 1)] += 1
        if completed is not None and completed >= start:
            closed[min(week_of(completed), weeks - 1)] += 1
    stages, medians = _stage_medians(start)
    return Trends(labels, opened, closed, _overdue(start, now, weeks), stages, medians)


def _overdue(start: datetime, now: datetime, weeks: int) -> list[int]:
    """Tasks overdue at the end of each week (due before then, not yet completed then)."""
    late = db.session.execute(
        select(HumanTask.due_at, HumanTask.completed_at).where(
            HumanTask.due_at.is_not(None), HumanTask.due_at < now,
            HumanTask.state != TaskState.CANCELLED,
            HumanTask.completed_at.is_(None) | (HumanTask.completed_at > HumanTask.due_at),
            HumanTask.completed_at.is_(None) | (HumanTask.completed_at >= start))
        .limit(SAMPLE)).all()
    counts = []
    for i in range(weeks):
        end = min(start + timedelta(weeks=i + 1), now)
        counts.append(sum(1 for due, done in late if due < end and (done is None or done > end)))
    return counts


def _stage_medians(start: datetime) -> tuple[list[str], list[float]]:
    """Median days per stage: per case, from its first task of the stage to its last
    completed one (the stage each task was completed in, from the audit trail)."""
    rows = db.session.execute(
        select(HumanTask.case_id, HumanTask.created_at, HumanTask.completed_at,
               AuditEvent.details)
        .join(AuditEvent, AuditEvent.task_id == HumanTask.id)
        .where(AuditEvent.kind == AuditKind.TASK_COMPLETED, HumanTask.completed_at >= start)
        .order_by(HumanTask.completed_at.desc()).limit(SAMPLE)).all()
    spans: dict[tuple[str, int], list[datetime]] = {}
    for case_id, created, completed, details in rows:
        stage = (details or {}).get("stage")
        if not stage:
            continue
        span = spans.setdefault((stage, case_id), [created, completed])
        span[0], span[1] = min(span[0], created), max(span[1], completed)
    per_stage: dict[str, list[float]] = {}
    for (stage, _case), (began, ended) in spans.items():
        per_stage.setdefault(stage, []).append((ended - began).total_seconds() / 86400)
    ordered = sorted(per_stage, key=lambda s: -median(per_stage[s]))
    return ordered, [round(median(per_stage[s]), 1) for s in ordered]


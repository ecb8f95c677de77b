"""Moving a walked demo case back in time: the walk takes a second, the history it stands for
took months.

A `Clock` notes the real instant after every step of the walk and the simulated instant it
stands for. Every timestamp the walk wrote is then mapped: what happened during step k (between
the real instants k-1 and k) lands just before simulated instant k, seconds apart as it really
was; so a task created by step k-1 and completed in step k waited the days planned for it.
A deadline (a due date, the membership record's anniversary) moves with the audit event that
first names it (the script that computed it emitted it: the certification names the
anniversary), since the engine writes instants to the second and a walk does many steps in one.
Else it is some instant of the walk plus a period setting (or one period less another): found
that way, it moves with that instant, so a certification target stays 90 days after the
application. One not found so moves with its task's creation.
"""
from bisect import bisect_left
from datetime import datetime, timedelta
from itertools import permutations

import isodate
from flask import current_app
from sqlalchemy import bindparam, select

from app.extensions import db
from app.models import AuditEvent, Case, Company, HumanTask, Membership
from app.models.membership import CompanyProfile
from app.models.types import utcnow
from app.services.runtime.unit_of_work import transaction

MEMBERSHIP_DATES = ("applied_at", "certified_at", "validated_at", "validation_due_at",
                    "anniversary_at", "review_window_opens_at", "last_review_at",
                    "revalidation_due_at", "updated_at")


class Clock:
    """Real instants of a walk's steps and the simulated instants they stand for."""

    def __init__(self, start: datetime, days: list[float]) -> None:
        self.days = days
        self.real = [utcnow()]
        self.sim = [start]
        self.periods = _periods()
        #: instants the engine wrote (whole seconds: several steps may share one), and
        #: (detail name, instant) -> the exact instant of the first audit event naming them
        self.anchors: dict[object, datetime] = {}

    def tick(self, _bpmn_id: str = "") -> None:
        """A step was completed: it took the next planned number of days."""
        spent = self.days[len(self.real) - 1] if len(self.real) - 1 < len(self.days) else 1.0
        self.real.append(utcnow())
        self.sim.append(self.sim[-1] + timedelta(days=spent))

    def at(self, moment: datetime | None) -> datetime | None:
        """The simulated instant for a real one written during the walk."""
        if moment is None:
            return None
        k = bisect_left(self.real, moment)
        if k >= len(self.real):  # after the last step: as far after its simulated instant
            return self.sim[-1] + (moment - self.real[-1])
        return self.sim[k] - (self.real[k] - moment)

    def shift(self, moment: datetime | None, anchor: datetime | None) -> datetime | None:
        """A later instant computed from `anchor` (a due date): moved as far as the anchor."""
        if moment is None or anchor is None:
            return moment
        return moment + (self.at(anchor) - anchor)

    def deadline(self, moment: datetime | None, fallback: datetime) -> datetime | None:
        """A deadline: an instant of the walk plus a period, moved with that instant (else
        with `fallback`)."""
        if moment is None:
            return None
        slack = timedelta(seconds=5)
        for period in self.periods:
            base = moment - period
            if self.real[0] - slack <= base <= self.real[-1] + slack:
                return self.at(base) + period
        return self.shift(moment, fallback)

    def apply(self, company_id: int) -> None:
        """Rewrite the timestamps of the company's cases, tasks, audit trail and record."""
        with transaction():
            self._cases(list(db.session.scalars(select(Case.id).where(
                Case.company_id == company_id))))
            self._record(company_id)

    def apply_cases(self, case_ids: list[int]) -> None:
        """Rewrite the timestamps of these cases, their tasks and audit trail only (a partner
        audit: its client's own membership case keeps its times)."""
        with transaction():
            self._cases(case_ids)

    def _cases(self, case_ids: list[int]) -> None:
        """The cases', tasks' and audit events' timestamps (in the caller's transaction)."""
        cases = db.session.execute(select(Case.id, Case.started_at, Case.updated_at,
                                          Case.completed_at)
                                   .where(Case.id.in_(case_ids))).all()
        _rewrite(Case, [{"b_id": i, "started_at": self.at(s), "updated_at": self.at(u),
                         "completed_at": self.at(c)} for i, s, u, c in cases])
        events = db.session.execute(select(AuditEvent.id, AuditEvent.at, AuditEvent.details)
                                    .where(AuditEvent.case_id.in_(case_ids))
                                    .order_by(AuditEvent.at.desc())).all()
        for _id, at, details in events:  # the earliest event naming an instant wins
            for key, value in (details or {}).items():
                moment = _instant(value)
                if moment is not None:
                    self.anchors[moment] = self.anchors[(key, moment)] = at
        tasks = db.session.execute(select(HumanTask.id, HumanTask.created_at,
                                          HumanTask.completed_at, HumanTask.due_at)
                                   .where(HumanTask.case_id.in_(case_ids))).all()
        _rewrite(HumanTask, [{"b_id": i, "created_at": self.at(c),
                              "completed_at": self.at(d), "due_at": self.moved(due, c)}
                             for i, c, d, due in tasks])
        _rewrite(AuditEvent, [{"b_id": i, "at": self.at(a)} for i, a, _d in events])

    def moved(self, moment: datetime | None, fallback: datetime,
              name: str | None = None) -> datetime | None:
        """An instant or deadline the engine wrote (to the second): moved with the event that
        first named it (as `name`, if given: the script that computed it), else as a deadline
        (`deadline`)."""
        if moment is None:
            return None
        anchor = self.anchors.get((name, moment)) or self.anchors.get(moment)
        return self.shift(moment, anchor) if anchor is not None else \
            self.deadline(moment, fallback)

    def _record(self, company_id: int) -> None:
        """The company, its profile and its membership record: instants written during the
        walk are mapped, deadlines after it move with the certification (or the last step)."""
        company = db.session.get(Company, company_id)
        company.created_at = self.sim[0] - timedelta(days=1)
        profile = db.session.get(CompanyProfile, company_id)
        if profile is not None and profile.agreement_signed_at is not None:
            profile.agreement_signed_at = self.at(profile.agreement_signed_at)
        record = db.session.scalar(select(Membership).where(Membership.company_id == company_id))
        if record is None:
            return
        end = self.real[-1] + timedelta(seconds=5)
        for name in MEMBERSHIP_DATES:
            value = getattr(record, name)
            if value is None:
                continue
            if value in self.anchors:
                setattr(record, name, self.moved(value, self.real[-1], name))
            else:
                setattr(record, name, self.at(value) if value <= end
                        else self.deadline(value, self.real[-1]))


def _periods() -> list[timedelta]:
    """Every period setting, and each one less another (a review window before an
    anniversary), longest first."""
    single = set()
    for value in current_app.config["PERIODS"].values():
        for part in str(value).split(","):
            try:
                period = isodate.parse_duration(part.strip())
            except (isodate.ISO8601Error, ValueError):
                continue
            if isinstance(period, timedelta) and period > timedelta(0):
                single.add(period)
    pairs = {a - b for a, b in permutations(single, 2) if a > b}
    return sorted(single | pairs, reverse=True)


def _instant(value: object) -> datetime | None:
    """An ISO date-time with offset in an event's details, else None."""
    if not isinstance(value, str) or len(value) < 19 or value[10:11] != "T":
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _rewrite(model, rows: list[dict]) -> None:
    """UPDATE the rows (by primary key `b_id`) with the values given (core: no version bump)."""
    if not rows:
        return
    table = model.__table__
    columns = [key for key in rows[0] if key != "b_id"]
    db.session.execute(table.update().where(table.c.id == bindparam("b_id"))
                       .values({c: bindparam(c) for c in columns}), rows)

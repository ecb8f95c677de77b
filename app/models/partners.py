"""Business-partner security audits: which suppliers serve which client, the on-site checklist
as the auditor fills it, and the corrective actions that come out of a report."""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow
from app.models.user import Company, User

RISK_RATINGS = ("low", "medium", "high")
CHECKLIST_RESULTS = ("compliant", "non_compliant", "not_applicable", "observation")
SEVERITIES = ("critical", "major", "minor")
ACTION_STATES = ("proposed", "accepted", "closed")


class SupplierLink(db.Model):
    """A supplier (a company with its own site) serving a client member company; the client's
    view of it: risk rating, last audit and when the next is due. A supplier may serve several
    clients, and each client sees only its own link and audits."""

    __tablename__ = "supplier_links"
    __table_args__ = (UniqueConstraint("client_id", "supplier_id"),
                      Index("ix_supplier_links_supplier", "supplier_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    risk_rating: Mapped[str] = mapped_column(String(10), default="medium")
    last_audit_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    last_audit_on: Mapped[date | None] = mapped_column(Date)
    last_score: Mapped[float | None]
    next_audit_due: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    client: Mapped[Company] = relationship(foreign_keys=[client_id])
    supplier: Mapped[Company] = relationship(foreign_keys=[supplier_id])


class ChecklistItem(db.Model):
    """One criterion of an on-site checklist as the auditor last saved it: saved per item while
    the audit goes on, so a dropped connection loses at most the item being typed."""

    __tablename__ = "checklist_items"
    __table_args__ = (UniqueConstraint("case_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    criterion_id: Mapped[str] = mapped_column(String(10))
    result: Mapped[str | None] = mapped_column(String(20))
    severity: Mapped[str | None] = mapped_column(String(10))
    notes: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    updated_by: Mapped[User | None] = relationship()


class CorrectiveAction(db.Model):
    """What the supplier does about one finding of an audit report, and whether the auditor
    accepted the plan and verified it done."""

    __tablename__ = "corrective_actions"
    __table_args__ = (UniqueConstraint("case_id", "finding_no"),
                      Index("ix_corrective_actions_open", "state", "due_date"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    finding_no: Mapped[int]
    criterion_id: Mapped[str] = mapped_column(String(10))
    severity: Mapped[str] = mapped_column(String(10))
    finding: Mapped[str] = mapped_column(Text, default="")
    root_cause: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(120), default="")
    due_date: Mapped[date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(10), default="proposed")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

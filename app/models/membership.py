"""A company's CTPAT membership record and the profile details the program asks for."""
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow
from app.models.user import Company

MEMBERSHIP_STATUSES = (
    "pre_applicant", "applicant", "approved", "certified", "validated", "suspended", "removed",
    "rejected", "withdrawn", "ineligible",
)
#: Milestone columns the process may set (ISO date-times from scripts).
MILESTONES = (
    "applied_at", "certified_at", "validated_at", "validation_due_at", "anniversary_at",
    "review_window_opens_at", "last_review_at", "revalidation_due_at",
)


class CompanyDetail:
    """The key and owner of a row of a company's profile details (mixed into each)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)


class Membership(db.Model):
    """One record per company: status, tier and milestone dates, set only by the process."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), unique=True)
    #: the case that last changed the record
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    status: Mapped[str] = mapped_column(String(20), default="pre_applicant", index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    tier: Mapped[int | None]
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    certified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    validated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    validation_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anniversary_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_window_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_review_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revalidation_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    company: Mapped[Company] = relationship()


class CompanyProfile(db.Model):
    """What the portal's company profile adds to a company, and the signed agreement."""

    __tablename__ = "company_profiles"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), primary_key=True)
    ownership_type: Mapped[str | None] = mapped_column(String(40))
    business_start_date: Mapped[date | None] = mapped_column(Date)
    employee_count: Mapped[int | None]
    website: Mapped[str | None] = mapped_column(String(200))
    agreement_signed_by: Mapped[str | None] = mapped_column(String(200))
    agreement_signer_title: Mapped[str | None] = mapped_column(String(200))
    agreement_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CompanyIdentifier(CompanyDetail, db.Model):
    """A trade identifier (IOR, EIN, MID, SCAC, USDOT, filer code, FMC, RFC...)."""

    __tablename__ = "company_identifiers"
    __table_args__ = (UniqueConstraint("company_id", "kind"),)

    kind: Mapped[str] = mapped_column(String(30))
    value: Mapped[str] = mapped_column(String(40))


class CompanyAddress(CompanyDetail, db.Model):
    """A postal address of a company (headquarters, mailing...)."""

    __tablename__ = "company_addresses"

    kind: Mapped[str] = mapped_column(String(20), default="headquarters")
    line1: Mapped[str] = mapped_column(String(200))
    line2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))


class CompanyContact(CompanyDetail, db.Model):
    """A person at the company; the program needs a company officer among them."""

    __tablename__ = "company_contacts"

    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(30))
    is_officer: Mapped[bool] = mapped_column(default=False)
    is_primary: Mapped[bool] = mapped_column(default=False)


class Facility(CompanyDetail, db.Model):
    """A site of the company (offices, warehouses, plants, yards) that validation may visit."""

    __tablename__ = "facilities"

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    city: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2))
    #: the facility's street address (issue 13)
    line1: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(20))


class BusinessPartner(CompanyDetail, db.Model):
    """A business partner in the company's supply chain (from the risk assessment)."""

    __tablename__ = "business_partners"

    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    country: Mapped[str | None] = mapped_column(String(2))
    #: "ctpat", "aeo", "other_mra" (another mutual-recognition program) or "none"
    security_program: Mapped[str] = mapped_column(String(10), default="none")
    #: the partner's number in that program (CTPAT SVI, AEO number...)
    program_number: Mapped[str | None] = mapped_column(String(40))
    #: "yes" once the risk assessment screened the partner (status and number verified)
    screened: Mapped[str | None] = mapped_column(String(10))


class CompanyOfficer(CompanyDetail, db.Model):
    """A company officer (issue 13): who may sign the agreement and the annual review."""

    __tablename__ = "company_officers"

    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))


#: the parts of a company's living record
RECORD_PARTS = ("security_profile", "risk_assessment")


class CompanyRecordVersion(db.Model):
    """One submitted version of a part of the company's living record (the security profile
    answers, or the risk assessment with its action plan); the newest accepted one of each
    part carries into the next membership year."""

    __tablename__ = "company_record_versions"
    __table_args__ = (Index("ix_company_record_versions_company", "company_id", "part", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    part: Mapped[str] = mapped_column(String(30))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: "submitted", "accepted" or "superseded" (a newer version was accepted)
    status: Mapped[str] = mapped_column(String(12), default="submitted")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

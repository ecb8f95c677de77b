"""Membership records: the process changes them through effects its scripts emit.

A script calls `emit("membership", status="certified", certified_at=now())` or
`emit("company_profile", ...)`; the runtime's effect registry applies them in the case's unit
of work, with an audit event each. Pages and the API only read the record.
"""
from datetime import UTC, datetime
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select

from app.extensions import db
from app.models import Case, Company, Membership, User
from app.models.enums import AuditKind
from app.models.membership import MEMBERSHIP_STATUSES, MILESTONES
from app.models.types import utcnow
from app.services import audit
from app.services.errors import Invalid
from app.services.identity.access import get_company, require_role
from app.services.membership import living_record
from app.services.membership.company_profile import load_profile, profile_of, replace_profile
from app.services.runtime.state import EffectRegistry
from app.services.runtime.unit_of_work import transaction


def _check_membership(values: dict[str, Any]) -> None:
    """Refuse (ValueError) a membership change the record cannot take, naming the problem."""
    unknown = set(values) - {"status", "reason", "tier", *MILESTONES}
    if unknown:
        raise ValueError(f"emit('membership'): unknown field(s) {sorted(unknown)}; known: "
                         f"status, reason, tier, {', '.join(MILESTONES)}")
    if "status" in values and values["status"] not in MEMBERSHIP_STATUSES:
        raise ValueError(f"emit('membership'): unknown status {values['status']!r}")
    if values.get("tier") not in (None, 1, 2, 3):
        raise ValueError("emit('membership'): tier must be 1, 2 or 3")
    for name in MILESTONES:
        if values.get(name) is not None:
            _moment(values[name], name)


def _check_company_profile(values: dict[str, Any]) -> None:
    try:
        load_profile(Company(entity_type=values.get("entity_type")),
                     {k: v for k, v in values.items() if k != "entity_type"})
    except ValidationError as err:
        raise ValueError(f"emit('company_profile'): {err.messages}") from None


def _apply_company_profile(case: Case, values: dict[str, Any], actor: User | None) -> None:
    company = db.session.get(Company, case.company_id)
    data = {k: v for k, v in values.items() if k != "entity_type"}
    replace_profile(company, load_profile(company, data))
    audit.record(AuditKind.COMPANY_PROFILE_SAVED, case_id=case.id, actor=actor)


def register(registry: EffectRegistry) -> None:
    """Add the membership effects to an app's registry."""
    registry.register("membership", _check_membership, _apply_membership)
    registry.register("company_profile", _check_company_profile, _apply_company_profile)
    living_record.register(registry)


def _moment(value: Any, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{name}: {value!r} is not an ISO-8601 date-time") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def record_for(company_id: int) -> Membership:
    """The company's membership record, created as pre-applicant on first use."""
    record = db.session.scalar(select(Membership).where(Membership.company_id == company_id))
    if record is None:
        record = Membership(company_id=company_id, status="pre_applicant", updated_at=utcnow())
        db.session.add(record)
        db.session.flush([record])
    return record


def _apply_membership(case: Case, values: dict[str, Any], actor: User | None) -> None:
    exists = db.session.scalar(select(Membership.id).where(
        Membership.company_id == case.company_id)) is not None
    record = record_for(case.company_id)
    changes: dict[str, Any] = {} if exists else {"status": record.status}
    for name, value in values.items():
        column = "status_reason" if name == "reason" else name
        new = _moment(value, name) if name in MILESTONES and value is not None else value
        if getattr(record, column) != new:
            setattr(record, column, new)
            changes[name] = value
    record.case_id, record.updated_at = case.id, utcnow()
    if changes:
        audit.record(AuditKind.MEMBERSHIP_CHANGED, case_id=case.id, actor=actor, **changes)


# --- reading and editing, for the API and pages ------------------------------------


def membership_view(actor: User, company_id: int) -> dict[str, Any]:
    """A company with its membership record and profile details (404 for other companies)."""
    company = get_company(actor, company_id)
    record = db.session.scalar(select(Membership).where(Membership.company_id == company.id))
    return {"company": company, "membership": record, **profile_of(company)}


def update_profile(actor: User, company_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Replace a company's profile details (its applicants and case workers); 422 per field."""
    require_role(actor, "case_worker", "applicant")
    company = get_company(actor, company_id)
    try:
        profile = load_profile(company, data)
    except ValidationError as err:
        raise Invalid("the profile has errors", err.messages) from None
    with transaction():
        replace_profile(company, profile)
        audit.record(AuditKind.COMPANY_PROFILE_SAVED, actor=actor, company_id=company.id)
    return membership_view(actor, company_id)


def list_memberships(actor: User, status: str | None = None) -> list[Membership]:
    """Membership records, by company (staff)."""
    require_role(actor, "case_worker", "specialist")
    query = select(Membership).order_by(Membership.company_id)
    if status:
        query = query.where(Membership.status == status)
    return list(db.session.scalars(query))

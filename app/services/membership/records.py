"""Membership records: the process changes them through effects its scripts emit.

A script calls `emit("membership", status="certified", certified_at=now())` or
`emit("company_profile", ...)`; the runtime's effect registry applies them in the case's unit
of work, with an audit event each. Pages and the API only read the record.
"""
import json
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
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

TIERS_FILE = Path(__file__).resolve().parents[2] / "catalogue" / "tiers.json"
#: what a validation's findings may tell the tier rule (counts)
TIER_BASIS = ("open_required_actions", "best_practices")


@lru_cache(maxsize=1)
def tiered_entity_types() -> frozenset[str]:
    """The entity types Tier 2 and 3 apply to (app/catalogue/tiers.json, with its sources)."""
    return frozenset(json.loads(TIERS_FILE.read_text(encoding="utf-8"))["tiered"])


def award_tier(entity_type: str | None, status: str, open_required_actions: int = 0,
               best_practices: int = 0) -> int | None:
    """The tier a membership status earns: the one place tiers are decided.

    Certified: Tier 1. Validated: Tier 2 with no open Required Actions, Tier 3 when the
    validation also found Best Practices beyond the criteria, both only for the tiered entity
    types (the others stay at Tier 1), and Tier 1 while Required Actions are open. Any other
    status (suspended, removed, rejected, an applicant...) holds no tier.
    """
    if status not in ("certified", "validated"):
        return None
    if (status == "certified" or entity_type not in tiered_entity_types()
            or open_required_actions > 0):
        return 1
    return 3 if best_practices > 0 else 2


def _check_membership(values: dict[str, Any]) -> None:
    """Refuse (ValueError) a membership change the record cannot take, naming the problem."""
    unknown = set(values) - {"status", "reason", *TIER_BASIS, *MILESTONES}
    if unknown:
        hint = " (the tier follows from the status by rule)" if "tier" in unknown else ""
        raise ValueError(f"emit('membership'): unknown field(s) {sorted(unknown)}{hint}; "
                         f"known: status, reason, {', '.join(TIER_BASIS)}, "
                         f"{', '.join(MILESTONES)}")
    if "status" in values and values["status"] not in MEMBERSHIP_STATUSES:
        raise ValueError(f"emit('membership'): unknown status {values['status']!r}")
    for name in TIER_BASIS:
        if name in values and (not isinstance(values[name], int)
                               or isinstance(values[name], bool) or values[name] < 0):
            raise ValueError(f"emit('membership'): {name} must be a count (0 or more)")
        if name in values and "status" not in values:
            raise ValueError(f"emit('membership'): {name} goes with a status")
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


def _apply_membership(case: Case, emitted: dict[str, Any], actor: User | None) -> None:
    exists = db.session.scalar(select(Membership.id).where(
        Membership.company_id == case.company_id)) is not None
    record = record_for(case.company_id)
    changes: dict[str, Any] = {} if exists else {"status": record.status}
    values = {k: v for k, v in emitted.items() if k not in TIER_BASIS}
    if "status" in values:  # every status change sets the tier, by rule
        company = db.session.get(Company, case.company_id)
        values["tier"] = award_tier(company.entity_type if company else None, values["status"],
                                    **{k: v for k, v in emitted.items() if k in TIER_BASIS})
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

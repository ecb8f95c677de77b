"""Membership records: the process changes them through effects its scripts emit.

A script calls `emit("membership", status="certified", certified_at=now())` (or
`emit("company_profile", ...)`, `emit("notice", ...)`, `emit("continue_as", ...)`); the engine
collects the effects and `apply_effects` writes them in the same transaction as the case's
state, with an audit event each. Pages and the API only read the record.
"""
from datetime import UTC, datetime
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select

from app.extensions import db
from app.models import Case, Company, Membership, User
from app.models.membership import MEMBERSHIP_STATUSES, MILESTONES
from app.models.types import utcnow
from app.services import audit
from app.services.errors import Invalid
from app.services.identity.access import get_company, require_role
from app.services.membership.company_profile import load_profile, profile_of, replace_profile

EFFECT_KINDS = ("membership", "company_profile", "notice", "continue_as", "close_other_cases")
NOTICE_KINDS = ("reminder", "escalation", "notice")


def check_effect(kind: str, values: dict[str, Any]) -> None:
    """Refuse (ValueError) an effect the services could not apply, naming the problem."""
    if kind == "membership":
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
    elif kind == "company_profile":
        entity_type = values.get("entity_type")
        try:
            load_profile(Company(entity_type=entity_type),
                         {k: v for k, v in values.items() if k != "entity_type"})
        except ValidationError as err:
            raise ValueError(f"emit('company_profile'): {err.messages}") from None
    elif kind == "notice":
        if values.get("kind") not in NOTICE_KINDS or not isinstance(values.get("message"), str):
            raise ValueError(f"emit('notice') needs kind (one of {', '.join(NOTICE_KINDS)}) "
                             "and a message")
    elif kind == "continue_as":
        if not isinstance(values.get("process_id"), str):
            raise ValueError("emit('continue_as') needs process_id")
    elif kind == "close_other_cases":
        if not isinstance(values.get("reason"), str):
            raise ValueError("emit('close_other_cases') needs a reason")
    else:
        raise ValueError(f"unknown effect {kind!r}; known: {', '.join(EFFECT_KINDS)}")


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


def apply_effects(case: Case, effects: list[tuple[str, dict[str, Any]]],
                  actor: User | None) -> None:
    """Apply what a case's scripts emitted, in the current transaction."""
    for kind, values in effects:
        if kind == "membership":
            _apply_membership(case, values, actor)
        elif kind == "company_profile":
            company = db.session.get(Company, case.company_id)
            data = {k: v for k, v in values.items() if k != "entity_type"}
            replace_profile(company, load_profile(company, data))
            audit.record("company_profile_saved", case_id=case.id, actor=actor)
        elif kind == "notice":
            audit.record("notice", case_id=case.id,
                         **{("notice" if k == "kind" else k): v for k, v in values.items()})
        elif kind == "continue_as":
            _continue_as(case, values, actor)
        elif kind == "close_other_cases":
            _close_other_cases(case, values["reason"], actor)


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
        audit.record("membership_changed", case_id=case.id, actor=actor, **changes)


def _continue_as(case: Case, values: dict[str, Any], actor: User | None) -> None:
    """Start the next bounded instance (e.g. the next membership year) for the company."""
    from app.services.repository.deployments import latest_version
    from app.services.runtime import unit_of_work as instances

    version = latest_version(values["process_id"])
    company = db.session.get(Company, case.company_id)
    follow = Case(company_id=company.id, process_version_id=version.id,
                  started_by_id=actor.id if actor else None)
    db.session.add(follow)
    db.session.flush()
    audit.record("case_continued", case_id=case.id, next_case_id=follow.id,
                 process_id=values["process_id"])
    audit.record("case_started", case_id=follow.id, process_id=values["process_id"],
                 version=version.version, continued_from=case.id)
    data = {**(values.get("data") or {}), "case_id": follow.id, "company_id": company.id,
            "entity_type": company.entity_type}
    instance = instances.start(follow, data)
    instances.save(follow, instance, actor, new=True)


def submission_problems(form_key: str | None, data: dict[str, Any],
                        case: Case) -> dict[str, list[str]]:
    """Checks a form cannot express: the company profile's rules for the entity type."""
    if form_key != "company_profile":
        return {}
    company = db.session.get(Company, case.company_id)
    profile = {"identifiers": {k: v for k, v in (data.get("identifiers") or {}).items() if v},
               "contacts": data.get("contacts") or []}
    try:
        load_profile(company, profile)
    except ValidationError as err:
        return {key: list(value) if isinstance(value, list) else [str(value)]
                for key, value in err.messages.items()}
    return {}


def _close_other_cases(case: Case, reason: str, actor: User | None) -> None:
    """Terminate the company's other open cases (withdrawal): tasks and timers end with them."""
    from app.services.runtime import unit_of_work as instances

    others = db.session.scalars(select(Case.id).where(
        Case.company_id == case.company_id, Case.id != case.id,
        Case.status.in_(("running", "error", "suspended")))).all()
    for other_id in others:
        other = instances.lock_case(other_id)
        instance = instances.load(other)
        instance.terminate()
        audit.record("case_terminated", case_id=other.id, actor=actor, reason=reason,
                     by_case=case.id)
        other.status, other.completed_at = "terminated", utcnow()
        instances.save(other, instance, actor)
        other.next_timer_at = None


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
    replace_profile(company, profile)
    audit.record("company_profile_saved", actor=actor, company_id=company.id)
    db.session.commit()
    return membership_view(actor, company_id)


def list_memberships(actor: User, status: str | None = None) -> list[Membership]:
    """Membership records, by company (staff)."""
    require_role(actor, "case_worker", "specialist")
    query = select(Membership).order_by(Membership.company_id)
    if status:
        query = query.where(Membership.status == status)
    return list(db.session.scalars(query))

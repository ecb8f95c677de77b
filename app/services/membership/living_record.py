"""The company's living record: the security profile answers and the risk assessment (cargo
flow, partners, threats, vulnerabilities, action plan, method) belong to the company, not to
one case, and carry from one membership year to the next.

Scripts change it through effects:

- `emit("company_record", part="risk_assessment", data={...})`: a submitted version;
- `emit("company_record_accepted", comments=...)`: the company's newest submitted version of
  each part becomes the accepted one (the older accepted one is superseded);
- `emit("continue_with_record", process_id=..., data={...})`: like `continue_as`, with the
  accepted record's data added to the next case's start data, so its forms open pre-filled.

Evidence documents stay on the case they were uploaded to; the record lists the documents of
every case of the company.
"""
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import Case, CompanyRecordVersion, Document, User
from app.models.enums import AuditKind
from app.models.membership import RECORD_PARTS
from app.models.types import utcnow
from app.services import audit
from app.services.identity.access import get_company
from app.services.runtime.cases import start_case
from app.services.runtime.state import EffectRegistry


def _check_record(values: dict[str, Any]) -> None:
    unknown = set(values) - {"part", "data"}
    if unknown:
        raise ValueError(f"emit('company_record'): unknown field(s) {sorted(unknown)}; "
                         "known: part, data")
    if values.get("part") not in RECORD_PARTS:
        raise ValueError(f"emit('company_record'): part must be one of {', '.join(RECORD_PARTS)}")
    if not isinstance(values.get("data"), dict):
        raise ValueError("emit('company_record'): data must be a dict")


def _apply_record(case: Case, values: dict[str, Any], actor: User | None) -> None:
    version = CompanyRecordVersion(company_id=case.company_id, part=values["part"],
                                   data=values["data"], status="submitted", case_id=case.id,
                                   submitted_at=utcnow())
    db.session.add(version)
    db.session.flush([version])
    audit.record(AuditKind.COMPANY_RECORD_SAVED, case_id=case.id, actor=actor,
                 part=values["part"], version=version.id)


def _check_accepted(values: dict[str, Any]) -> None:
    unknown = set(values) - {"comments"}
    if unknown:
        raise ValueError(f"emit('company_record_accepted'): unknown field(s) {sorted(unknown)};"
                         " known: comments")
    if values.get("comments") is not None and not isinstance(values["comments"], str):
        raise ValueError("emit('company_record_accepted'): comments must be text")


def accept_pending(company_id: int) -> dict[str, int]:
    """Make the newest submitted version of each part the accepted one; part -> version id."""
    accepted: dict[str, int] = {}
    for part in RECORD_PARTS:
        rows = list(db.session.scalars(
            select(CompanyRecordVersion).where(CompanyRecordVersion.company_id == company_id,
                                               CompanyRecordVersion.part == part)
            .order_by(CompanyRecordVersion.id.desc())))
        if not rows or rows[0].status != "submitted":
            continue  # nothing new since the last acceptance
        for row in rows[1:]:
            if row.status in ("accepted", "submitted"):
                row.status = "superseded"
        rows[0].status, rows[0].accepted_at = "accepted", utcnow()
        accepted[part] = rows[0].id
    return accepted


def _apply_accepted(case: Case, values: dict[str, Any], actor: User | None) -> None:
    accepted = accept_pending(case.company_id)
    audit.record(AuditKind.COMPANY_RECORD_ACCEPTED, case_id=case.id, actor=actor,
                 versions=accepted, comments=values.get("comments"))


def _check_continue(values: dict[str, Any]) -> None:
    if not isinstance(values.get("process_id"), str):
        raise ValueError("emit('continue_with_record') needs process_id")
    if not isinstance(values.get("data", {}), dict):
        raise ValueError("emit('continue_with_record'): data must be a dict")


#: the variables `continue_with_record` always passes, with what a company without an
#: accepted record starts from
RECORD_DEFAULTS: dict[str, Any] = {
    "profile_responses": {}, "cargo_flow": "", "partners": [], "threats": [],
    "vulnerabilities": {}, "action_plan": [], "method_description": "",
    "review_frequency": "annual",
}


def accepted_data(company_id: int) -> dict[str, Any]:
    """The accepted record's variables (profile_responses, cargo_flow, partners, threats,
    vulnerabilities, action_plan, ...), for a case's start data."""
    found: dict[str, Any] = dict(RECORD_DEFAULTS)
    for version in accepted_versions(company_id).values():
        found.update(version.data)
    # each year's review reports its own progress on the items still open
    found["action_plan"] = [{k: v for k, v in item.items() if k != "follow_up"}
                            for item in found.get("action_plan") or [] if isinstance(item, dict)]
    return found


def _apply_continue(case: Case, values: dict[str, Any], _actor: User | None) -> None:
    """Start the company's next case with the accepted record in its start data."""
    data = {**accepted_data(case.company_id), **(values.get("data") or {})}
    follow = start_case(None, company_id=case.company_id, process_id=values["process_id"],
                        data=data, continued_from=case.id)
    audit.record(AuditKind.CASE_CONTINUED, case_id=case.id, next_case_id=follow.id,
                 process_id=values["process_id"], with_record=True)


def register(registry: EffectRegistry) -> None:
    """Add the living-record effects to an app's registry."""
    registry.register("company_record", _check_record, _apply_record)
    registry.register("company_record_accepted", _check_accepted, _apply_accepted)
    registry.register("continue_with_record", _check_continue, _apply_continue)


# --- reading, for the API and pages -------------------------------------------------


def _newest_by_part(company_id: int, status: str) -> dict[str, CompanyRecordVersion]:
    """Part -> the company's newest version of it in `status`."""
    rows = db.session.scalars(
        select(CompanyRecordVersion).where(CompanyRecordVersion.company_id == company_id,
                                           CompanyRecordVersion.status == status)
        .order_by(CompanyRecordVersion.id))
    return {row.part: row for row in rows}


def accepted_versions(company_id: int) -> dict[str, CompanyRecordVersion]:
    """Part -> the company's accepted version of it (parts never accepted are left out)."""
    return _newest_by_part(company_id, "accepted")


def pending_versions(company_id: int) -> dict[str, CompanyRecordVersion]:
    """Part -> the newest submitted version not yet accepted."""
    return _newest_by_part(company_id, "submitted")


def company_documents(company_id: int) -> list[Document]:
    """Every evidence document of the company's cases, newest first."""
    return list(db.session.scalars(
        select(Document).join(Case, Case.id == Document.case_id)
        .where(Case.company_id == company_id).order_by(Document.id.desc())))


def open_actions(versions: dict[str, CompanyRecordVersion]) -> list[dict[str, Any]]:
    """Action-plan items of the accepted risk assessment that are not done."""
    risk = versions.get("risk_assessment")
    items = (risk.data.get("action_plan") if risk else None) or []
    return [item for item in items if isinstance(item, dict) and item.get("status") != "done"]


def record_view(actor: User, company_id: int) -> dict[str, Any]:
    """The company's living record (404 for another company's applicant): the accepted and
    pending version of each part, the open action-plan items and the company's documents."""
    company = get_company(actor, company_id)
    accepted = accepted_versions(company.id)
    return {"company_id": company.id, "accepted": accepted,
            "pending": pending_versions(company.id), "open_actions": open_actions(accepted),
            "documents": company_documents(company.id)}

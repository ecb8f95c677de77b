"""What a partner audit's scripts may emit, applied in the case's unit of work:

- `emit("mail", to="client"|"supplier"|"case_workers", template=NAME, **params)`;
- `emit("audit_report", findings=[...], scores=[...], overall_score=..., summary=...,
  risk_rating=..., audit_date=..., auditor=USERNAME, observations=[...])`: the approved report
  as a PDF document of the case, one proposed corrective action per finding, the client's
  view of the supplier updated, client and supplier told;
- `emit("corrective_actions", actions=[...], state="accepted")`: the plan as agreed;
- `emit("audit_closed", reaudit_due=ISO, critical_findings=N)`: every action closed, the
  completion letter, the next audit's due date.
"""
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import Case, CorrectiveAction, SupplierLink, User
from app.models.enums import AuditKind
from app.models.partners import RISK_RATINGS, SEVERITIES
from app.models.types import utcnow
from app.services import audit
from app.services.audits import letters, mailing
from app.services.runtime.state import EffectRegistry

MAIL_DIR = Path(__file__).resolve().parents[2] / "templates" / "mail"


def _check_mail(values: dict[str, Any]) -> None:
    if values.get("to") not in mailing.PARTIES:
        raise ValueError(f"emit('mail') needs to= one of {', '.join(mailing.PARTIES)}")
    template = values.get("template")
    if not isinstance(template, str) or not re.fullmatch(r"[a-z_]{1,60}", template) \
            or not (MAIL_DIR / f"{template}.txt").is_file():
        raise ValueError(f"emit('mail'): no mail template {template!r} in app/templates/mail")


def _apply_mail(case: Case, values: dict[str, Any], _actor: User | None) -> None:
    params = {k: v for k, v in values.items() if k not in ("to", "template")}
    sent = mailing.send(case, values["to"], values["template"], params)
    audit.record(AuditKind.MAIL_SENT, case_id=case.id, to=values["to"],
                 template=values["template"], recipients=sent)


def _check_report(values: dict[str, Any]) -> None:
    findings = values.get("findings")
    if not isinstance(findings, list) or not all(
            isinstance(f, dict) and isinstance(f.get("no"), int) and f.get("severity")
            in SEVERITIES and isinstance(f.get("criterion_id"), str) for f in findings):
        raise ValueError("emit('audit_report') needs findings: [{no, criterion_id, severity}]")
    if values.get("risk_rating") not in RISK_RATINGS:
        raise ValueError(f"emit('audit_report'): risk_rating must be one of {RISK_RATINGS}")
    if not isinstance(values.get("scores"), list):
        raise ValueError("emit('audit_report') needs scores")


def _apply_report(case: Case, values: dict[str, Any], actor: User | None) -> None:
    """Issue the approved report: the reviewer is the person whose sign-off emitted it."""
    document = letters.issue_report(case, values, reviewer=actor)
    for finding in values["findings"]:
        db.session.add(CorrectiveAction(
            case_id=case.id, finding_no=finding["no"], criterion_id=finding["criterion_id"],
            severity=finding["severity"], finding=str(finding.get("notes") or ""),
            state="proposed"))
    link = _link(case)
    if link is not None:
        link.last_audit_case_id, link.last_score = case.id, float(values["overall_score"])
        link.last_audit_on = date.fromisoformat(str(values["audit_date"])[:10])
        link.risk_rating = values["risk_rating"]
    params = {"overall_score": values["overall_score"], "findings": len(values["findings"])}
    for party in ("client", "supplier"):
        mailing.send(case, party, "report_issued", params)
    audit.record(AuditKind.AUDIT_REPORT_ISSUED, case_id=case.id, actor=actor,
                 document_id=document.id, findings=len(values["findings"]),
                 overall_score=values["overall_score"], risk_rating=values["risk_rating"])


def _check_actions(values: dict[str, Any]) -> None:
    actions = values.get("actions")
    if not isinstance(actions, list) or not all(
            isinstance(a, dict) and _whole(a.get("finding_no")) for a in actions):
        raise ValueError("emit('corrective_actions') needs actions: [{finding_no, ...}]")
    if values.get("state") not in ("proposed", "accepted"):
        raise ValueError("emit('corrective_actions'): state must be proposed or accepted")


def _apply_actions(case: Case, values: dict[str, Any], actor: User | None) -> None:
    """The plan as the supplier wrote it, matched to the report's findings by number (the
    finding itself stays as the report gave it)."""
    rows = {row.finding_no: row for row in db.session.scalars(
        select(CorrectiveAction).where(CorrectiveAction.case_id == case.id))}
    for item in values["actions"]:
        row = rows.get(int(item["finding_no"]))
        if row is None:
            continue
        row.root_cause = str(item.get("root_cause") or "")[:2000]
        row.action = str(item.get("action") or "")[:2000]
        row.owner = str(item.get("owner") or "")[:120]
        row.due_date = _date(item.get("due_date"))
        row.state = values["state"]
    audit.record(AuditKind.CORRECTIVE_ACTIONS_RECORDED, case_id=case.id, actor=actor,
                 state=values["state"], actions=len(values["actions"]))


def _check_closed(values: dict[str, Any]) -> None:
    try:
        datetime.fromisoformat(str(values.get("reaudit_due")))
    except ValueError:
        raise ValueError("emit('audit_closed') needs reaudit_due, an ISO date-time") from None


def _apply_closed(case: Case, values: dict[str, Any], actor: User | None) -> None:
    now = utcnow()
    actions = list(db.session.scalars(select(CorrectiveAction).where(
        CorrectiveAction.case_id == case.id).order_by(CorrectiveAction.finding_no)))
    for row in actions:
        row.state, row.closed_at = "closed", row.closed_at or now
    due = datetime.fromisoformat(str(values["reaudit_due"])).astimezone(UTC).date()
    link = _link(case)
    if link is not None:
        link.next_audit_due = due
    document = letters.issue_completion_letter(case, actions, due, signed_by=actor)
    for party in ("client", "supplier"):
        mailing.send(case, party, "audit_closed", {"reaudit_due": due.isoformat()})
    audit.record(AuditKind.AUDIT_CLOSED, case_id=case.id, actor=actor,
                 document_id=document.id if document else None, reaudit_due=due.isoformat())


def _whole(value: Any) -> bool:
    """An integer, or a form number field's float without a fraction."""
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, float) and value.is_integer())


def _link(case: Case) -> SupplierLink | None:
    return db.session.scalar(select(SupplierLink).where(
        SupplierLink.client_id == case.company_id, SupplierLink.supplier_id == case.supplier_id))


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def register(registry: EffectRegistry) -> None:
    """Add the partner-audit effects to an app's registry."""
    registry.register("mail", _check_mail, _apply_mail)
    registry.register("audit_report", _check_report, _apply_report)
    registry.register("corrective_actions", _check_actions, _apply_actions)
    registry.register("audit_closed", _check_closed, _apply_closed)

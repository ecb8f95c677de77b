"""The documents an audit issues: the approved report and the completion letter, rendered to
PDF (`pdf`) from the case and stored as documents of the case."""
from datetime import date
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import Case, CorrectiveAction, Criterion, Document, User
from app.models.criteria import CATEGORIES
from app.models.types import utcnow
from app.services.audits import pdf
from app.services.tasks.documents import store_generated


def _party(company) -> dict[str, Any]:
    return {"legal_name": company.legal_name, "entity_type": company.entity_type,
            "country": company.country or "", "address": company.address or ""}


def _name(username: str | None) -> str:
    user = db.session.scalar(select(User).where(User.username == username)) if username else None
    return user.display_name if user else (username or "")


def _language(case: Case) -> str:
    """The report speaks the supplier contacts' language when they all read Spanish."""
    languages = set(db.session.scalars(select(User.language).where(
        User.role == "supplier", User.company_id == case.supplier_id, User.active.is_(True))))
    return "es" if languages == {"es"} else "en"


def report_data(case: Case, values: dict[str, Any], reviewer: User | None) -> dict[str, Any]:
    """The report as `pdf.render_audit_report` takes it."""
    subject = case.supplier or case.company
    texts = {c.criterion_id: c for c in db.session.scalars(
        select(Criterion).where(Criterion.entity_type == subject.entity_type))}
    findings = [{**f, "text": texts[f["criterion_id"]].text if f["criterion_id"] in texts else "",
                 "category_name": CATEGORIES.get(int(f["criterion_id"].split(".")[0]), "")}
                for f in values["findings"]]
    scores = [{**s, "category_name": CATEGORIES.get(s.get("category"), "")}
              for s in values["scores"]]
    return {"case_id": case.id, "reference": f"PA-{case.id}", "language": _language(case),
            "client": _party(case.company), "supplier": _party(subject),
            "audit_date": str(values.get("audit_date") or "")[:10],
            "auditor": _name(values.get("auditor")),
            "reviewer": reviewer.display_name if reviewer else "",
            "approved_at": utcnow().isoformat(timespec="seconds"),
            "summary": str(values.get("summary") or ""), "risk_rating": values["risk_rating"],
            "overall_score": values["overall_score"], "scores": scores, "findings": findings,
            "observations": list(values.get("observations") or [])}


def issue_report(case: Case, values: dict[str, Any], reviewer: User | None) -> Document:
    """Render the approved report and keep it as a document of the case."""
    data = pdf.render_audit_report(report_data(case, values, reviewer))
    return store_generated(case.id, f"audit-report-PA-{case.id}.pdf", data,
                           criterion="audit_report", by=reviewer)


def issue_completion_letter(case: Case, actions: list[CorrectiveAction], next_due: date,
                            signed_by: User | None) -> Document:
    """Render the completion letter (every corrective action verified) and keep it."""
    subject = case.supplier or case.company
    letter = {"case_id": case.id, "reference": f"PA-{case.id}", "language": _language(case),
              "client": _party(case.company), "supplier": _party(subject),
              "audit_date": "", "closed_at": utcnow().date().isoformat(),
              "signed_by": signed_by.display_name if signed_by else "SafePort",
              "actions": [{"no": a.finding_no, "criterion_id": a.criterion_id,
                           "action": a.action, "closed_at": (a.closed_at or utcnow()).date()
                           .isoformat()} for a in actions],
              "next_audit_due": next_due.isoformat()}
    data = pdf.render_completion_letter(letter)
    return store_generated(case.id, f"completion-letter-PA-{case.id}.pdf", data,
                           criterion="completion_letter", by=signed_by)

"""Audit reports as evidence in a member's security profile: the business-partner criteria
(category 3: screening, risk-based audits, corrective actions) may cite the reports of the
company's own partner audits."""
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import Case, Company, Document, SupplierLink

#: the criteria category a partner audit report is evidence for
BUSINESS_PARTNERS = 3
FIELD = "audit_reports"


def report_options(company_id: int) -> list[dict[str, str]]:
    """The issued audit reports of the company's partner audits, newest first, as options."""
    rows = db.session.execute(
        select(Document.id, Case.id, Company.legal_name, SupplierLink.last_score,
               Document.uploaded_at)
        .join(Case, Case.id == Document.case_id)
        .join(Company, Company.id == Case.supplier_id)
        .outerjoin(SupplierLink, (SupplierLink.client_id == Case.company_id)
                   & (SupplierLink.supplier_id == Case.supplier_id)
                   & (SupplierLink.last_audit_case_id == Case.id))
        .where(Case.company_id == company_id, Document.criterion == "audit_report")
        .order_by(Document.id.desc()).limit(100)).all()
    return [{"value": str(doc_id),
             "label": f"PA-{case_id} {supplier} ({at:%Y-%m-%d}"
                      + (f", {score:.0f} %)" if score is not None else ")")}
            for doc_id, case_id, supplier, score, at in rows]


def cite_reports(groups: list[dict[str, Any]], options: list[dict[str, str]]) -> None:
    """Add to each business-partner criterion of a generated profile a choice of the reports
    (nothing when the company has none, so the form is unchanged)."""
    if not options:
        return
    for designation in groups:
        for criterion in designation.get("components") or []:
            if str(criterion.get("path", "")).startswith(f"c{BUSINESS_PARTNERS}_"):
                criterion["components"].append({
                    "type": "checklist", "key": FIELD,
                    "label": "Partner audit reports cited as evidence",
                    "values": [dict(o) for o in options]})

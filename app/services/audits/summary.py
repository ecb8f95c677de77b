"""What a partner-audit case page shows about the audit: the supplier, the client's view of
it, and the corrective actions with their state."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import Case, CorrectiveAction, SupplierLink


@dataclass
class AuditSummary:
    """The audited supplier, the client's link to it and the case's corrective actions."""

    link: SupplierLink | None
    actions: list[CorrectiveAction]
    today: date

    def overdue(self, action: CorrectiveAction) -> bool:
        return (action.state != "closed" and action.due_date is not None
                and action.due_date < self.today)


def audit_summary(case: Case) -> AuditSummary | None:
    """The audit facts of a case the caller may see, or None for a case that is no audit."""
    if case.supplier_id is None:
        return None
    link = db.session.scalar(select(SupplierLink).where(
        SupplierLink.client_id == case.company_id, SupplierLink.supplier_id == case.supplier_id))
    actions = list(db.session.scalars(select(CorrectiveAction).where(
        CorrectiveAction.case_id == case.id).order_by(CorrectiveAction.finding_no)))
    return AuditSummary(link, actions, date.today())

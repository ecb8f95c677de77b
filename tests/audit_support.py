"""A partner audit at its on-site checklist, for the checklist's tests: a client, the supplier
it has audited (a foreign manufacturer in Mexico, 92 criteria in the sample catalogue) and one
it has not, the people around them, and a case of tests/data/bpmn/checklist_audit.bpmn (its one
user task `audit_checklist`, in an Auditor lane, opens assigned to the case's auditor)."""
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import Case, Company, HumanTask, SupplierLink, User
from app.services.membership.catalogue import criteria_for, ensure_sample_catalogue
from app.services.repository import deployments
from app.services.runtime import cases
from tests.helpers import bpmn


@dataclass
class AuditWorld:
    client: Company
    supplier: Company
    other_supplier: Company
    users: dict[str, User]
    case: Case
    task: HumanTask

    @property
    def criteria(self) -> list[str]:
        """The checklist's criterion ids, in order."""
        return [c.criterion_id for c in criteria_for(self.supplier.entity_type)]


def audit_world(make_user) -> AuditWorld:
    """Everything committed, so a live server sees it too."""
    ensure_sample_catalogue()
    client = Company(legal_name="Acme Imports", entity_type="importer", country="US")
    supplier = Company(legal_name="Fábrica del Norte", entity_type="foreign_manufacturer",
                       country="MX", address="Av. Industrial 12, Monterrey")
    other = Company(legal_name="Otra Planta", entity_type="foreign_manufacturer", country="GT")
    db.session.add_all([client, supplier, other])
    db.session.commit()
    db.session.add_all([SupplierLink(client_id=client.id, supplier_id=supplier.id,
                                     risk_rating="high"),
                        SupplierLink(client_id=client.id, supplier_id=other.id)])
    db.session.commit()
    users = {"auditor": make_user("ana", "auditor"), "auditor2": make_user("beto", "auditor"),
             "reviewer": make_user("rita", "reviewer"), "cw": make_user("cw", "case_worker"),
             "admin": make_user("admin", "admin"),
             "client": make_user("acme", "applicant", client.id),
             "supplier": make_user("fabrica", "supplier", supplier.id),
             "other_supplier": make_user("otra", "supplier", other.id)}
    deployments.deploy(None, {"checklist_audit.bpmn": bpmn("checklist_audit.bpmn")})
    case = cases.start_case(None, company_id=client.id, process_id="checklist_audit",
                            data={"supplier_id": supplier.id, "auditor": "ana"})
    task = db.session.scalar(select(HumanTask).where(HumanTask.case_id == case.id))
    assert task.bpmn_id == "audit_checklist" and task.assignee_id == users["auditor"].id
    return AuditWorld(client, supplier, other, users, case, task)

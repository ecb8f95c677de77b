"""Rows for the supplier-portfolio and corrective-action tests, created directly: two clients,
four suppliers (one served by both clients), audit cases of a small deployed test diagram and
their corrective actions. The partner-audit diagram is not needed.

Acme (client) serves: Norte Ensambles (MX, high risk), Pacific Carriers (CN, low risk, never
audited) and Maquila Unida (MX, medium). Globex (client) serves Maquila Unida (high) and Andes
Textiles (PE). Corrective actions, relative to `today`:

- Acme's audit of Norte: #1 3.1 major accepted, 5 days overdue; #2 9.4 critical proposed,
  due in 10 days; #3 6.2 minor closed (was overdue: counts nowhere as open).
- Acme's audit of Maquila: #1 10.2 minor accepted, due in 3 days.
- Globex's audit of Maquila: #1 3.2 critical accepted, 3 days overdue; #2 3.4 major proposed.
"""
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Case, Company, CorrectiveAction, HumanTask, ProcessVersion, SupplierLink
from app.models.enums import TaskState
from app.services.repository import deployments
from tests.helpers import bpmn


@dataclass
class World:
    today: date
    companies: dict[str, int] = field(default_factory=dict)
    cases: dict[str, int] = field(default_factory=dict)
    actions: dict[str, int] = field(default_factory=dict)
    users: dict[str, object] = field(default_factory=dict)


def _company(legal_name: str, entity_type: str, country: str | None = None,
             program: str | None = None, program_number: str | None = None) -> int:
    row = Company(legal_name=legal_name, entity_type=entity_type, country=country,
                  program=program, program_number=program_number)
    db.session.add(row)
    db.session.flush()
    return row.id


def _version_id() -> int:
    deployments.deploy(None, {"two_lanes.bpmn": bpmn("two_lanes.bpmn")})
    return db.session.scalar(select(ProcessVersion.id).order_by(ProcessVersion.id.desc()))


def _action(case_id: int, no: int, criterion: str, severity: str, state: str,
            due: date | None) -> int:
    row = CorrectiveAction(case_id=case_id, finding_no=no, criterion_id=criterion,
                           severity=severity, state=state, due_date=due,
                           finding=f"Finding {no} on {criterion}", action="Fix it",
                           owner="Plant manager")
    db.session.add(row)
    db.session.flush()
    return row.id


def build(make_user, today: date) -> World:
    """Create the world described above; users: acme, globex (applicants), norte and maquila
    (supplier contacts), aud (auditor, performed Acme's Norte checklist), cw (case worker)."""
    world = World(today=today)
    c = world.companies
    c["acme"] = _company("Acme Imports", "importer", "US", "ctpat", "CT-1001")
    c["globex"] = _company("Globex Retail", "importer", "US", "ctpat", "CT-2002")
    c["norte"] = _company("Norte Ensambles", "foreign_manufacturer", "MX", "aeo", "MX-AEO-77")
    c["pacific"] = _company("Pacific Carriers", "sea_carrier", "CN", "none")
    c["maquila"] = _company("Maquila Unida", "foreign_manufacturer", "MX", "other_mra", "PIP-9")
    c["andes"] = _company("Andes Textiles", "foreign_manufacturer", "PE")
    version = _version_id()

    def audit_case(client: str, supplier: str) -> int:
        row = Case(company_id=c[client], supplier_id=c[supplier], process_version_id=version,
                   status="running", current_stage="Corrective actions")
        db.session.add(row)
        db.session.flush()
        return row.id

    k = world.cases
    k["acme_norte"] = audit_case("acme", "norte")
    k["acme_maquila"] = audit_case("acme", "maquila")
    k["globex_maquila"] = audit_case("globex", "maquila")
    links = [("acme", "norte", "high", k["acme_norte"], today - timedelta(days=60), 72.5,
              today + timedelta(days=305)),
             ("acme", "pacific", "low", None, None, None, None),
             ("acme", "maquila", "medium", k["acme_maquila"], today - timedelta(days=30), 88.0,
              today + timedelta(days=700)),
             ("globex", "maquila", "high", k["globex_maquila"], today - timedelta(days=20), 55.0,
              today + timedelta(days=345)),
             ("globex", "andes", "medium", None, None, None, today + timedelta(days=10))]
    for client, supplier, risk, case_id, last_on, score, next_due in links:
        db.session.add(SupplierLink(client_id=c[client], supplier_id=c[supplier],
                                    risk_rating=risk, last_audit_case_id=case_id,
                                    last_audit_on=last_on, last_score=score,
                                    next_audit_due=next_due))
    a, day = world.actions, timedelta(days=1)
    a["norte_1"] = _action(k["acme_norte"], 1, "3.1", "major", "accepted", today - 5 * day)
    a["norte_2"] = _action(k["acme_norte"], 2, "9.4", "critical", "proposed", today + 10 * day)
    a["norte_3"] = _action(k["acme_norte"], 3, "6.2", "minor", "closed", today - 9 * day)
    a["acme_maquila_1"] = _action(k["acme_maquila"], 1, "10.2", "minor", "accepted",
                                  today + 3 * day)
    a["globex_maquila_1"] = _action(k["globex_maquila"], 1, "3.2", "critical", "accepted",
                                    today - 3 * day)
    a["globex_maquila_2"] = _action(k["globex_maquila"], 2, "3.4", "major", "proposed", None)
    db.session.commit()
    u = world.users
    u["acme"] = make_user("acme", "applicant", c["acme"])
    u["globex"] = make_user("globex", "applicant", c["globex"])
    u["norte"] = make_user("norte", "supplier", c["norte"])
    u["maquila"] = make_user("maquila", "supplier", c["maquila"])
    u["aud"] = make_user("aud", "auditor")
    u["cw"] = make_user("cw", "case_worker")
    db.session.add(HumanTask(case_id=k["acme_norte"], engine_task_id="checklist-1",
                             bpmn_id="audit_checklist", title="On-site audit checklist",
                             role="auditor", state=TaskState.COMPLETED,
                             assignee_id=u["aud"].id, completed_by_id=u["aud"].id,
                             completed_at=datetime.combine(today - 70 * day, time(9), UTC)))
    db.session.commit()
    return world

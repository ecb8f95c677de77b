"""Demo partner audits for `make run`: the audit firm's people (auditor, reviewer), supplier
sites served by the demo client (Acme), and audits at four stages so every audit inbox has
work: Norte waits for its self-assessment (supplier), Andes is being audited today (auditor's
checklist), Bright's report waits for sign-off (reviewer), Maya's corrective actions are open
and one is overdue (the client's portfolio shows it)."""
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, Protocol

from sqlalchemy import select

from app.extensions import db
from app.models import Case, Company, CorrectiveAction, User
from app.services.audits.suppliers import add_supplier
from app.services.identity.users import create_user
from app.services.membership.catalogue import criteria_for
from app.services.runtime.cases import start_case
from app.services.runtime.timers import fire_due_timers
from app.services.runtime.unit_of_work import transaction
from app.services.tasks import actions as tasks

#: legal name, entity type, country, address, program, how far its audit goes
SUPPLIERS = (
    ("Textiles del Norte SA de CV", "foreign_manufacturer", "MX",
     "Av. Industrial 100, Monterrey, N.L.", "none", "self_assessment"),
    ("Andes Packaging SAC", "foreign_manufacturer", "PE", "Av. Argentina 2450, Lima", "none",
     "checklist"),
    ("Shenzhen Bright Electronics Co.", "foreign_manufacturer", "CN",
     "8 Keji Road, Nanshan, Shenzhen", "aeo", "review"),
    ("Maya Coffee Exporters SA", "foreign_manufacturer", "GT", "Km 14 Carretera a El Salvador",
     "other_mra", "corrective_actions"),
)


class Timeline(Protocol):
    """How the demo history moves an audit back in time (`demo.backdate.Clock`)."""

    def tick(self, bpmn_id: str = "") -> None: ...
    def apply_cases(self, case_ids: list[int]) -> None: ...


def seed_audits(password: str, client: Company, people: dict[str, User],
                timeline_for: Callable[[str], Timeline] | None = None) -> list[str]:
    """The audit firm's users, the suppliers and their audits, once; safe to rerun. With
    `timeline_for(stage)` each audit is backdated: its steps took days, over recent months."""
    done = []
    for username, role, full_name in (("auditor", "auditor", "Ana Auditora"),
                                      ("reviewer", "reviewer", "Rui Reviewer")):
        if username not in people:
            people[username] = create_user(None, username=username, password=password,
                                           role=role, email=f"{username}@demo.safeport.test")
            with transaction():
                people[username].full_name = full_name
            done.append(f"user {username} ({role})")
    for name, entity_type, country, address, program, stage in SUPPLIERS:
        if db.session.scalar(select(Company.id).where(Company.legal_name == name)):
            continue
        link = add_supplier(people["applicant"], legal_name=name, entity_type=entity_type,
                            country=country, address=address, program=program,
                            risk_rating="high" if country in ("MX", "GT") else "medium")
        if stage == "self_assessment" and "supplier" not in people:
            people["supplier"] = create_user(
                None, username="supplier", password=password, role="supplier",
                email="supplier@demo.safeport.test", company_id=link.supplier_id)
            with transaction():
                people["supplier"].language = "es"
            done.append("user supplier (supplier contact of Textiles del Norte, in Spanish)")
        case = start_case(people["applicant"], company_id=client.id, process_id="partner_audit",
                          data={"supplier_id": link.supplier_id,
                                "scope_notes": "Full MSC, one site"})
        timeline = timeline_for(stage) if timeline_for else None  # the start lands at its start
        case_id = _walk(case.id, link.supplier_id, stage, people, timeline)
        if timeline is not None:
            timeline.apply_cases([case_id])
        done.append(f"audit case {case_id} of {name} (at {stage})")
    return done


def _walk(case_id: int, supplier_id: int, stage: str, people: dict[str, User],
          timeline: Timeline | None = None) -> int:
    """Complete the audit's steps up to `stage` (ticking the timeline after each)."""
    cw, applicant = people["caseworker"], people["applicant"]

    def _do(actor: User, case_id: int, bpmn_id: str, data: dict[str, Any]) -> None:
        tasks.complete(actor, tasks.open_task(case_id, bpmn_id).id, data)
        if timeline is not None:
            timeline.tick(bpmn_id)

    case = db.session.get(Case, case_id)
    _do(cw, case.id, "prepare_quote", {
        "sites": 1, "audit_days": 2, "price": 4800, "currency": "USD",
        "quote_valid_until": (date.today() + timedelta(days=14)).isoformat(),
        "quote_terms": "Two auditor days on site, report within five working days."})
    _do(applicant, case.id, "quote_decision", {"quote_accepted": "yes"})
    if stage == "self_assessment":
        return case.id
    supplier = people["admin"]  # the supplier's side is played by the admin
    _do(supplier, case.id, "self_assessment", _self_assessment(supplier_id))
    # the audit day is today (the form takes no past date): the timer fires as it is
    # scheduled, the scheduling step's days stand for the wait
    _do(cw, case.id, "schedule_audit", {
        "auditor": "auditor", "audit_date": date.today().isoformat(),
        "agenda": "08:00 opening meeting; 09:00 perimeter and access; 11:00 container "
                  "inspection and seals; 14:00 records; 16:00 closing meeting"})
    fire_due_timers()
    if stage == "checklist":
        return case.id
    auditor = people["auditor"]
    _do(auditor, case.id, "audit_checklist", {"checklist": _checklist(supplier_id)})
    _do(auditor, case.id, "audit_report", {
        "summary": "A well-run site. Seals are not verified with the VVTT process and the "
                   "visitor log misses exit times.", "risk_rating": "medium"})
    if stage == "review":
        return case.id
    _do(people["reviewer"], case.id, "report_review", {"review_decision": "approve"})
    plan = tasks.task_detail(supplier, tasks.open_task(case.id, "corrective_action_plan").id)
    actions = [{k: a.get(k) for k in ("finding_no", "criterion_id", "finding")}
               | {"root_cause": "No written procedure", "action": "Write, train and audit it",
                  "owner": "Plant manager",
                  "due_date": (date.today() + timedelta(days=30)).isoformat()}
               for a in plan.data["actions"]]
    _do(supplier, case.id, "corrective_action_plan", {"actions": actions})
    _do(auditor, case.id, "cap_review", {"actions": [
        {**a, "decision": "accept", "auditor_comment": ""} for a in actions]})
    _overdue_one(case.id)
    return case.id


def _overdue_one(case_id: int) -> None:
    """History: the first action's agreed date has passed (plans cannot be agreed late)."""
    with transaction():
        first = db.session.scalar(select(CorrectiveAction).where(
            CorrectiveAction.case_id == case_id).order_by(CorrectiveAction.finding_no))
        if first is not None:
            first.due_date = date.today() - timedelta(days=3)


def _entity_type(supplier_id: int) -> str:
    return db.session.get(Company, supplier_id).entity_type


def _self_assessment(supplier_id: int) -> dict[str, Any]:
    answers = {c.key: {"meets": "yes", "how": f"Procedure SP-{c.criterion_id} in force."}
               for c in criteria_for(_entity_type(supplier_id))}
    return {"self_assessment": answers, "documents_provided": ["seal_log", "visitor_log"],
            "self_assessment_notes": "Documents uploaded to the case."}


#: the demo checklist's non-compliant items
FINDINGS = {"6.2": ("major", "Seals not checked with the VVTT process at stuffing."),
            "10.3": ("minor", "Visitor log misses exit times on 4 days in October.")}


def _checklist(supplier_id: int) -> dict[str, Any]:
    items = {}
    for c in criteria_for(_entity_type(supplier_id)):
        if c.criterion_id in FINDINGS:
            severity, notes = FINDINGS[c.criterion_id]
            items[c.key] = {"result": "non_compliant", "severity": severity, "notes": notes}
        else:
            items[c.key] = {"result": "compliant", "notes": ""}
    return items


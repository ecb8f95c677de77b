"""Demo data for `make run`: users for every role and three companies at different stages,
so every inbox has work: Frontera waits for its eligibility review (case worker), Acme answers
a specialist's information request (applicant), Maple is certified and its validation visit
is due (specialist)."""
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import Case, Company, HumanTask, User
from app.models.enums import TaskState
from app.services.audits.demo import seed_audits
from app.services.errors import NotFound
from app.services.identity.users import create_user
from app.services.membership.catalogue import (
    criteria_for,
    eligibility_rules,
    ensure_sample_catalogue,
)
from app.services.runtime.cases import start_case
from app.services.runtime.unit_of_work import transaction
from app.services.tasks import actions as tasks

DEMO_PASSWORD = "safeport"
#: legal name, entity type, identifiers, how far its case goes
DEMO_COMPANIES = (
    ("Acme Imports LLC", "importer", {"ior": "12-3456789", "bond": "CB-2024-0001"},
     "information_request"),
    ("Frontera Freight SA de CV", "highway_carrier_us_mexico", {}, "eligibility"),
    ("Maple Components Ltd", "foreign_manufacturer", {"mid": "CAMAPCOM1234TOR"}, "site_visit"),
)

#: the demo threat assessment, rated per route
DEMO_THREATS = [
    {"country_or_route": "MX-US Laredo crossing", "threat_type": "contraband", "rating": "medium"},
    {"country_or_route": "MX-US Laredo crossing", "threat_type": "human_smuggling",
     "rating": "low"}]


def seed_demo() -> list[str]:
    """Create demo users, the sample catalogue and companies with cases once; safe to rerun."""
    done: list[str] = []
    if ensure_sample_catalogue():
        done.append("sample criteria catalogue")
    companies = []
    for legal_name, entity_type, _ids, _stage in DEMO_COMPANIES:
        company = db.session.scalar(select(Company).where(Company.legal_name == legal_name))
        if company is None:
            company = Company(legal_name=legal_name, entity_type=entity_type)
            with transaction():
                db.session.add(company)
            done.append(f"company {legal_name} ({entity_type})")
        companies.append(company)
    users = {"admin": "admin", "caseworker": "case_worker", "specialist": "specialist",
             "designer": "designer", "applicant": "applicant"}
    for username, role in users.items():
        if db.session.scalar(select(User.id).where(User.username == username)) is None:
            create_user(None, username=username, password=DEMO_PASSWORD, role=role,
                        email=f"{username}@demo.safeport.test",
                        company_id=companies[0].id if role == "applicant" else None)
            done.append(f"user {username} ({role})")
    people = {u.username: u for u in db.session.scalars(select(User))}
    for company, (_name, _type, identifiers, stage) in zip(companies, DEMO_COMPANIES,
                                                           strict=True):
        if db.session.scalar(select(Case.id).where(Case.company_id == company.id)) is not None:
            continue
        try:
            case = start_case(people["caseworker"], company_id=company.id)
        except NotFound:
            break  # no lifecycle deployed yet
        _advance(case.id, company, identifiers, stage, people)
        done.append(f"case {case.id} for {company.legal_name} (at {stage})")
    try:
        done += seed_audits(DEMO_PASSWORD, companies[0], people)
    except NotFound:
        pass  # partner_audit not deployed
    return done


def _complete(actor: User, case_id: int, bpmn_id: str, data: dict[str, Any]) -> None:
    tasks.complete(actor, tasks.open_task(case_id, bpmn_id).id, data)


def _answers(company: Company, kind: str) -> dict[str, Any]:
    groups: dict[str, dict[str, Any]] = {"must": {}, "should": {}}
    for c in criteria_for(company.entity_type):
        if kind == "vulnerability":
            met = "no" if c.criterion_id in ("6.2", "9.6") else "yes"
            answer = {"rating": "medium" if met == "no" else "low", "met": met}
        else:
            answer = {"response": f"Covered by our security manual, section {c.criterion_id}.",
                      "evidence": f"SM-{c.criterion_id}.pdf", "meets": "yes"}
        groups[c.designation.lower()][c.key] = answer
    return groups


def _advance(case_id: int, company: Company, identifiers: dict[str, str], stage: str,
             people: dict[str, User]) -> None:
    """Walk a demo case through the lifecycle up to `stage` (the applicant is played by the
    demo applicant for Acme and by the admin for the others)."""
    if stage == "eligibility":
        return
    cw, spec = people["caseworker"], people["specialist"]
    applicant = people["applicant"] if people["applicant"].company_id == company.id \
        else people["admin"]
    rules = eligibility_rules().get(company.entity_type, [])
    _complete(cw, case_id, "eligibility_review", {
        "requirements": {key: "yes" for key, _label in rules},
        "eligibility_notes": "All requirements checked in the CBP portal."})
    _complete(applicant, case_id, "risk_cargo_flow", {
        "cargo_flow": "Supplier plant -> export port -> U.S. port of entry -> distribution centre",
        "partners": [{"name": "Ocean Link Logistics", "role": "carrier", "country": "US",
                      "security_program": "ctpat", "program_number": "SVI-40213",
                      "screened": "yes"}]})
    _complete(applicant, case_id, "risk_threats", {"threats": DEMO_THREATS})
    _complete(applicant, case_id, "risk_vulnerabilities",
              {"vulnerabilities": _answers(company, "vulnerability")})
    plan = tasks.task_detail(applicant, db.session.scalar(select(HumanTask.id).where(
        HumanTask.case_id == case_id, HumanTask.bpmn_id == "risk_action_plan",
        HumanTask.state == TaskState.READY))).data.get("action_plan", [])
    _complete(applicant, case_id, "risk_action_plan", {"action_plan": [
        {**item, "action": "Write and train the procedure", "owner": "Security manager",
         "due_date": "2027-06-30", "status": "open"} for item in plan]})
    _complete(applicant, case_id, "risk_method", {
        "method_description": "Yearly cross-functional workshop using the CBP five-step guide.",
        "review_frequency": "annual"})
    _complete(applicant, case_id, "company_profile", {
        "company": {"trade_name": company.legal_name.split()[0], "ownership_type": "corporation",
                    "business_start_date": "2005-03-01", "employee_count": 250},
        "identifiers": identifiers,
        "address": {"line1": "100 Commerce Street", "city": "Laredo", "region": "TX",
                    "postal_code": "78040", "country": "US"},
        "contacts": [
            {"name": "Dana Officer", "title": "Chief Operating Officer",
             "email": "dana@example.test", "is_officer": True, "is_primary": True},
            {"name": "Sam Security", "title": "Security Manager", "email": "sam@example.test"}],
        "officers": [{"name": "Dana Officer", "title": "Chief Operating Officer",
                      "email": "dana@example.test"}],
        "facilities": [{"name": "Laredo warehouse", "kind": "warehouse",
                        "line1": "100 Commerce Street", "city": "Laredo", "postal_code": "78040",
                        "country": "US"}],
        "agreement": {"officer_name": "Dana Officer", "officer_title": "Chief Operating Officer",
                      "agreement_signed": True}})
    _complete(applicant, case_id, "security_profile",
              {"profile_responses": _answers(company, "profile")})
    if stage == "information_request":
        _complete(spec, case_id, "specialist_review", {
            "review_outcome": "request_info",
            "questions": "Please send your seal log for the last three months and the "
                         "container inspection checklist."})
        return
    _complete(spec, case_id, "specialist_review", {"review_outcome": "approve"})
    _vet_and_give_notice(cw, spec, applicant, case_id)


def _vet_and_give_notice(cw: User, spec: User, applicant: User, case_id: int) -> None:
    """Vetting cleared (certified), the validation notice and the applicant's documents: the
    site visit is next."""
    _complete(spec, case_id, "vetting", {"vetting_outcome": "cleared",
                                         "vetting_completed_on": date.today().isoformat()})
    visit = (date.today() + timedelta(days=45)).isoformat()
    _complete(cw, case_id, "validation_notice", {
        "visit_planned_for": visit,
        "notice_text": f"The validation visit of your Toronto plant is planned for {visit}.",
        "validation_sites": [{"site": "Toronto plant", "country": "CA", "risk_level": "high",
                              "selection_reason": "Stuffing point of U.S.-bound trailers."}],
        "documents_requested": [{"document": "Seal log, last three months"}]})
    _complete(applicant, case_id, "prevalidation_documents", {"documents_provided": [
        {"document": "Seal log, last three months",
         "description": "Uploaded seal-log.pdf (criterion 6.2)."}]})

"""Walking a demo membership case through the lifecycle with the real task services, one
step per user task, as the people of each role would (the applicant is played by the demo
applicant for its own company and by the admin for the others)."""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import Case, Company, User
from app.models.enums import CaseStatus
from app.services.membership.catalogue import criteria_for, eligibility_rules
from app.services.runtime.cases import start_case
from app.services.runtime.messages import send_message
from app.services.tasks import actions as tasks

#: the demo threat assessment, rated per route
DEMO_THREATS = [
    {"country_or_route": "MX-US Laredo crossing", "threat_type": "contraband", "rating": "medium"},
    {"country_or_route": "MX-US Laredo crossing", "threat_type": "human_smuggling",
     "rating": "low"}]


@dataclass
class Walk:
    """One demo case being walked: who plays which part and what the company files."""

    case_id: int
    company: Company
    identifiers: dict[str, str]
    people: dict[str, User]
    #: called after every completed step with its BPMN id (the history's clock)
    after_step: Callable[[str], None] | None = None

    def actor(self, part: str) -> User:
        """The user playing `part` (caseworker, specialist or applicant)."""
        if part == "applicant":
            applicant = self.people["applicant"]
            return applicant if applicant.company_id == self.company.id else self.people["admin"]
        return self.people[part]

    def complete(self, part: str, bpmn_id: str, data: dict[str, Any]) -> None:
        """Complete the case's open task `bpmn_id` as `part` with `data`."""
        tasks.complete(self.actor(part), tasks.open_task(self.case_id, bpmn_id).id, data)
        if self.after_step:
            self.after_step(bpmn_id)

    def open_data(self, bpmn_id: str) -> dict[str, Any]:
        """The data the open task `bpmn_id` shows its performer."""
        task = tasks.open_task(self.case_id, bpmn_id)
        return tasks.task_detail(self.actor("applicant"), task.id).data


def answers(company: Company, kind: str) -> dict[str, Any]:
    """Vulnerability ratings or security-profile responses for every criterion of the
    company's entity type (6.2 and 9.6 rated as gaps)."""
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


def eligibility(walk: Walk, eligible: bool = True) -> None:
    """The case worker's eligibility review: every requirement met (or the first not)."""
    rules = eligibility_rules().get(walk.company.entity_type, [])
    requirements = {key: "yes" for key, _label in rules}
    if not eligible and requirements:
        requirements[next(iter(requirements))] = "no"
    walk.complete("caseworker", "eligibility_review", {
        "requirements": requirements,
        "eligibility_notes": "All requirements checked in the CBP portal." if eligible else
        "The company does not meet a requirement for its entity type."})


def risk_cargo_flow(walk: Walk) -> None:
    walk.complete("applicant", "risk_cargo_flow", {
        "cargo_flow": "Supplier plant -> export port -> U.S. port of entry -> distribution centre",
        "partners": [{"name": "Ocean Link Logistics", "role": "carrier", "country": "US",
                      "security_program": "ctpat", "program_number": "SVI-40213",
                      "screened": "yes"}]})


def risk_threats(walk: Walk) -> None:
    walk.complete("applicant", "risk_threats", {"threats": DEMO_THREATS})


def risk_vulnerabilities(walk: Walk) -> None:
    walk.complete("applicant", "risk_vulnerabilities",
                  {"vulnerabilities": answers(walk.company, "vulnerability")})


def risk_action_plan(walk: Walk) -> None:
    plan = walk.open_data("risk_action_plan").get("action_plan", [])
    walk.complete("applicant", "risk_action_plan", {"action_plan": [
        {**item, "action": "Write and train the procedure", "owner": "Security manager",
         "due_date": "2027-06-30", "status": "open"} for item in plan]})


def risk_method(walk: Walk) -> None:
    walk.complete("applicant", "risk_method", {
        "method_description": "Yearly cross-functional workshop using the CBP five-step guide.",
        "review_frequency": "annual"})


def company_profile(walk: Walk) -> None:
    company = walk.company
    walk.complete("applicant", "company_profile", {
        "company": {"trade_name": company.legal_name.split()[0], "ownership_type": "corporation",
                    "business_start_date": "2005-03-01", "employee_count": 250},
        "identifiers": walk.identifiers,
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


def security_profile(walk: Walk) -> None:
    walk.complete("applicant", "security_profile",
                  {"profile_responses": answers(walk.company, "profile")})


def approve(walk: Walk) -> None:
    walk.complete("specialist", "specialist_review", {"review_outcome": "approve"})


def vetting(walk: Walk) -> None:
    walk.complete("specialist", "vetting", {"vetting_outcome": "cleared",
                                            "vetting_completed_on": date.today().isoformat()})


def validation_notice(walk: Walk) -> None:
    visit = (date.today() + timedelta(days=45)).isoformat()
    walk.complete("caseworker", "validation_notice", {
        "visit_planned_for": visit,
        "notice_text": f"The validation visit of your main site is planned for {visit}.",
        "validation_sites": [{"site": "Main site", "country": "CA", "risk_level": "high",
                              "selection_reason": "Stuffing point of U.S.-bound trailers."}],
        "documents_requested": [{"document": "Seal log, last three months"}]})


def prevalidation_documents(walk: Walk) -> None:
    walk.complete("applicant", "prevalidation_documents", {"documents_provided": [
        {"document": "Seal log, last three months",
         "description": "Uploaded seal-log.pdf (criterion 6.2)."}]})


def site_visit(walk: Walk) -> None:
    walk.complete("specialist", "site_visit", {"visit_date": date.today().isoformat(),
                                               "sites_visited": "Main site and its yard"})


def validation_result(walk: Walk) -> None:
    walk.complete("specialist", "validation_result", {
        "validation_outcome": "passed", "validation_findings": "All criteria met.",
        "validation_report": {"findings": [{
            "finding_type": "recommendation", "criterion": "6.2",
            "description": "Verify seals with the VVTT process at every stuffing."}]}})


#: the membership case's steps in order: after n of them, the n-th task is open
STEPS: tuple[Callable[[Walk], None], ...] = (
    eligibility, risk_cargo_flow, risk_threats, risk_vulnerabilities, risk_action_plan,
    risk_method, company_profile, security_profile, approve, vetting, validation_notice,
    prevalidation_documents, site_visit, validation_result)
STEP_IDS = ("eligibility_review", "risk_cargo_flow", "risk_threats", "risk_vulnerabilities",
            "risk_action_plan", "risk_method", "company_profile", "security_profile",
            "specialist_review", "vetting", "validation_notice", "prevalidation_documents",
            "site_visit", "validation_result")


#: after validation, the member's year: a security incident opens a suspension review, or
#: the company asks to withdraw
AFTER_VALIDATION = ("suspension_review", "withdrawal_request")


def _incident(walk: Walk) -> None:
    """A security incident reported on the membership year (the case worker sends it)."""
    year = db.session.scalar(select(Case.id).where(
        Case.company_id == walk.company.id, Case.status == CaseStatus.RUNNING,
        Case.id != walk.case_id).order_by(Case.id.desc()).limit(1))
    send_message(walk.people["caseworker"], year, "security_incident", {
        "kind": "narcotics seizure", "date": date.today().isoformat(),
        "description": "CBP found narcotics in a container the company filed for."})
    if walk.after_step:
        walk.after_step("security_incident")


def _withdrawal(walk: Walk) -> None:
    """The company's request to leave CTPAT, waiting for its officer's statement."""
    start_case(walk.people["caseworker"], company_id=walk.company.id,
               process_id="membership_withdrawal")
    if walk.after_step:
        walk.after_step("withdrawal")


def walk_to(walk: Walk, target: str) -> None:
    """Complete the steps before the task `target` (a BPMN id in STEP_IDS), or every step
    ("validated"), or end the case early ("ineligible", "rejected"), or stop at the
    specialist's information request ("information_request"); or validate, then report a
    security incident or start a withdrawal (AFTER_VALIDATION)."""
    if target in AFTER_VALIDATION:
        walk_to(walk, "validated")
        (_incident if target == "suspension_review" else _withdrawal)(walk)
        return
    if target == "ineligible":
        eligibility(walk, eligible=False)
        return
    stop = {"validated": len(STEPS), "information_request": STEP_IDS.index("specialist_review"),
            "rejected": STEP_IDS.index("specialist_review")}.get(target)
    for step in STEPS[:stop if stop is not None else STEP_IDS.index(target)]:
        step(walk)
    if target == "information_request":
        walk.complete("specialist", "specialist_review", {
            "review_outcome": "request_info",
            "questions": "Please send your seal log for the last three months and the "
                         "container inspection checklist."})
    elif target == "rejected":
        walk.complete("specialist", "specialist_review", {
            "review_outcome": "reject",
            "decision_reason": "The security profile does not show a working seal procedure."})

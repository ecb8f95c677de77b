"""Issue 13 as one walk per entity type the program does not tier: a customs broker, a sea
carrier and a foreign manufacturer each go through the Must-gap check, vetting, a validation
whose Required Action is answered in a second round, the tier rule, a membership year that
opens last year's profile, a security incident, the appeal period and a reinstatement after
every corrective action is verified. Through the API, with shrunken periods."""
import json
from pathlib import Path

import pytest

from tests.lifecycle.flow import (
    PROFILE,
    close_gaps,
    do,
    eligibility,
    findings,
    membership,
    next_case,
    notice_and_visit,
    open_tasks,
    portal_application,
    risk_assessment,
    security_profile_not_met,
    start_membership,
    task_view,
    verified,
    vet,
    visit_day,
    wait_until,
)

TIERED = json.loads((Path(__file__).resolve().parents[2] / "app" / "catalogue"
                     / "tiers.json").read_text())

#: the identifiers each type's company profile requires (company_profile.REQUIRED_IDENTIFIERS)
IDENTIFIERS = {
    "customs_broker": {"broker_license": "12345", "filer_code": "F12", "bond": "CB-2024-0009"},
    "sea_carrier": {"scac": "BLUE"},
    "foreign_manufacturer": {"mid": "MXMAPCOM1234MTY"},
}
INCIDENT = {"kind": "narcotics_seizure", "description": "Cocaine found in a container.",
            "date": "2026-11-30"}


def _first_must(api, entity_type: str) -> str:
    items = api.get(f"/api/v1/catalogue/{entity_type}").get_json()["items"]
    return next(c["criterion_id"] for c in items if c["designation"] == "Must")


def _certified(cw, spec, applicant, company_id: int, entity_type: str) -> int:
    """Application with one Must gap: approval refused until the gap is closed, then vetting."""
    case_id = start_membership(cw, company_id)
    eligibility(cw, case_id)
    risk_assessment(applicant, case_id)
    portal_application(applicant, case_id, {**PROFILE, "identifiers": IDENTIFIERS[entity_type]})
    gap = _first_must(cw, entity_type)
    security_profile_not_met(applicant, case_id, (gap,))
    refused = do(spec, case_id, "specialist_review", {"review_outcome": "approve"}, status=422)
    assert gap in refused["details"]["review_outcome"][0]
    assert close_gaps(spec, applicant, case_id)["data"]["must_gaps"] == []
    do(spec, case_id, "specialist_review", {"review_outcome": "approve"})
    assert membership(cw, company_id)["status"] == "approved"  # not certified before vetting
    vet(spec, case_id)
    assert membership(cw, company_id)["status"] == "certified"
    return case_id


def _validated_after_two_rounds(spec, cw, applicant, case_id: int) -> None:
    notice_and_visit(spec, cw, applicant, case_id)
    do(spec, case_id, "validation_result", {
        "validation_outcome": "passed", "validation_findings": "Seals and one best practice.",
        "validation_report": findings("required_action", "best_practice")})
    items = task_view(applicant, case_id, "required_action_response")["data"][
        "required_action_responses"]
    do(applicant, case_id, "required_action_response", {"required_action_responses": [
        {**items[0], "response": "Seals on order."}]})
    do(spec, case_id, "required_action_review", {
        "required_actions_decision": "ask_again",
        "required_action_feedback": "Show the seal certificate."})
    do(applicant, case_id, "required_action_response", {"required_action_responses": [
        {**items[0], "response": "Certificate uploaded."}]})
    do(spec, case_id, "required_action_review", {"required_actions_decision": "accept"})


def _suspended_and_reinstated(cw, spec, applicant, year: int, company_id: int) -> None:
    answer = cw.post(f"/api/v1/cases/{year}/messages/security_incident",
                     json={"payload": INCIDENT})
    assert answer.status_code == 200, answer.get_json()
    do(cw, year, "suspension_review", {"suspension_decision": "suspend",
                                       "suspension_note": "Seizure under investigation."})
    assert membership(cw, company_id)["status"] == "suspended"
    assert membership(cw, company_id)["tier"] is None
    do(applicant, year, "appeal_request", {"appeal_choice": "accept"})
    do(applicant, year, "corrective_action_plan", {"corrective_actions": [
        {"finding": "Seizure", "action": "Re-screen the drayage partner.", "owner": "Sam",
         "due_date": visit_day(30)},
        {"finding": "Seals", "action": "Seal log per container.", "owner": "Ana",
         "due_date": visit_day(60)}]})
    refused = do(spec, year, "reinstatement_decision", {
        "reinstatement_outcome": "reinstate", "reinstatement_reason": "Plan in place.",
        "plan_verification": verified(spec, year, unverified=(1,))}, status=422)
    assert refused["details"] == {"plan_verification.1": [
        "Not verified: reinstatement needs every corrective action verified."]}
    do(spec, year, "reinstatement_decision", {
        "reinstatement_outcome": "reinstate", "reinstatement_reason": "Plan verified.",
        "plan_verification": verified(spec, year)})


@pytest.mark.parametrize("entity_type", ["customs_broker", "sea_carrier",
                                         "foreign_manufacturer"])
def test_the_whole_membership_for_an_untiered_entity_type(lifecycle, staff, periods,
                                                         entity_type):
    periods(SAFEPORT_ANNUAL_REVIEW_PERIOD="PT14S", SAFEPORT_ANNUAL_REVIEW_WINDOW="PT8S")
    cw, spec = staff["cw"], staff["spec"]
    company_id, applicant = lifecycle(entity_type, f"{entity_type.title()} SA")
    case_id = _certified(cw, spec, applicant, company_id, entity_type)
    profile = task_view(cw, case_id, "validation_notice")["data"]["profile_responses"]

    _validated_after_two_rounds(spec, cw, applicant, case_id)
    record = membership(cw, company_id)
    assert entity_type not in TIERED["tiered"]
    assert record["status"] == "validated" and record["tier"] == 1  # best practice or not

    year = next_case(cw, case_id)
    _suspended_and_reinstated(cw, spec, applicant, year, company_id)
    assert membership(cw, company_id)["status"] == "validated"

    assert wait_until(membership(cw, company_id)["review_window_opens_at"]) >= 1
    opened = task_view(applicant, year, "annual_profile_review")["data"]
    assert opened["profile_responses"] == profile  # last year's answers, to edit
    assert set(open_tasks(cw, year)) == {"annual_profile_review"}

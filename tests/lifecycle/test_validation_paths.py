"""Vetting, the validation notice and visit, findings with their Required Action cycle, and
tiers by rule, through the API with shrunken periods."""
from datetime import UTC, date, datetime, timedelta

from jsonschema import Draft202012Validator

from tests.lifecycle.flow import (
    NOTICE,
    PROFILE,
    annual_review,
    do,
    eligibility,
    events,
    findings,
    membership,
    next_case,
    notice_and_visit,
    open_tasks,
    portal_application,
    risk_assessment,
    security_profile,
    start_membership,
    statuses,
    task_view,
    to_specialist_review,
    verified,
    vet,
    visit_day,
    wait_until,
)

#: the foreign manufacturer's profile: its MID instead of the importer's IOR
MANUFACTURER = {**PROFILE, "identifiers": {"mid": "MXMAPCOM1234MTY"}}


def _to_review(cw, applicant, company_id: int, entity_type: str) -> int:
    if entity_type == "importer":
        return to_specialist_review(cw, applicant, company_id)
    case_id = start_membership(cw, company_id)
    eligibility(cw, case_id)
    risk_assessment(applicant, case_id)
    portal_application(applicant, case_id, MANUFACTURER)
    security_profile(applicant, case_id)
    return case_id


def _to_result(staff, lifecycle, entity_type: str = "importer", name: str = "Acme Imports"):
    """A company approved, vetted, certified, noticed and visited: the result is next."""
    cw, spec = staff["cw"], staff["spec"]
    company_id, applicant = lifecycle(entity_type, name)
    case_id = _to_review(cw, applicant, company_id, entity_type)
    do(spec, case_id, "specialist_review", {"review_outcome": "approve"})
    vet(spec, case_id)
    notice_and_visit(spec, cw, applicant, case_id)
    return company_id, applicant, case_id


def _tiers(api, case_id: int) -> list:
    return [e["details"]["tier"] for e in events(api, case_id, "membership_changed")
            if "tier" in e["details"]]


def test_vetting_comes_between_approval_and_certification(lifecycle, staff):
    cw, spec = staff["cw"], staff["spec"]
    company_id, applicant = lifecycle("importer")
    case_id = to_specialist_review(cw, applicant, company_id)
    do(spec, case_id, "specialist_review", {"review_outcome": "approve"})
    approved = membership(cw, company_id)
    assert approved["status"] == "approved" and approved["tier"] is None
    assert approved["certified_at"] is None
    vetting = task_view(spec, case_id, "vetting")
    assert vetting["task"]["role"] == "specialist" and vetting["task"]["due_at"] is not None
    assert set(vetting["form"]["schema"]["properties"]["vetting_outcome"]["enum"]) >= {
        "cleared", "not_cleared"}
    # not cleared needs the reason
    refused = do(spec, case_id, "vetting", {"vetting_outcome": "not_cleared",
                                           "vetting_completed_on": visit_day()}, status=422)
    assert "vetting_notes" in refused["details"]
    vet(spec, case_id)
    certified = membership(cw, company_id)
    assert certified["status"] == "certified" and certified["tier"] == 1
    assert statuses(cw, case_id)[-2:] == ["approved", "certified"]
    assert set(open_tasks(cw, case_id)) == {"validation_notice"}
    # the security profile stays in the case data (a living record, not deleted)
    assert "profile_responses" in task_view(cw, case_id, "validation_notice")["data"]


def test_vetting_not_cleared_ends_as_a_rejection(lifecycle, staff):
    cw, spec = staff["cw"], staff["spec"]
    company_id, applicant = lifecycle("foreign_manufacturer", "Monterrey Parts SA")
    case_id = _to_review(cw, applicant, company_id, "foreign_manufacturer")
    do(spec, case_id, "specialist_review", {"review_outcome": "approve"})
    vet(spec, case_id, "not_cleared", "Derogatory law-enforcement record.")
    record = membership(applicant, company_id)
    assert record["status"] == "rejected" and record["tier"] is None
    assert "Derogatory law-enforcement record." in record["status_reason"]
    assert record["certified_at"] is None
    assert statuses(cw, case_id)[-2:] == ["approved", "rejected"]
    case = cw.get(f"/api/v1/cases/{case_id}").get_json()
    assert case["status"] == "completed" and case["open_tasks"] == []
    assert events(cw, case_id, "case_continued") == []


def test_a_visit_before_the_notice_or_too_soon_is_refused(lifecycle, staff, periods):
    periods(SAFEPORT_VALIDATION_NOTICE_LEAD_TIME="P30D")
    cw, spec = staff["cw"], staff["spec"]
    company_id, applicant = lifecycle("importer")
    case_id = to_specialist_review(cw, applicant, company_id)
    do(spec, case_id, "specialist_review", {"review_outcome": "approve"})
    vet(spec, case_id)
    # the notice: the visit at least the lead time after it, by the server and the schema
    schema = task_view(cw, case_id, "validation_notice")["form"]["schema"]
    checker = Draft202012Validator(schema)
    soon = {**NOTICE, "visit_planned_for": visit_day(10)}
    refused = do(cw, case_id, "validation_notice", soon, status=422)
    assert refused["details"]["visit_planned_for"] == [
        f"The visit must be at least the notice lead time after the notice ({visit_day(30)})."]
    assert not checker.is_valid(soon) and checker.is_valid({**soon,
                                                            "visit_planned_for": visit_day(30)})
    foreign = task_view(cw, case_id, "validation_notice")
    assert foreign["form"]["schema"]["properties"]["validation_sites"]["minItems"] == 1
    do(cw, case_id, "validation_notice", {**NOTICE, "visit_planned_for": visit_day(30)})
    notice = events(cw, case_id, "notice")[-1]["details"]["message"]
    assert "2 site(s) chosen by risk, 1 foreign" in notice
    asked = task_view(applicant, case_id, "prevalidation_documents")
    assert asked["task"]["role"] == "applicant"
    assert [d["document"] for d in asked["data"]["documents_provided"]] == [
        d["document"] for d in NOTICE["documents_requested"]]
    do(applicant, case_id, "prevalidation_documents", {"documents_provided": [
        {**d, "description": "Uploaded."} for d in asked["data"]["documents_provided"]]})
    # the visit cannot precede the notice (sent today) nor the certification
    schema = task_view(spec, case_id, "site_visit")["form"]["schema"]
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    early = {"visit_date": yesterday, "sites_visited": "Ontario DC"}
    refused = do(spec, case_id, "site_visit", early, status=422)
    assert refused["details"]["visit_date"] == [
        "The visit cannot precede the validation notice or the certification "
        f"({datetime.now(UTC).date().isoformat()})."]
    assert not Draft202012Validator(schema).is_valid(early)
    assert Draft202012Validator(schema).is_valid({**early, "visit_date": visit_day()})
    do(spec, case_id, "site_visit", {**early, "visit_date": visit_day()})
    assert set(open_tasks(cw, case_id)) == {"validation_result"}


def test_a_required_action_answered_in_the_second_round_gives_tier_2(lifecycle, staff):
    spec = staff["spec"]
    company_id, applicant, case_id = _to_result(staff, lifecycle)
    do(spec, case_id, "validation_result", {
        "validation_outcome": "passed", "validation_findings": "One gap on seals.",
        "validation_report": findings("required_action", "recommendation")})
    assert membership(spec, company_id)["tier"] == 1  # not validated while it is open
    answer = task_view(applicant, case_id, "required_action_response")
    assert answer["task"]["due_at"] is not None
    items = answer["data"]["required_action_responses"]
    assert [(i["criterion"], i["required_action"]) for i in items] == [
        ("1.1", "Finding 1: required_action")]
    do(applicant, case_id, "required_action_response", {"required_action_responses": [
        {**items[0], "response": "We will buy seals."}]})
    refused = do(spec, case_id, "required_action_review",
                 {"required_actions_decision": "ask_again"}, status=422)
    assert "required_action_feedback" in refused["details"]
    do(spec, case_id, "required_action_review", {
        "required_actions_decision": "ask_again",
        "required_action_feedback": "Show the ISO 17712 certificate of the seals."})
    again = task_view(applicant, case_id, "required_action_response")
    assert again["data"]["required_action_responses"][0]["response"] == "We will buy seals."
    assert any("round 2" in e["details"]["message"] for e in events(spec, case_id, "notice"))
    do(applicant, case_id, "required_action_response", {"required_action_responses": [
        {**items[0], "response": "Seals bought; certificate uploaded."}]})
    do(spec, case_id, "required_action_review", {"required_actions_decision": "accept"})
    record = membership(spec, company_id)
    assert record["status"] == "validated" and record["tier"] == 2
    assert _tiers(spec, case_id) == [1, 2]
    assert cw_completed(staff["cw"], case_id)


def cw_completed(cw, case_id: int) -> bool:
    return cw.get(f"/api/v1/cases/{case_id}").get_json()["status"] == "completed"


def test_best_practices_give_tier_3_only_to_the_types_the_program_tiers(lifecycle, staff):
    spec = staff["spec"]
    report = findings("best_practice", "recommendation")
    tiers = {}
    for entity_type, name in (("importer", "Acme Imports"),
                              ("foreign_manufacturer", "Monterrey Parts SA")):
        company_id, _applicant, case_id = _to_result(staff, lifecycle, entity_type, name)
        form = task_view(spec, case_id, "validation_result")["form"]["schema"]
        assert "tier_awarded" not in form["properties"]  # not chosen on a form
        do(spec, case_id, "validation_result", {"validation_outcome": "passed",
                                                "validation_findings": "Exceeds 7.x.",
                                                "validation_report": report})
        record = membership(spec, company_id)
        assert record["status"] == "validated"
        tiers[entity_type] = record["tier"]
    # app/catalogue/tiers.json: tiers 2 and 3 for importers and exporters only
    assert tiers == {"importer": 3, "foreign_manufacturer": 1}


def test_required_actions_not_answered_in_time_open_the_suspension_review(
        lifecycle, staff, periods):
    periods(SAFEPORT_REQUIRED_ACTION_RESPONSE_PERIOD="PT1S")
    cw, spec = staff["cw"], staff["spec"]
    company_id, applicant, case_id = _to_result(staff, lifecycle, "foreign_manufacturer",
                                                "Monterrey Parts SA")
    do(spec, case_id, "validation_result", {
        "validation_outcome": "passed", "validation_findings": "Seal gaps.",
        "validation_report": findings("required_action")})
    due = task_view(spec, case_id, "required_action_response")["data"][
        "required_actions_due_at"]
    assert wait_until(due) >= 1
    assert set(open_tasks(cw, case_id)) == {"suspension_review"}
    escalation = [e for e in events(cw, case_id, "notice")
                  if e["details"].get("notice") == "escalation"]
    assert escalation and escalation[-1]["details"]["message"].startswith(
        "Required actions not addressed by")
    record = membership(cw, company_id)
    assert record["status"] == "certified" and record["tier"] == 1
    do(cw, case_id, "suspension_review", {"suspension_decision": "suspend",
                                          "suspension_note": "Required actions not addressed."})
    suspended = membership(cw, company_id)
    assert suspended["status"] == "suspended" and suspended["tier"] is None


def test_a_failed_revalidation_drops_the_tier(lifecycle, staff, periods):
    periods(SAFEPORT_ANNUAL_REVIEW_PERIOD="PT4S", SAFEPORT_ANNUAL_REVIEW_WINDOW="PT2S",
            SAFEPORT_REVALIDATION_PERIOD="PT3S", SAFEPORT_REMINDER_LEAD_TIMES="PT0.4S")
    cw, spec = staff["cw"], staff["spec"]
    company_id, applicant, case_id = _to_result(staff, lifecycle)
    do(spec, case_id, "validation_result", {"validation_outcome": "passed",
                                            "validation_findings": "Fine.",
                                            "validation_report": findings("recommendation")})
    record = membership(cw, company_id)
    assert record["tier"] == 2
    year = next_case(cw, case_id)
    assert wait_until(record["review_window_opens_at"]) >= 1
    annual_review(applicant, spec, year)
    notice_and_visit(spec, cw, applicant, year, prefix="re")
    do(spec, year, "revalidation_result", {"validation_outcome": "failed",
                                           "validation_findings": "No seal log kept.",
                                           "validation_report": findings("required_action")})
    dropped = membership(cw, company_id)
    assert dropped["status"] == "certified" and dropped["tier"] == 1
    assert dropped["status_reason"] == "Validation failed: No seal log kept."
    assert set(open_tasks(cw, year)) == {"suspension_review"}
    do(cw, year, "suspension_review", {"suspension_decision": "suspend",
                                       "suspension_note": "Failed revalidation."})
    assert membership(cw, company_id)["tier"] is None
    do(applicant, year, "appeal_request", {"appeal_choice": "accept"})
    do(applicant, year, "corrective_action_plan", {"corrective_actions": [
        {"finding": "No seal log", "action": "Seal log.", "owner": "Sam Security",
         "due_date": visit_day(60)}]})
    do(spec, year, "reinstatement_decision", {"reinstatement_outcome": "reinstate",
                                               "reinstatement_reason": "Plan accepted.",
                                               "plan_verification": verified(spec, year)})
    back = membership(cw, company_id)
    assert back["status"] == "certified" and back["tier"] == 1  # Tier 2 needs a validation
    assert _tiers(cw, year) == [1, None, 1]

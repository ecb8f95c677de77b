"""Open Must gaps block approval; security incidents, appeals and verified corrective action
plans (issue 13)."""
from jsonschema import Draft202012Validator

from tests.lifecycle.flow import (
    UNMET,
    annual_review,
    close_gaps,
    do,
    eligibility,
    events,
    membership,
    next_case,
    open_tasks,
    portal_application,
    risk_assessment,
    security_profile_not_met,
    start_membership,
    statuses,
    task_view,
    verified,
    vet,
    wait_until,
)


def _accepts(view: dict, data: dict) -> bool:
    return Draft202012Validator(view["form"]["schema"]).is_valid(data)


def test_approval_is_refused_while_a_must_gap_is_open_and_allowed_once_closed(lifecycle,
                                                                                staff):
    cw, spec = staff["cw"], staff["spec"]
    company_id, applicant = lifecycle("importer")
    case_id = start_membership(cw, company_id)
    eligibility(cw, case_id)
    risk_assessment(applicant, case_id)
    portal_application(applicant, case_id)
    security_profile_not_met(applicant, case_id, UNMET)

    review = task_view(spec, case_id, "specialist_review")
    assert [g["criterion"] for g in review["data"]["must_gaps"]] == ["2.1", "6.2"]
    outcome = review["form"]["schema"]["properties"]["review_outcome"]
    assert outcome["enum"] == ["request_info", "reject"]  # the schema refuses approve
    assert not _accepts(review, {"review_outcome": "approve"})
    refused = do(spec, case_id, "specialist_review", {"review_outcome": "approve"}, status=422)
    assert refused["details"]["review_outcome"] == [
        "2.1 and 6.2 are Must criteria answered as not met; ask for information or reject"]
    assert membership(cw, company_id)["status"] == "applicant"

    # one round closes 2.1 only: still refused, naming 6.2
    review = close_gaps(spec, applicant, case_id, still_open=("6.2",))
    assert [g["criterion"] for g in review["data"]["must_gaps"]] == ["6.2"]
    refused = do(spec, case_id, "specialist_review", {"review_outcome": "approve"}, status=422)
    assert refused["details"]["review_outcome"] == [
        "6.2 is a Must criterion answered as not met; ask for information or reject"]

    review = close_gaps(spec, applicant, case_id)
    assert review["data"]["must_gaps"] == []
    assert "approve" in review["form"]["schema"]["properties"]["review_outcome"]["enum"]
    assert _accepts(review, {"review_outcome": "approve"})
    do(spec, case_id, "specialist_review", {"review_outcome": "approve"})
    assert "approved" in statuses(cw, case_id)
    vet(spec, case_id)
    assert membership(cw, company_id)["status"] == "certified"


# --- security incidents, appeals, verified corrective action plans ----------------------

INCIDENT = {"kind": "narcotics seizure", "date": "2026-11-30",
            "description": "CBP found narcotics in a container the company filed for."}


def certified_member(lifecycle, staff, entity_type: str) -> tuple[int, int, object]:
    """A company of `entity_type` walked (by a schema-only client) to certified, its case
    waiting for the validation notice; returns (company id, case id, applicant api)."""
    from tests.lifecycle.test_generic_client import complete_from_schema

    company_id, applicant = lifecycle(entity_type, f"{entity_type.title()} Co")
    apis = {"applicant": applicant, "case_worker": staff["cw"], "specialist": staff["spec"]}
    case_id = start_membership(staff["cw"], company_id)
    for _ in range(20):
        tasks = open_tasks(staff["cw"], case_id)
        if "validation_notice" in tasks:
            break
        for task in tasks.values():
            complete_from_schema(apis[task["role"]], task)
    assert membership(staff["cw"], company_id)["status"] == "certified"
    return company_id, case_id, applicant


def report_incident(cw, case_id: int) -> None:
    response = cw.post(f"/api/v1/cases/{case_id}/messages/security_incident",
                       json={"payload": INCIDENT})
    assert response.status_code == 200, response.get_json()


def test_an_incident_opens_a_suspension_review_and_an_appeal_overturns_it(lifecycle, staff):
    cw, spec = staff["cw"], staff["spec"]
    company_id, case_id, applicant = certified_member(lifecycle, staff, "customs_broker")
    report_incident(cw, case_id)
    # the validation goes on while the suspension is reviewed
    assert set(open_tasks(cw, case_id)) == {"validation_notice", "suspension_review"}
    review = task_view(cw, case_id, "suspension_review")
    assert review["data"]["suspension_reason"] == (
        "Security incident reported: narcotics seizure on 2026-11-30: CBP found narcotics in "
        "a container the company filed for.")
    do(cw, case_id, "suspension_review", {"suspension_decision": "suspend",
                                          "suspension_note": "Narcotics seizure."})
    assert membership(applicant, company_id)["status"] == "suspended"

    appeal = task_view(applicant, case_id, "appeal_request")
    assert appeal["task"]["role"] == "applicant" and appeal["task"]["due_at"] is not None
    missing = do(applicant, case_id, "appeal_request", {"appeal_choice": "appeal"},
                 status=422)
    assert "appeal_grounds" in missing["details"]
    do(applicant, case_id, "appeal_request", {
        "appeal_choice": "appeal", "appeal_grounds": "The container was not ours to seal."})
    ruling = task_view(spec, case_id, "appeal_decision")
    assert ruling["task"]["role"] == "specialist" and ruling["task"]["due_at"] is not None
    assert ruling["data"]["appeal_grounds"] == "The container was not ours to seal."
    do(spec, case_id, "appeal_decision", {"appeal_ruling": "overturn",
                                          "appeal_ruling_reason": "Seal was the carrier's."})
    record = membership(applicant, company_id)
    assert record["status"] == "certified"
    assert record["status_reason"] == (
        "The suspension was overturned on appeal: Seal was the carrier's.")
    assert statuses(cw, case_id)[-2:] == ["suspended", "certified"]
    assert set(open_tasks(cw, case_id)) == {"validation_notice"}


def test_no_appeal_in_time_and_reinstatement_needs_every_action_verified(lifecycle, staff,
                                                                        periods):
    periods(SAFEPORT_APPEAL_PERIOD="PT1S")
    cw, spec = staff["cw"], staff["spec"]
    company_id, case_id, applicant = certified_member(lifecycle, staff, "customs_broker")
    report_incident(cw, case_id)
    do(cw, case_id, "suspension_review", {"suspension_decision": "suspend",
                                          "suspension_note": "Narcotics seizure."})
    due = task_view(applicant, case_id, "appeal_request")["task"]["due_at"]
    assert wait_until(due) >= 1  # nobody appealed
    assert "appeal_request" not in open_tasks(cw, case_id)
    notices = [e["details"]["message"] for e in events(cw, case_id, "notice")]
    assert any(m.startswith("No appeal by ") and m.endswith("the suspension is final")
               for m in notices)

    plan = {"corrective_actions": [
        {"finding": "Container seals not checked", "action": "Seal checks at every gate",
         "owner": "Sam Security", "due_date": "2030-01-31"},
        {"finding": "No driver vetting", "action": "Vet every driver yearly",
         "owner": "Dana Officer", "due_date": "2030-03-31"}]}
    do(applicant, case_id, "corrective_action_plan", plan)
    decision = task_view(spec, case_id, "reinstatement_decision")
    assert [i["finding"] for i in decision["data"]["plan_verification"]] == [
        "Container seals not checked", "No driver vetting"]
    half = {"plan_verification": verified(spec, case_id, unverified=(1,)),
            "reinstatement_outcome": "reinstate", "reinstatement_reason": "Plan done."}
    assert not _accepts(decision, half)  # the schema refuses it too
    refused = do(spec, case_id, "reinstatement_decision", half, status=422)
    assert refused["details"] == {"plan_verification.1": [
        "Not verified: reinstatement needs every corrective action verified."]}
    assert membership(cw, company_id)["status"] == "suspended"
    # removing with an unverified item is allowed; reinstating once all are verified too
    full = {**half, "plan_verification": verified(spec, case_id)}
    assert _accepts(decision, full)
    do(spec, case_id, "reinstatement_decision", full)
    record = membership(cw, company_id)
    assert record["status"] == "certified" and record["status_reason"] is None
    assert statuses(cw, case_id)[-2:] == ["suspended", "certified"]


def test_an_incident_in_a_membership_year_and_a_removal_no_one_appeals(lifecycle, staff,
                                                                        periods):
    from tests.lifecycle.test_generic_client import walk_to_validated

    periods(SAFEPORT_APPEAL_PERIOD="PT1S")
    cw, spec = staff["cw"], staff["spec"]
    company_id, applicant = lifecycle("customs_broker", "Harbor Brokers")
    case_id = start_membership(cw, company_id)
    walk_to_validated({"applicant": applicant, "case_worker": cw, "specialist": spec},
                      case_id, company_id)
    year = next_case(cw, case_id)
    assert open_tasks(cw, year) == {}  # waiting for the review window
    report_incident(cw, year)
    assert "narcotics seizure" in task_view(cw, year, "suspension_review")["data"][
        "suspension_reason"]
    do(cw, year, "suspension_review", {"suspension_decision": "suspend",
                                       "suspension_note": "Narcotics seizure."})
    do(applicant, year, "appeal_request", {"appeal_choice": "accept"})
    do(applicant, year, "corrective_action_plan", {"corrective_actions": [
        {"finding": "Seals", "action": "New seals", "owner": "Sam", "due_date": "2030-01-31"}]})
    do(spec, year, "reinstatement_decision", {
        "plan_verification": verified(spec, year, unverified=(0,)),
        "reinstatement_outcome": "remove", "reinstatement_reason": "Seals still missing."})
    assert membership(cw, company_id)["status"] == "removed"
    due = task_view(applicant, year, "appeal_request")["task"]["due_at"]
    assert wait_until(due) >= 1  # the removal is not appealed: it is final
    record = membership(cw, company_id)
    assert record["status"] == "removed" and record["status_reason"] == "Seals still missing."
    assert cw.get(f"/api/v1/cases/{year}").get_json()["status"] == "completed"
    assert events(cw, year, "case_continued") == []


def test_incidents_while_a_year_waits_and_during_its_review_leave_the_year_running(
        lifecycle, staff, periods):
    from tests.lifecycle.test_generic_client import walk_to_validated

    periods(SAFEPORT_ANNUAL_REVIEW_PERIOD="PT12S", SAFEPORT_ANNUAL_REVIEW_WINDOW="PT8S")
    cw, spec = staff["cw"], staff["spec"]
    company_id, applicant = lifecycle("customs_broker", "Bay Brokers")
    case_id = start_membership(cw, company_id)
    walk_to_validated({"applicant": applicant, "case_worker": cw, "specialist": spec},
                      case_id, company_id)
    year = next_case(cw, case_id)
    report_incident(cw, year)  # before the review window: the year goes on waiting
    do(cw, year, "suspension_review", {"suspension_decision": "no_action",
                                       "suspension_note": "Not the company's container."})
    assert open_tasks(cw, year) == {}
    assert membership(cw, company_id)["status"] == "validated"

    assert cw.get(f"/api/v1/cases/{year}").get_json()["next_timer_at"] is not None
    assert wait_until(membership(cw, company_id)["review_window_opens_at"]) >= 1
    assert set(open_tasks(cw, year)) == {"annual_profile_review"}
    report_incident(cw, year)  # during the review: reviewed beside it
    assert set(open_tasks(cw, year)) == {"annual_profile_review", "suspension_review"}
    do(cw, year, "suspension_review", {"suspension_decision": "no_action",
                                       "suspension_note": "Cleared."})
    annual_review(applicant, spec, year)
    assert cw.get(f"/api/v1/cases/{year}").get_json()["status"] == "completed"
    assert next_case(cw, year)

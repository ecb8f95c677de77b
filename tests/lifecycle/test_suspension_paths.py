"""Missed annual review -> suspension -> corrective action -> reinstatement; failed
validation -> suspension -> removal."""
from tests.lifecycle.flow import (
    certify_and_validate,
    do,
    events,
    membership,
    next_case,
    notice_and_visit,
    open_tasks,
    statuses,
    task_view,
    to_specialist_review,
    verified,
    vet,
    wait_until,
)


def test_missed_annual_review_leads_to_suspension_and_reinstatement(lifecycle, staff, periods):
    periods(SAFEPORT_ANNUAL_REVIEW_PERIOD="PT3S", SAFEPORT_ANNUAL_REVIEW_WINDOW="PT1.5S",
            SAFEPORT_REMINDER_LEAD_TIMES="PT1S")
    cw, spec = staff["cw"], staff["spec"]
    company_id, applicant = lifecycle("importer")
    case_id = to_specialist_review(cw, applicant, company_id)
    certify_and_validate(spec, cw, case_id, applicant=applicant)
    record = membership(cw, company_id)
    year = next_case(cw, case_id)

    wait_until(record["review_window_opens_at"])
    review = task_view(applicant, year, "annual_profile_review")
    assert review["task"]["due_at"] is not None
    assert wait_until(record["anniversary_at"]) >= 1  # nobody submitted the review
    notices = [e["details"]["notice"] for e in events(cw, year, "notice")]
    assert sorted(notices) == ["escalation", "reminder"]
    suspension = task_view(cw, year, "suspension_review")
    assert "Annual security profile review not submitted" in suspension["data"][
        "suspension_reason"]
    do(cw, year, "suspension_review", {"suspension_decision": "suspend",
                                       "suspension_note": "Annual review missed."})
    suspended = membership(applicant, company_id)
    assert suspended["status"] == "suspended"
    assert suspended["status_reason"] == "Annual review missed."

    do(applicant, year, "appeal_request", {"appeal_choice": "accept"})
    do(applicant, year, "corrective_action_plan", {"corrective_actions": [
        {"finding": "Annual review missed", "action": "Calendar reminder; deputy officer named.",
         "owner": "Dana Officer", "due_date": "2030-01-31"}]})
    do(spec, year, "reinstatement_decision", {
        "plan_verification": verified(spec, year),
        "reinstatement_outcome": "reinstate", "reinstatement_reason": "Plan accepted."})
    reinstated = membership(applicant, company_id)
    assert reinstated["status"] == "validated" and reinstated["status_reason"] is None
    assert statuses(cw, year) == ["suspended", "validated"]
    assert cw.get(f"/api/v1/cases/{year}").get_json()["status"] == "completed"
    following = next_case(cw, year)
    assert cw.get(f"/api/v1/cases/{following}").get_json()["status"] == "running"
    assert membership(cw, company_id)["anniversary_at"] > record["anniversary_at"]


def test_failed_validation_leads_to_suspension_review_and_removal(lifecycle, staff):
    cw, spec = staff["cw"], staff["spec"]
    company_id, applicant = lifecycle("importer")
    case_id = to_specialist_review(cw, applicant, company_id)
    do(spec, case_id, "specialist_review", {"review_outcome": "approve"})
    assert membership(cw, company_id)["status"] == "approved"  # vetting comes first
    vet(spec, case_id)
    certified = membership(cw, company_id)
    assert certified["status"] == "certified" and certified["tier"] == 1
    assert certified["validation_due_at"] is not None
    notice_and_visit(spec, cw, applicant, case_id)
    do(spec, case_id, "validation_result", {"validation_outcome": "failed",
                                            "validation_findings": "No seal log."})
    assert set(open_tasks(cw, case_id)) == {"suspension_review"}
    do(cw, case_id, "suspension_review", {"suspension_decision": "suspend",
                                          "suspension_note": "Failed validation."})
    do(applicant, case_id, "appeal_request", {"appeal_choice": "accept"})
    do(applicant, case_id, "corrective_action_plan", {"corrective_actions": [
        {"finding": "No seal log", "action": "Seal log.", "owner": "Sam Security",
         "due_date": "2030-01-31"}]})
    do(spec, case_id, "reinstatement_decision", {"reinstatement_outcome": "remove",
                                                 "reinstatement_reason": "Plan insufficient."})
    do(applicant, case_id, "appeal_request", {"appeal_choice": "accept"})
    record = membership(applicant, company_id)
    assert record["status"] == "removed" and record["status_reason"] == "Plan insufficient."
    assert statuses(cw, case_id)[-3:] == ["certified", "suspended", "removed"]
    case = cw.get(f"/api/v1/cases/{case_id}").get_json()
    assert case["status"] == "completed"
    assert events(cw, case_id, "case_continued") == []


def test_withdrawal_ends_the_membership_and_its_open_cases(lifecycle, staff):
    cw, spec = staff["cw"], staff["spec"]
    company_id, applicant = lifecycle("importer")
    case_id = to_specialist_review(cw, applicant, company_id)
    certify_and_validate(spec, cw, case_id, applicant=applicant)
    year = next_case(cw, case_id)
    assert cw.get(f"/api/v1/cases/{year}").get_json()["next_timer_at"] is not None

    started = applicant.post("/api/v1/cases", json={"company_id": company_id,
                                                     "process_id": "membership_withdrawal"})
    assert started.status_code == 201, started.get_json()
    withdrawal = started.get_json()["id"]
    do(applicant, withdrawal, "withdrawal_request", {
        "withdrawal_reason": "We stop importing.", "officer_name": "Dana Officer",
        "officer_confirms": True})
    assert membership(cw, company_id)["status"] == "validated"
    shown = task_view(cw, withdrawal, "withdrawal_confirmation")
    assert shown["data"]["withdrawal_reason"] == "We stop importing."
    do(cw, withdrawal, "withdrawal_confirmation", {"withdrawal_decision": "confirm"})

    record = membership(applicant, company_id)
    assert record["status"] == "withdrawn" and record["status_reason"] == "We stop importing."
    ended = cw.get(f"/api/v1/cases/{year}").get_json()
    assert ended["status"] == "terminated" and ended["next_timer_at"] is None
    assert events(cw, year, "case_terminated")[0]["details"]["by_case"] == withdrawal
    assert cw.get(f"/api/v1/cases/{withdrawal}").get_json()["status"] == "completed"

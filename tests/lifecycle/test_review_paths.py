"""Ineligible, information requests with rejection, and a missed profile deadline."""
from datetime import datetime, timedelta

from tests.lifecycle.flow import (
    do,
    eligibility,
    events,
    membership,
    open_tasks,
    portal_application,
    risk_assessment,
    security_profile,
    start_membership,
    statuses,
    task_view,
    to_specialist_review,
    wait_until,
)


def test_ineligible_company_ends_with_the_reason_shown_to_the_applicant(lifecycle, staff):
    cw = staff["cw"]
    company_id, applicant = lifecycle("importer")
    case_id = start_membership(cw, company_id)
    assert set(open_tasks(cw, case_id)) == {"eligibility_review"}
    assert applicant.get("/api/v1/tasks?scope=role").get_json()["total"] == 0
    bad = do(cw, case_id, "eligibility_review", {"requirements": {}}, status=422)
    assert "requirements.continuous_import_bond" in bad["details"]
    eligibility(cw, case_id, met=False)

    case = cw.get(f"/api/v1/cases/{case_id}").get_json()
    assert case["status"] == "completed" and case["open_tasks"] == []
    record = membership(applicant, company_id)
    assert record["status"] == "ineligible"
    assert "continuous import bond" in record["status_reason"]
    assert "Checked against the portal." in record["status_reason"]
    assert statuses(cw, case_id) == ["pre_applicant", "ineligible"]
    assert [e["kind"] for e in events(cw, case_id)][-1] == "case_completed"


def test_two_information_rounds_then_rejection_with_certification_escalation(
        lifecycle, staff, periods):
    periods(SAFEPORT_CERTIFICATION_TARGET="PT2S")
    cw, spec = staff["cw"], staff["spec"]
    company_id, applicant = lifecycle("importer")
    case_id = to_specialist_review(cw, applicant, company_id)
    applied_at = membership(cw, company_id)["applied_at"]

    for round_no in (1, 2):
        missing = do(spec, case_id, "specialist_review", {"review_outcome": "request_info"},
                     status=422)
        assert "questions" in missing["details"]
        do(spec, case_id, "specialist_review", {"review_outcome": "request_info",
                                                "questions": f"Round {round_no}: seal log?"})
        ask = task_view(applicant, case_id, "information_request")
        assert ask["task"]["role"] == "applicant"
        assert ask["data"]["questions"] == f"Round {round_no}: seal log?"
        do(applicant, case_id, "information_request", {"answers": f"Answer {round_no}"})

    review = task_view(spec, case_id, "specialist_review")
    assert [r["answers"] for r in review["data"]["info_exchange"]] == ["Answer 1", "Answer 2"]
    assert len([e for e in events(cw, case_id, "notice")
                if e["details"]["notice"] == "notice"]) == 2

    # applied_at is whole seconds, so the target may already have passed (then the timer
    # fired when the review started): either way the case worker now has the escalation
    target = (datetime.fromisoformat(applied_at) + timedelta(seconds=2)).isoformat()
    wait_until(target)
    escalation = task_view(cw, case_id, "certification_overdue")
    assert escalation["task"]["role"] == "case_worker"
    notices = [e["details"] for e in events(cw, case_id, "notice")]
    assert [n["deadline"] for n in notices if n["notice"] == "escalation"] == [target]

    do(spec, case_id, "specialist_review", {"review_outcome": "reject",
                                            "decision_reason": "Seal controls are missing."})
    decision = events(cw, case_id, "membership_changed")[-1]
    assert decision["actor"] == "spec" and decision["details"]["status"] == "rejected"
    record = membership(applicant, company_id)
    assert record["status"] == "rejected"
    assert record["status_reason"] == "Seal controls are missing."
    assert statuses(cw, case_id)[-2:] == ["applicant", "rejected"]
    # the escalation is still the case worker's to close
    assert cw.get(f"/api/v1/cases/{case_id}").get_json()["status"] == "running"
    do(cw, case_id, "certification_overdue", {"escalation_note": "Specialist decided."})
    assert cw.get(f"/api/v1/cases/{case_id}").get_json()["status"] == "completed"


def test_missed_profile_deadline_reminds_escalates_extends_then_closes(
        lifecycle, staff, periods):
    periods(SAFEPORT_PROFILE_COMPLETION_PERIOD="PT3S", SAFEPORT_REMINDER_LEAD_TIMES="PT1.5S")
    cw = staff["cw"]
    company_id, applicant = lifecycle("importer")
    case_id = start_membership(cw, company_id)
    eligibility(cw, case_id)
    risk_assessment(applicant, case_id)
    portal_application(applicant, case_id)
    view = task_view(cw, case_id, "security_profile")  # internal data: staff only
    profile, reminders = view["task"], view["data"]["profile_reminders"]
    assert "profile_reminders" not in task_view(applicant, case_id, "security_profile")["data"]
    assert profile["due_at"] is not None and reminders[0] < profile["due_at"] < reminders[1]

    assert wait_until(reminders[0]) == 1
    assert [e["details"]["notice"] for e in events(cw, case_id, "notice")] == ["reminder"]
    assert set(open_tasks(applicant, case_id)) == {"security_profile"}
    assert wait_until(profile["due_at"]) == 1
    kinds = [e["details"]["notice"] for e in events(cw, case_id, "notice")]
    assert kinds == ["reminder", "escalation"]
    tasks = open_tasks(cw, case_id)
    assert set(tasks) == {"profile_deadline_missed"}
    assert tasks["profile_deadline_missed"]["role"] == "case_worker"
    assert "task_cancelled" in [e["kind"] for e in events(cw, case_id)]

    do(cw, case_id, "profile_deadline_missed", {"deadline_action": "extend",
                                                 "deadline_note": "One more period."})
    again = task_view(applicant, case_id, "security_profile")["task"]
    assert again["id"] != profile["id"] and again["due_at"] > profile["due_at"]

    assert wait_until(again["due_at"]) >= 1
    do(cw, case_id, "profile_deadline_missed", {"deadline_action": "close",
                                                 "deadline_note": "No answer from the company."})
    record = membership(applicant, company_id)
    assert record["status"] == "rejected"
    assert "No answer from the company." in record["status_reason"]
    assert cw.get(f"/api/v1/cases/{case_id}").get_json()["status"] == "completed"


def test_action_plan_keeps_every_unmet_must_criterion(lifecycle, staff):
    cw, spec = staff["cw"], staff["spec"]
    company_id, applicant = lifecycle("importer")
    case_id = start_membership(cw, company_id)
    eligibility(cw, case_id)
    plan = risk_assessment(applicant, case_id, drop_from_plan="6.2")
    assert [item["criterion"] for item in plan] == ["2.1", "6.2"]
    portal_application(applicant, case_id)
    security_profile(applicant, case_id)
    assert set(open_tasks(spec, case_id)) == {"specialist_review"}
    assert events(cw, case_id, "notice") == []

"""Open Must gaps block approval; security incidents, appeals and verified corrective action
plans (issue 13)."""
from jsonschema import Draft202012Validator

from tests.lifecycle.flow import (
    UNMET,
    close_gaps,
    do,
    eligibility,
    membership,
    portal_application,
    risk_assessment,
    security_profile_not_met,
    start_membership,
    statuses,
    task_view,
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
    assert membership(cw, company_id)["status"] == "certified"

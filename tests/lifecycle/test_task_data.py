"""What a task's data shows through the API: applicants see only what their form shows, fills
or reads; staff see the process data."""
from tests.lifecycle.flow import do, task_view, to_specialist_review


def test_applicants_get_only_their_forms_data_staff_get_the_process_data(lifecycle, staff):
    company_id, applicant = lifecycle("importer")
    case_id = to_specialist_review(staff["cw"], applicant, company_id)
    do(staff["spec"], case_id, "specialist_review", {
        "review_outcome": "request_info", "questions": "Who checks the seals at night?"})
    seen = task_view(applicant, case_id, "information_request")
    assert seen["data"]["questions"] == "Who checks the seals at night?"
    form_keys = {c.get("key") or c.get("path")
                 for c in seen["form"]["definition"]["components"]}
    assert set(seen["data"]) <= form_keys | {None}
    staff_view = task_view(staff["cw"], case_id, "information_request")
    internal = set(staff_view["data"]) - set(seen["data"])
    assert {"case_id", "company_id", "review_outcome"} <= internal

"""A member's security profile cites its partner audit reports as evidence for the business
partner criteria (3.x): offered by the form, accepted by the server, an unknown report
refused, and nothing offered to a company without reports."""
from tests.audits.walk import (
    to_report_review,
)
from tests.lifecycle.flow import (
    do,
    eligibility,
    fill,
    portal_application,
    risk_assessment,
    start_membership,
    task_view,
)


def _at_security_profile(w) -> int:
    case_id = start_membership(w.cw, w.client_id)
    eligibility(w.cw, case_id)
    risk_assessment(w.client, case_id)
    portal_application(w.client, case_id)
    return case_id


def _criterion_schema(view: dict, criterion: str) -> dict:
    schema = view["form"]["schema"]["properties"]["profile_responses"]["properties"]
    key = "c" + criterion.replace(".", "_")
    return next(group["properties"][key] for group in schema.values()
                if key in group.get("properties", {}))


def test_the_profile_offers_the_audit_reports_for_business_partner_criteria(audit_world):
    w = audit_world
    member_case = _at_security_profile(w)
    before = task_view(w.client, member_case, "security_profile")
    assert "audit_reports" not in _criterion_schema(before, "3.1")["properties"]

    audit = to_report_review(w)
    do(w.reviewer, audit, "report_review", {"review_decision": "approve"})
    report = next(d for d in w.client.get(f"/api/v1/cases/{audit}/documents")
                  .get_json()["items"] if d["criterion"] == "audit_report")

    view = task_view(w.client, member_case, "security_profile")
    cited = _criterion_schema(view, "3.1")["properties"]["audit_reports"]
    assert cited["items"]["enum"] == [str(report["id"])]
    assert "audit_reports" not in _criterion_schema(view, "6.2")["properties"]

    def choose(path):
        return ["999999"] if path.endswith("c3_1.audit_reports") else None

    data = fill(view["form"]["schema"], choose)
    task_id = view["task"]["id"]
    refused = w.client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": data})
    assert refused.status_code == 422
    assert any("audit_reports" in field for field in refused.get_json()["details"])

    def choose_real(path):
        return [str(report["id"])] if path.endswith("c3_1.audit_reports") else None

    do(w.client, member_case, "security_profile", fill(view["form"]["schema"], choose_real))

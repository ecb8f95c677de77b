"""Eligible to certified, validated, annual review done and revalidated, through the API."""
from app.extensions import db
from app.models import BusinessPartner, CompanyContact, CompanyIdentifier
from tests.lifecycle.flow import (
    UNMET,
    annual_review,
    certify_and_validate,
    do,
    events,
    findings,
    membership,
    next_case,
    notice_and_visit,
    open_tasks,
    statuses,
    task_view,
    to_specialist_review,
    wait_until,
)


def test_eligible_applicant_is_certified_validated_reviewed_and_revalidated(
        lifecycle, staff, periods):
    periods(SAFEPORT_ANNUAL_REVIEW_PERIOD="PT4S", SAFEPORT_ANNUAL_REVIEW_WINDOW="PT2S",
            SAFEPORT_REVALIDATION_PERIOD="PT3S", SAFEPORT_REMINDER_LEAD_TIMES="PT0.4S")
    cw, spec = staff["cw"], staff["spec"]
    company_id, applicant = lifecycle("importer")
    case_id = to_specialist_review(cw, applicant, company_id)

    record = membership(applicant, company_id)
    assert record["status"] == "applicant" and record["applied_at"] is not None
    assert statuses(cw, case_id) == ["pre_applicant", "applicant"]
    profile = applicant.get(f"/api/v1/companies/{company_id}/membership").get_json()
    assert profile["identifiers"] == {"ior": "12-3456789", "bond": "CB-2024-0001"}
    assert [c["is_officer"] for c in profile["contacts"]] == [True, False]
    assert profile["profile"]["agreement_signed_by"] == "Dana Officer"
    assert db.session.query(CompanyIdentifier).count() == 2
    assert db.session.query(CompanyContact).count() == 2
    partners = db.session.query(BusinessPartner).all()
    assert [(p.name, p.security_program) for p in partners] == [("Shenzhen Widgets", "aeo")]
    assert profile["partners"][0]["country"] == "CN"

    review = task_view(spec, case_id, "specialist_review")
    assert review["task"]["role"] == "specialist" and review["task"]["due_at"] is not None
    certify_and_validate(spec, cw, case_id, tier="3", applicant=applicant)

    record = membership(cw, company_id)
    assert record["status"] == "validated" and record["tier"] == 3
    assert record["certified_at"] and record["validated_at"] and record["anniversary_at"]
    assert record["revalidation_due_at"] > record["validated_at"]
    assert statuses(cw, case_id) == ["pre_applicant", "applicant", "approved", "certified",
                                     "validated"]
    tiers = [e["details"]["tier"] for e in events(cw, case_id, "membership_changed")
             if "tier" in e["details"]]
    assert tiers == [1, 3]  # Tier 1 at certification, Tier 3 by rule at validation
    main = cw.get(f"/api/v1/cases/{case_id}").get_json()
    assert main["status"] == "completed"
    year = next_case(cw, case_id)
    first_year = cw.get(f"/api/v1/cases/{year}").get_json()
    assert first_year["process_id"] == "membership_year" and first_year["open_tasks"] == []
    assert first_year["next_timer_at"] is not None

    # the review window opens before the anniversary: the applicant's review appears
    assert wait_until(record["review_window_opens_at"]) >= 1
    review = task_view(applicant, year, "annual_profile_review")
    assert review["task"]["due_at"] is not None
    annual_review(applicant, spec, year)
    # revalidation falls due within the year: the specialist revalidates
    assert set(open_tasks(cw, year)) == {"revalidation_notice"}
    notice_and_visit(spec, cw, applicant, year, prefix="re")
    do(spec, year, "revalidation_result", {"validation_outcome": "passed",
                                           "validation_report": findings("recommendation"),
                                           "validation_findings": "Fine."})
    after = membership(cw, company_id)
    assert after["last_review_at"] is not None and after["tier"] == 2
    assert after["validated_at"] > record["validated_at"]
    assert after["revalidation_due_at"] > record["revalidation_due_at"]
    assert cw.get(f"/api/v1/cases/{year}").get_json()["status"] == "completed"
    second_year = next_case(cw, year)
    assert cw.get(f"/api/v1/cases/{second_year}").get_json()["status"] == "running"
    assert membership(cw, company_id)["anniversary_at"] > record["anniversary_at"]
    assert [e["details"]["next_case_id"] for e in events(cw, year, "case_continued")] == [
        second_year]
    assert UNMET  # used by the risk assessment above

"""The company's living record: the security profile and risk assessment carry from one
membership year to the next, the annual review re-opens them pre-filled, a specialist
accepts (or returns) it, and action-plan items are followed up across years."""
import io

from tests.lifecycle.flow import (
    PROFILE,
    UNMET,
    annual_review,
    certify_and_validate,
    do,
    eligibility,
    events,
    membership,
    next_case,
    open_tasks,
    risk_assessment,
    start_membership,
    task_view,
    to_specialist_review,
    wait_until,
)

SVI_PARTNER = {"name": "Pacific Lines", "role": "carrier", "country": "US",
               "security_program": "ctpat", "program_number": "SVI-88213", "screened": "yes"}


def record(api, company_id: int) -> dict:
    response = api.get(f"/api/v1/companies/{company_id}/record")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_second_year_opens_last_years_record_and_plan_items_are_followed_up(
        app, lifecycle, staff, periods, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    periods(SAFEPORT_ANNUAL_REVIEW_PERIOD="PT6S", SAFEPORT_ANNUAL_REVIEW_WINDOW="PT4S")
    cw, spec = staff["cw"], staff["spec"]
    company_id, applicant = lifecycle("importer")
    case_id = to_specialist_review(cw, applicant, company_id)
    uploaded = applicant.post(f"/api/v1/cases/{case_id}/documents",
                              content_type="multipart/form-data",
                              data={"file": (io.BytesIO(b"%PDF-1.4 policy"), "policy.pdf"),
                                    "criterion": "1.1"})
    assert uploaded.status_code == 201, uploaded.get_json()
    pending = record(applicant, company_id)
    assert pending["accepted"] == {} and set(pending["pending"]) == {"security_profile",
                                                                     "risk_assessment"}
    certify_and_validate(spec, cw, case_id, applicant=applicant)

    # certified and validated: the submission is the accepted record, with its documents
    first = record(applicant, company_id)
    assert first["pending"] == {}
    risk = first["accepted"]["risk_assessment"]["data"]
    assert risk["partners"][0]["program_number"] == "CNAEO1234567"
    assert risk["threats"][0]["country_or_route"] == "CN: Shenzhen -> Yantian"
    assert [i["criterion"] for i in first["open_actions"]] == list(UNMET)
    assert all(i["status"] == "open" for i in first["open_actions"])
    profile = first["accepted"]["security_profile"]["data"]["profile_responses"]
    assert profile["must"], "the security profile answers are kept"
    assert [d["name"] for d in first["documents"]] == ["policy.pdf"]
    download = applicant.get(first["documents"][0]["download_url"])
    assert download.status_code == 200 and download.data == b"%PDF-1.4 policy"
    download.close()

    # year 1: the review opens pre-filled with the accepted record
    year1 = next_case(cw, case_id)
    assert events(cw, case_id, "case_continued")[0]["details"]["with_record"] is True
    wait_until(membership(cw, company_id)["review_window_opens_at"])
    opened = task_view(applicant, year1, "annual_profile_review")["data"]
    assert opened["cargo_flow"] == risk["cargo_flow"]
    assert opened["partners"] == risk["partners"] and opened["threats"] == risk["threats"]
    assert opened["profile_responses"] == profile
    assert [i["status"] for i in opened["action_plan"]] == ["open", "open"]
    plan = [{**opened["action_plan"][0], "status": "in_progress", "follow_up": "Ordered"},
            {**opened["action_plan"][1], "follow_up": "Not started"}]
    # the specialist returns it with comments; the company reworks it, then it is accepted
    annual_review(applicant, spec, year1, {"action_plan": plan},
                  comments="Add the ocean carrier to the partners.")
    rework = task_view(applicant, year1, "annual_review_rework")
    assert rework["data"]["annual_review_comments"] == "Add the ocean carrier to the partners."
    assert rework["data"]["action_plan"][0]["status"] == "in_progress"
    answers = {**rework["data"], "partners": rework["data"]["partners"] + [SVI_PARTNER]}
    answers.pop("annual_review_comments")
    do(applicant, year1, "annual_review_rework", answers)
    assert set(open_tasks(cw, year1)) == {"annual_review_acceptance"}
    assert membership(cw, company_id)["last_review_at"] is None
    do(spec, year1, "annual_review_acceptance", {"annual_review_decision": "accept"})
    assert membership(cw, company_id)["last_review_at"] is not None
    accepted = record(cw, company_id)
    assert accepted["accepted"]["risk_assessment"]["id"] > risk_version(first)
    assert [i["status"] for i in accepted["open_actions"]] == ["in_progress", "open"]

    # year 2 opens with year 1's accepted review: the item is followed up to done
    year2 = next_case(cw, year1)
    wait_until(membership(cw, company_id)["review_window_opens_at"])
    opened = task_view(applicant, year2, "annual_profile_review")["data"]
    assert opened["partners"][-1] == SVI_PARTNER
    assert opened["action_plan"][0]["status"] == "in_progress"
    assert "follow_up" not in opened["action_plan"][0], "each year reports its own progress"
    done = {**opened["action_plan"][0], "status": "done"}
    missing = do(applicant, year2, "annual_profile_review", {
        **opened, "action_plan": [done, {**opened["action_plan"][1], "follow_up": "Started"}],
        "risk_assessment_updated": True, "profile_changes": "none",
        "officer_name": "Dana Officer", "officer_confirms": True}, status=422)
    assert "action_plan.0.done_date" in missing["details"]
    annual_review(applicant, spec, year2, {"action_plan": [
        {**done, "done_date": "2026-11-30"},
        {**opened["action_plan"][1], "status": "in_progress", "follow_up": "Started"}]})
    final = record(applicant, company_id)
    plan = final["accepted"]["risk_assessment"]["data"]["action_plan"]
    assert (plan[0]["status"], plan[0]["done_date"]) == ("done", "2026-11-30")
    assert [i["criterion"] for i in final["open_actions"]] == [UNMET[1]]
    partners = final["accepted"]["risk_assessment"]["data"]["partners"]
    assert [(p["security_program"], p["program_number"]) for p in partners] == [
        ("aeo", "CNAEO1234567"), ("ctpat", "SVI-88213")]
    assert cw.get(f"/api/v1/cases/{year2}").get_json()["status"] == "completed"


def risk_version(view: dict) -> int:
    return view["accepted"]["risk_assessment"]["id"]


def test_a_partner_in_a_program_needs_its_number(lifecycle, staff):
    cw = staff["cw"]
    company_id, applicant = lifecycle("sea_carrier", "Pacific Lines")
    case_id = start_membership(cw, company_id)
    eligibility(cw, case_id)
    schema = task_view(applicant, case_id, "risk_cargo_flow")["form"]["schema"]
    item = schema["properties"]["partners"]["items"]
    assert "program_number" in item["properties"] and "screened" in item["required"]
    partner = {"name": "Yantian Terminal", "role": "terminal", "security_program": "aeo",
               "screened": "yes"}
    refused = do(applicant, case_id, "risk_cargo_flow",
                 {"cargo_flow": "Yantian -> Long Beach", "partners": [partner]}, status=422)
    assert "partners.0.program_number" in refused["details"]
    unlisted = {**partner, "security_program": "none"}
    do(applicant, case_id, "risk_cargo_flow", {"cargo_flow": "Yantian -> Long Beach",
                                               "partners": [unlisted]})
    assert "risk_threats" in open_tasks(cw, case_id)


def test_the_bond_is_required_for_an_importer_not_a_foreign_manufacturer(lifecycle, staff):
    cw = staff["cw"]
    cases = {}
    for entity_type in ("importer", "foreign_manufacturer"):
        company_id, applicant = lifecycle(entity_type, f"{entity_type} co")
        case_id = start_membership(cw, company_id)
        eligibility(cw, case_id)
        risk_assessment(applicant, case_id)
        schema = task_view(applicant, case_id, "company_profile")["form"]["schema"]
        cases[entity_type] = (company_id, applicant, case_id, schema)

    importer_id, importer, importer_case, schema = cases["importer"]
    assert schema["properties"]["identifiers"]["required"] == ["ior", "bond"]
    assert {"officers", "facilities"} <= set(schema["required"])
    no_bond = {**PROFILE, "identifiers": {"ior": "12-3456789"}}
    refused = do(importer, importer_case, "company_profile", no_bond, status=422)
    assert "identifiers.bond" in refused["details"]
    api_refused = importer.client.put(
        f"/api/v1/companies/{importer_id}/profile", headers=importer._headers(),
        json={"profile": {"identifiers": {"ior": "12-3456789"}, "contacts": PROFILE["contacts"]}})
    assert api_refused.status_code == 422 and "identifiers.bond" in api_refused.get_json()[
        "details"]
    do(importer, importer_case, "company_profile", PROFILE)

    maker_id, maker, maker_case, schema = cases["foreign_manufacturer"]
    identifiers = schema["properties"]["identifiers"]
    assert identifiers["required"] == ["mid"] and "bond" not in identifiers["properties"]
    do(maker, maker_case, "company_profile", {**PROFILE, "identifiers": {"mid": "MXACMFAB1234"}})
    view = maker.get(f"/api/v1/companies/{maker_id}/membership").get_json()
    assert view["identifiers"] == {"mid": "MXACMFAB1234"}
    assert view["officers"] == [{"name": "Dana Officer", "title": "COO",
                                 "email": "dana@acme.test"}]
    assert view["facilities"][0]["line1"] == "5 Inland Rd"
    assert view["facilities"][0]["postal_code"] == "91761"


def test_another_companys_applicant_cannot_read_the_record(lifecycle, staff):
    company_id, applicant = lifecycle("customs_broker", "Broker Co")
    other_id, other = lifecycle("importer", "Other Co")
    assert other.get(f"/api/v1/companies/{company_id}/record").status_code == 404
    assert applicant.get(f"/api/v1/companies/{other_id}/record").status_code == 404
    own = record(applicant, company_id)
    assert own == {"company_id": company_id, "accepted": {}, "pending": {},
                   "open_actions": [], "documents": []}
    assert record(staff["spec"], company_id)["company_id"] == company_id

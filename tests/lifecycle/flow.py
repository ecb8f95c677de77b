"""Walking the membership lifecycle through the API, one stage at a time."""
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from app.services.runtime.timers import fire_due_timers

UNMET = ("2.1", "6.2")  # Must criteria the sample applicant reports as not met
#: the sample threat assessment: rated per country or route
THREATS = [{"country_or_route": "CN: Shenzhen -> Yantian", "threat_type": "contraband",
            "rating": "medium"},
           {"country_or_route": "Pacific route Yantian -> Long Beach", "threat_type": "terrorism",
            "rating": "low"}]


def open_tasks(api, case_id: int) -> dict[str, dict]:
    """The case's open tasks by BPMN id (asserting the case is not in error)."""
    response = api.get(f"/api/v1/cases/{case_id}")
    assert response.status_code == 200, response.get_json()
    case = response.get_json()
    assert case["status"] != "error", case["error_message"]
    return {t["bpmn_id"]: t for t in case["open_tasks"]}


def task_view(api, case_id: int, bpmn_id: str) -> dict:
    """GET /tasks/<id> of the case's open task with that BPMN id."""
    tasks = open_tasks(api, case_id)
    assert bpmn_id in tasks, f"{bpmn_id} not open; open: {sorted(tasks)}"
    response = api.get(f"/api/v1/tasks/{tasks[bpmn_id]['id']}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def do(api, case_id: int, bpmn_id: str, data: dict | None = None, status: int = 200) -> dict:
    """Complete the open task `bpmn_id` with `data`, asserting the HTTP status."""
    tasks = open_tasks(api, case_id)
    assert bpmn_id in tasks, f"{bpmn_id} not open; open: {sorted(tasks)}"
    response = api.post(f"/api/v1/tasks/{tasks[bpmn_id]['id']}/complete", json={"data": data or {}})
    assert response.status_code == status, response.get_json()
    return response.get_json()


def fill(schema: dict, choose=None, path: str = "") -> Any:
    """A valid value for a JSON Schema from the API; `choose(path)` may pick a value."""
    picked = choose(path) if choose else None
    if picked is not None:
        return picked
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if "object" in kinds:
        return {name: fill(sub, choose, f"{path}.{name}".lstrip("."))
                for name, sub in schema.get("properties", {}).items()
                if not sub.get("readOnly")}
    if "enum" in schema:
        return next(v for v in schema["enum"] if v is not None)
    if "boolean" in kinds:
        return True
    if "integer" in kinds or "number" in kinds:
        return 10
    if "array" in kinds:
        return []
    if schema.get("format") == "date":
        return "2030-01-15"
    return "Documented in the security manual"


def membership(api, company_id: int) -> dict:
    """The company's membership record as the API shows it."""
    response = api.get(f"/api/v1/companies/{company_id}/membership")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["membership"]


def events(api, case_id: int, kind: str | None = None) -> list[dict]:
    """The case's audit trail, optionally one kind only."""
    items = api.get(f"/api/v1/cases/{case_id}/events").get_json()["items"]
    return [e for e in items if kind is None or e["kind"] == kind]


def statuses(api, case_id: int) -> list[str]:
    """Membership statuses the case set, in order."""
    return [e["details"]["status"] for e in events(api, case_id, "membership_changed")
            if "status" in e["details"]]


def wait_until(moment: str | None, slack: float = 0.05) -> int:
    """Sleep until an ISO instant has passed, then fire due timers; returns timers fired."""
    if moment:
        delay = (datetime.fromisoformat(moment) - datetime.now(UTC)).total_seconds()
        time.sleep(max(0.0, delay) + slack)
    fired = fire_due_timers()
    for _ in range(10):  # a slow machine: the instant may land a moment later
        if fired:
            break
        time.sleep(0.1)
        fired = fire_due_timers()
    return fired


def start_membership(cw, company_id: int) -> int:
    response = cw.post("/api/v1/cases", json={"company_id": company_id})
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["process_id"] == "ctpat_membership"
    return case["id"]


def eligibility(cw, case_id: int, met: bool = True) -> None:
    view = task_view(cw, case_id, "eligibility_review")
    requirements = view["form"]["schema"]["properties"]["requirements"]["properties"]
    assert requirements, "the entity type's requirements are generated into the form"
    answers = {key: "yes" for key in requirements}
    if not met:
        answers["continuous_import_bond"] = "no"
    do(cw, case_id, "eligibility_review", {"requirements": answers,
                                            "eligibility_notes": "Checked against the portal."})


def risk_assessment(applicant, case_id: int, drop_from_plan: str | None = None) -> list[dict]:
    """The five steps; returns the action plan the process built. `drop_from_plan` leaves a
    gap out of the first submission: the process puts it back and asks again."""
    do(applicant, case_id, "risk_cargo_flow", {
        "cargo_flow": "Shenzhen factory -> Yantian port -> Long Beach -> Ontario DC",
        "partners": [{"name": "Shenzhen Widgets", "role": "supplier", "country": "CN",
                      "security_program": "aeo", "program_number": "CNAEO1234567",
                      "screened": "yes"}]})
    do(applicant, case_id, "risk_threats", {"threats": THREATS})
    view = task_view(applicant, case_id, "risk_vulnerabilities")

    def choose(path: str):
        if path.endswith(".met"):
            criterion = path.split(".")[2][1:].replace("_", ".")
            return "no" if criterion in UNMET else "yes"
        return None

    do(applicant, case_id, "risk_vulnerabilities", fill(view["form"]["schema"], choose))
    plan = task_view(applicant, case_id, "risk_action_plan")["data"]["action_plan"]

    def planned(items):
        return {"action_plan": [
            {**item, "action": f"Close the gap on {item['criterion']}",
             "owner": "Security manager", "due_date": "2030-03-01", "status": "open"}
            for item in items]}

    if drop_from_plan:
        do(applicant, case_id, "risk_action_plan",
           planned([i for i in plan if i["criterion"] != drop_from_plan]))
        again = task_view(applicant, case_id, "risk_action_plan")["data"]["action_plan"]
        assert [i["criterion"] for i in again][-1] == drop_from_plan
        do(applicant, case_id, "risk_action_plan", planned(again))
    else:
        do(applicant, case_id, "risk_action_plan", planned(plan))
    do(applicant, case_id, "risk_method", {"method_description": "Yearly workshop",
                                           "review_frequency": "annual"})
    return plan


PROFILE = {
    "company": {"trade_name": "Acme", "ownership_type": "llc",
                "business_start_date": "2004-05-01", "employee_count": 120},
    "identifiers": {"ior": "12-3456789", "bond": "CB-2024-0001"},
    "address": {"line1": "1 Harbor Way", "city": "Long Beach", "region": "CA",
                "postal_code": "90802", "country": "US"},
    "officers": [{"name": "Dana Officer", "title": "COO", "email": "dana@acme.test"}],
    "facilities": [{"name": "Ontario DC", "kind": "warehouse", "line1": "5 Inland Rd",
                    "city": "Ontario", "postal_code": "91761", "country": "US"}],
    "contacts": [
        {"name": "Dana Officer", "title": "COO", "email": "dana@acme.test", "is_officer": True,
         "is_primary": True},
        {"name": "Sam Security", "title": "Security manager", "email": "sam@acme.test"}],
    "agreement": {"officer_name": "Dana Officer", "officer_title": "COO",
                  "agreement_signed": True},
}


def portal_application(applicant, case_id: int, profile: dict | None = None) -> None:
    do(applicant, case_id, "company_profile", profile or PROFILE)


def security_profile(applicant, case_id: int) -> None:
    view = task_view(applicant, case_id, "security_profile")
    do(applicant, case_id, "security_profile", fill(view["form"]["schema"]))


def to_specialist_review(cw, applicant, company_id: int) -> int:
    """A new case walked from eligibility to the specialist's review."""
    case_id = start_membership(cw, company_id)
    eligibility(cw, case_id)
    risk_assessment(applicant, case_id)
    portal_application(applicant, case_id)
    security_profile(applicant, case_id)
    return case_id


def vet(spec, case_id: int, outcome: str = "cleared", notes: str | None = None) -> None:
    """The specialist's vetting task after approval (cleared certifies, else a rejection)."""
    data = {"vetting_outcome": outcome, "vetting_completed_on": date.today().isoformat()}
    if notes is not None:
        data["vetting_notes"] = notes
    do(spec, case_id, "vetting", data)


def visit_day(days: int = 0) -> str:
    """An ISO date `days` from today (visits planned with the shrunken notice lead time)."""
    return (date.today() + timedelta(days=days)).isoformat()


NOTICE = {"visit_planned_for": "2030-02-01", "notice_text": "Visit on 1 February.",
          "validation_sites": [
              {"site": "Ontario DC, Ontario CA", "country": "US", "risk_level": "medium",
               "selection_reason": "Main U.S. distribution centre."},
              {"site": "Shenzhen Widgets factory", "country": "CN", "risk_level": "high",
               "selection_reason": "High-risk origin; stuffing point of U.S.-bound boxes."}],
          "documents_requested": [{"document": "Seal log, last three months"},
                                  {"document": "Container inspection checklist"}]}


def notice_and_visit(spec, cw, applicant, case_id: int, prefix: str = "") -> None:
    """The validation notice, the applicant's documents and the site visit (first validation,
    or with prefix "re" the revalidation's tasks)."""
    notice, documents, visit = (("revalidation_notice", "revalidation_documents", "resite_visit")
                                if prefix else ("validation_notice", "prevalidation_documents",
                                                "site_visit"))
    do(cw, case_id, notice, NOTICE)
    asked = task_view(applicant, case_id, documents)["data"]["documents_provided"]
    do(applicant, case_id, documents, {"documents_provided": [
        {**item, "description": f"Uploaded: {item['document']}"} for item in asked]})
    do(spec, case_id, visit, {"visit_date": visit_day(0),
                              "sites_visited": "Ontario DC; Shenzhen factory"})


def findings(*kinds: str) -> dict:
    """A validation report with one finding of each kind given."""
    return {"findings": [{"finding_type": kind, "criterion": f"{index + 1}.1",
                          "description": f"Finding {index + 1}: {kind}"}
                         for index, kind in enumerate(kinds)]}


def certify_and_validate(spec, cw, case_id: int, tier: str = "2", applicant=None) -> None:
    """Approve, vet, certify and validate without Required Actions; tier "3" records a Best
    Practice (the tier itself follows by rule from the findings and the entity type)."""
    do(spec, case_id, "specialist_review", {"review_outcome": "approve"})
    vet(spec, case_id)
    assert applicant is not None, "the applicant sends the documents asked for: pass it"
    notice_and_visit(spec, cw, applicant, case_id)
    report = findings("recommendation", *(["best_practice"] if tier == "3" else []))
    do(spec, case_id, "validation_result", {"validation_outcome": "passed",
                                            "validation_report": report,
                                            "validation_findings": "All criteria met."})


def next_case(api, case_id: int) -> int:
    """The membership-year case that `case_id` continued as."""
    found = events(api, case_id, "case_continued")
    assert len(found) == 1, found
    return found[0]["details"]["next_case_id"]


def annual_review(applicant, spec, year_case: int, changes: dict | None = None,
                  comments: str | None = None) -> dict:
    """Submit the annual review as it opens (last year's record) with `changes`, then the
    specialist accepts it, or returns it with `comments` (then it waits for the rework).
    Returns the data the review opened with."""
    opened = task_view(applicant, year_case, "annual_profile_review")["data"]
    plan = [item if item.get("status") == "done" else {"follow_up": "On track", **item}
            for item in opened.get("action_plan", [])]
    answers = {**opened, "action_plan": plan, **(changes or {}), "risk_assessment_updated": True,
               "profile_changes": "none", "officer_name": "Dana Officer",
               "officer_confirms": True}
    answers.pop("annual_review_comments", None)
    do(applicant, year_case, "annual_profile_review", answers)
    decision = {"annual_review_decision": "return", "annual_review_comments": comments} \
        if comments else {"annual_review_decision": "accept"}
    do(spec, year_case, "annual_review_acceptance", decision)
    return opened


def security_profile_not_met(applicant, case_id: int, not_met: tuple[str, ...]) -> None:
    """The security profile answering the criteria `not_met` (e.g. ("2.1", "6.2")) as not met
    today and every other one as met."""
    view = task_view(applicant, case_id, "security_profile")

    def choose(path: str):
        if path.endswith(".meets"):
            criterion = path.split(".")[2][1:].replace("_", ".")
            return "no" if criterion in not_met else "yes"
        return None

    do(applicant, case_id, "security_profile", fill(view["form"]["schema"], choose))


def close_gaps(spec, applicant, case_id: int, still_open: tuple[str, ...] = ()) -> dict:
    """One information round in which the applicant reports every open Must gap met (but
    `still_open`); returns the specialist's review task afterwards."""
    do(spec, case_id, "specialist_review", {"review_outcome": "request_info",
                                            "questions": "Are the open Must gaps closed?"})
    ask = task_view(applicant, case_id, "information_request")
    updates = [{**item, "meets": "no" if item["criterion"] in still_open else "yes",
                "evidence": f"Evidence for {item['criterion']}"}
               for item in ask["data"]["gap_updates"]]
    do(applicant, case_id, "information_request", {"answers": "Closed, see the evidence.",
                                                   "gap_updates": updates})
    return task_view(spec, case_id, "specialist_review")


def verified(spec, case_id: int, unverified: tuple[int, ...] = ()) -> list[dict]:
    """The reinstatement decision's corrective actions, each verified but those at the
    positions `unverified`."""
    items = task_view(spec, case_id, "reinstatement_decision")["data"]["plan_verification"]
    return [{**item, "verified": "no" if index in unverified else "yes",
             "verification_note": "Checked on site."} for index, item in enumerate(items)]

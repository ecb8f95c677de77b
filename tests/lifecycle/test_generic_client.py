"""A generic API client walks the lifecycle filling every task from its resolved JSON Schema
alone (and the task's data the form starts from), with preferences only for the decisions
that steer the process."""
from app.services.membership.catalogue_sources import designations
from app.services.runtime.timers import fire_due_timers
from tests.form_client import fill_from_schema
from tests.lifecycle.flow import membership, open_tasks, start_membership

#: the answers that move a case forward; everything else comes from the schemas
PREFERENCES = {"review_outcome": "approve", "validation_outcome": "passed",
               "vetting_outcome": "cleared",
               "met": "no"}  # every criterion a gap: the action plan has entries to fill


def complete_from_schema(api, task: dict) -> str:
    """GET the task, fill its form from the schema, POST it; returns the BPMN id."""
    view = api.get(f"/api/v1/tasks/{task['id']}").get_json()
    form = view["form"]
    assert form is None or form["resolved"] is True
    data = fill_from_schema(form["schema"], view["data"], PREFERENCES) if form else {}
    response = api.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data})
    assert response.status_code == 200, (task["bpmn_id"], response.get_json())
    return task["bpmn_id"]


def walk_to_validated(apis: dict, case_id: int, company_id: int) -> dict[str, int]:
    """Complete whatever is open (by role) until the membership is validated; returns the
    completed tasks' ids by BPMN id, in order."""
    done: dict[str, int] = {}
    for _ in range(40):
        if membership(apis["case_worker"], company_id)["status"] == "validated":
            return done
        tasks = open_tasks(apis["case_worker"], case_id)  # asserts the case is not in error
        if not tasks:
            assert fire_due_timers(), f"case {case_id} waits for nothing after {list(done)}"
        for task in tasks.values():
            done[complete_from_schema(apis[task["role"]], task)] = task["id"]
    raise AssertionError(f"not validated after {list(done)}")


def test_a_generic_client_takes_an_importer_and_a_broker_to_validated(lifecycle, staff):
    walked = {}
    for entity_type in ("importer", "customs_broker"):
        company_id, applicant = lifecycle(entity_type, f"{entity_type.title()} Co")
        apis = {"applicant": applicant, "case_worker": staff["cw"],
                "specialist": staff["spec"]}
        case_id = start_membership(staff["cw"], company_id)
        walked[entity_type] = walk_to_validated(apis, case_id, company_id)
        profile = staff["cw"].get(f"/api/v1/companies/{company_id}/membership").get_json()
        assert len(profile["contacts"]) == 2 and profile["partners"]
    path = ["eligibility_review", "risk_cargo_flow", "risk_threats", "risk_vulnerabilities",
            "risk_action_plan", "risk_method", "company_profile", "security_profile",
            "specialist_review", "vetting", "validation_notice", "prevalidation_documents",
            "site_visit", "validation_result"]
    assert list(walked["importer"]) == path
    # the broker has its own, shorter catalogue: its gaps are its own criteria, the same path
    assert list(walked["customs_broker"]) == path
    plans = {entity_type: staff["cw"].get(f"/api/v1/tasks/{done['risk_action_plan']}")
             .get_json()["submitted_data"]["action_plan"] for entity_type, done in walked.items()}
    broker_ids = set(designations("customs_broker"))
    assert plans["customs_broker"] and {i["criterion"] for i in plans["customs_broker"]} <= (
        broker_ids)
    assert "5.3" not in broker_ids  # no conveyance inspections for a broker
    assert len(plans["importer"]) > len(plans["customs_broker"])
    assert all(item["action"] and item["owner"] and item["due_date"]
               for plan in plans.values() for item in plan)

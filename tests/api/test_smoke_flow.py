"""The basic flow through the API: deploy, start, inbox, claim, complete, audit."""
from tests.helpers import deploy, start


def test_two_lane_case_runs_end_to_end(staff, make_user, login):
    cw, designer = staff["cw"], staff["designer"]
    response = deploy(designer, "two_lanes.bpmn")
    assert response.status_code == 201, response.get_json()
    company = cw.post("/api/v1/companies", json={"legal_name": "Acme", "entity_type": "importer"})
    assert company.status_code == 201
    company_id = company.get_json()["id"]
    make_user("acme", "applicant", company_id)
    applicant = login("acme")

    case = start(cw, company_id, "two_lanes")
    assert case["status"] == "running"
    assert [t["title"] for t in case["open_tasks"]] == ["Review request"]
    review = case["open_tasks"][0]
    assert review["role"] == "case_worker" and review["priority"] == 80
    assert review["due_at"] is not None

    queue = cw.get("/api/v1/tasks?scope=role").get_json()
    assert queue["total"] == 1 and queue["items"][0]["id"] == review["id"]
    assert cw.post(f"/api/v1/tasks/{review['id']}/claim").status_code == 200
    assert cw.get("/api/v1/tasks?scope=mine").get_json()["total"] == 1

    bad = cw.post(f"/api/v1/tasks/{review['id']}/complete", json={"data": {"decision": "maybe"}})
    assert bad.status_code == 422
    assert "decision" in bad.get_json()["details"]

    done = cw.post(f"/api/v1/tasks/{review['id']}/complete",
                   json={"data": {"decision": "accept"}})
    assert done.status_code == 200, done.get_json()
    again = cw.post(f"/api/v1/tasks/{review['id']}/complete",
                    json={"data": {"decision": "accept"}})
    assert again.status_code == 409

    detail = applicant.get(f"/api/v1/cases/{case['id']}").get_json()
    answer = detail["open_tasks"][0]
    assert answer["title"] == "Answer questions" and answer["role"] == "applicant"
    assert applicant.post(f"/api/v1/tasks/{answer['id']}/complete",
                          json={"data": {"answer": 42}}).status_code == 200
    outside = cw.get(f"/api/v1/cases/{case['id']}").get_json()["open_tasks"][0]
    assert outside["role"] == "case_worker"
    assert cw.post(f"/api/v1/tasks/{outside['id']}/complete").status_code == 200

    final = cw.get(f"/api/v1/cases/{case['id']}").get_json()
    assert final["status"] == "completed" and final["open_tasks"] == []
    kinds = [e["kind"] for e in cw.get(f"/api/v1/cases/{case['id']}/events").get_json()["items"]]
    assert kinds[0] == "case_started" and kinds[-1] == "case_completed"
    assert kinds.count("task_completed") == 3 and kinds.count("task_created") == 3

"""Races and boundaries: double completion from real threads, claims, other companies' cases."""
import threading

import pytest

from app.extensions import db
from app.models import AuditEvent, HumanTask
from tests.helpers import deploy, start


@pytest.fixture
def two_lane_case(staff):
    cw = staff["cw"]
    assert deploy(staff["designer"], "two_lanes.bpmn").status_code == 201
    company = cw.post("/api/v1/companies", json={"legal_name": "Acme",
                                                 "entity_type": "importer"}).get_json()["id"]
    case = start(cw, company, "two_lanes")
    return case, company


def _race(app, make_request, workers=2):
    barrier = threading.Barrier(workers)
    results: list[int] = []

    def run():
        with app.app_context():
            client = app.test_client()
            barrier.wait()
            results.append(make_request(client).status_code)
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return sorted(results)


def test_concurrent_completions_give_one_success_and_one_conflict(app, staff, two_lane_case):
    case, _ = two_lane_case
    task_id = case["open_tasks"][0]["id"]
    headers = {"Authorization": f"Bearer {staff['cw'].token}"}
    for attempt in range(3):  # several rounds make a lucky serial ordering unlikely to pass
        if attempt:
            case_now = staff["cw"].get(f"/api/v1/cases/{case['id']}").get_json()
            if not case_now["open_tasks"]:
                break
            task_id = case_now["open_tasks"][0]["id"]
            headers = {"Authorization": f"Bearer {staff['admin'].token}"}
        statuses = _race(app, lambda c, t=task_id, h=headers: c.post(
            f"/api/v1/tasks/{t}/complete", json={"data": {"decision": "accept"}}, headers=h))
        assert statuses == [200, 409]
        db.session.expire_all()
        completions = db.session.query(AuditEvent).filter_by(
            kind="task_completed", task_id=task_id).count()
        assert completions == 1
    final = staff["cw"].get(f"/api/v1/cases/{case['id']}").get_json()
    assert final["status"] == "completed" and final["open_tasks"] == []
    events = staff["cw"].get(f"/api/v1/cases/{case['id']}/events").get_json()["items"]
    created = [e["details"]["element"] for e in events if e["kind"] == "task_created"]
    assert created == ["review", "answer", "outside"]  # none created twice
    assert [e["kind"] for e in events].count("task_completed") == 3


def test_concurrent_claims_give_one_owner(app, staff, two_lane_case):
    case, _ = two_lane_case
    task_id = case["open_tasks"][0]["id"]
    tokens = iter([staff["cw"].token, staff["cw2"].token])
    headers = [{"Authorization": f"Bearer {next(tokens)}"} for _ in range(2)]
    lock = threading.Lock()

    def claim(client):
        with lock:
            h = headers.pop()
        return client.post(f"/api/v1/tasks/{task_id}/claim", headers=h)

    assert _race(app, claim) == [200, 409]
    db.session.expire_all()
    assert db.session.get(HumanTask, task_id).assignee_id is not None


def test_claim_release_assign_rules(staff, two_lane_case, make_user, login):
    case, company = two_lane_case
    cw, cw2, spec, admin = staff["cw"], staff["cw2"], staff["spec"], staff["admin"]
    task_id = case["open_tasks"][0]["id"]
    assert spec.post(f"/api/v1/tasks/{task_id}/claim").status_code == 403  # wrong role
    assert cw.post(f"/api/v1/tasks/{task_id}/claim").get_json()["assignee"] == "cw"
    assert cw2.post(f"/api/v1/tasks/{task_id}/claim").status_code == 409
    assert cw2.post(f"/api/v1/tasks/{task_id}/complete",
                    json={"data": {"decision": "accept"}}).status_code == 409
    assert cw2.post(f"/api/v1/tasks/{task_id}/unclaim").status_code == 403
    assert cw.post(f"/api/v1/tasks/{task_id}/unclaim").get_json()["assignee"] is None

    assert cw.post(f"/api/v1/tasks/{task_id}/assign",
                   json={"username": "spec"}).status_code == 422  # not a case worker
    assert cw.post(f"/api/v1/tasks/{task_id}/assign",
                   json={"username": "nobody"}).status_code == 422
    assigned = cw.post(f"/api/v1/tasks/{task_id}/assign", json={"username": "cw2"})
    assert assigned.status_code == 200 and assigned.get_json()["assignee"] == "cw2"
    assert [t["id"] for t in cw2.get("/api/v1/tasks?scope=mine").get_json()["items"]] == [task_id]
    assert spec.post(f"/api/v1/tasks/{task_id}/assign", json={"username": "cw"}).status_code == 403
    assert admin.get("/api/v1/tasks?scope=all").get_json()["total"] == 1
    assert cw.get("/api/v1/tasks?scope=all").status_code == 403
    assert cw.get("/api/v1/tasks?scope=role&role=specialist").status_code == 403
    assert cw.get("/api/v1/tasks?scope=bogus").status_code == 422
    events = cw.get(f"/api/v1/cases/{case['id']}/events").get_json()["items"]
    kinds = [e["kind"] for e in events]
    assert kinds.count("task_claimed") == 1 and kinds.count("task_unclaimed") == 1
    assert [e["details"]["assignee"] for e in events if e["kind"] == "task_assigned"] == ["cw2"]


def test_applicant_sees_only_its_own_company(staff, two_lane_case, make_user, login):
    case, company = two_lane_case
    cw = staff["cw"]
    other = cw.post("/api/v1/companies", json={"legal_name": "Globex",
                                               "entity_type": "exporter"}).get_json()["id"]
    make_user("globex", "applicant", other)
    make_user("acme", "applicant", company)
    outsider, insider = login("globex"), login("acme")
    review = case["open_tasks"][0]
    assert cw.post(f"/api/v1/tasks/{review['id']}/complete",
                   json={"data": {"decision": "accept"}}).status_code == 200
    answer = cw.get(f"/api/v1/cases/{case['id']}").get_json()["open_tasks"][0]

    assert outsider.get(f"/api/v1/cases/{case['id']}").status_code == 404
    assert outsider.get(f"/api/v1/cases/{case['id']}/events").status_code == 404
    assert outsider.get(f"/api/v1/tasks/{answer['id']}").status_code == 404
    assert outsider.post(f"/api/v1/tasks/{answer['id']}/complete",
                         json={"data": {}}).status_code == 404
    assert outsider.post(f"/api/v1/tasks/{answer['id']}/claim").status_code == 404
    assert outsider.get("/api/v1/cases").get_json()["total"] == 0
    assert outsider.get("/api/v1/tasks?scope=role").get_json()["total"] == 0
    assert outsider.post("/api/v1/cases", json={"company_id": company,
                                                "process_id": "two_lanes"}).status_code == 404

    assert insider.get(f"/api/v1/cases/{case['id']}").status_code == 200
    assert insider.get("/api/v1/tasks?scope=role").get_json()["total"] == 1
    assert insider.get(f"/api/v1/cases?company_id={other}").get_json()["total"] == 0
    assert staff["designer"].get(f"/api/v1/cases/{case['id']}").status_code == 403
    assert staff["designer"].get(f"/api/v1/companies/{company}").status_code == 403
    assert staff["designer"].get(f"/api/v1/companies/{company}/membership").status_code == 403
    assert staff["designer"].get("/api/v1/memberships").status_code == 403


def test_applicants_never_open_staff_tasks_nor_read_staff_decisions(staff, two_lane_case,
                                                                      make_user, login, client):
    case, company = two_lane_case
    make_user("acme", "applicant", company)
    insider = login("acme")
    review = case["open_tasks"][0]
    # a staff task of their own case is not found for applicants, whatever they try
    assert insider.get(f"/api/v1/tasks/{review['id']}").status_code == 404
    assert insider.post(f"/api/v1/tasks/{review['id']}/complete",
                        json={"data": {}}).status_code == 404
    assert insider.post(f"/api/v1/tasks/{review['id']}/claim").status_code == 404
    assert staff["cw"].post(f"/api/v1/tasks/{review['id']}/complete", json={"data": {
        "decision": "accept", "note": "internal: weak seals"}}).status_code == 200
    assert insider.get(f"/api/v1/tasks/{review['id']}").status_code == 404
    staff_view = staff["cw"].get(f"/api/v1/cases/{case['id']}/events").get_json()["items"]
    done = [e for e in staff_view if e["kind"] == "task_completed"]
    assert done[0]["details"]["data"]["note"] == "internal: weak seals"
    applicant_view = insider.get(f"/api/v1/cases/{case['id']}/events").get_json()["items"]
    done = [e for e in applicant_view if e["kind"] == "task_completed"]
    assert done and "data" not in done[0]["details"] and done[0]["actor"] == "cw"
    assert "weak seals" not in str(applicant_view)
    client.post("/login", data={"username": "acme", "password": "password-1"})
    assert client.get(f"/tasks/{review['id']}").status_code == 404


def test_task_form_is_json_schema_and_bad_data_gives_field_errors(staff, two_lane_case):
    case, _ = two_lane_case
    cw = staff["cw"]
    task_id = case["open_tasks"][0]["id"]
    detail = cw.get(f"/api/v1/tasks/{task_id}").get_json()
    schema = detail["form"]["schema"]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["decision"]["enum"] == ["accept", "refuse"]
    assert "decision" in schema["required"]

    response = cw.post(f"/api/v1/tasks/{task_id}/complete",
                       json={"data": {"note": "x" * 51, "extra": 1}})
    body = response.get_json()
    assert response.status_code == 422 and body["error"] == "invalid"
    assert set(body["details"]) == {"decision", "note", "extra"}
    assert cw.post(f"/api/v1/tasks/{task_id}/complete", json={"data": "nope"}).status_code == 422
    assert cw.post(f"/api/v1/tasks/{task_id}/complete", data="not json",
                   content_type="application/json").status_code == 422
    still = cw.get(f"/api/v1/cases/{case['id']}").get_json()["open_tasks"]
    assert [t["id"] for t in still] == [task_id]  # nothing was applied

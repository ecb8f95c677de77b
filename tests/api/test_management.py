"""Designer and operator operations: validate a draft, compare versions, migrate cases,
suspend, resume and terminate."""
from io import BytesIO

import pytest

from app.extensions import db
from app.models import ProcessVersion
from tests.helpers import bpmn, deploy, start


def _upload(api, url, **files):
    return api.post(url, data={"files": [(BytesIO(content), name)
                                         for name, content in files.items()]},
                    content_type="multipart/form-data")


@pytest.fixture
def company(staff):
    return staff["cw"].post("/api/v1/companies", json={
        "legal_name": "Acme", "entity_type": "importer"}).get_json()["id"]


V1 = bpmn("two_lanes.bpmn")
# v2: the review task is renamed and a new task follows the answer; 'outside' is unchanged.
V2 = V1.replace(b'name="Review request"', b'name="Review the request"')
# v3: the review task is gone and a double check follows the answer.
V3 = bpmn("two_lanes_reworked.bpmn")


def test_validate_checks_a_draft_without_storing_it(staff):
    designer = staff["designer"]
    ok = _upload(designer, "/api/v1/process-models/validate", **{"two_lanes.bpmn": V1})
    assert ok.status_code == 200 and ok.get_json() == {"valid": True,
                                                       "processes": ["two_lanes"]}
    bad = _upload(designer, "/api/v1/process-models/validate",
                  **{"two_lanes.bpmn": V1.replace(b"Case worker", b"Purchasing")})
    assert bad.status_code == 422
    assert "Purchasing" in bad.get_json()["details"][0]["message"]
    assert db.session.query(ProcessVersion).count() == 0
    assert _upload(staff["cw"], "/api/v1/process-models/validate",
                   **{"two_lanes.bpmn": V1}).status_code == 403


def test_compare_names_added_removed_and_changed_elements(staff):
    designer = staff["designer"]
    assert _upload(designer, "/api/v1/process-models", **{"two_lanes.bpmn": V1}).status_code == 201
    assert _upload(designer, "/api/v1/process-models", **{"two_lanes.bpmn": V3}).status_code == 201
    diff = designer.get("/api/v1/process-models/two_lanes/compare?from=1&to=2").get_json()
    assert diff["added"] == {"two_lanes": ["double_check"]}
    assert diff["removed"] == {"two_lanes": ["review"]}
    assert diff["renamed"] == {}
    renamed = V1.replace(b'"outside"', b'"last_step"').replace(b">outside<", b">last_step<")
    assert _upload(designer, "/api/v1/process-models",
                   **{"two_lanes.bpmn": renamed}).status_code == 201
    diff = designer.get("/api/v1/process-models/two_lanes/compare?from=1&to=3").get_json()
    assert diff["renamed"] == {"two_lanes": {"outside": "last_step"}}
    assert diff["added"] == {} and diff["removed"] == {}
    assert designer.get("/api/v1/process-models/two_lanes/compare?from=1&to=9").status_code == 404
    assert designer.get("/api/v1/process-models/two_lanes/compare?from=1").status_code == 422


def test_migration_dry_run_then_migrate_a_safe_case(staff, company):
    designer, cw = staff["designer"], staff["cw"]
    _upload(designer, "/api/v1/process-models", **{"two_lanes.bpmn": V1})
    case = start(cw, company, "two_lanes")
    _upload(designer, "/api/v1/process-models", **{"two_lanes.bpmn": V2})

    dry = designer.post(f"/api/v1/cases/{case['id']}/migrate", json={"to_version": 2})
    assert dry.status_code == 200
    assert dry.get_json() == {"case_id": case["id"], "safe": True, "migrated": False,
                              "reasons": [], "reset": ["review"], "changed": ["review"]}
    assert cw.get(f"/api/v1/cases/{case['id']}").get_json()["process_version"] == 1

    done = designer.post(f"/api/v1/cases/{case['id']}/migrate",
                         json={"to_version": 2, "dry_run": False})
    assert done.get_json()["migrated"] is True
    after = cw.get(f"/api/v1/cases/{case['id']}").get_json()
    assert after["process_version"] == 2
    assert [t["title"] for t in after["open_tasks"]] == ["Review the request"]
    task = after["open_tasks"][0]
    assert cw.post(f"/api/v1/tasks/{task['id']}/complete",
                   json={"data": {"decision": "accept"}}).status_code == 200
    kinds = [e["kind"] for e in cw.get(f"/api/v1/cases/{case['id']}/events").get_json()["items"]]
    assert "case_migrated" in kinds
    assert designer.post(f"/api/v1/cases/{case['id']}/migrate",
                         json={"to_version": 2}).get_json()["safe"] is False


def test_unsafe_migration_is_refused_with_the_reason(staff, company):
    designer, cw = staff["designer"], staff["cw"]
    _upload(designer, "/api/v1/process-models", **{"two_lanes.bpmn": V1})
    waiting = start(cw, company, "two_lanes")
    moved_on = start(cw, company, "two_lanes")
    task = moved_on["open_tasks"][0]
    cw.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"decision": "accept"}})
    _upload(designer, "/api/v1/process-models", **{"two_lanes.bpmn": V3})

    plans = designer.post("/api/v1/process-models/two_lanes/migrate",
                          json={"from_version": 1, "to_version": 2}).get_json()["items"]
    by_case = {p["case_id"]: p for p in plans}
    assert by_case[waiting["id"]]["safe"] is False
    assert "'review'" in by_case[waiting["id"]]["reasons"][0]
    assert by_case[moved_on["id"]]["safe"] is False  # it has been through 'review' too

    refused = designer.post(f"/api/v1/cases/{waiting['id']}/migrate",
                            json={"to_version": 2, "dry_run": False}).get_json()
    assert refused["migrated"] is False
    assert cw.get(f"/api/v1/cases/{waiting['id']}").get_json()["process_version"] == 1
    assert cw.post(f"/api/v1/cases/{waiting['id']}/migrate",
                   json={"to_version": 2}).status_code == 403


def test_bulk_migration_moves_every_safe_case(staff, company):
    designer, cw = staff["designer"], staff["cw"]
    _upload(designer, "/api/v1/process-models", **{"two_lanes.bpmn": V1})
    ids = [start(cw, company, "two_lanes")["id"] for _ in range(3)]
    _upload(designer, "/api/v1/process-models", **{"two_lanes.bpmn": V2})
    result = designer.post("/api/v1/process-models/two_lanes/migrate",
                           json={"from_version": 1, "to_version": 2, "dry_run": False})
    assert [p["migrated"] for p in result.get_json()["items"]] == [True, True, True]
    for case_id in ids:
        assert cw.get(f"/api/v1/cases/{case_id}").get_json()["process_version"] == 2


def test_suspend_resume_terminate(staff, company):
    cw, spec = staff["cw"], staff["spec"]
    assert deploy(staff["designer"], "two_lanes.bpmn").status_code == 201
    case = start(cw, company, "two_lanes")
    task = case["open_tasks"][0]
    assert spec.post(f"/api/v1/cases/{case['id']}/suspend", json={}).status_code == 403
    held = cw.post(f"/api/v1/cases/{case['id']}/suspend", json={"reason": "narcotics seizure"})
    assert held.get_json()["status"] == "suspended"
    assert cw.post(f"/api/v1/tasks/{task['id']}/complete",
                   json={"data": {"decision": "accept"}}).status_code == 409
    assert cw.post(f"/api/v1/cases/{case['id']}/suspend", json={}).status_code == 409
    assert cw.post(f"/api/v1/cases/{case['id']}/resume", json={}).get_json()["status"] == \
        "running"
    assert cw.post(f"/api/v1/tasks/{task['id']}/complete",
                   json={"data": {"decision": "accept"}}).status_code == 200

    ended = cw.post(f"/api/v1/cases/{case['id']}/terminate", json={"reason": "withdrawn"})
    assert ended.status_code == 200 and ended.get_json()["status"] == "terminated"
    detail = cw.get(f"/api/v1/cases/{case['id']}").get_json()
    assert detail["open_tasks"] == []
    assert cw.post(f"/api/v1/cases/{case['id']}/terminate", json={}).status_code == 409
    events = cw.get(f"/api/v1/cases/{case['id']}/events").get_json()["items"]
    kinds = [e["kind"] for e in events]
    assert kinds.count("case_suspended") == 1 and kinds.count("case_resumed") == 1
    assert "case_terminated" in kinds and "case_completed" not in kinds
    assert kinds.count("task_cancelled") == 1

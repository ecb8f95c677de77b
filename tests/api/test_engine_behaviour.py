"""Engine behaviour seen through the API: timers, errors and retry, messages, call activities."""
import time
from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.models import Case, MessageSubscription
from app.services.runtime.timers import fire_due_timers, next_due_at
from tests.helpers import deploy, start


def _company(api, name="Acme", entity_type="importer") -> int:
    response = api.post("/api/v1/companies", json={"legal_name": name,
                                                   "entity_type": entity_type})
    assert response.status_code == 201
    return response.get_json()["id"]


def _open_titles(api, case_id):
    return [t["title"] for t in api.get(f"/api/v1/cases/{case_id}").get_json()["open_tasks"]]


def test_timer_waits_in_indexed_column_and_fires_once_when_due(staff):
    cw = staff["cw"]
    assert deploy(staff["designer"], "timer_wait.bpmn").status_code == 201
    company = _company(cw)
    before = datetime.now(UTC)
    case = start(cw, company, "timer_wait", {"wait": "PT1S"})
    assert case["open_tasks"] == [] and case["status"] == "running"
    due = db.session.get(Case, case["id"]).next_timer_at
    assert before + timedelta(seconds=0.5) < due < before + timedelta(seconds=3)
    assert next_due_at() == due

    assert fire_due_timers(now=datetime.now(UTC)) == 0  # not due yet: nothing happens
    assert _open_titles(cw, case["id"]) == []

    time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 0.05)
    assert fire_due_timers() == 1
    assert fire_due_timers() == 0  # fired exactly once
    assert _open_titles(cw, case["id"]) == ["After the wait"]
    db.session.expire_all()
    assert db.session.get(Case, case["id"]).next_timer_at is None
    kinds = [e["kind"] for e in cw.get(f"/api/v1/cases/{case['id']}/events").get_json()["items"]]
    assert kinds.count("timer_fired") == 1


def test_failing_script_puts_case_in_error_and_admin_retry_recovers(staff):
    cw, admin = staff["cw"], staff["admin"]
    assert deploy(staff["designer"], "failing_script.bpmn").status_code == 201
    case = start(cw, _company(cw), "failing_script")
    enter = case["open_tasks"][0]
    response = cw.post(f"/api/v1/tasks/{enter['id']}/complete", json={"data": {"divisor": 0}})
    assert response.status_code == 200  # the submission itself is kept

    failed = cw.get(f"/api/v1/cases/{case['id']}").get_json()
    assert failed["status"] == "error"
    assert "division by zero" in failed["error_message"]
    assert "divide" in failed["error_message"].lower()
    assert failed["open_tasks"] == []
    events = cw.get(f"/api/v1/cases/{case['id']}/events").get_json()["items"]
    error = [e for e in events if e["kind"] == "error"]
    assert len(error) == 1 and error[0]["details"]["element"] == "divide"
    completed = [e for e in events if e["kind"] == "task_completed"]
    assert completed[0]["details"]["data"] == {"divisor": 0}

    assert cw.post(f"/api/v1/cases/{case['id']}/retry", json={}).status_code == 403
    still = admin.post(f"/api/v1/cases/{case['id']}/retry", json={})
    assert still.status_code == 200 and still.get_json()["status"] == "error"

    fixed = admin.post(f"/api/v1/cases/{case['id']}/retry", json={"data": {"divisor": 4}})
    assert fixed.status_code == 200, fixed.get_json()
    assert fixed.get_json()["status"] == "running" and fixed.get_json()["error_message"] is None
    assert _open_titles(cw, case["id"]) == ["After division"]
    task = cw.get(f"/api/v1/cases/{case['id']}").get_json()["open_tasks"][0]
    assert cw.get(f"/api/v1/tasks/{task['id']}").get_json()["data"]["quotient"] == 25
    assert admin.post(f"/api/v1/cases/{case['id']}/retry", json={}).status_code == 409


def test_message_delivered_to_one_case_and_by_correlation_key(staff):
    cw = staff["cw"]
    assert deploy(staff["designer"], "message_wait.bpmn").status_code == 201
    acme, globex = _company(cw, "Acme"), _company(cw, "Globex")
    first = start(cw, acme, "message_wait")
    second = start(cw, globex, "message_wait")
    keys = {s.case_id: s.correlation_key for s in db.session.query(MessageSubscription)}
    assert keys == {first["id"]: f"company_id={acme}", second["id"]: f"company_id={globex}"}

    wrong = cw.post(f"/api/v1/cases/{first['id']}/messages/unknown_message",
                    json={"payload": {}})
    assert wrong.status_code == 422

    delivered = cw.post("/api/v1/messages/documents_received",
                        json={"correlation": {"company_id": globex},
                              "payload": {"files": ["policy.pdf"]}})
    assert delivered.status_code == 200, delivered.get_json()
    assert delivered.get_json()["case_ids"] == [second["id"]]
    assert _open_titles(cw, second["id"]) == ["Check documents"]
    assert _open_titles(cw, first["id"]) == []
    task = cw.get(f"/api/v1/cases/{second['id']}").get_json()["open_tasks"][0]
    assert cw.get(f"/api/v1/tasks/{task['id']}").get_json()["data"]["documents"] == {
        "files": ["policy.pdf"]}

    nobody = cw.post("/api/v1/messages/documents_received",
                     json={"correlation": {"company_id": globex}, "payload": {}})
    assert nobody.status_code == 404

    direct = cw.post(f"/api/v1/cases/{first['id']}/messages/documents_received",
                     json={"payload": {"files": []}})
    assert direct.status_code == 200
    assert _open_titles(cw, first["id"]) == ["Check documents"]
    kinds = [e["kind"] for e in cw.get(f"/api/v1/cases/{first['id']}/events").get_json()["items"]]
    assert "message_received" in kinds
    assert db.session.query(MessageSubscription).count() == 0


def test_call_activity_in_another_file_runs_with_its_default_role(staff):
    cw, spec = staff["cw"], staff["spec"]
    response = deploy(staff["designer"], "call_main.bpmn", "call_sub.bpmn")
    assert response.status_code == 201, response.get_json()
    case = start(cw, _company(cw), "call_main")
    assert case["current_stage"] == "Stage in another file"
    sub_task = case["open_tasks"][0]
    assert sub_task["title"] == "Task in the called stage" and sub_task["role"] == "specialist"
    assert cw.post(f"/api/v1/tasks/{sub_task['id']}/complete").status_code == 403
    assert spec.post(f"/api/v1/tasks/{sub_task['id']}/complete",
                     json={"data": {"note": "ok"}}).status_code == 200
    final = cw.get(f"/api/v1/cases/{case['id']}").get_json()
    assert [t["title"] for t in final["open_tasks"]] == ["Final check"]
    task = final["open_tasks"][0]
    data = cw.get(f"/api/v1/tasks/{task['id']}").get_json()["data"]
    assert data["stage_done"] is True and data["note"] == "ok"

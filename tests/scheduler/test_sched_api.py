"""The notification and scheduler-status endpoints of the JSON API."""
from datetime import timedelta

from app.extensions import db
from app.models import HumanTask
from app.services.jobs import reminders
from tests.scheduler.sched_helpers import deploy_ok, start_case


def test_notifications_through_the_api(staff, company, lead_times):
    lead_times("PT40S")
    deploy_ok(staff["designer"], "sched_due_task.bpmn")
    case = start_case(staff["cw"], company, "sched_due_task", due="PT60S")
    task = db.session.get(HumanTask, case["open_tasks"][0]["id"])
    reminders.run_due(now=task.due_at - timedelta(seconds=39))
    reminders.run_due(now=task.due_at + timedelta(seconds=1))

    listed = staff["cw"].get("/api/v1/notifications").get_json()
    assert listed["unread"] == 2
    assert [n["kind"] for n in listed["items"]] == ["deadline_escalated", "deadline_reminder"]
    assert all(n["read"] is False and n["task_id"] == task.id for n in listed["items"])
    first = listed["items"][0]["id"]

    assert staff["cw2"].post(f"/api/v1/notifications/{first}/read").status_code == 404
    read = staff["cw"].post(f"/api/v1/notifications/{first}/read")
    assert read.status_code == 200 and read.get_json() == {"changed": 1, "unread": 1}
    unread = staff["cw"].get("/api/v1/notifications?unread=true").get_json()
    assert [n["kind"] for n in unread["items"]] == ["deadline_reminder"]
    assert staff["cw"].post(f"/api/v1/notifications/{first}/unread").get_json()["unread"] == 2
    assert staff["cw"].post("/api/v1/notifications/read-all").get_json() == {
        "changed": 2, "unread": 0}
    assert staff["cw2"].get("/api/v1/notifications").get_json()["unread"] == 2
    assert staff["spec"].get("/api/v1/notifications").get_json() == {"items": [], "unread": 0}


def test_scheduler_status_is_for_admins(staff, company):
    assert staff["cw"].get("/api/v1/scheduler/status").status_code == 403
    response = staff["admin"].get("/api/v1/scheduler/status")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["timers"]["waiting"] == 0 and body["outbox"]["pending"] == 0
    assert body["schedulers"] == [] and "now" in body

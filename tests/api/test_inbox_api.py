"""The inbox's API: bulk claim/assign/release with refusals, follow-up dates."""
from datetime import date, timedelta

from tests.helpers import deploy, start


def _two_tasks(staff):
    cw = staff["cw"]
    assert deploy(staff["designer"], "two_lanes.bpmn").status_code == 201
    company = cw.post("/api/v1/companies", json={"legal_name": "Acme", "entity_type": "importer"})
    ids = [start(cw, company.get_json()["id"], "two_lanes")["open_tasks"][0]["id"]
           for _ in range(2)]
    return ids


def test_bulk_claim_assign_and_release(staff):
    one, two = _two_tasks(staff)
    cw, cw2 = staff["cw"], staff["cw2"]
    assert cw2.post(f"/api/v1/tasks/{two}/claim").status_code == 200
    claimed = cw.post("/api/v1/tasks/bulk", json={"action": "claim", "task_ids": [one, two]})
    assert claimed.status_code == 200
    body = claimed.get_json()
    assert body["done"] == [one] and body["refused"][0]["task_id"] == two
    assert "already claimed by someone else" in body["refused"][0]["reason"]
    assigned = cw.post("/api/v1/tasks/bulk", json={"action": "assign", "task_ids": [one, two],
                                                   "username": "cw2"}).get_json()
    assert assigned["done"] == [one, two] and assigned["refused"] == []
    released = cw.post("/api/v1/tasks/bulk", json={"action": "release", "task_ids": [one]})
    assert released.get_json()["refused"][0]["reason"].startswith("only the person holding")
    assert cw.post("/api/v1/tasks/bulk", json={"action": "claim",
                                               "task_ids": []}).status_code == 422
    assert cw.post("/api/v1/tasks/bulk", json={"action": "nope",
                                               "task_ids": [one]}).status_code == 422


def test_snooze_leaves_my_inbox_until_the_date(staff):
    one, two = _two_tasks(staff)
    cw = staff["cw"]
    later = (date.today() + timedelta(days=5)).isoformat()
    snoozed = cw.post(f"/api/v1/tasks/{one}/snooze", json={"until": later})
    assert snoozed.status_code == 200 and snoozed.get_json()["until"].startswith(later)
    queue = cw.get("/api/v1/tasks?scope=role").get_json()
    assert [t["id"] for t in queue["items"]] == [two]
    assert [t["id"] for t in staff["cw2"].get("/api/v1/tasks?scope=role").get_json()["items"]] \
        == [one, two]
    assert cw.post(f"/api/v1/tasks/{one}/snooze", json={"until": "2001-01-01"}).status_code == 422
    assert cw.post(f"/api/v1/tasks/{one}/unsnooze").status_code == 200
    assert cw.get("/api/v1/tasks?scope=role").get_json()["total"] == 2

"""The audit checklist over the API: PUT one item, GET them all, complete the task with them."""
import pytest

from app.api.openapi import build_spec
from tests.audit_support import audit_world


@pytest.fixture
def world(make_user):
    return audit_world(make_user)


def _put(api, task_id, criterion_id, **body):
    return api.client.put(f"/api/v1/tasks/{task_id}/checklist/{criterion_id}", json=body,
                          headers=api._headers())


def test_an_item_is_put_replaced_and_listed(world, login):
    ana = login("ana")
    response = _put(ana, world.task.id, "3.1", result="non_compliant", severity="major",
                    notes="Two carriers never screened.")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert {k: body[k] for k in ("criterion_id", "result", "severity", "notes",
                                 "updated_by")} == {
        "criterion_id": "3.1", "result": "non_compliant", "severity": "major",
        "notes": "Two carriers never screened.", "updated_by": "ana"}
    assert body["updated_at"]
    again = _put(ana, world.task.id, "3.1", result="compliant", severity="major")
    assert again.status_code == 200
    assert (again.get_json()["severity"], again.get_json()["notes"]) == (None, "")
    _put(ana, world.task.id, "12.1", result="observation", notes="Training log kept on paper.")
    _put(ana, world.task.id, "1.2", result="not_applicable")
    listed = ana.get(f"/api/v1/tasks/{world.task.id}/checklist")
    assert listed.status_code == 200
    assert [(i["criterion_id"], i["result"]) for i in listed.get_json()["items"]] == [
        ("1.2", "not_applicable"), ("3.1", "compliant"), ("12.1", "observation")]
    # a reviewer of the audit firm reads them too
    assert len(login("rita").get(f"/api/v1/tasks/{world.task.id}/checklist")
               .get_json()["items"]) == 3


def test_refused_items_are_422_with_field_messages(world, login):
    ana = login("ana")
    response = _put(ana, world.task.id, "3.1", result="non_compliant")
    assert response.status_code == 422
    error = response.get_json()
    assert error["error"] == "invalid"
    assert set(error["details"]) == {"severity", "notes"}
    assert _put(ana, world.task.id, "3.1", result="broken").get_json()["details"] == {
        "result": ["Must be one of: compliant, non_compliant, not_applicable, observation."]}
    assert _put(ana, world.task.id, "3.1", severity="minor").status_code == 422  # no result
    assert _put(ana, world.task.id, "3.1", result="compliant", extra=1).status_code == 422
    assert ana.get(f"/api/v1/tasks/{world.task.id}/checklist").get_json()["items"] == []


def test_who_may_not_work_the_checklist(world, login, client):
    task_id = world.task.id
    assert client.put(f"/api/v1/tasks/{task_id}/checklist/3.1",
                      json={"result": "compliant"}).status_code == 401
    for username in ("fabrica", "otra", "acme"):  # supplier and client contacts
        api = login(username)
        assert _put(api, task_id, "3.1", result="compliant").status_code == 404
        assert api.get(f"/api/v1/tasks/{task_id}/checklist").status_code == 404
    assert _put(login("cw"), task_id, "3.1", result="compliant").status_code == 403
    assert _put(login("beto"), task_id, "3.1", result="compliant").status_code == 409
    assert _put(login("ana"), task_id, "77.7", result="compliant").status_code == 404
    assert login("ana").get(f"/api/v1/tasks/{task_id}/checklist").get_json()["items"] == []


def test_the_listed_items_complete_the_task_through_its_own_route(world, login):
    ana, task_id = login("ana"), world.task.id
    for cid in world.criteria:
        assert _put(ana, task_id, cid, result="compliant").status_code == 200
    _put(ana, task_id, "6.1", result="non_compliant", severity="critical",
         notes="Seals not verified (VVTT) at loading.")
    items = ana.get(f"/api/v1/tasks/{task_id}/checklist").get_json()["items"]
    data = {"checklist": {"c" + i["criterion_id"].replace(".", "_"): {
        k: i[k] for k in ("result", "severity", "notes") if i[k]} for i in items}}
    detail = ana.get(f"/api/v1/tasks/{task_id}").get_json()
    assert "checklist" in detail["form"]["schema"]["required"]
    done = ana.post(f"/api/v1/tasks/{task_id}/complete", json={"data": data})
    assert done.status_code == 200, done.get_json()
    submitted = ana.get(f"/api/v1/tasks/{task_id}").get_json()["submitted_data"]
    assert submitted["checklist"]["c6_1"] == {"result": "non_compliant", "severity": "critical",
                                              "notes": "Seals not verified (VVTT) at loading."}
    assert _put(ana, task_id, "6.1", result="compliant").status_code == 409


def test_the_routes_are_described_in_openapi():
    paths = build_spec()["paths"]
    put = paths["/api/v1/tasks/{task_id}/checklist/{criterion}"]["put"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(put["responses"])
    assert "requestBody" in put
    assert "get" in paths["/api/v1/tasks/{task_id}/checklist"]

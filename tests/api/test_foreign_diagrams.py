"""Diagrams exported by other modelers: they deploy, or the answer names what cannot run."""
from io import BytesIO

from app.extensions import db
from app.models import ProcessVersion
from tests.helpers import bpmn, start


def _deploy(api, content: bytes):
    return api.post("/api/v1/process-models",
                    data={"files": [(BytesIO(content), "camunda_export.bpmn")]},
                    content_type="multipart/form-data")


def test_camunda_export_with_a_service_task_names_that_element(staff):
    response = _deploy(staff["designer"], bpmn("camunda_export.bpmn"))
    assert response.status_code == 422
    problems = response.get_json()["details"]
    assert [p["element_id"] for p in problems] == ["Activity_notify"]
    assert "service task" in problems[0]["message"].lower()
    assert db.session.query(ProcessVersion).count() == 0


def test_camunda_export_without_service_tasks_runs_with_default_roles(staff):
    cw = staff["cw"]
    content = bpmn("camunda_export.bpmn").replace(b"bpmn:serviceTask", b"bpmn:scriptTask")
    content = content.replace(b' camunda:class="com.example.NotifySupplier"', b"").replace(
        b"<bpmn:outgoing>Flow_3</bpmn:outgoing>",
        b"<bpmn:outgoing>Flow_3</bpmn:outgoing><bpmn:script>notified = True</bpmn:script>")
    response = _deploy(staff["designer"], content)
    assert response.status_code == 201, response.get_json()
    company = cw.post("/api/v1/companies", json={"legal_name": "Acme",
                                                 "entity_type": "importer"}).get_json()["id"]
    case = start(cw, company, "supplier_audit")
    task = case["open_tasks"][0]
    assert task["title"] == "Plan the audit" and task["role"] == "case_worker"
    assert cw.post(f"/api/v1/tasks/{task['id']}/complete").status_code == 200
    assert cw.get(f"/api/v1/cases/{case['id']}").get_json()["status"] == "completed"


def test_spiff_service_task_with_an_operator_is_named_as_not_executable(staff):
    content = bpmn("camunda_export.bpmn").replace(
        b' camunda:class="com.example.NotifySupplier">',
        b' xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core">'
        b'<bpmn:extensionElements><spiffworkflow:serviceTaskOperator id="http/GetRequest">'
        b'<spiffworkflow:parameters /></spiffworkflow:serviceTaskOperator>'
        b'</bpmn:extensionElements>')
    response = _deploy(staff["designer"], content)
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()["details"][0]
    assert problem["element_id"] == "Activity_notify"
    assert "cannot be executed by SafePort" in problem["message"]

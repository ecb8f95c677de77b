"""Who may start which process, with what data: `startableBy`, start forms, reserved variables."""
from tests.lifecycle.flow import membership

EXPLOIT = {"anniversary_at": "2099-01-01T00:00:00+00:00", "membership_status": "certified"}

STARTED_WITH_FORM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  targetNamespace="https://safeport.example/bpmn">
  <bpmn:process id="{pid}" isExecutable="true">
    <bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="startableBy" value="{starters}" />
    </spiffworkflow:properties></bpmn:extensionElements>
    <bpmn:startEvent id="start">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="{form}" />
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <bpmn:userTask id="review" name="Review" />
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="done" />
    <bpmn:endEvent id="done" />
  </bpmn:process>
</bpmn:definitions>"""


def _deploy(api, xml: str, name: str = "started.bpmn"):
    return api.post(f"/api/v1/process-models?filename={name}", data=xml,
                    content_type="application/xml")


def test_an_applicant_cannot_start_a_staff_process_nor_rewrite_the_membership(lifecycle, staff):
    company_id, applicant = lifecycle("importer")
    before = membership(staff["cw"], company_id)
    refused = applicant.post("/api/v1/cases", json={
        "company_id": company_id, "process_id": "membership_year", "data": EXPLOIT})
    assert refused.status_code == 403
    assert "membership_year" in refused.get_json()["message"]
    assert membership(staff["cw"], company_id) == before
    assert staff["cw"].get(f"/api/v1/cases?company_id={company_id}").get_json()["total"] == 0


def test_a_process_without_a_start_form_takes_no_start_data(lifecycle, staff):
    company_id, _ = lifecycle("importer")
    refused = staff["cw"].post("/api/v1/cases", json={
        "company_id": company_id, "process_id": "membership_year", "data": EXPLOIT})
    assert refused.status_code == 422
    assert refused.get_json()["details"] == {
        "data": ["the process has no start form: send no data"]}


def test_the_lifecycle_is_open_to_applicants_and_designers_start_nothing(lifecycle, staff):
    company_id, applicant = lifecycle("importer")
    started = applicant.post("/api/v1/cases", json={"company_id": company_id})
    assert started.status_code == 201, started.get_json()
    assert staff["designer"].post("/api/v1/cases", json={
        "company_id": company_id}).status_code == 403
    other_id, _ = lifecycle("exporter", name="Other Exports SA")
    assert applicant.post("/api/v1/cases", json={"company_id": other_id}).status_code == 404


def test_start_data_is_checked_by_the_start_form_and_reserved_variables_stay(staff):
    designer, cw = staff["designer"], staff["cw"]
    xml = STARTED_WITH_FORM.format(pid="timed", starters="case_worker", form="timer_wait_start")
    assert _deploy(designer, xml).status_code == 201
    company_id = cw.post("/api/v1/companies", json={
        "legal_name": "Acme", "entity_type": "importer"}).get_json()["id"]
    missing = cw.post("/api/v1/cases", json={"company_id": company_id, "process_id": "timed",
                                             "data": {}})
    assert missing.status_code == 422 and "wait" in missing.get_json()["details"]
    extra = cw.post("/api/v1/cases", json={"company_id": company_id, "process_id": "timed",
                                           "data": {"wait": "PT5S", "company_id": 999}})
    assert extra.status_code == 422 and "company_id" in extra.get_json()["details"]
    started = cw.post("/api/v1/cases", json={"company_id": company_id, "process_id": "timed",
                                             "data": {"wait": "PT5S"}})
    assert started.status_code == 201, started.get_json()
    task = started.get_json()["open_tasks"][0]
    detail = cw.get(f"/api/v1/tasks/{task['id']}").get_json()
    assert detail["data"]["wait"] == "PT5S" and detail["data"]["company_id"] == company_id


def test_deploy_refuses_unknown_starters_and_start_forms_with_reserved_fields(staff, tmp_path,
                                                                              app):
    designer = staff["designer"]
    unknown = _deploy(designer, STARTED_WITH_FORM.format(pid="p1", starters="inspector",
                                                         form="timer_wait_start"))
    assert unknown.status_code == 422
    assert "startableBy names unknown role 'inspector'" in str(unknown.get_json()["details"])
    (tmp_path / "sneaky_start.form").write_text(
        '{"type": "default", "id": "sneaky_start", "components": [{"type": "textfield", '
        '"key": "company_id", "label": "Company"}, {"type": "textfield", "key": "tier", '
        '"label": "Tier"}]}')
    saved = app.config["FORMS_DIR"]
    app.config["FORMS_DIR"] = f"{tmp_path}:{saved}"
    try:
        sneaky = _deploy(designer, STARTED_WITH_FORM.format(pid="p2", starters="case_worker",
                                                            form="sneaky_start"))
    finally:
        app.config["FORMS_DIR"] = saved
    assert sneaky.status_code == 422
    assert sneaky.get_json()["details"] == [{
        "message": "start form 'sneaky_start' of process 'p2' has fields the case sets itself: "
                   "company_id, tier", "element_id": "p2"}]


def test_a_missing_start_form_is_a_deploy_error(staff):
    response = _deploy(staff["designer"], STARTED_WITH_FORM.format(
        pid="p3", starters="case_worker", form="no_such_form"))
    assert response.status_code == 422
    assert any(p.get("element_id") == "start" for p in response.get_json()["details"])

"""Scripts change membership records only through checked effects."""
from tests.lifecycle.flow import events, membership

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  targetNamespace="https://safeport.example/bpmn">
  <bpmn:process id="effects_probe" isExecutable="true">
    <bpmn:startEvent id="start">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="probe_start" />
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="set_status" />
    <bpmn:scriptTask id="set_status" name="Set status">
      <bpmn:script>emit("membership", status=wanted, applied_at=now())</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="set_status" targetRef="done" />
    <bpmn:endEvent id="done" />
  </bpmn:process>
</bpmn:definitions>"""


def _start(cw, company_id, wanted):
    response = cw.post("/api/v1/cases", json={"company_id": company_id,
                                               "process_id": "effects_probe",
                                               "data": {"wanted": wanted}})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_valid_effect_updates_the_record_and_a_bad_one_fails_the_step(staff):
    cw = staff["cw"]
    deployed = staff["designer"].post("/api/v1/process-models?filename=probe.bpmn",
                                      data=DIAGRAM, content_type="application/xml")
    assert deployed.status_code == 201, deployed.get_json()
    company_id = cw.post("/api/v1/companies", json={
        "legal_name": "Probe", "entity_type": "exporter"}).get_json()["id"]

    ok = _start(cw, company_id, "applicant")
    assert ok["status"] == "completed"
    record = membership(cw, company_id)
    assert record["status"] == "applicant" and record["applied_at"] is not None
    changed = events(cw, ok["id"], "membership_changed")
    assert changed[0]["details"]["status"] == "applicant"

    bad = _start(cw, company_id, "platinum")
    assert bad["status"] == "error"
    assert "unknown status 'platinum'" in bad["error_message"]
    assert "set_status" in bad["error_message"]
    assert membership(cw, company_id)["status"] == "applicant"
    assert events(cw, bad["id"], "membership_changed") == []

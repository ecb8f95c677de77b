"""The modeler in chromium: add a user task in a lane, save, see a problem, fix it, deploy."""
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Company, ProcessVersion
from app.models.designer import DiagramDraft
from app.services.repository import deployments
from app.services.runtime import cases
from tests.helpers import bpmn
from tests.web.browser.conftest import sign_in

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
ADD_TASK = """() => {
  const modeler = window.safeportModeler;
  const registry = modeler.get('elementRegistry');
  const modeling = modeler.get('modeling');
  const flow = registry.get('f3');
  const answer = registry.get('answer'), end = registry.get('end');
  modeling.removeElements([flow]);
  const lane = registry.get('lane_applicant');
  const task = modeling.createShape({type: 'bpmn:UserTask'},
      {x: 640, y: lane.y + lane.height / 2 + 40}, registry.get('web_review_participant'));
  modeling.updateProperties(task, {id: 'confirm', name: 'Confirm answers'});
  modeling.connect(answer, task);
  modeling.connect(task, end);
  modeler.get('selection').select(task);
  return task.businessObject.$parent.$type;
}"""


def _spiff_properties(xml: str, task_id: str) -> dict:
    task = ElementTree.fromstring(xml).find(f".//{{{BPMN}}}userTask[@id='{task_id}']")
    return {p.get("name"): p.get("value") for p in task.iter(f"{{{SPIFF}}}property")}


@pytest.fixture
def designer_world(make_user):
    make_user("designer", "designer")
    deployments.deploy(None, {"web_review.bpmn": bpmn("web_review.bpmn")})
    acme = Company(legal_name="Acme Imports", entity_type="importer")
    db.session.add(acme)
    db.session.commit()
    cases.start_case(make_user("cw", "case_worker"), company_id=acme.id, process_id="web_review")


def test_add_a_task_save_validate_fix_and_deploy(designer_world, new_page, live_server):
    page = new_page()
    sign_in(page, "designer")
    expect(page).to_have_url(live_server + "/processes")
    page.click("text=Edit diagram")
    expect(page.locator("#modeler")).to_have_attribute("data-ready", "true")
    expect(page.locator(".djs-palette")).to_be_visible()  # the real modeler, with its palette
    # nothing of the diagram opens under the palette
    palette_right = page.evaluate(
        "() => document.querySelector('.djs-palette').getBoundingClientRect().right")
    leftmost = page.evaluate("""() => Math.min(...[...document.querySelectorAll(
        '.djs-element.djs-shape')].map(e => e.getBoundingClientRect().left))""")
    assert leftmost > palette_right

    assert page.evaluate(ADD_TASK) == "bpmn:Process"
    lanes = page.evaluate("""() => window.safeportModeler.get('elementRegistry')
        .get('lane_applicant').businessObject.flowNodeRef.map(n => n.id)""")
    assert "confirm" in lanes
    expect(page.locator("#properties .kind")).to_have_text("UserTask")
    page.fill("#prop-formKey", "no_such_form")
    page.fill("#prop-dueIn", '"P2D"')
    with page.expect_download() as download:
        page.click("#download")
    assert download.value.suggested_filename == "web_review.bpmn"
    assert "Confirm answers" in Path(download.value.path()).read_text(encoding="utf-8")
    page.click("#save-draft")
    expect(page.locator("#designer-status")).to_contain_text("Draft saved")
    draft = db.session.query(DiagramDraft).one()
    assert 'name="formKey" value="no_such_form"' in draft.xml and "Confirm answers" in draft.xml
    db.session.rollback()

    page.click("#validate")
    problem = page.locator("#problems li[data-element-id=confirm]")
    expect(problem).to_contain_text("no_such_form")
    expect(page.locator('g[data-element-id="confirm"]')).to_have_class(re.compile("designer-error"))
    page.click("#deploy")
    expect(page.locator("#designer-status")).to_contain_text("Not deployed")
    assert db.session.query(ProcessVersion).count() == 1
    db.session.rollback()

    problem.get_by_role("button", name="Show").click()
    expect(page.locator("#prop-formKey")).to_have_value("no_such_form")
    page.fill("#prop-formKey", "web_answer")
    page.click("#validate")
    expect(page.locator("#designer-status")).to_contain_text(re.compile(
        r"Draft saved at \d\d:\d\d UTC\. Valid"))  # checking saves the draft: it says so
    expect(page.locator("#problems-card")).to_be_hidden()
    expect(page.locator('g[data-element-id="confirm"]')).not_to_have_class(
        re.compile("designer-error"))
    page.click("#deploy")  # asks first, with what changes and who stays behind
    summary = page.locator("#deploy-confirm #deploy-summary")
    expect(summary).to_contain_text("web_review: version 2 (now 1); added: confirm")
    expect(summary.locator("[data-running]")).to_have_text(
        "1 running case stays on version 1 (1); new cases start on version 2. Move them later "
        "from the versions page.")
    page.click("#deploy-confirm-no")
    expect(page.locator("#designer-status")).to_contain_text("Not deployed: your draft is saved")
    assert db.session.query(ProcessVersion).count() == 1
    db.session.rollback()
    page.click("#deploy")
    page.click("#deploy-confirm-yes")
    expect(page.locator("#designer-status")).to_contain_text("Deployed as version 2")
    expect(page.locator("#draft-origin")).to_contain_text("Deployed just now")
    page.click("#deployed-link")
    expect(page).to_have_url(live_server + "/processes")
    expect(page.locator('tr[data-version="2"]')).to_contain_text("designer")
    version = db.session.query(ProcessVersion).filter_by(version=2).one()
    xml = version.files["web_review.bpmn"]
    assert "web_answer" in version.forms
    assert _spiff_properties(xml, "confirm") == {"formKey": "web_answer", "dueIn": '"P2D"'}
    # what the modeler does not edit survives the round trip
    assert _spiff_properties(xml, "review") == {"formKey": "review_form", "dueIn": '"P3D"'}
    assert page.errors == []


def test_form_editor_previews_a_change_and_saves_it(designer_world, new_page, live_server):
    page = new_page()
    sign_in(page, "designer")
    page.goto("/designer/web_review")
    page.click("#forms >> text=web_answer")
    expect(page.locator("#form-source")).to_contain_text("As deployed")
    expect(page.locator("#preview-fields")).to_contain_text("Did anything change?")
    text = page.input_value("#definition")
    page.fill("#definition", text.replace("Did anything change?", "Has anything changed?"))
    expect(page.locator("#preview-fields")).to_contain_text("Has anything changed?")
    page.fill("#definition", text.replace('"radio"', '"rocket"'))
    expect(page.locator("#preview-problems")).to_contain_text("rocket")
    page.fill("#definition", text.replace("Did anything change?", "Has anything changed?"))
    expect(page.locator("#preview-fields")).to_contain_text("Has anything changed?")
    page.click("#save-form")
    expect(page.locator(".flash")).to_contain_text("saved in your draft")
    expect(page.locator("#form-source")).to_contain_text("From your draft")
    draft = db.session.query(DiagramDraft).one()
    assert draft.forms["web_answer"]["components"][0]["label"] == "Has anything changed?"
    assert page.errors == []


def test_the_lifecycle_diagrams_survive_a_round_trip_through_the_modeler(
        make_user, new_page, live_server):
    make_user("designer", "designer")
    deployed = deployments.deploy_directory(Path(__file__).resolve().parents[3] / "bpmn")
    page = new_page()
    sign_in(page, "designer")
    for process_id in sorted({d.version.process_model.process_id for d in deployed}):
        page.goto(f"/designer/{process_id}")
        expect(page.locator("#modeler")).to_have_attribute("data-ready", "true")
        page.click("#validate")
        expect(page.locator("#designer-status")).to_contain_text("Valid", timeout=20_000)
    # the modeler rewrites the XML (its own formatting, flows named on their nodes), which is
    # the same behaviour: no new version, and the rewritten drawing is kept on version 1
    page.goto("/designer/ctpat_membership")
    expect(page.locator("#modeler")).to_have_attribute("data-ready", "true")
    page.click("#deploy")
    expect(page.locator("#deploy-summary")).to_contain_text("only the layout changed")
    page.click("#deploy-confirm-yes")
    expect(page.locator("#designer-status")).to_contain_text(
        "Only the layout changed: version 1 keeps its behaviour", timeout=20_000)
    version = deployments.latest_version("ctpat_membership")
    db.session.refresh(version)
    assert version.version == 1
    assert version.files["ctpat_membership.bpmn"] != (
        Path(__file__).resolve().parents[3] / "bpmn" / "ctpat_membership.bpmn").read_text()
    assert page.errors == []


def test_a_diagram_deployed_without_layout_opens_drawn_and_downloads(make_user, new_page,
                                                                     live_server):
    make_user("designer", "designer")
    deployments.deploy(None, {"two_lanes.bpmn": bpmn("two_lanes.bpmn")})
    page = new_page()
    sign_in(page, "designer")
    page.goto("/designer/two_lanes")
    expect(page.locator("#modeler")).to_have_attribute("data-ready", "true")
    for task in ("Review request", "Answer questions"):  # drawn at deploy (no DI was sent)
        expect(page.locator(".djs-element .djs-label", has_text=task)).to_be_visible()
    with page.expect_download() as download:
        page.click("#download")
    assert download.value.suggested_filename == "two_lanes.bpmn"
    # the JSON views need the CSRF token the page's script sends
    for action in ("draft", "validate", "deploy"):
        forged = page.request.post(f"{live_server}/designer/two_lanes/{action}",
                                   data={"xml": bpmn("two_lanes.bpmn").decode()})
        assert forged.status == 400, action
    assert db.session.query(DiagramDraft).count() == 0
    assert page.errors == []


ADD_SCRIPT_AND_TIMER = """() => {
  const modeler = window.safeportModeler;
  const registry = modeler.get('elementRegistry');
  const modeling = modeler.get('modeling');
  const participant = registry.get('web_review_participant');
  const script = modeling.createShape({type: 'bpmn:ScriptTask'}, {x: 600, y: 110}, participant);
  modeling.updateProperties(script, {id: 'compute'});
  const timer = modeling.createShape({type: 'bpmn:IntermediateCatchEvent',
      eventDefinitionType: 'bpmn:TimerEventDefinition'}, {x: 680, y: 110}, participant);
  modeling.updateProperties(timer, {id: 'wait'});
}"""


LEAVING = """() => { const event = new Event('beforeunload', {cancelable: true});
    window.dispatchEvent(event); return event.defaultPrevented; }"""


def _select(page, element_id):
    page.evaluate("""(id) => { const m = window.safeportModeler;
        m.get('selection').select(m.get('elementRegistry').get(id)); }""", element_id)
    expect(page.locator("#prop-id")).to_have_value(element_id)


def test_properties_panel_writes_lanes_conditions_scripts_and_timers(designer_world, new_page,
                                                                       live_server):
    page = new_page()
    sign_in(page, "designer")
    page.goto("/designer/web_review")
    expect(page.locator("#modeler")).to_have_attribute("data-ready", "true")
    assert page.evaluate(LEAVING) is False
    page.evaluate(ADD_SCRIPT_AND_TIMER)
    assert page.evaluate(LEAVING) is True  # unsaved edits: the browser asks before leaving
    _select(page, "lane_applicant")
    page.fill("#prop-name", "Specialist")
    _select(page, "f2")
    page.fill("#prop-condition", 'decision == "accept"')
    _select(page, "compute")
    page.fill("#prop-script", "total = 1 + 2")
    _select(page, "wait")
    page.select_option("#prop-timer-kind", "timeDuration")
    page.fill("#prop-timer", '"PT5M"')
    _select(page, "review")
    expect(page.locator("#prop-dueIn")).to_have_value('"P3D"')
    page.fill("#prop-dueIn", "")
    page.fill("#prop-priority", "90")
    page.click("#save-draft")
    expect(page.locator("#designer-status")).to_contain_text("Draft saved")
    assert page.evaluate(LEAVING) is False

    root = ElementTree.fromstring(db.session.query(DiagramDraft).one().xml)
    db.session.rollback()

    def find(tag, element_id):
        return root.find(f".//{{{BPMN}}}{tag}[@id='{element_id}']")

    assert find("lane", "lane_applicant").get("name") == "Specialist"
    assert find("sequenceFlow", "f2").find(f"{{{BPMN}}}conditionExpression").text == \
        'decision == "accept"'
    assert find("scriptTask", "compute").find(f"{{{BPMN}}}script").text == "total = 1 + 2"
    duration = find("intermediateCatchEvent", "wait").find(
        f"{{{BPMN}}}timerEventDefinition/{{{BPMN}}}timeDuration")
    assert duration.text == '"PT5M"'
    assert _spiff_properties(ElementTree.tostring(root, encoding="unicode"), "review") == {
        "formKey": "review_form", "priority": "90"}
    assert page.errors == []

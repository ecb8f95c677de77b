"""The decision table editor in chromium: dmn-js on a process's DMN file. A cell edited in the
table, saved and deployed with the diagram changes the branch a new case takes."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Company, HumanTask, ProcessVersion
from app.models.designer import DiagramDraft
from app.services.repository import deployments
from app.services.runtime import cases
from tests.helpers import bpmn
from tests.web.browser.conftest import sign_in


@pytest.fixture
def triage_world(make_user):
    make_user("designer", "designer")
    deployments.deploy(None, {"triage.bpmn": bpmn("triage.bpmn"),
                              "triage_route.dmn": bpmn("triage_route.dmn")})
    exporter = Company(legal_name="Outbound Ltd", entity_type="exporter")
    db.session.add(exporter)
    db.session.commit()
    return {"cw": make_user("cw", "case_worker"), "exporter": exporter.id}


def _first_task(world) -> str:
    case = cases.start_case(world["cw"], company_id=world["exporter"], process_id="triage")
    return db.session.scalar(select(HumanTask.bpmn_id).where(HumanTask.case_id == case.id))


def _watch_console(page) -> list[str]:
    """Console errors (a Content-Security-Policy refusal is one), but the warning dmn-js's
    bundled Inferno prints about itself on every page."""
    found: list[str] = []
    page.on("console", lambda msg: found.append(msg.text) if msg.type == "error"
            and "development build of Inferno" not in msg.text else None)
    return found


def _retype_cell(page, cells: str, old: str, new: str) -> None:
    """Open triage_route.dmn in the table editor and type `new` over the cell holding `old`."""
    page.goto("/designer/triage/decisions/triage_route.dmn")
    editor = page.locator("#decision-editor")
    expect(editor).to_have_attribute("data-ready", "true")
    editor.locator(cells, has_text=old).click()
    page.keyboard.press("Control+A")
    page.keyboard.type(new)


@pytest.mark.parametrize("width", [1440, 390])
def test_an_edited_cell_deployed_sends_a_new_case_the_other_way(triage_world, new_page, width):
    assert _first_task(triage_world) == "slow_lane"
    page = new_page(width)
    console = _watch_console(page)
    sign_in(page, "designer")
    page.goto("/designer/triage")
    page.locator("#decisions a", has_text="triage_route.dmn").click()
    editor = page.locator("#decision-editor")
    expect(editor).to_have_attribute("data-ready", "true")
    cell = editor.locator("td.input-cell", has_text='"importer"')
    expect(cell).to_be_visible()
    cell.click()
    page.keyboard.press("Control+A")
    page.keyboard.type('"exporter"')
    expect(editor.locator("td.input-cell", has_text='"exporter"')).to_have_count(1)

    page.click("#save-table")
    expect(page.locator("#designer-status")).to_have_text("Saved in your draft.")
    db.session.rollback()
    saved = db.session.scalar(select(DiagramDraft.forms))["dmn:triage_route.dmn"]
    assert '"exporter"' in saved and '"importer"' not in saved

    page.click("#deploy-table")
    expect(page.locator("#designer-status")).to_contain_text("Deployed: triage v2 (new)")
    db.session.rollback()
    assert db.session.query(ProcessVersion).count() == 2
    assert db.session.scalar(select(DiagramDraft)) is None  # the deployment ended the draft

    assert _first_task(triage_world) == "fast_lane"
    assert page.errors == [] and console == []


def test_a_cell_that_breaks_the_table_is_refused_at_deploy_with_its_problem(triage_world,
                                                                          new_page):
    page = new_page(1440)
    sign_in(page, "designer")
    _retype_cell(page, "td.output-cell", '"fast"', '"fast" +')
    page.click("#deploy-table")
    expect(page.locator("#designer-status")).to_contain_text("Not deployed")
    expect(page.locator("#problems")).to_contain_text(
        "output entry '\"fast\" +' of rule 'rule_importer'")
    expect(page.locator("#problems")).to_contain_text("triage_route.dmn, rule_importer_route")
    db.session.rollback()
    assert db.session.query(ProcessVersion).count() == 1


def _select(page, element_id):
    page.evaluate("""(id) => { const m = window.safeportModeler;
        m.get('selection').select(m.get('elementRegistry').get(id)); }""", element_id)
    expect(page.locator("#prop-id")).to_have_value(element_id)


def test_the_modeler_names_a_business_rule_tasks_decision(triage_world, new_page):
    page = new_page(1440)
    sign_in(page, "designer")
    page.goto("/designer/triage")
    expect(page.locator("#modeler")).to_have_attribute("data-ready", "true")
    _select(page, "classify")
    decision = page.locator("#prop-calledDecisionId")
    expect(decision).to_have_value("triage_route")
    assert page.locator("#decisions option").evaluate_all(
        "options => options.map(o => o.value)") == ["triage_route"]
    decision.fill("triage_other")
    page.click("#validate")
    expect(page.locator("#problems")).to_contain_text(
        "business rule task 'classify' calls decision 'triage_other', which is not in this "
        "deployment (decisions deployed: triage_route)")
    _select(page, "classify")
    page.locator("#prop-calledDecisionId").fill("triage_route")
    page.click("#validate")
    expect(page.locator("#problems-card")).to_be_hidden()
    expect(page.locator("#designer-status")).to_contain_text("Valid: ready to deploy (triage)")
    db.session.rollback()
    saved = db.session.scalar(select(DiagramDraft.xml))
    assert saved.count("<spiffworkflow:calledDecisionId>triage_route<") == 1
    assert page.errors == []


@pytest.mark.parametrize("width", [1440, 390])
def test_the_deploy_dialog_names_the_rule_a_saved_cell_changed(triage_world, new_page, width):
    page = new_page(width)
    sign_in(page, "designer")
    _retype_cell(page, "td.input-cell", '"importer"', '"exporter"')
    page.click("#save-table")
    expect(page.locator("#designer-status")).to_have_text("Saved in your draft.")

    page.goto("/designer/triage")
    expect(page.locator("#modeler")).to_have_attribute("data-ready", "true")
    page.click("#deploy")
    summary = page.locator("#deploy-confirm #deploy-summary")
    expect(summary).to_contain_text(
        "triage: version 2 (now 1); changed: classify (decision_table); "  # its rule task
        "decision table triage_route (rules changed: rule_importer).")
    box = page.locator("#deploy-confirm").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
    page.click("#deploy-confirm-no")
    assert db.session.query(ProcessVersion).count() == 1
    assert page.errors == []

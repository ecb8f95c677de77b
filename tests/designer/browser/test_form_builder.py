"""The form builder in chromium: bpmn.io's form editor on the form-js JSON SafePort runs. A text
field dragged into a form, saved and deployed with the diagram shows on the task page; what
SafePort cannot show is refused on save with the reason."""
import json

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
def form_world(make_user):
    make_user("designer", "designer")
    deployments.deploy(None, {"web_review.bpmn": bpmn("web_review.bpmn")})
    acme = Company(legal_name="Acme Imports", entity_type="importer")
    db.session.add(acme)
    db.session.commit()
    return {"cw": make_user("cw", "case_worker"), "company": acme.id}


def _builder(page):
    page.goto("/designer/web_review/forms/review_form")
    expect(page.locator("#form-builder")).to_have_attribute("data-ready", "true")
    expect(page.locator(".fjs-palette")).to_be_visible()


def test_a_text_field_dragged_into_a_form_shows_on_the_task_page(form_world, new_page):
    page = new_page(1440)
    sign_in(page, "designer")
    _builder(page)
    fields = page.locator(".fjs-form-field")
    before = fields.count()
    page.locator(".fjs-palette-field[data-field-type=textfield]").drag_to(
        page.locator(".fjs-drop-container-vertical").last)
    expect(fields).to_have_count(before + 1)
    # the new field is selected: give it a key the process can read
    key = page.locator("#bio-properties-panel-key")
    if not key.is_visible():  # the properties panel's General group opens on a click
        page.locator(".bio-properties-panel-group-header", has_text="General").click()
    key.fill("seal_number")
    key.press("Tab")
    page.wait_for_function(
        "() => document.getElementById('definition').value.includes('seal_number')")
    page.click("#save-built-form")
    expect(page.locator(".flash.info")).to_contain_text("Form review_form saved in your draft")
    saved = db.session.scalar(select(DiagramDraft.forms))["review_form"]
    assert any(c.get("key") == "seal_number" and c["type"] == "textfield"
               for c in saved["components"])

    page.goto("/designer/web_review")
    expect(page.locator("#modeler")).to_have_attribute("data-ready", "true")
    page.click("#deploy")
    expect(page.locator("#deploy-summary")).to_contain_text("forms changed: review_form")
    page.click("#deploy-confirm-yes")
    expect(page.locator("#designer-status")).to_contain_text("Deployed as version 2")
    db.session.rollback()
    assert db.session.query(ProcessVersion).count() == 2

    case = cases.start_case(form_world["cw"], company_id=form_world["company"],
                            process_id="web_review")
    task_id = db.session.scalar(select(HumanTask.id).where(
        HumanTask.case_id == case.id, HumanTask.bpmn_id == "review"))
    worker = new_page(1440)
    sign_in(worker, "cw")
    worker.goto(f"/tasks/{task_id}")
    expect(worker.locator("input[name=seal_number]")).to_be_visible()
    assert page.errors == [] and worker.errors == []


def test_a_field_safeport_cannot_show_is_refused_on_save(form_world, new_page):
    page = new_page(1440)
    sign_in(page, "designer")
    _builder(page)
    page.locator(".fjs-palette-field[data-field-type=filepicker]").drag_to(
        page.locator(".fjs-drop-container-vertical").last)
    page.wait_for_function(
        "() => document.getElementById('definition').value.includes('filepicker')")
    page.click("#save-built-form")
    expect(page.locator("#form-problems")).to_contain_text(
        "component type 'filepicker' is not supported")
    # the refused form stays on screen to fix, in the builder as in the JSON
    expect(page.locator("#form-builder")).to_have_attribute("data-ready", "true")
    assert "filepicker" in page.locator("#definition").input_value()
    assert db.session.query(DiagramDraft).count() == 0 or "filepicker" not in json.dumps(
        db.session.scalar(select(DiagramDraft.forms)) or {})


def test_a_user_task_opens_or_creates_its_form_from_the_modeler(form_world, new_page):
    page = new_page(1440)
    sign_in(page, "designer")
    page.goto("/designer/web_review")
    expect(page.locator("#modeler")).to_have_attribute("data-ready", "true")
    page.evaluate("""() => { const m = window.safeportModeler;
        m.get('selection').select(m.get('elementRegistry').get('review')); }""")
    expect(page.locator("#prop-open-form")).to_have_text("Edit form review_form")
    page.click("#prop-open-form")
    page.wait_for_url("**/designer/web_review/forms/review_form")
    expect(page.locator("#form-builder")).to_have_attribute("data-ready", "true")

    # a new task: the button names the form after it, and the draft keeps the formKey
    page.goto("/designer/web_review")
    expect(page.locator("#modeler")).to_have_attribute("data-ready", "true")
    page.evaluate("""() => { const m = window.safeportModeler;
        const shape = m.get('elementFactory').createShape({type: 'bpmn:UserTask'});
        shape.businessObject.id = 'check_seals';
        const lane = m.get('elementRegistry').get('lane_cw');
        m.get('modeling').createShape(shape, {x: lane.x + 400, y: lane.y + 60}, lane);
        m.get('selection').select(shape); }""")
    expect(page.locator("#prop-open-form")).to_have_text("Create form check_seals")
    page.click("#prop-open-form")
    page.wait_for_url("**/designer/web_review/forms/check_seals")
    expect(page.locator("#form-source")).to_contain_text("A new form.")
    draft = db.session.scalar(select(DiagramDraft.xml))
    assert 'name="formKey" value="check_seals"' in draft

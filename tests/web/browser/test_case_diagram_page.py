"""The case page's diagram in a real browser: zoom in, zoom out and fit change the view; a
stage (call activity) opens its own diagram with the steps of its run marked; Back returns."""
import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Company
from app.services.repository import deployments
from app.services.runtime import cases
from tests.helpers import bpmn
from tests.web.browser.conftest import sign_in
from tests.web.test_case_diagram import complete_ready


@pytest.fixture
def staged(make_user):
    acme = Company(legal_name="Acme Imports", entity_type="importer")
    db.session.add(acme)
    db.session.commit()
    cw = make_user("cw", "case_worker")
    deployments.deploy(None, {"web_call_main.bpmn": bpmn("web_call_main.bpmn"),
                              "web_call_sub.bpmn": bpmn("web_call_sub.bpmn")})
    case = cases.start_case(cw, company_id=acme.id, process_id="web_call_main")
    complete_ready(cw, case.id, "intake")
    complete_ready(cw, case.id, "first_step")
    return case.id


def viewport(page) -> str:
    return page.locator("#diagram .viewport").first.get_attribute("transform") or ""


def test_zoom_buttons_change_the_view_and_fit_shows_it_all(staged, new_page):
    page = new_page(1440)
    sign_in(page, "cw")
    page.goto(f"/cases/{staged}")
    diagram = page.locator("#diagram")
    expect(diagram).to_have_attribute("data-rendered", "true")
    fitted = float(diagram.get_attribute("data-scale"))
    assert fitted >= 0.8  # a small diagram is drawn whole, at a readable scale
    before = viewport(page)
    page.get_by_role("button", name="Zoom in").click()
    expect(diagram).not_to_have_attribute("data-scale", f"{fitted:.3f}")
    zoomed = float(diagram.get_attribute("data-scale"))
    assert zoomed > fitted and viewport(page) != before
    page.get_by_role("button", name="Zoom out").click()
    page.get_by_role("button", name="Zoom out").click()
    assert float(diagram.get_attribute("data-scale")) < zoomed
    page.get_by_role("button", name="Fit").click()
    assert abs(float(diagram.get_attribute("data-scale")) - fitted) < 0.01
    assert page.errors == []


def test_a_stage_opens_with_its_steps_marked_and_back_returns(staged, new_page):
    page = new_page(1440)
    sign_in(page, "cw")
    page.goto(f"/cases/{staged}")
    diagram = page.locator("#diagram")
    expect(diagram).to_have_attribute("data-rendered", "true")
    expect(diagram.locator('[data-element-id="intake"].state-completed')).to_have_count(1)
    expect(diagram.locator('[data-element-id="review_stage"].state-active')).to_have_count(1)
    page.get_by_role("button", name="Open stage: Review stage").click()
    expect(diagram).to_have_attribute("data-process", "web_call_sub")
    expect(diagram).to_have_attribute("data-rendered", "true")
    expect(diagram).to_contain_text("Second step")
    expect(diagram.locator('[data-element-id="first_step"].state-completed')).to_have_count(1)
    expect(diagram.locator('[data-element-id="second_step"].state-active')).to_have_count(1)
    expect(page.locator("[data-diagram-title]")).to_have_text("Staged case › Review stage")
    page.get_by_role("button", name="Back to Staged case").click()
    expect(diagram).to_have_attribute("data-process", "web_call_main")
    expect(diagram.locator('[data-element-id="intake"].state-completed')).to_have_count(1)
    expect(page.get_by_role("button", name="Back to Staged case")).to_be_hidden()
    # clicking the stage's shape opens it too
    diagram.locator('[data-element-id="review_stage"]').first.click()
    expect(diagram).to_have_attribute("data-process", "web_call_sub")
    assert page.errors == []


def test_on_a_phone_the_diagram_keeps_a_readable_scale(staged, new_page):
    page = new_page(390)
    sign_in(page, "cw")
    page.goto(f"/cases/{staged}")
    diagram = page.locator("#diagram")
    expect(diagram).to_have_attribute("data-rendered", "true")
    assert float(diagram.get_attribute("data-scale")) >= 0.8 - 1e-3
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # the diagram scrolls inside its box, not the page
    assert page.errors == []


def test_a_diagram_deployed_without_layout_is_drawn_on_the_case_page(make_user, new_page):
    """two_lanes.bpmn has no BPMN DI: deploying draws it, so its case shows the steps."""
    assert b"BPMNShape" not in bpmn("two_lanes.bpmn")
    acme = Company(legal_name="Acme Imports", entity_type="importer")
    db.session.add(acme)
    db.session.commit()
    cw = make_user("cw", "case_worker")
    deployments.deploy(None, {"two_lanes.bpmn": bpmn("two_lanes.bpmn")})
    case = cases.start_case(cw, company_id=acme.id, process_id="two_lanes")
    page = new_page(1440)
    sign_in(page, "cw")
    page.goto(f"/cases/{case.id}")
    diagram = page.locator("#diagram")
    expect(diagram).to_have_attribute("data-rendered", "true")
    expect(diagram.locator('[data-element-id="review"].state-active')).to_have_count(1)
    expect(diagram.locator(".djs-label", has_text="Answer questions")).to_be_visible()
    assert page.errors == []

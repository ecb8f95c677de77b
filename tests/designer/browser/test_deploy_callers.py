"""The Deploy confirmation in chromium names the processes that call the one being deployed
and keep their own copy of it."""
from playwright.sync_api import expect

from app.extensions import db
from app.models import Company
from app.services.repository import deployments
from app.services.runtime import cases
from tests.helpers import bpmn
from tests.web.browser.conftest import sign_in

RENAME = """() => {
  const modeler = window.safeportModeler;
  const task = modeler.get('elementRegistry').get('first_step');
  modeler.get('modeling').updateProperties(task, {name: 'First step, renamed'});
}"""


def test_deploying_a_called_stage_says_its_caller_keeps_its_copy(make_user, new_page,
                                                                 live_server):
    make_user("designer", "designer")
    deployments.deploy(None, {"web_call_main.bpmn": bpmn("web_call_main.bpmn"),
                              "web_call_sub.bpmn": bpmn("web_call_sub.bpmn")})
    acme = Company(legal_name="Acme Imports", entity_type="importer")
    db.session.add(acme)
    db.session.commit()
    cases.start_case(make_user("cw", "case_worker"), company_id=acme.id,
                     process_id="web_call_main")
    page = new_page()
    sign_in(page, "designer")
    page.goto("/designer/web_call_sub")
    expect(page.locator("#modeler")).to_have_attribute("data-ready", "true")
    page.evaluate(RENAME)
    page.click("#deploy")
    summary = page.locator("#deploy-confirm #deploy-summary")
    expect(summary).to_contain_text("web_call_sub: version 2 (now 1); changed: first_step (name)")
    expect(summary.locator('[data-called-by="web_call_main"]')).to_have_text(
        "web_call_main calls web_call_sub and keeps its own copy (1 running case): its cases, "
        "new ones included, do not get version 2 until web_call_main is deployed again.")
    page.click("#deploy-confirm-no")
    assert page.errors == []

"""The public audit enquiry on a 390 px phone: a person fills the form (one refused field
first), sends it, and reads what happens next; nothing scrolls sideways."""
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Case, OutboxEmail
from app.services.repository import deployments
from tests.helpers import bpmn

PHONE = 390


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_phone_user_sends_an_enquiry_and_sees_what_happens_next(new_page):
    deployments.deploy(None, {"partner_audit_min.bpmn": bpmn("partner_audit_min.bpmn")})
    page = new_page(PHONE)
    page.goto("/login")
    page.click("text=Ask for a quote")
    expect(page.locator("h1")).to_have_text("Ask for a supplier security audit")
    assert _page_width(page) <= PHONE, "the enquiry page scrolls sideways"
    expect(page.locator("#website")).not_to_be_in_viewport()  # the honeypot is out of sight
    page.fill("#f-client-legal_name", "Acme Imports LLC")
    page.select_option("#f-client-entity_type", "importer")
    page.select_option("#f-client-country", "US")
    page.fill("#f-contact-full_name", "Ana Ruiz")
    page.fill("#f-contact-email", "ana@acme")  # no domain: refused
    page.fill("#f-supplier-legal_name", "Maquila Norte SA de CV")
    page.select_option("#f-supplier-entity_type", "foreign_manufacturer")
    page.select_option("#f-supplier-country", "MX")
    page.fill("#f-supplier-address", "Av. Industria 12, Monterrey")
    page.fill("#f-sites", "2")
    page.fill("#f-message", "Two plants in Nuevo León.")
    page.click("text=Send enquiry")
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Your email: Enter an email address.")
    expect(summary).to_be_focused()
    assert _page_width(page) <= PHONE
    expect(page.locator("#f-supplier-legal_name")).to_have_value("Maquila Norte SA de CV")
    expect(page.locator("#f-supplier-country")).to_have_value("MX")
    page.fill("#f-contact-email", "ana@acme.example")
    page.click("text=Send enquiry")
    expect(page.locator("h1")).to_have_text("Thank you: your enquiry is in")
    expect(page.locator("ol.steps li")).to_have_count(4)
    assert _page_width(page) <= PHONE
    assert page.errors == []
    case = db.session.scalar(select(Case))
    assert case is not None and db.session.scalar(select(OutboxEmail.to_addr)) == \
        "ana@acme.example"

"""Issue 12 step 1 in the browser's terms: the public enquiry page (CSRF, honeypot, rate
limit, field errors), the thank-you page, and a signed-in client's "Request a supplier audit"."""
import re
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import Case, Company, HumanTask, OutboxEmail, SupplierLink, User
from app.services.repository import deployments
from tests.conftest import make_config
from tests.helpers import bpmn


def form(**changes) -> dict:
    """What a person types into the enquiry form, by input name."""
    data = {"client.legal_name": "Acme Imports LLC", "client.entity_type": "importer",
            "client.country": "US", "contact.full_name": "Ana Ruiz",
            "contact.email": "ana@acme.example", "supplier.legal_name": "Maquila Norte",
            "supplier.entity_type": "foreign_manufacturer", "supplier.country": "MX",
            "supplier.address": "Av. Industria 12, Monterrey", "supplier.program": "ctpat",
            "supplier.program_number": "SVI-123", "sites": "3",
            "message": "Two plants", "website": ""}
    return {**data, **changes}


@pytest.fixture
def audit_process():
    """The test stand-in of bpmn/partner_audit.bpmn."""
    deployments.deploy(None, {"partner_audit_min.bpmn": bpmn("partner_audit_min.bpmn")})


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@contextmanager
def served(database_url, **settings):
    """A second app on the test database with other settings (CSRF, the rate limit on)."""
    app = create_app(make_config(database_url, **settings))
    try:
        with app.app_context():
            yield app.test_client()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def csrf_token(page) -> str:
    return page.text.split('name="csrf_token" value="')[1].split('"')[0]


def test_the_enquiry_page_is_public_and_labelled(client):
    page = client.get("/audits/enquiry")
    assert page.status_code == 200
    for text in ("Ask for a supplier security audit", 'for="f-client-legal_name"',
                 "Your company's legal name", 'for="f-supplier-country"', "Sites to audit",
                 'name="website"', 'class="hp" aria-hidden="true"', "Send enquiry",
                 '<option value="MX"', "Mexico"):
        assert text in page.text, text
    assert page.headers["Cache-Control"] == "no-store"


def test_the_sign_in_page_links_to_the_enquiry(client):
    page = client.get("/login")
    assert "Need a supplier audit?" in page.text
    assert 'href="/audits/enquiry">Ask for a quote</a>' in page.text


def test_an_enquiry_ends_on_the_thank_you_page_and_creates_the_case(client, audit_process):
    sent = client.post("/audits/enquiry", data=form())
    assert sent.status_code == 302 and sent.headers["Location"] == "/audits/enquiry/thanks"
    thanks = client.get(sent.headers["Location"])
    assert "your enquiry is in" in thanks.text and "prepares a quote" in thanks.text
    assert "7 days" in thanks.text
    case = db.session.scalar(select(Case))
    assert db.session.get(Company, case.supplier_id).program_number == "SVI-123"
    assert db.session.scalar(select(HumanTask.bpmn_id)) == "prepare_quote"
    email = db.session.scalar(select(OutboxEmail))
    assert email.to_addr == "ana@acme.example"
    assert re.search(r"http://localhost/activate/[\w.-]+", email.body)


def test_a_refused_enquiry_keeps_what_was_typed_with_each_fields_message(client,
                                                                         audit_process):
    page = client.post("/audits/enquiry", data=form(**{
        "client.legal_name": "Acme <Imports>", "contact.email": "not-an-email",
        "supplier.country": "", "sites": "99"}))
    assert page.status_code == 422
    assert 'id="error-summary"' in page.text and "3 problems" in page.text
    assert 'value="Acme &lt;Imports&gt;"' in page.text  # kept, and escaped
    assert 'value="not-an-email"' in page.text and 'value="99"' in page.text
    email_field = page.text.split('id="f-contact-email"')[1].split("</div>")[0]
    assert 'aria-invalid="true"' in email_field and "Enter an email address." in email_field
    assert 'id="f-supplier-country-error">Required.' in page.text
    assert "From 1 to 50 sites." in page.text
    assert '<option value="foreign_manufacturer" selected>' in page.text
    assert count(Company) == 0 and count(Case) == 0


def test_a_filled_honeypot_gets_the_thank_you_page_and_creates_nothing(client, audit_process):
    sent = client.post("/audits/enquiry", data=form(website="https://cheap-pills.example"))
    assert sent.status_code == 302 and sent.headers["Location"] == "/audits/enquiry/thanks"
    assert [count(m) for m in (Company, User, Case, SupplierLink, OutboxEmail)] == [0] * 5


def test_the_enquiry_needs_its_csrf_token(audit_process, database_url):
    with served(database_url, WTF_CSRF_ENABLED=True) as client:
        refused = client.post("/audits/enquiry", data=form())
        assert refused.status_code == 400 and "did not come from SafePort" in refused.text
        assert count(Case) == 0
        token = csrf_token(client.get("/audits/enquiry"))
        sent = client.post("/audits/enquiry", data={**form(), "csrf_token": token})
        assert sent.status_code == 302
        assert count(Case) == 1


def test_enquiries_are_limited_per_address(audit_process, database_url):
    settings = {"RATELIMIT_ENABLED": True, "ENQUIRY_RATE_LIMIT": "3 per hour",
                "RATELIMIT_KEY_PREFIX": f"enquiry-{uuid.uuid4().hex[:8]}"}
    with served(database_url, **settings) as client:
        answers = [client.post("/audits/enquiry", data=form(sites=bad)).status_code
                   for bad in ("0", "1", "0")]  # refused and accepted ones count alike
        assert answers == [422, 302, 422]
        limited = client.post("/audits/enquiry", data=form())
        assert limited.status_code == 429
        assert "Too many enquiries from your address." in limited.text
        assert 0 < int(limited.headers["Retry-After"]) <= 3600
        assert client.get("/audits/enquiry").status_code == 200  # reading is not limited
        other = client.post("/audits/enquiry", data=form(),
                            environ_base={"REMOTE_ADDR": "192.0.2.7"})
        assert other.status_code == 302  # another address has its own budget
        assert count(Case) == 2


# -- a signed-in client ------------------------------------------------------------------------
@pytest.fixture
def acme(make_user, audit_process):
    company = Company(legal_name="Acme Imports", entity_type="importer", country="US")
    db.session.add(company)
    db.session.commit()
    make_user("acme", "applicant", company.id)
    make_user("cw", "case_worker")
    return company


def supplier_form(**changes) -> dict:
    return {"supplier_choice": "new", "supplier.legal_name": "Transportes del Golfo",
            "supplier.entity_type": "highway_carrier_us_mexico", "supplier.country": "MX",
            "supplier.address": "Carretera 57 km 3, Saltillo", "supplier.program": "none",
            "scope_notes": "Yard only", **changes}


def test_a_client_requests_an_audit_of_a_new_supplier_then_of_the_same(client, sign_in, acme):
    sign_in("acme")
    page = client.get("/audits/new")
    assert page.status_code == 200 and "Request a supplier audit" in page.text
    assert 'value="new" checked' in page.text  # no supplier yet
    sent = client.post("/audits/new", data=supplier_form())
    case = db.session.scalar(select(Case))
    assert sent.status_code == 302 and sent.headers["Location"] == f"/cases/{case.id}"
    shown = client.get(sent.headers["Location"])
    assert f"case #{case.id}" in shown.text and "Prepare the quote" in shown.text
    again = client.get("/audits/new")
    assert f'value="{case.supplier_id}" checked' in again.text
    assert "Transportes del Golfo" in again.text
    second = client.post("/audits/new", data={"supplier_choice": str(case.supplier_id)})
    assert second.status_code == 302
    assert db.session.scalars(select(Case.supplier_id)).all() == [case.supplier_id] * 2


def test_a_refused_request_shows_the_fields_messages(client, sign_in, acme):
    sign_in("acme")
    page = client.post("/audits/new", data=supplier_form(**{"supplier.address": ""}))
    assert page.status_code == 422
    assert 'id="f-supplier-address-error">Required.' in page.text
    assert 'value="Transportes del Golfo"' in page.text
    nothing = client.post("/audits/new", data={"supplier_choice": ""})
    assert "Choose a supplier, or add a new one." in nothing.text
    other = client.post("/audits/new", data={"supplier_choice": "999"})
    assert other.status_code == 422 and "has no supplier 999" in other.text
    assert count(Case) == 0


def test_only_client_users_request_audits(client, sign_in, acme):
    sign_in("cw")
    assert client.post("/audits/new", data=supplier_form()).status_code == 403
    client.post("/logout")
    assert client.get("/audits/new").status_code == 302  # sign in first

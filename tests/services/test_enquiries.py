"""Issue 12 step 1: a public audit enquiry and a client's audit request start a
`partner_audit` case at the case worker's quote (on a test stand-in of the lead's diagram)."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, Company, HumanTask, Notification, OutboxEmail, SupplierLink, User
from app.services.audits import enquiries
from app.services.errors import Forbidden, Invalid
from app.services.repository import deployments
from tests.helpers import bpmn


def enquiry(**changes) -> dict:
    """A valid enquiry, as the public form sends it (text everywhere)."""
    data = {
        "client": {"legal_name": "Acme Imports LLC", "entity_type": "importer", "country": "US"},
        "contact": {"full_name": "Ana Ruiz", "email": "Ana.Ruiz@acme.example"},
        "supplier": {"legal_name": "Maquila Norte SA de CV", "entity_type":
                     "foreign_manufacturer", "country": "mx", "address": "Av. Industria 12, "
                     "Monterrey", "program": "none", "program_number": ""},
        "sites": "2", "message": "Two plants in Nuevo León.", "website": "",
    }
    for key, value in changes.items():
        section, _, field = key.partition("__")
        if field:
            data[section] = {**data[section], field: value}
        else:
            data[key] = value
    return data


@pytest.fixture
def audit_process():
    """The test stand-in of bpmn/partner_audit.bpmn (tests/data/bpmn/partner_audit_min.bpmn)."""
    deployments.deploy(None, {"partner_audit_min.bpmn": bpmn("partner_audit_min.bpmn")})


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_enquiry_creates_the_companies_link_account_and_case(app, audit_process, make_user):
    worker = make_user("cw", "case_worker")
    with app.test_request_context("/audits/enquiry", method="POST",
                                  headers={"Accept-Language": "es-MX,es;q=0.9"}):
        case = enquiries.submit_public_enquiry(enquiry())
    client = db.session.get(Company, case.company_id)
    supplier = db.session.get(Company, case.supplier_id)
    assert (client.legal_name, client.entity_type, client.country) == (
        "Acme Imports LLC", "importer", "US")
    assert (supplier.legal_name, supplier.country, supplier.program) == (
        "Maquila Norte SA de CV", "MX", "none")
    assert supplier.address == "Av. Industria 12, Monterrey"
    assert db.session.scalar(select(SupplierLink).where(
        SupplierLink.client_id == client.id, SupplierLink.supplier_id == supplier.id))
    contact = db.session.scalar(select(User).where(User.company_id == client.id))
    assert (contact.username, contact.role, contact.email, contact.full_name) == (
        "ana.ruiz", "applicant", "Ana.Ruiz@acme.example", "Ana Ruiz")
    assert contact.language == "es"  # the language the enquiry was written in
    task = db.session.scalar(select(HumanTask).where(HumanTask.case_id == case.id))
    assert (task.bpmn_id, task.role, task.state) == ("prepare_quote", "case_worker", "ready")
    assert case.status == "running" and case.started_by_id is None
    note = db.session.scalar(select(Notification).where(Notification.user_id == worker.id))
    assert note.case_id == case.id and "Acme Imports LLC" in note.message
    assert "Maquila Norte" in note.message


def test_the_contact_gets_an_activation_link_and_no_usable_password(app, audit_process):
    with app.test_request_context("/audits/enquiry", base_url="https://audits.example"):
        case = enquiries.submit_public_enquiry(enquiry())
    email = db.session.scalar(select(OutboxEmail))
    assert email.to_addr == "Ana.Ruiz@acme.example" and email.case_id == case.id
    assert f"#{case.id}" in email.subject
    assert "https://audits.example/activate/" in email.body
    assert "ana.ruiz" in email.body and "quote" in email.body
    contact = db.session.scalar(select(User).where(User.company_id == case.company_id))
    for guess in ("", "password-1", "safeport"):
        assert not contact.check_password(guess)


def test_the_case_keeps_the_enquiry_as_sent(app, audit_process):
    with app.test_request_context():
        case = enquiries.submit_public_enquiry(enquiry())
    from app.services.runtime.unit_of_work import load

    data = load(case).data
    assert data["channel"] == "public" and data["supplier_id"] == case.supplier_id
    assert data["supplier_name"] == "Maquila Norte SA de CV"
    assert data["enquiry"]["sites"] == 2
    assert data["enquiry"]["contact"]["username"] == "ana.ruiz"
    assert data["enquiry"]["message"] == "Two plants in Nuevo León."


def test_usernames_stay_unique(app, audit_process, make_user):
    make_user("ana.ruiz", "case_worker")
    with app.test_request_context():
        first = enquiries.submit_public_enquiry(enquiry())
        second = enquiries.submit_public_enquiry(enquiry())
    names = [db.session.scalar(select(User.username).where(User.company_id == case.company_id))
             for case in (first, second)]
    assert names == ["ana.ruiz2", "ana.ruiz3"]


def test_a_filled_honeypot_creates_nothing(app, audit_process):
    with app.test_request_context():
        assert enquiries.submit_public_enquiry(enquiry(website="https://spam.example")) is None
    assert [count(m) for m in (Company, User, Case, OutboxEmail, SupplierLink)] == [0] * 5


@pytest.mark.parametrize("change, field, says", [
    ({"client__legal_name": "  "}, "client.legal_name", "Required."),
    ({"client__entity_type": "smuggler"}, "client.entity_type", "Choose one of the options."),
    ({"supplier__country": "Mexico"}, "supplier.country", "Choose a country."),
    ({"contact__email": "ana-at-acme"}, "contact.email", "Enter an email address."),
    ({"sites": "0"}, "sites", "From 1 to 50 sites."),
    ({"sites": "51"}, "sites", "From 1 to 50 sites."),
    ({"sites": "two"}, "sites", "A whole number of sites."),
    ({"message": "x" * 4001}, "message", "At most 4000 characters."),
    ({"supplier__program": "iso"}, "supplier.program", "Choose one of the options."),
])
def test_invalid_enquiries_are_refused_per_field(app, audit_process, change, field, says):
    with app.test_request_context(), pytest.raises(Invalid) as refused:
        enquiries.submit_public_enquiry(enquiry(**change))
    assert refused.value.status == 422
    assert refused.value.details[field] == [says]
    assert count(Company) == 0 and count(User) == 0


# -- a signed-in client's request ----------------------------------------------------------------
@pytest.fixture
def client_user(make_user):
    acme = Company(legal_name="Acme Imports", entity_type="importer", country="US")
    db.session.add(acme)
    db.session.commit()
    return make_user("acme", "applicant", acme.id)


def new_supplier(**changes) -> dict:
    return {"legal_name": "Transportes del Golfo", "entity_type": "highway_carrier_us_mexico",
            "country": "MX", "address": "Carretera 57 km 3, Saltillo", **changes}


def test_a_client_requests_an_audit_of_a_new_supplier(app, audit_process, client_user,
                                                      make_user):
    worker = make_user("cw", "case_worker")
    case = enquiries.request_audit(client_user, supplier=new_supplier(),
                                   scope_notes="Yard and gate only")
    supplier = db.session.get(Company, case.supplier_id)
    assert supplier.legal_name == "Transportes del Golfo" and supplier.program == "none"
    assert case.company_id == client_user.company_id and case.started_by_id == client_user.id
    task = db.session.scalar(select(HumanTask).where(HumanTask.case_id == case.id))
    assert (task.bpmn_id, task.role) == ("prepare_quote", "case_worker")
    assert [s.id for s in enquiries.client_suppliers(client_user)] == [supplier.id]
    assert db.session.scalar(select(Notification.case_id).where(
        Notification.user_id == worker.id)) == case.id
    from app.services.runtime.unit_of_work import load

    assert load(case).data["scope_notes"] == "Yard and gate only"


def test_a_client_reuses_a_supplier_it_already_links(app, audit_process, client_user):
    first = enquiries.request_audit(client_user, supplier=new_supplier())
    again = enquiries.request_audit(client_user, supplier=new_supplier(
        legal_name="transportes del golfo"))
    by_id = enquiries.request_audit(client_user, supplier_id=first.supplier_id)
    assert again.supplier_id == first.supplier_id == by_id.supplier_id
    assert count(SupplierLink) == 1 and count(Company) == 2


def test_one_supplier_serves_several_clients_each_seeing_only_its_own(app, audit_process,
                                                                   client_user, make_user):
    globex = Company(legal_name="Globex", entity_type="importer", country="US")
    db.session.add(globex)
    db.session.commit()
    other = make_user("globex", "applicant", globex.id)
    case = enquiries.request_audit(client_user, supplier=new_supplier())
    with pytest.raises(Invalid) as refused:  # not Globex's supplier, even by its id
        enquiries.request_audit(other, supplier_id=case.supplier_id)
    assert "supplier_id" in refused.value.details
    assert enquiries.client_suppliers(other) == []
    db.session.add(SupplierLink(client_id=globex.id, supplier_id=case.supplier_id))
    db.session.commit()
    second = enquiries.request_audit(other, supplier_id=case.supplier_id)
    assert second.company_id == globex.id and second.supplier_id == case.supplier_id


def test_only_client_applicants_request_audits(app, audit_process, make_user):
    worker = make_user("cw", "case_worker")
    with pytest.raises(Forbidden):
        enquiries.request_audit(worker, supplier=new_supplier())
    with pytest.raises(Invalid) as refused:
        enquiries.request_audit(make_user("x", "applicant", _company()),
                                supplier=new_supplier(country="ZZ"))
    assert refused.value.details == {"supplier.country": ["Choose a country."]}
    assert count(Case) == 0


def _company() -> int:
    company = Company(legal_name="Initech", entity_type="exporter")
    db.session.add(company)
    db.session.commit()
    return company.id

"""Spanish in a real browser: an applicant switches to Español on a phone and reads the task
page in Spanish, and no Spanish page scrolls sideways (Spanish runs ~20% longer)."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Company, HumanTask
from app.services.membership.catalogue import SAMPLE_CATALOGUE, import_catalogue, read_rows
from app.services.repository import deployments
from app.services.runtime import cases
from tests.helpers import bpmn
from tests.web.browser.conftest import sign_in

PHONE, DESKTOP = 390, 1440


@pytest.fixture
def applicant_case(make_user):
    """An importer's applicant (no language chosen) with the company profile to fill."""
    import_catalogue(None, read_rows(SAMPLE_CATALOGUE))
    company = Company(legal_name="Importadora del Pacífico SA de CV", entity_type="importer",
                      country="MX")
    db.session.add(company)
    db.session.commit()
    make_user("ana", "applicant", company.id)
    cw = make_user("cw", "case_worker")
    deployments.deploy(None, {"spanish_applicant.bpmn": bpmn("spanish_applicant.bpmn")})
    case = cases.start_case(cw, company_id=company.id, process_id="spanish_applicant")
    task = db.session.scalar(select(HumanTask).where(HumanTask.case_id == case.id))
    return {"case": case.id, "task": task.id}


def _width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_applicant_switches_to_spanish_on_a_phone(applicant_case, new_page):
    page = new_page(PHONE)
    sign_in(page, "ana")
    expect(page.locator("h2", has_text="Required next")).to_be_visible()
    page.click("button[value=es]")
    page.wait_for_load_state()
    expect(page.locator("h2", has_text="Lo que se requiere ahora")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "es"
    page.goto(f"/tasks/{applicant_case['task']}")
    expect(page.locator("h1")).to_have_text("Perfil de la empresa y acuerdo")
    expect(page.locator("legend", has_text="Domicilio de la oficina principal")).to_be_visible()
    expect(page.locator("label[for='f-company.trade_name']")).to_have_text("Nombre comercial")
    expect(page.locator("button[value=draft]")).to_have_text("Guardar borrador")
    assert _width(page) <= PHONE, "the Spanish task page scrolls sideways"
    page.goto("/login")  # signed in: the start page, still in Spanish
    expect(page.locator("button[value=es]")).to_be_disabled()
    assert page.errors == []


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_spanish_pages_fit_the_screen(applicant_case, new_page, width, tmp_path):
    page = new_page(width)
    page.goto("/login")
    page.click("button[value=es]")
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("Iniciar sesión")
    sign_in(page, "ana")
    for path in ("/my-company", "/inbox?view=applicant", f"/tasks/{applicant_case['task']}",
                 f"/cases/{applicant_case['case']}", "/account/password"):
        page.goto(path)
        page.wait_for_load_state()
        assert page.evaluate("document.documentElement.lang") == "es", path
        assert _width(page) <= width, f"{path} scrolls sideways at {width} px"
    assert page.errors == []

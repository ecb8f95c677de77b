"""The portfolio page and its CSV export as the web serves them."""
import csv
import io

import pytest

from app.models.types import utcnow
from tests.portfolio_world import build


@pytest.fixture
def world(make_user):
    return build(make_user, utcnow().date())


def _rows(html: str) -> int:
    return html.count("data-supplier-id=")


def test_a_client_sees_its_portfolio_linked_from_nav_and_company_page(world, client, sign_in):
    sign_in("acme")
    company = client.get("/my-company").get_data(as_text=True)
    assert company.count('href="/portfolio"') == 2  # the header and the company page
    page = client.get("/portfolio")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _rows(html) == 3
    assert "Norte Ensambles" in html and "Andes Textiles" not in html
    assert 'data-label="Overdue"' in html and "Business Partners" in html
    assert 'href="/portfolio.csv"' in html


def test_filters_live_in_the_url_and_the_csv_link_keeps_them(world, client, sign_in):
    sign_in("acme")
    html = client.get("/portfolio?risk=high&country=MX").get_data(as_text=True)
    assert _rows(html) == 1 and "Norte Ensambles" in html
    assert 'href="/portfolio.csv?country=MX&amp;risk=high"' in html
    assert '<option value="high" selected>' in html
    export = client.get("/portfolio.csv?country=MX&risk=high")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert "attachment" in export.headers["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0][0] == "Supplier" and [line[0] for line in lines[1:]] == ["Norte Ensambles"]
    assert _rows(client.get("/portfolio?overdue=1").get_data(as_text=True)) == 1
    empty = client.get("/portfolio?q=nothing-like-this").get_data(as_text=True)
    assert _rows(empty) == 0 and "No supplier matches these filters." in empty


def test_a_bad_filter_is_named_not_an_error(world, client, sign_in):
    sign_in("acme")
    page = client.get("/portfolio?country=Mexico&risk=extreme")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "a two-letter country code" in html and _rows(html) == 3


def test_a_supplier_contact_gets_403_and_a_client_never_another_clients(world, client,
                                                                        sign_in):
    sign_in("maquila")
    assert client.get("/portfolio").status_code == 403
    assert client.get("/portfolio.csv").status_code == 403
    client.post("/logout")
    sign_in("acme")
    assert client.get(f"/portfolio?client_id={world.companies['globex']}").status_code == 404
    assert client.get(f"/portfolio.csv?client_id={world.companies['globex']}"
                      ).status_code == 404


def test_staff_choose_the_client_first(world, client, sign_in):
    sign_in("cw")
    picker = client.get("/portfolio").get_data(as_text=True)
    assert f'href="/portfolio?client_id={world.companies["globex"]}"' in picker
    html = client.get(f"/portfolio?client_id={world.companies['globex']}").get_data(
        as_text=True)
    assert _rows(html) == 2 and "Globex Retail" in html
    assert f'href="/portfolio.csv?client_id={world.companies["globex"]}"' in html


def test_a_spanish_speaking_client_reads_the_portfolio_in_spanish(world, client, sign_in):
    from app.extensions import db
    from app.models import User

    db.session.get(User, world.users["acme"].id).language = "es"
    db.session.commit()
    sign_in("acme")
    html = client.get("/portfolio").get_data(as_text=True)
    assert "Cartera de proveedores" in html and "Hallazgos por categoría de criterios" in html
    assert 'data-label="Vencidas"' in html and "México" in html and "Alto" in html
    export = client.get("/portfolio.csv").get_data(as_text=True)
    assert export.lstrip("\ufeff").startswith("Proveedor,")

"""GET /api/v1/portfolio and /api/v1/portfolio/findings: the client's own rows, staff naming the
client, 403 for supplier contacts, 404 for another client's portfolio, filters and openapi."""
import pytest

from app.models.types import utcnow
from tests.portfolio_world import build


@pytest.fixture
def world(make_user):
    return build(make_user, utcnow().date())


def _names(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["name"] for item in response.get_json()["items"]]


def test_a_client_lists_its_suppliers_with_counts(world, login):
    acme = login("acme")
    response = acme.get("/api/v1/portfolio")
    assert _names(response) == ["Maquila Unida", "Norte Ensambles", "Pacific Carriers"]
    norte = response.get_json()["items"][1]
    assert norte == {
        "supplier_id": world.companies["norte"], "name": "Norte Ensambles",
        "entity_type": "foreign_manufacturer", "country": "MX", "program": "aeo",
        "program_number": "MX-AEO-77", "risk_rating": "high",
        "last_audit_on": norte["last_audit_on"], "last_score": 72.5,
        "last_audit_case_id": world.cases["acme_norte"], "open_actions": 2,
        "overdue_actions": 1, "next_audit_due": norte["next_audit_due"]}
    maquila = response.get_json()["items"][0]
    assert (maquila["open_actions"], maquila["overdue_actions"]) == (1, 0)  # not Globex's


def test_filters_and_sort_in_the_query(world, login):
    acme = login("acme")
    assert _names(acme.get("/api/v1/portfolio?risk=high")) == ["Norte Ensambles"]
    assert _names(acme.get("/api/v1/portfolio?country=mx")) == ["Maquila Unida",
                                                                "Norte Ensambles"]
    assert _names(acme.get("/api/v1/portfolio?overdue=true")) == ["Norte Ensambles"]
    assert _names(acme.get("/api/v1/portfolio?q=pacif")) == ["Pacific Carriers"]
    assert _names(acme.get("/api/v1/portfolio?sort=risk")) == [
        "Norte Ensambles", "Maquila Unida", "Pacific Carriers"]
    bad = acme.get("/api/v1/portfolio?risk=extreme&country=Mexico&sort=x")
    assert bad.status_code == 422
    assert set(bad.get_json()["details"]) == {"risk", "country", "sort"}


def test_supplier_contacts_get_403_and_other_clients_404(world, login):
    for name in ("norte", "maquila"):
        contact = login(name)
        assert contact.get("/api/v1/portfolio").status_code == 403
        assert contact.get("/api/v1/portfolio/findings").status_code == 403
        assert contact.get(f"/api/v1/portfolio?client_id={world.companies['acme']}"
                           ).status_code == 403
    acme = login("acme")
    other = acme.get(f"/api/v1/portfolio?client_id={world.companies['globex']}")
    assert other.status_code == 404
    assert acme.get(f"/api/v1/portfolio/findings?client_id={world.companies['globex']}"
                    ).status_code == 404


def test_staff_name_the_client(world, login):
    cw = login("cw")
    missing = cw.get("/api/v1/portfolio")
    assert missing.status_code == 422 and "client_id" in missing.get_json()["details"]
    globex = cw.get(f"/api/v1/portfolio?client_id={world.companies['globex']}")
    assert _names(globex) == ["Andes Textiles", "Maquila Unida"]
    assert globex.get_json()["items"][1]["open_actions"] == 2
    assert cw.get("/api/v1/portfolio?client_id=99999").status_code == 404


def test_findings_per_category(world, login):
    response = login("acme").get("/api/v1/portfolio/findings")
    assert response.status_code == 200
    categories = response.get_json()["categories"]
    assert [c["category"] for c in categories] == list(range(1, 13))
    partners = categories[2]
    assert partners == {"category": 3, "name": "Business Partners", "critical": 0, "major": 1,
                        "minor": 0, "total": 1, "open": 1}
    assert sum(c["total"] for c in categories) == 4


def test_openapi_describes_both_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    listing = spec["paths"]["/api/v1/portfolio"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"client_id", "country", "risk",
                                                           "overdue", "q", "sort"}
    assert "/api/v1/portfolio/findings" in spec["paths"]
    assert "PortfolioRowOut" in spec["components"]["schemas"]

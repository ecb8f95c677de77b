"""The client's supplier portfolio: who sees which rows, the corrective-action counts, filters,
sorting, findings per category and the CSV export."""
import csv
import io
from datetime import date

import pytest

from app.services.audits import portfolio
from app.services.audits.portfolio import PortfolioFilters
from app.services.errors import Forbidden, Invalid, NotFound
from tests.portfolio_world import build

TODAY = date(2026, 6, 15)


@pytest.fixture
def world(make_user):
    return build(make_user, TODAY)


def _rows(user, **filters):
    return {r.name: r for r in portfolio.portfolio(user, PortfolioFilters(**filters), TODAY)}


def test_a_client_sees_its_own_suppliers_with_its_own_counts(world):
    rows = _rows(world.users["acme"])
    assert list(rows) == ["Maquila Unida", "Norte Ensambles", "Pacific Carriers"]
    norte = rows["Norte Ensambles"]
    assert (norte.open_actions, norte.overdue_actions) == (2, 1)  # the closed one not counted
    assert (norte.entity_type, norte.country, norte.program, norte.program_number) == (
        "foreign_manufacturer", "MX", "aeo", "MX-AEO-77")
    assert (norte.risk_rating, norte.last_score, norte.last_audit_on) == (
        "high", 72.5, date(2026, 4, 16))
    assert norte.next_audit_due == date(2027, 4, 16)
    assert norte.last_audit_case_id == world.cases["acme_norte"]
    pacific = rows["Pacific Carriers"]
    assert (pacific.open_actions, pacific.overdue_actions, pacific.last_audit_on) == (0, 0, None)


def test_a_supplier_both_clients_serve_shows_each_only_its_own_audits(world):
    acme = _rows(world.users["acme"])["Maquila Unida"]
    globex = _rows(world.users["globex"])["Maquila Unida"]
    assert (acme.risk_rating, acme.open_actions, acme.overdue_actions, acme.last_score) == (
        "medium", 1, 0, 88.0)
    assert (globex.risk_rating, globex.open_actions, globex.overdue_actions,
            globex.last_score) == ("high", 2, 1, 55.0)
    assert set(_rows(world.users["globex"])) == {"Andes Textiles", "Maquila Unida"}


def test_a_client_cannot_ask_for_another_clients_portfolio(world):
    with pytest.raises(NotFound):
        portfolio.portfolio(world.users["acme"],
                            PortfolioFilters(client_id=world.companies["globex"]))
    with pytest.raises(NotFound):
        portfolio.findings_by_category(world.users["acme"], world.companies["globex"])
    mine = _rows(world.users["acme"], client_id=world.companies["acme"])
    assert len(mine) == 3


def test_supplier_contacts_and_other_roles_never_see_a_portfolio(world, make_user):
    others = [make_user(role, role) for role in ("designer", "specialist", "reviewer")]
    for user in (world.users["norte"], world.users["maquila"], world.users["aud"], *others):
        with pytest.raises(Forbidden):
            portfolio.portfolio(user, PortfolioFilters(client_id=world.companies["acme"]))
        with pytest.raises(Forbidden):
            portfolio.findings_by_category(user, world.companies["acme"])
        with pytest.raises(Forbidden):
            portfolio.portfolio_csv(user, PortfolioFilters(client_id=world.companies["acme"]))


def test_staff_name_the_client(world):
    cw = world.users["cw"]
    with pytest.raises(Invalid):
        portfolio.portfolio(cw, PortfolioFilters())
    with pytest.raises(NotFound):
        portfolio.portfolio(cw, PortfolioFilters(client_id=999_999))
    rows = _rows(cw, client_id=world.companies["globex"])
    assert rows["Maquila Unida"].open_actions == 2
    assert [(c.legal_name, n) for c, n in portfolio.clients(cw)] == [
        ("Acme Imports", 3), ("Globex Retail", 2)]
    for user in (world.users["acme"], world.users["aud"]):
        with pytest.raises(Forbidden):
            portfolio.clients(user)


def test_filters_country_risk_overdue_and_name(world):
    acme = world.users["acme"]
    assert list(_rows(acme, country="MX")) == ["Maquila Unida", "Norte Ensambles"]
    assert list(_rows(acme, country="CN")) == ["Pacific Carriers"]
    assert list(_rows(acme, risk="high")) == ["Norte Ensambles"]
    assert list(_rows(acme, risk="low")) == ["Pacific Carriers"]
    assert list(_rows(acme, overdue=True)) == ["Norte Ensambles"]
    assert list(_rows(world.users["globex"], overdue=True)) == ["Maquila Unida"]
    assert list(_rows(acme, q="norte")) == ["Norte Ensambles"]
    assert list(_rows(acme, q="UNI")) == ["Maquila Unida"]
    assert list(_rows(acme, q="%")) == []  # a wildcard is a character, not a pattern
    assert list(_rows(acme, country="MX", risk="medium")) == ["Maquila Unida"]


def test_sort_by_name_risk_and_next_audit(world):
    acme = world.users["acme"]
    assert list(_rows(acme, sort="risk")) == [
        "Norte Ensambles", "Maquila Unida", "Pacific Carriers"]
    assert list(_rows(acme, sort="next_audit")) == [  # never audited: last
        "Norte Ensambles", "Maquila Unida", "Pacific Carriers"]
    assert list(_rows(world.users["globex"], sort="next_audit")) == [
        "Andes Textiles", "Maquila Unida"]


def test_filters_from_the_url_and_back(world):
    filters, errors = portfolio.parse_filters({"country": "mx", "risk": "high", "overdue": "1",
                                               "q": " nor ", "sort": "risk"})
    assert errors == {}
    assert filters.as_query() == {"country": "MX", "risk": "high", "overdue": "1", "q": "nor",
                                  "sort": "risk"}
    filters, errors = portfolio.parse_filters({"country": "Mexico", "risk": "extreme",
                                               "sort": "random", "client_id": "x"})
    assert set(errors) == {"country", "risk", "sort", "client_id"}
    assert filters.as_query() == {}


def test_findings_per_category_count_the_clients_audits_by_severity(world):
    acme = {f.category: f for f in portfolio.findings_by_category(world.users["acme"])}
    assert len(acme) == 12 and acme[3].name == "Business Partners"
    assert (acme[3].major, acme[3].critical, acme[3].minor, acme[3].open) == (1, 0, 0, 1)
    assert (acme[9].critical, acme[9].open) == (1, 1)
    assert (acme[6].minor, acme[6].open) == (1, 0)  # closed: a finding, no longer open
    assert (acme[10].minor, acme[10].total) == (1, 1)
    assert sum(f.total for f in acme.values()) == 4  # Globex's two are not Acme's
    globex = {f.category: f for f in portfolio.findings_by_category(
        world.users["cw"], world.companies["globex"])}
    assert (globex[3].critical, globex[3].major, globex[3].open) == (1, 1, 2)
    assert sum(f.total for f in globex.values()) == 2


def test_csv_has_a_header_and_one_line_per_supplier(world):
    text = portfolio.portfolio_csv(world.users["acme"], PortfolioFilters(sort="risk"), TODAY)
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["Supplier", "Entity type", "Country", "Program", "Program number",
                        "Risk rating", "Last audit", "Last score", "Open corrective actions",
                        "Overdue corrective actions", "Next audit due"]
    assert lines[1] == ["Norte Ensambles", "foreign_manufacturer", "MX", "aeo", "MX-AEO-77",
                        "high", "2026-04-16", "72.5", "2", "1", "2027-04-16"]
    assert lines[3] == ["Pacific Carriers", "sea_carrier", "CN", "none", "", "low", "", "",
                        "0", "0", ""]
    assert len(lines) == 4
    only_high = portfolio.portfolio_csv(world.users["acme"], PortfolioFilters(risk="high"), TODAY)
    assert [line[0] for line in csv.reader(io.StringIO(only_high))][1:] == ["Norte Ensambles"]


def test_csv_cells_that_a_spreadsheet_would_run_are_defused(world):
    from app.extensions import db
    from app.models import Company

    db.session.get(Company, world.companies["pacific"]).legal_name = '=HYPERLINK("x")'
    db.session.commit()
    text = portfolio.portfolio_csv(world.users["acme"], PortfolioFilters(risk="low"), TODAY)
    assert list(csv.reader(io.StringIO(text)))[1][0] == "'=HYPERLINK(\"x\")"

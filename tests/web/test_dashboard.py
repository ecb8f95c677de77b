"""The dashboard and the case list on the demo data: every figure links to a list showing
that many rows, the trends come weekly, the case list sorts, filters and exports CSV."""
import csv
import io
import re
from html import unescape

import pytest

from app.services.tasks.caselist import PER_PAGE

FIGURE = re.compile(r'<a class="figure" href="([^"]+)" data-count="([^"]+)"')


def _shown(page: str) -> int:
    """How many rows a case list or inbox page says it holds."""
    found = re.search(r'data-total="(\d+)"', page) or re.search(r"(\d+) open tasks?", page)
    assert found, page[:500]
    return int(found.group(1))


def _rows(page: str) -> int:
    return len(re.findall(r'<tr><td data-label="Case">', page))


@pytest.mark.parametrize("username", ["admin", "caseworker"])
def test_every_dashboard_figure_links_to_a_list_of_that_many(demo_world, client, sign_in, username):
    sign_in(username, "password-1" if username == "admin" else "safeport")
    board = client.get("/dashboard")
    assert board.status_code == 200
    figures = [(unescape(href), int(count)) for href, count in FIGURE.findall(board.text)]
    assert len(figures) >= 20
    assert any(href.startswith("/inbox?") for href, _n in figures)
    assert any("overdue=1" in href and n > 0 for href, n in figures)
    assert any("review_due=" in href and n > 0 for href, n in figures)
    for href, count in figures:
        listing = client.get(href)
        assert listing.status_code == 200, href
        assert _shown(listing.text) == count, href
        if href.startswith("/cases?") and count <= 50:
            assert _rows(listing.text) == count, href


def test_trends_come_weekly_for_two_years(demo_world, client, sign_in):
    sign_in("caseworker", "safeport")
    trends = client.get("/dashboard/trends.json").get_json()
    weeks = trends["weeks"]
    assert len(weeks) == len(trends["opened"]) == len(trends["closed"]) == \
        len(trends["overdue"]) == 104
    assert weeks == sorted(weeks) and weeks[1] > weeks[0]
    assert sum(trends["opened"]) >= 40 and sum(trends["closed"]) >= 10
    assert sum(1 for n in trends["opened"][:52] if n) >= 5, "cases opened in the first year"
    assert trends["overdue"][-1] >= 3
    medians = dict(zip(trends["stages"], trends["median_days"], strict=True))
    assert medians["Security profile"] > 10 and medians["Certification and validation"] > 30
    page = client.get("/dashboard").text
    assert '<canvas id="chart-cases"' in page and "Week of" in page  # the table fallback
    assert "<script>" not in page  # the CSP allows no inline script
    client.post("/logout")
    sign_in("applicant", "safeport")
    assert client.get("/dashboard/trends.json").status_code == 403


def test_the_case_list_sorts_filters_and_exports_csv(demo_world, client, sign_in):
    sign_in("caseworker", "safeport")
    by_company = client.get("/cases?sort=company&status=running").text
    names = re.findall(r'<td data-label="Company">([^<]+)', by_company)
    assert len(names) == min(_shown(by_company), PER_PAGE) and _shown(by_company) > 20
    assert [n.lower() for n in names] == sorted(n.lower() for n in names)
    reverse = re.findall(r'<td data-label="Company">([^<]+)',
                         client.get("/cases?sort=-company&status=running").text)
    assert [n.lower() for n in reverse] == sorted((n.lower() for n in reverse), reverse=True)
    if _shown(by_company) <= PER_PAGE:  # one page: the same rows the other way round
        assert sorted(n.lower() for n in reverse) == sorted(n.lower() for n in names)
    else:  # the first page of each order: the last names first
        assert reverse[0].lower() >= names[-1].lower()
    assert 'href="/cases?status=running&amp;sort=-company"' in by_company  # header flips

    carriers = client.get("/cases?entity_type=air_carrier").text
    assert _shown(carriers) >= 3 and "Air Cargo" in carriers and "Imports" not in carriers
    stage = client.get("/cases?stage=Security+profile&status=running").text
    assert _shown(stage) >= 4 and _rows(stage) == _shown(stage)
    search = client.get("/cases?q=bayside").text
    assert _shown(search) == 1 and "Bayside Imports Inc" in search

    export = client.get("/cases.csv?entity_type=importer&sort=company")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["case", "company", "supplier"]
    listed = client.get("/cases?entity_type=importer&sort=company").text
    assert len(rows) - 1 == _shown(listed)
    assert {r[3] for r in rows[1:]} == {"importer"}
    shown = [(r[2] or r[1]).lower() for r in rows[1:]]  # an audit shows its supplier
    assert shown == sorted(shown) and any(r[2] for r in rows[1:])

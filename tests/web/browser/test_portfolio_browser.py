"""The client's portfolio page in chromium, wide and on a phone: it fits the window, the risk
filter narrows the rows, the CSV link downloads the same rows, rows read as cards on a phone."""
import csv
import io
import os

import pytest
from playwright.sync_api import expect

from app.models.types import utcnow
from tests.portfolio_world import build
from tests.web.browser.conftest import sign_in

#: set to a folder to keep screenshots of the page (for looking at it)
SHOTS = os.environ.get("SAFEPORT_SCREENSHOTS")


@pytest.fixture
def world(make_user):
    return build(make_user, utcnow().date())


@pytest.mark.parametrize("width", [1440, 390])
def test_portfolio_fits_filters_by_risk_and_exports_csv(world, new_page, width, tmp_path):
    page = new_page(width)
    sign_in(page, "acme")
    if width < 800:  # phones: the header's links are behind its menu button
        page.click("header .menu-toggle")
    page.click("header nav a[href='/portfolio']")
    expect(page.locator("h1")).to_contain_text("Supplier portfolio")
    rows = page.locator("#portfolio tbody tr")
    expect(rows).to_have_count(3)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"portfolio-{width}.png"), full_page=True)

    page.select_option("#risk", "high")
    page.click("form.filter-bar button[type=submit]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Norte Ensambles")
    assert "risk=high" in page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    with page.expect_download() as download_info:
        page.click("#csv-export")
    download = download_info.value
    assert download.suggested_filename.startswith("supplier-portfolio-")
    with open(download.path(), encoding="utf-8-sig") as file:
        text = file.read()
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][:2] == ["Supplier", "Entity type"]
    assert [line[0] for line in lines[1:]] == ["Norte Ensambles"]
    assert page.errors == []


def test_rows_are_labelled_cards_on_a_phone_and_a_table_when_wide(world, new_page):
    phone = new_page(390)
    sign_in(phone, "acme")
    phone.goto("/portfolio")
    cell = phone.locator("#portfolio tbody tr").first.locator('td[data-label="Risk"]')
    assert cell.evaluate("td => getComputedStyle(td, '::before').content") == '"Risk"'
    assert phone.locator("#portfolio thead").bounding_box()["height"] <= 1
    box = phone.locator("#findings").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    wide = new_page(1440)
    sign_in(wide, "acme")
    wide.goto("/portfolio")
    assert wide.locator("#portfolio tbody tr").first.evaluate(
        "tr => getComputedStyle(tr).display") == "table-row"
    if SHOTS:
        phone.locator("#findings").screenshot(path=os.path.join(SHOTS, "findings-390.png"))

"""Lists on a 390 px phone: no page scrolls sideways, and each row reads as a labelled card."""
import pytest
from playwright.sync_api import expect

from tests.web.browser.conftest import sign_in

PHONE = 390


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("username, path, row, label", [
    ("cw", "/inbox?view=case_worker", "tr[data-task-id]", "Company"),
    ("cw", "/cases", "tbody tr", "Stage"),
    ("designer", "/processes", "tr[data-version]", "Deployed by"),
])
def test_lists_fit_a_phone_as_labelled_cards(review_world, new_page, username, path, row,
                                             label):
    page = new_page(PHONE)
    sign_in(page, username)
    page.goto(path)
    first = page.locator(row).first
    expect(first).to_be_visible()
    assert _page_width(page) <= PHONE, f"{path} scrolls sideways"
    assert page.locator("table.tasks thead").bounding_box()["height"] <= 1  # headers hidden
    cell = first.locator(f'td[data-label="{label}"]')
    shown = cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert shown == f'"{label}"'
    box = cell.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE
    assert page.errors == []


def test_the_same_lists_stay_tables_on_a_wide_screen(review_world, new_page):
    page = new_page(1440)
    sign_in(page, "cw")
    page.goto("/cases")
    expect(page.locator("table.tasks thead th").first).to_be_visible()
    assert page.locator("table.tasks tr").first.evaluate(
        "tr => getComputedStyle(tr).display") == "table-row"

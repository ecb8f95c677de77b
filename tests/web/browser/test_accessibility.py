"""Every main page on a 390 px phone without sideways scrolling, the header's menu button,
one h1, a skip link and landmarks, axe-core with no serious or critical violation, and the
browser's time zone taken once."""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import User
from tests.web.browser.conftest import sign_in

PHONE = 390
AXE = Path(__file__).resolve().parents[3] / "app" / "static" / "node_modules" / "axe-core" / \
    "axe.min.js"


def _task_path(page) -> str:
    page.goto("/inbox?view=case_worker")
    return page.locator("tr[data-task-id] a[href^='/tasks/']").first.get_attribute("href")


def _pages(page, world) -> dict[str, str]:
    """The pages a case worker works on (the task page found through the inbox)."""
    return {"inbox": "/inbox?view=case_worker", "task": _task_path(page),
            "case": f"/cases/{world['case']}", "dashboard": "/dashboard", "cases": "/cases",
            "designer list": "/processes", "portfolio": "/portfolio", "profile": "/account"}


def _violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page (evaluated, so the page's CSP,
    which allows no inline script, does not apply to it)."""
    page.evaluate(AXE.read_text())
    found = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in found["violations"] if v["impact"] in ("serious", "critical")]


def test_every_page_fits_a_phone(review_world, new_page):
    page = new_page(PHONE)
    page.goto("/login")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE, "sign-in"
    sign_in(page, "cw")
    for name, path in _pages(page, review_world).items():
        page.goto(path)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.evaluate("innerWidth"), f"{name} ({path}) is {width} px wide"
        assert page.locator("h1").count() == 1, name
    assert page.errors == []


def test_the_header_folds_into_a_menu_button_on_a_phone(review_world, new_page):
    page = new_page(PHONE)
    sign_in(page, "cw")
    button = page.get_by_role("button", name="Menu")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("link", name="Dashboard")).to_be_hidden()
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator("h1")).to_have_text("Dashboard")
    # the inbox filters fold away on a phone, and open again
    page.goto("/inbox?view=case_worker")
    expect(page.locator("#q")).to_be_hidden()
    page.locator("details.fold > summary").click()
    expect(page.locator("#q")).to_be_visible()


def test_wide_screens_show_the_whole_header(review_world, new_page):
    page = new_page(1440)
    sign_in(page, "cw")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("link", name="Dashboard")).to_be_visible()
    expect(page.locator("#q")).to_be_visible()  # filters open
    expect(page.locator(".who .name")).to_have_text("cw")
    expect(page.locator(".who .role")).to_have_text("Case worker")


def test_skip_link_landmarks_and_focus(review_world, new_page):
    page = new_page(1440)
    sign_in(page, "cw")
    page.goto(f"/cases/{review_world['case']}")
    assert page.locator("header").count() == 1 and page.locator("main#content").count() == 1
    assert page.locator("nav[aria-label]").count() >= 1
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    assert skip.evaluate("a => getComputedStyle(a).outlineStyle") != "none"
    assert skip.bounding_box()["x"] >= 0  # shown when focused
    page.keyboard.press("Enter")
    expect(page.locator("main#content")).to_be_focused()


@pytest.mark.parametrize("width", [1440, PHONE])
def test_axe_finds_nothing_serious(review_world, new_page, width):
    page = new_page(width)
    page.goto("/login")
    problems = {"sign-in": _violations(page)}
    sign_in(page, "cw")
    for name, path in _pages(page, review_world).items():
        if name in ("cases", "portfolio", "profile"):
            continue
        page.goto(path)
        page.wait_for_load_state("networkidle")
        if name == "case":
            expect(page.locator("#diagram")).to_have_attribute("data-rendered", "true")
        problems[name] = _violations(page)
    page.goto("/inbox")
    page.locator("#bell").click()  # the bell's dropdown, open over the inbox
    expect(page.get_by_role("dialog", name="Notifications")).to_contain_text("No notifications")
    problems["bell dropdown"] = _violations(page)
    assert {name: found for name, found in problems.items() if found} == {}


def test_the_browsers_time_zone_is_taken_once(review_world, browser, live_server):
    context = browser.new_context(base_url=live_server, timezone_id="America/Mexico_City")
    try:
        page = context.new_page()
        sign_in(page, "spec")
        expect(page.locator("body")).to_have_attribute("data-time-zone-sent",
                                                       "America/Mexico_City")
        user = db.session.scalar(db.select(User).where(User.username == "spec"))
        db.session.refresh(user)
        assert user.time_zone == "America/Mexico_City"
        page.goto(f"/cases/{review_world['case']}")
        assert " CST" in page.locator("#content dl").inner_text()
        assert page.locator("body[data-time-zone-from]").count() == 0
    finally:
        context.close()

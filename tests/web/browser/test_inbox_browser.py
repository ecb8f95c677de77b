"""The inbox in a real browser: header sort, search, bulk claim, a saved view that reopens with
its filters and sort, keyboard claim (j then c), the bell after an assignment, complete and go
to the next task."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from app.extensions import db
from app.models import HumanTask, Notification
from app.services.runtime import cases
from app.services.tasks import actions as tasks
from tests.web.browser.conftest import sign_in


def _ids(page) -> list[str]:
    return page.locator("#inbox-results tbody tr[data-task-id]").evaluate_all(
        "rows => rows.map(r => r.dataset.taskId)")


def _titles(world, first: str, second: str) -> tuple[int, int]:
    one, two = db.session.scalars(select(HumanTask.id).where(HumanTask.state == "ready")
                                  .order_by(HumanTask.id)).all()[:2]
    for task_id, title in ((one, first), (two, second)):
        db.session.execute(update(HumanTask).where(HumanTask.id == task_id).values(title=title))
    db.session.commit()
    return one, two


def test_header_sort_and_search(review_world, new_page, live_server):
    one, two = _titles(review_world, "Zeta review", "Alpha review")
    page = new_page()
    sign_in(page, "cw")
    page.goto("/inbox?view=case_worker")
    assert _ids(page) == [str(one), str(two)]  # soonest due (ids) first
    header = page.locator("th[data-sort=title]")
    expect(header).to_have_attribute("aria-sort", "none")
    header.get_by_role("link").click()
    expect(page.locator("th[data-sort=title]")).to_have_attribute("aria-sort", "ascending")
    expect(page).to_have_url(live_server + "/inbox?view=case_worker&sort=title")
    assert _ids(page) == [str(two), str(one)]
    page.locator("th[data-sort=title]").get_by_role("link").click()
    expect(page.locator("th[data-sort=title]")).to_have_attribute("aria-sort", "descending")
    expect(page.locator("#inbox-results tbody tr").first).to_have_attribute(
        "data-task-id", str(one))
    page.fill("#q", "globex")  # the search keeps the sort
    expect(page.locator("#inbox-results tbody tr[data-task-id]")).to_have_count(1)
    assert "q=globex" in page.url and page.url.endswith("&sort=title&order=desc")
    assert page.errors == []


def test_bulk_claim_of_the_selected_rows(review_world, new_page):
    tasks.claim(review_world["users"]["cw2"], _titles(review_world, "A", "B")[1])
    page = new_page()
    sign_in(page, "cw")
    page.goto("/inbox?view=case_worker")
    page.check("#select-all")
    expect(page.locator("[data-selected-count]")).to_have_attribute("data-selected", "2")
    page.get_by_role("button", name="Claim selected").click()
    messages = page.locator("#messages")
    expect(messages).to_contain_text("Claimed 1 task.")
    expect(messages).to_contain_text("refused: task")
    expect(messages).to_contain_text("already claimed by someone else")
    expect(page.locator('[data-count="mine"]')).to_have_text("1")
    expect(page.locator("input[name=task_ids]:checked")).to_have_count(0)  # done with


def test_a_saved_view_reopens_with_its_filters_and_sort(review_world, new_page, live_server):
    page = new_page()
    sign_in(page, "cw")
    page.goto("/inbox?view=case_worker")
    page.locator("th[data-sort=priority]").get_by_role("link").click()
    expect(page.locator("th[data-sort=priority]")).to_have_attribute("aria-sort", "descending")
    page.check("input[name=assigned][value=unassigned]")  # changed after the page loaded
    expect(page.locator("#view-query")).to_have_value(
        "view=case_worker&assigned=unassigned&sort=priority")
    page.fill("#view-name", "Free by priority")
    page.get_by_role("button", name="Save view").click()
    page.goto("/inbox")
    page.get_by_role("link", name="Free by priority").click()
    expect(page.locator("th[data-sort=priority]")).to_have_attribute("aria-sort", "descending")
    expect(page.locator("input[name=assigned][value=unassigned]")).to_be_checked()
    assert "view=case_worker" in page.url and "sort=priority" in page.url


def test_keyboard_j_then_c_claims_the_first_row(review_world, new_page):
    page = new_page()
    sign_in(page, "cw")
    page.goto("/inbox?view=case_worker")
    first = page.locator("#inbox-results tbody tr").first
    page.locator("h1").first.click()  # nothing focused that types
    page.keyboard.press("j")
    expect(first).to_have_class(re.compile(r"\bcurrent\b"))
    page.wait_for_timeout(2500)  # a poll swaps the list: the current row stays current
    expect(first).to_have_class(re.compile(r"\bcurrent\b"))
    page.keyboard.press("c")
    expect(page.locator("#messages")).to_contain_text("You hold")
    expect(page.locator('[data-count="mine"]')).to_have_text("1")
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type("jc")  # typing in the search box is not a shortcut
    expect(page.locator("#q")).to_have_value("jc")


def test_the_bell_counts_an_assignment_made_elsewhere(review_world, new_page):
    page = new_page()
    sign_in(page, "cw2")
    page.goto("/inbox")
    expect(page.locator("#bell .count")).to_have_text("0")
    task_id = db.session.scalar(select(HumanTask.id).where(HumanTask.state == "ready")
                                .order_by(HumanTask.id))
    tasks.assign(review_world["users"]["cw"], task_id, "cw2")  # another session
    expect(page.locator("#bell .count")).to_have_text("1", timeout=8000)  # the poll
    page.locator("#bell").click()
    dropdown = page.get_by_role("dialog", name="Notifications")
    expect(dropdown).to_contain_text("assigned")
    dropdown.get_by_role("button", name="Mark all read").click()
    expect(page.locator("#bell .count")).to_have_text("0")
    expect(dropdown.locator("strong")).to_have_count(0)  # shown as read, still open
    expect(dropdown.locator(".bell-list a").first).to_be_focused()  # not lost with the button


@pytest.mark.parametrize("width", [1440, 390])
def test_the_bell_opens_a_dropdown_of_the_newest_notifications(review_world, new_page, width):
    cw2 = review_world["users"]["cw2"]
    task_id = db.session.scalar(select(HumanTask.id).order_by(HumanTask.id))
    db.session.add_all([Notification(user_id=cw2.id, kind="task_assigned", task_id=task_id,
                                     message=f"Task {task_id} was assigned to you ({n})")
                        for n in range(3)])
    db.session.commit()
    page = new_page(width)
    sign_in(page, "cw2")
    page.goto("/inbox")
    bell = page.locator("#bell")
    bell.click()
    dropdown = page.get_by_role("dialog", name="Notifications")
    expect(dropdown).to_be_visible()
    expect(bell).to_have_attribute("aria-expanded", "true")
    expect(dropdown.locator(".bell-list a")).to_have_count(3)
    expect(dropdown.locator(".bell-list a").first).to_be_focused()
    box = dropdown.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, box  # inside the screen
    page.keyboard.press("Escape")
    expect(dropdown).to_be_hidden()
    expect(bell).to_be_focused()
    expect(bell).to_have_attribute("aria-expanded", "false")
    bell.click()
    page.locator("main").click(position={"x": 5, "y": 5})  # a click elsewhere closes it
    expect(dropdown).to_be_hidden()
    bell.click()
    dropdown.locator(".bell-list a").first.click()
    expect(page).to_have_url(re.compile(rf"/tasks/{task_id}$"))
    page.locator("#bell").click()
    page.get_by_role("dialog", name="Notifications").get_by_role(
        "link", name="All notifications").click()
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    assert page.errors == []


def test_complete_and_go_to_next_opens_the_next_queue_task(review_world, new_page, live_server):
    cases.start_case(review_world["users"]["cw"], company_id=review_world["users"]["acme"]
                     .company_id, process_id="web_review")
    first, second = db.session.scalars(select(HumanTask.id).where(
        HumanTask.state == "ready").order_by(HumanTask.id)).all()[:2]
    page = new_page()
    sign_in(page, "cw")
    page.goto(f"/tasks/{first}")
    page.check("input[name=decision][value=accept]")
    page.get_by_role("button", name="Complete and go to next").click()
    expect(page).to_have_url(live_server + f"/tasks/{second}")
    expect(page.locator("#messages")).to_contain_text("is complete")

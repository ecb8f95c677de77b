"""Real-browser checks of the web UI: sign-in per role, claim/complete with a field error,
the live timeline, company isolation and the diagram viewer."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import HumanTask
from app.services.tasks import actions as tasks
from tests.web.browser.conftest import sign_in


@pytest.mark.parametrize("username, path, heading", [
    ("cw", "/inbox", "My tasks"), ("spec", "/inbox", "My tasks"),
    ("admin", "/dashboard", "Dashboard"), ("designer", "/processes", "Deployed processes"),
    ("acme", "/my-company", "Acme Imports"),
])
def test_each_role_signs_in_to_its_start_page_and_out(review_world, new_page, live_server,
                                                       username, path, heading):
    page = new_page()
    page.goto("/inbox")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    sign_in(page, username, "wrong-password")
    expect(page.locator(".flash.error")).to_contain_text("wrong password")
    sign_in(page, username)
    expect(page).to_have_url(live_server + path)
    expect(page.locator("main")).to_contain_text(heading)
    expect(page.locator(".who")).to_contain_text(username)
    page.click("text=Sign out")
    expect(page).to_have_url(live_server + "/login")
    page.goto(path)
    expect(page).to_have_url(re.compile(r"/login"))
    assert page.errors == []


def test_claim_submit_with_an_error_fix_and_complete(review_world, new_page, live_server):
    page = new_page()
    sign_in(page, "cw")
    page.click("text=Case worker queue")
    row = page.locator("tr[data-task-id] >> text=Acme Imports").locator("xpath=ancestor::tr")
    expect(page.locator('[data-count="case_worker"]')).to_have_text("2")
    expect(page.locator('[data-count="mine"]')).to_have_text("0")
    row.get_by_role("button", name="Claim").click()  # htmx: no page load
    expect(page.locator("#messages")).to_contain_text("You hold “Review request” now.")
    expect(page.locator('[data-count="mine"]')).to_have_text("1")
    row = page.locator("tr[data-task-id] >> text=Acme Imports").locator("xpath=ancestor::tr")
    expect(row.get_by_role("button", name="Release")).to_be_visible()
    row.get_by_role("link", name="Review request").click()
    expect(page.locator("h1")).to_have_text("Review request")

    page.fill("textarea[name=note]", "This note is far too long to pass the fifty char limit.")
    page.click("text=Complete and back to inbox")
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("2 problems to fix")
    expect(summary).to_be_focused()  # read first by screen readers and keyboard users
    expect(summary.get_by_role("link", name="Decision: Missing data for required field.")
           ).to_have_attribute("href", "#f-decision")
    expect(summary.get_by_role("link", name=re.compile(r"^Note: Longer than maximum"))
           ).to_be_visible()
    expect(page.locator("#decision-error")).to_have_text("Missing data for required field.")
    expect(page.locator("#note-error")).to_contain_text("Longer than maximum length 50")
    expect(page.locator("textarea[name=note]")).to_have_value(
        "This note is far too long to pass the fifty char limit.")

    page.fill("textarea[name=note]", "Looks fine.")
    page.check("input[name=decision][value=accept]")
    page.click("text=Complete and back to inbox")
    expect(page).to_have_url(live_server + "/inbox")
    expect(page.locator("#messages")).to_contain_text("“Review request” is complete.")
    expect(page.locator('[data-count="mine"]')).to_have_text("0")
    task = db.session.scalar(select(HumanTask).where(HumanTask.case_id == review_world["case"],
                                                     HumanTask.bpmn_id == "review"))
    assert task.state == "completed"
    assert page.errors == []


def test_timeline_updates_while_the_case_page_is_open(review_world, new_page):
    watcher, worker = new_page(), new_page()
    sign_in(watcher, "cw2")
    watcher.goto(f"/cases/{review_world['case']}")
    timeline = watcher.locator("#timeline")
    expect(timeline).to_contain_text("task created")
    expect(timeline).not_to_contain_text("task completed")
    sign_in(worker, "cw")
    task_id = db.session.scalar(select(HumanTask.id).where(
        HumanTask.case_id == review_world["case"], HumanTask.state == "ready"))
    worker.goto(f"/tasks/{task_id}")
    worker.check("input[name=decision][value=refuse]")
    worker.click("text=Complete and back to inbox")
    expect(worker.locator("#messages")).to_contain_text("is complete")
    expect(timeline).to_contain_text("task completed", timeout=8000)  # polled, no reload
    expect(timeline.locator("li").first).to_contain_text("task created")  # newest first
    expect(timeline).to_contain_text("by cw")


def test_a_task_completed_meanwhile_says_so_and_keeps_the_input(review_world, new_page):
    page = new_page()
    sign_in(page, "cw")
    task_id = db.session.scalar(select(HumanTask.id).where(
        HumanTask.case_id == review_world["case"], HumanTask.state == "ready"))
    page.goto(f"/tasks/{task_id}")
    page.fill("textarea[name=note]", "my careful words")
    page.check("input[name=decision][value=accept]")
    tasks.complete(review_world["users"]["cw2"], task_id, {"decision": "refuse"})
    page.click("text=Complete and back to inbox")
    expect(page.locator("#conflict")).to_contain_text("completed or taken by someone else")
    expect(page.locator("textarea[name=note]")).to_have_value("my careful words")
    expect(page.locator("input[name=decision][value=accept]")).to_be_checked()


def test_applicant_cannot_open_another_company_case_or_document(review_world, new_page):
    other = new_page()
    sign_in(other, "globex")
    other.goto(f"/cases/{review_world['other']}")
    other.set_input_files("#file", files=[{"name": "proof.txt", "mimeType": "text/plain",
                                           "buffer": b"our evidence"}])
    other.get_by_role("button", name="Upload", exact=True).click()
    expect(other.locator("#messages")).to_contain_text("Uploaded proof.txt")
    document_href = other.locator("#documents a").first.get_attribute("href")

    page = new_page()
    sign_in(page, "acme")
    expect(page.locator("#required")).to_contain_text("Nothing is required")
    page.goto(f"/cases/{review_world['case']}")
    expect(page.locator("h1")).to_contain_text("Acme Imports")
    response = page.goto(f"/cases/{review_world['other']}")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Not found")
    expect(page.locator("main")).not_to_contain_text("Globex")
    assert page.request.get(document_href).status == 404
    assert other.request.get(document_href).status == 200


def test_diagram_viewer_marks_completed_and_active_elements(review_world, new_page):
    tasks.complete(review_world["users"]["cw"], db.session.scalar(select(HumanTask.id).where(
        HumanTask.case_id == review_world["case"])), {"decision": "accept"})
    page = new_page()
    sign_in(page, "cw")
    page.goto(f"/cases/{review_world['case']}")
    diagram = page.locator("#diagram")
    expect(diagram).to_have_attribute("data-rendered", "true")
    expect(diagram.locator("svg").first).to_be_visible()
    done = diagram.locator('[data-element-id="review"].state-completed')
    active = diagram.locator('[data-element-id="answer"].state-active')
    expect(done).to_have_count(1)
    expect(active).to_have_count(1)
    expect(diagram.locator('[data-element-id="start"].state-completed')).to_have_count(1)
    expect(diagram).to_contain_text("Review request")
    assert page.errors == []


def test_a_claim_lost_to_a_colleague_is_shown_in_place(review_world, new_page):
    page = new_page()
    sign_in(page, "cw")
    page.click("text=Case worker queue")
    row = page.locator("tr[data-task-id] >> text=Globex Freight").locator("xpath=ancestor::tr")
    task_id = int(row.get_attribute("data-task-id"))
    tasks.claim(review_world["users"]["cw2"], task_id)  # meanwhile, in another office
    row.get_by_role("button", name="Claim").click()
    expect(page.locator("#messages .flash.error")).to_contain_text(
        "already claimed by someone else")
    expect(page).to_have_url(re.compile(r"/inbox\?view=case_worker$"))  # no navigation


def test_filters_update_in_place_and_stay_in_the_url(review_world, new_page, live_server):
    page = new_page()
    sign_in(page, "cw")
    page.click("text=Case worker queue")
    page.wait_for_load_state("load")  # htmx binds its triggers once the page has loaded
    expect(page.locator("tr[data-task-id]")).to_have_count(2)
    page.fill("#q", "globex")  # search as you type, no page load
    expect(page.locator("tr[data-task-id]")).to_have_count(1)
    expect(page.locator("tr[data-task-id]")).to_contain_text("Globex Freight")
    expect(page).to_have_url(re.compile(r"q=globex"))
    page.select_option("#entity_type", "importer")
    expect(page.locator("tr[data-task-id]")).to_have_count(0)
    expect(page.locator("#inbox-results")).to_contain_text("Nothing here with these filters")
    page.reload()  # the URL alone reproduces the view
    expect(page.locator("#q")).to_have_value("globex")
    expect(page.locator("#entity_type")).to_have_value("importer")
    expect(page.locator("tr[data-task-id]")).to_have_count(0)
    page.goto("/inbox?view=case_worker")
    row = page.locator("tr[data-task-id]").first
    row.locator("select[name=username]").select_option("cw2")  # must not refilter the inbox
    expect(page.locator("tr[data-task-id]")).to_have_count(2)
    row.get_by_role("button", name="Assign").click()
    expect(page.locator("#messages")).to_contain_text("assigned to cw2")
    expect(page.locator("tr[data-task-id]").first).to_contain_text("cw2")


def test_applicant_answers_with_a_conditional_field(review_world, new_page, live_server):
    review = db.session.scalar(select(HumanTask.id).where(
        HumanTask.case_id == review_world["case"]))
    tasks.complete(review_world["users"]["cw"], review, {"decision": "accept"})
    page = new_page()
    sign_in(page, "acme")
    page.locator("#required").get_by_role("link", name="Answer questions").click()
    changes = page.locator("textarea[name=changes]")
    expect(changes).to_be_visible()
    page.check("input[name=has_changes][value=no]")
    expect(changes).to_be_hidden()  # form-js `conditional.hide`, evaluated in the page
    page.check("input[name=has_changes][value=yes]")
    expect(changes).to_be_visible()
    page.click("text=Complete and back to inbox")
    expect(page.locator("#changes-error")).to_have_text("Missing data for required field.")
    expect(page.locator("input[name=has_changes][value=yes]")).to_be_checked()
    page.check("input[name=has_changes][value=no]")
    page.click("text=Complete and back to inbox")  # hidden, so not required
    expect(page.locator("#messages")).to_contain_text("“Answer questions” is complete.")
    page.goto("/my-company")
    expect(page.locator("#required")).to_contain_text("Nothing is required")
    assert page.errors == []

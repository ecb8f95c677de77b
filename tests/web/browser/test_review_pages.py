"""Reviewing work in a real browser: the specialist sees what the applicant submitted (answers and
evidence), finished tasks show their values, every round starts blank, internal variables stay
with staff, and a suspended case says so in the queue and on its tasks."""
from io import BytesIO

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import HumanTask, User
from app.services.membership.catalogue import (
    SAMPLE_CATALOGUE,
    criteria_for,
    import_catalogue,
    read_rows,
)
from app.services.runtime import cases
from app.services.tasks import documents
from tests.lifecycle.conftest import deploy_lifecycle
from tests.lifecycle.flow import do, open_tasks, to_specialist_review
from tests.web.browser.conftest import sign_in

INTERNAL = ("leads", "upcoming", "profile_reminders", "review_reminders", "Technical details")


@pytest.fixture
def under_review(staff, make_user, login):
    """An importer's case at the specialist's review, with evidence for one criterion."""
    assert deploy_lifecycle(staff["designer"]).status_code == 201
    import_catalogue(None, read_rows(SAMPLE_CATALOGUE))
    company_id = staff["cw"].post("/api/v1/companies", json={
        "legal_name": "Acme Imports", "entity_type": "importer"}).get_json()["id"]
    make_user("acme", "applicant", company_id)
    applicant = login("acme")
    case_id = to_specialist_review(staff["cw"], applicant, company_id)
    criterion = criteria_for("importer")[0]
    acme = db.session.scalar(select(User).where(User.username == "acme"))
    documents.upload(acme, case_id, "seal-log.txt", BytesIO(b"seal 4471 applied 03:10"),
                     criterion=criterion.criterion_id)
    return {"case": case_id, "applicant": applicant, "criterion": criterion}


def _task_id(case_id: int, bpmn_id: str, state: str = "ready") -> int:
    return db.session.scalar(select(HumanTask.id).where(
        HumanTask.case_id == case_id, HumanTask.bpmn_id == bpmn_id, HumanTask.state == state)
        .order_by(HumanTask.id.desc()))


def test_the_specialist_sees_the_answers_and_evidence_under_review(under_review, new_page):
    page = new_page()
    sign_in(page, "spec")
    page.goto(f"/tasks/{_task_id(under_review['case'], 'specialist_review')}")
    review = page.locator("#under-review")
    expect(review).to_contain_text("Supply chain security profile")
    expect(review).to_contain_text("Must criteria")
    group = review.locator(f"[data-path='{under_review['criterion'].key}']").first
    expect(group).to_contain_text("Documented in the security manual")  # what acme typed
    expect(group.get_by_role("link", name="seal-log.txt")).to_have_attribute(
        "href", f"/documents/{1}")
    expect(review).to_contain_text("Company profile and agreement")
    expect(page.locator("input[name=review_outcome]:checked")).to_have_count(0)
    expect(page.locator("#technical-details")).to_be_attached()  # staff may look under the hood



def test_the_decision_stays_in_view_while_the_reviewer_scrolls(under_review, new_page):
    page = new_page(1440)
    sign_in(page, "spec")
    page.goto(f"/tasks/{_task_id(under_review['case'], 'specialist_review')}")
    review = page.locator("#under-review")
    assert review.bounding_box()["height"] > 3000  # the whole profile, far below the fold
    page.evaluate("window.scrollTo(0, 2500)")
    assert page.evaluate("window.scrollY") == 2500
    box = page.locator("section.task-form").bounding_box()
    assert 0 <= box["y"] < 900  # still on screen
    expect(page.locator("input[name=review_outcome]").first).to_be_in_viewport()

def test_a_completed_task_shows_what_was_submitted_by_whom(under_review, new_page):
    page = new_page()
    sign_in(page, "cw")
    page.goto(f"/tasks/{_task_id(under_review['case'], 'security_profile', 'completed')}")
    expect(page.locator("#submitted-by")).to_contain_text("by acme")
    expect(page.locator("#submitted-values")).to_contain_text("Documented in the security manual")
    expect(page.locator("form.task")).to_have_count(0)


def test_the_applicant_page_shows_no_internal_variables(under_review, new_page, staff):
    case_id = under_review["case"]
    do(staff["spec"], case_id, "specialist_review", {
        "review_outcome": "request_info", "questions": "Who checks the seals at night?"})
    page = new_page()
    sign_in(page, "acme")
    page.goto(f"/tasks/{_task_id(case_id, 'information_request')}")
    expect(page.locator("h1")).to_have_text("Answer the specialist's questions")
    html = page.content()
    assert not [name for name in INTERNAL if name in html]
    expect(page.locator("aside")).to_contain_text("Acme Imports")


def test_a_review_that_comes_round_again_opens_blank_with_the_last_round_below(
        under_review, new_page, staff):
    case_id, applicant = under_review["case"], under_review["applicant"]
    do(staff["spec"], case_id, "specialist_review", {
        "review_outcome": "request_info", "questions": "Who checks the seals at night?"})
    do(applicant, case_id, "information_request", {"answers": "The night guard, hourly."})
    assert "specialist_review" in open_tasks(staff["cw"], case_id)
    page = new_page()
    sign_in(page, "spec")
    page.goto(f"/tasks/{_task_id(case_id, 'specialist_review')}")
    expect(page.locator("input[name=review_outcome]")).to_have_count(3)
    expect(page.locator("input[name=review_outcome]:checked")).to_have_count(0)
    expect(page.locator("textarea[name=questions]")).to_have_value("")
    rounds = page.locator("#earlier-rounds")
    rounds.locator("summary").first.click()
    expect(rounds).to_contain_text("Request more information")
    expect(rounds).to_contain_text("Who checks the seals at night?")


def test_a_suspended_case_says_so_in_the_queue_and_on_its_task(review_world, new_page,
                                                              client):
    users = review_world["users"]
    cases.suspend_case(users["cw"], review_world["case"], "Seizure under investigation")
    page = new_page()
    sign_in(page, "cw")
    page.goto("/inbox?view=case_worker")
    row = page.locator("tr[data-task-id]", has_text="Acme Imports")
    expect(row.locator(".badge.status-suspended")).to_have_text("case suspended")
    row.get_by_role("link", name="Review request").click()
    expect(page.locator("#case-hold")).to_contain_text(
        f"Case {review_world['case']} is suspended")
    expect(page.locator("#case-hold")).to_contain_text("by cw: Seizure under investigation")
    expect(page.get_by_role("button", name="Complete and back to inbox")).to_have_count(0)
    task_id = _task_id(review_world["case"], "review")
    token = client.post("/api/v1/auth/token", json={"username": "cw",
                                                    "password": "password-1"}).get_json()
    refused = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {}},
                          headers={"Authorization": f"Bearer {token['token']}"})
    assert refused.status_code == 409
    assert "is suspended: nothing in it can be completed" in refused.get_json()["message"]

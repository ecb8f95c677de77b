"""The report's sign-off in chromium: the reviewer reads the report and its findings, approves
it, and the PDF report is a document of the case; the auditor who wrote it is refused the
sign-off in plain words (four eyes)."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import HumanTask
from tests.audits import conftest as audits
from tests.audits.walk import to_report_review
from tests.web.browser.conftest import sign_in

audit_world = audits.audit_world  # the partner-audit fixture, in this folder too


def _review_task(case_id: int) -> int:
    return db.session.scalar(select(HumanTask.id).where(
        HumanTask.case_id == case_id, HumanTask.bpmn_id == "report_review",
        HumanTask.state == "ready"))


@pytest.mark.parametrize("width", [1440, 390])
def test_the_reviewer_signs_off_the_report_and_its_pdf_is_filed(audit_world, new_page, width):
    case_id = to_report_review(audit_world)
    task_id = _review_task(case_id)

    page = new_page(width)
    sign_in(page, "rita")
    page.goto("/inbox?view=reviewer")
    page.get_by_role("link", name="Review and sign off the report").first.click()
    expect(page.locator("h1")).to_have_text("Review and sign off the report")
    findings = page.locator("main")
    expect(findings).to_contain_text("Good site; seals weak")  # the auditor's summary
    expect(findings).to_contain_text("Finding on 9.2")
    findings = page.locator("table#f-findings tbody tr")  # facts to read, not inputs
    expect(findings).to_have_count(2)
    expect(findings.nth(0)).to_contain_text("3.1")
    expect(findings.nth(0)).to_contain_text("major")
    expect(findings.nth(1)).to_contain_text("critical")
    expect(page.locator("#f-auditor")).to_contain_text("ana")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.get_by_label("Approve and issue the report").check()
    page.click("button[value=complete]")
    page.wait_for_load_state()
    assert db.session.get(HumanTask, task_id).state == "completed"

    page.goto(f"/cases/{case_id}")
    report = page.get_by_role("link", name=f"audit-report-PA-{case_id}.pdf")
    expect(report).to_be_visible()
    with page.expect_download() as download:
        report.click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


def test_the_auditor_of_the_audit_is_refused_its_sign_off(audit_world, new_page):
    case_id = to_report_review(audit_world)
    task_id = _review_task(case_id)
    page = new_page()
    sign_in(page, "ana")
    page.goto(f"/tasks/{task_id}")
    expect(page.locator("#four-eyes")).to_have_text(
        "Four eyes: you did “On-site audit checklist” in this case, so someone else must do "
        "this task.")
    expect(page.locator("button[value=complete]")).to_have_count(0)
    # a sign-off sent anyway (a form kept open in another tab) is refused in plain words
    token = page.locator("form.task input[name=csrf_token]").input_value()
    refused = page.request.post(f"/tasks/{task_id}", form={
        "csrf_token": token, "action": "complete", "review_decision": "approve"})
    assert refused.status == 403
    assert "Why: Four eyes: you performed" in refused.text()  # the 403 page says why
    assert db.session.get(HumanTask, task_id).state == "ready"

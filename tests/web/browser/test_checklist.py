"""The on-site audit checklist on a phone (390 x 844) in a real browser: each answer is saved as
it is given and stays after a reload; offline answers wait in the browser, say "Not saved yet"
and are saved once the connection is back; a photo taken for an item is attached to it; and the
checklist is submitted with the saved answers."""
import json
import struct
import zlib

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import ChecklistItem, Document, HumanTask
from app.services.audits import checklist
from tests.audit_support import audit_world
from tests.web.browser.conftest import sign_in

PHONE = 390


def _png(width: int, height: int) -> bytes:
    """A red PNG of the given size, as a camera app would hand over an image file."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


@pytest.fixture
def audit(make_user):
    return audit_world(make_user)


def _saved(case_id: int, criterion_id: str):
    """The row as the database has it now (the live server wrote it)."""
    return db.session.execute(
        select(ChecklistItem.result, ChecklistItem.severity, ChecklistItem.notes)
        .where(ChecklistItem.case_id == case_id, ChecklistItem.criterion_id == criterion_id)
    ).first()


def _stored(page, task_id: int, criterion_id: str):
    return page.evaluate(f"localStorage.getItem('safeport.checklist.{task_id}.{criterion_id}')")


def _open_checklist(page, task_id: int) -> None:
    page.goto("/inbox")
    page.click(f"a[href='/tasks/{task_id}']")
    expect(page.locator("#checklist")).to_be_visible()


def test_answers_are_saved_at_once_and_survive_reloads_and_a_dropped_connection(
        audit, new_page, tmp_path):
    page = new_page(PHONE)
    sign_in(page, "ana")
    task_id, case_id = audit.task.id, audit.case.id
    _open_checklist(page, task_id)
    expect(page.locator("#checklist-progress")).to_have_text("0 of 92 answered")

    first = page.locator("#item-c1_1")
    first.get_by_text("Compliant", exact=True).click()
    expect(first.locator(".save-state")).to_have_text("Saved")
    expect(page.locator("#checklist-progress")).to_have_text("1 of 92 answered")
    assert _saved(case_id, "1.1") == ("compliant", None, "")
    page.reload()
    expect(first.locator("input[value=compliant]")).to_be_checked()
    expect(first.locator(".save-state")).to_have_text("Saved")

    # the connection drops: the answer waits in the browser
    page.context.set_offline(True)
    second = page.locator("#item-c1_2")
    second.get_by_text("Non-compliant", exact=True).click()
    expect(second.locator("[data-field=severity]")).to_be_visible()
    expect(second.locator(".item-hint")).to_have_text("Add a severity, notes to save this item.")
    second.get_by_text("Major", exact=True).click()
    second.locator("textarea").fill("No signed security policy on site.")
    expect(second.locator(".save-state")).to_contain_text("Not saved yet")
    expect(page.locator("#checklist-unsent")).to_have_text("1 not saved yet")
    assert json.loads(_stored(page, task_id, "1.2"))["notes"] == \
        "No signed security policy on site."
    assert _saved(case_id, "1.2") is None
    page.context.set_offline(False)
    expect(second.locator(".save-state")).to_have_text("Saved", timeout=15_000)
    assert _saved(case_id, "1.2") == ("non_compliant", "major",
                                      "No signed security policy on site.")
    assert _stored(page, task_id, "1.2") is None
    expect(page.locator("#checklist-unsent")).to_have_text("")

    # a save that fails is sent again when the page is opened next
    page.route("**/checklist/1.3", lambda route: route.abort())
    third = page.locator("#item-c1_3")
    third.get_by_text("Observation", exact=True).click()
    third.locator("textarea").fill("Point of contact named, not yet trained.")
    expect(third.locator(".save-state")).to_contain_text("Not saved yet")
    page.unroute("**/checklist/1.3")
    assert _saved(case_id, "1.3") is None
    page.reload()
    expect(third.locator(".save-state")).to_have_text("Saved", timeout=15_000)
    assert _saved(case_id, "1.3") == ("observation", None,
                                      "Point of contact named, not yet trained.")
    expect(third.locator("textarea")).to_have_value("Point of contact named, not yet trained.")

    # a photo from the phone's camera, attached to the item
    photo = tmp_path / "gate.png"
    photo.write_bytes(_png(8, 6))
    second.locator("input[type=file]").set_input_files(str(photo))
    expect(second.locator(".photo-state")).to_have_text("Photo attached")
    thumbnail = second.locator(".photo-list img")
    expect(thumbnail).to_have_count(1)
    assert thumbnail.evaluate("img => img.complete && img.naturalWidth") == 8
    docs = db.session.execute(select(Document.criterion, Document.original_name)
                              .where(Document.case_id == case_id)).all()
    assert docs == [("1.2", "gate.png")]
    page.reload()
    expect(page.locator("#item-c1_2 .photo-list img")).to_have_count(1)

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    expect(page.locator("#checklist-progress")).to_have_text("3 of 92 answered")
    assert page.errors == []


def test_the_checklist_is_submitted_with_the_saved_answers(audit, new_page):
    ana, task_id = audit.users["auditor"], audit.task.id
    for cid in audit.criteria[1:]:
        checklist.save_item(ana, task_id, cid, "compliant", None, None)
    page = new_page(PHONE)
    sign_in(page, "ana")
    page.goto(f"/tasks/{task_id}")
    expect(page.locator("#checklist-progress")).to_have_text("91 of 92 answered")
    page.click("#checklist-submit button")
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("1 items need an answer")
    expect(page.locator("#item-c1_1.has-error")).to_contain_text(
        "Missing data for required field.")
    page.click("#error-summary a[href='#item-c1_1']")
    page.locator("#item-c1_1").get_by_text("Not applicable", exact=True).click()
    expect(page.locator("#item-c1_1 .save-state")).to_have_text("Saved")
    page.click("#checklist-submit button")
    expect(page.locator("#messages")).to_contain_text("is complete")
    assert db.session.scalar(select(HumanTask.state).where(HumanTask.id == task_id)) == \
        "completed"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    assert page.errors == []

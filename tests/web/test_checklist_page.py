"""The checklist task page without a browser: its cards, saving an item (the card's own form and
the script's JSON), a photo for an item, and submitting the checklist."""
import base64
import io
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ChecklistItem, Document, HumanTask
from app.services.audits import checklist
from tests.audit_support import audit_world

#: a 1x1 PNG
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR"
                       "9awAAAABJRU5ErkJggg==")


@pytest.fixture
def audit(make_user):
    return audit_world(make_user)


def _card(page: str, key: str) -> str:
    start = page.index(f'id="item-{key}"')
    return page[start:page.index("</article>", start)]


def test_the_page_is_one_card_per_criterion_by_category(audit, client, sign_in):
    sign_in("ana")
    page = client.get(f"/tasks/{audit.task.id}")
    assert page.status_code == 200
    assert page.text.count('class="card checklist-item') == 92
    assert "0 of 92 answered" in page.text
    assert "3. Business Partners" in page.text and "Fábrica del Norte" in page.text
    assert 'accept="image/*" capture="environment"' in page.text
    assert "js/checklist.js" in page.text and "Submit checklist" in page.text
    assert "<script>" not in page.text  # CSP: no inline scripts


def test_other_task_pages_have_no_checklist(world, client, sign_in):
    sign_in("cw")
    page = client.get("/tasks/1")
    assert "checklist.js" not in page.text and "checklist-item" not in page.text


def test_a_card_saves_with_its_own_form_and_the_answer_stays(audit, client, sign_in):
    sign_in("ana")
    task_id = audit.task.id
    saved = client.post(f"/tasks/{task_id}/checklist/3.1",
                        data={"result": "non_compliant", "severity": "minor",
                              "notes": "Screening form unsigned."})
    assert saved.status_code == 302
    assert saved.headers["Location"] == f"/tasks/{task_id}#item-c3_1"
    page = client.get(f"/tasks/{task_id}").text
    card = _card(page, "c3_1")
    assert 'value="non_compliant" checked' in card and 'value="minor" checked' in card
    assert "Screening form unsigned." in card and "Saved" in card
    assert "1 of 92 answered" in page
    refused = client.post(f"/tasks/{task_id}/checklist/3.4", data={"result": "observation"},
                          follow_redirects=True)
    assert "3.4 not saved: notes: Missing data for required field." in refused.text


def test_the_script_saves_with_json_and_reads_refusals_as_json(audit, app, client, sign_in):
    sign_in("ana")
    url = f"/tasks/{audit.task.id}/checklist/9.1"
    ok = client.post(url, json={"result": "observation", "notes": "Gate 2 light out."})
    assert ok.status_code == 200
    assert ok.get_json() | {"updated_at": None} == {
        "criterion_id": "9.1", "result": "observation", "severity": None,
        "notes": "Gate 2 light out.", "updated_at": None}
    bad = client.post(url, json={"result": "non_compliant", "notes": "x"})
    assert bad.status_code == 422 and bad.get_json()["details"] == {
        "severity": ["Missing data for required field."]}
    supplier = app.test_client()
    supplier.post("/login", data={"username": "fabrica", "password": "password-1"})
    assert supplier.post(url, json={"result": "compliant"}).status_code == 404
    item = db.session.scalar(select(ChecklistItem).where(ChecklistItem.criterion_id == "9.1"))
    assert item.result == "observation"


def test_a_photo_is_attached_to_its_criterion(audit, client, sign_in):
    sign_in("ana")
    response = client.post(f"/tasks/{audit.task.id}/checklist/6.1/photos",
                           data={"file": (io.BytesIO(PNG), "seal.png")},
                           headers={"Accept": "application/json"},
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    doc = db.session.get(Document, response.get_json()["id"])
    assert (doc.case_id, doc.criterion, doc.content_type) == (audit.case.id, "6.1", "image/png")
    page = client.get(f"/tasks/{audit.task.id}").text
    card = _card(page, "c6_1")
    assert f'<img src="/documents/{doc.id}"' in card
    download = client.get(f"/documents/{doc.id}")
    assert download.data == PNG
    download.close()
    fake = client.post(f"/tasks/{audit.task.id}/checklist/6.1/photos",
                       data={"file": (io.BytesIO(b"not a png"), "x.png")},
                       headers={"Accept": "application/json"},
                       content_type="multipart/form-data")
    assert fake.status_code == 422


def test_submitting_names_the_unanswered_items_then_completes(audit, client, sign_in):
    sign_in("ana")
    task_id, ana = audit.task.id, audit.users["auditor"]
    for cid in audit.criteria[2:]:
        checklist.save_item(ana, task_id, cid, "compliant", None, None)
    refused = client.post(f"/tasks/{task_id}/checklist")
    assert refused.status_code == 422
    assert "2 items need an answer" in refused.text
    assert re.search(r'href="#item-c1_1">1\.1</a>, <a href="#item-c1_2">1\.2</a>', refused.text)
    assert refused.text.count("checklist-item has-error") == 2
    for cid in audit.criteria[:2]:
        checklist.save_item(ana, task_id, cid, "not_applicable", None, None)
    done = client.post(f"/tasks/{task_id}/checklist")
    assert done.status_code == 302 and done.headers["Location"] == "/inbox"
    task = db.session.get(HumanTask, task_id)
    db.session.refresh(task)
    assert task.state == "completed"
    page = client.get(f"/tasks/{task_id}").text
    assert "checklist-item" not in page and "Submitted" in page

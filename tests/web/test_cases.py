"""Case pages, timeline, diagram data, documents, comments, the applicant's page, dashboard."""
import io
from pathlib import Path

from app.services.tasks import actions as tasks

PDF = b"%PDF-1.4\n% test evidence\n"


def upload(client, case_id, name, content, criterion=""):
    return client.post(f"/cases/{case_id}/documents", data={
        "file": (io.BytesIO(content), name), "criterion": criterion},
        content_type="multipart/form-data")


def test_case_page_shows_record_tasks_and_timeline(world, client, sign_in):
    sign_in("cw")
    page = client.get("/cases/1")
    assert page.status_code == 200
    for text in ("Case #1 · Acme Imports", "Importer", "Two lanes v1", "running",
                 "Review request", "case started", "task created", 'id="diagram"'):
        assert text in page.text
    tasks.complete(world["users"]["cw"], 1, {"decision": "accept"})
    timeline = client.get("/cases/1/timeline", headers={"HX-Request": "true"})
    assert timeline.status_code == 200 and timeline.text.lstrip().startswith('<ol id="timeline"')
    assert "task completed" in timeline.text and "by cw" in timeline.text


def test_diagram_data_marks_completed_and_active_elements(world, client, sign_in):
    sign_in("cw")
    tasks.complete(world["users"]["cw"], 1, {"decision": "accept"})
    data = client.get("/cases/1/diagram").get_json()
    assert 'id="two_lanes"' in data["xml"]
    assert data["states"]["review"] == "COMPLETED" and data["states"]["answer"] == "READY"
    assert data["has_layout"] is False  # the test diagram has no BPMN DI


def test_applicant_cannot_open_another_company_case_or_document(world, client, sign_in):
    sign_in("globex")
    assert upload(client, 2, "proof.pdf", PDF).status_code == 302
    client.post("/logout")
    sign_in("acme")
    assert client.get("/cases/1").status_code == 200
    for url in ("/cases/2", "/cases/2/timeline", "/cases/2/diagram", "/documents/1"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Globex" not in response.text
    assert client.post("/cases/2/comments", data={"body": "hi"}).status_code == 404
    assert upload(client, 2, "x.pdf", PDF).status_code == 404


def test_documents_are_checked_stored_outside_and_downloaded(world, app, client, sign_in):
    sign_in("acme")
    response = upload(client, 1, "../../etc/evidence.pdf", PDF, criterion="4.1 access")
    assert response.status_code == 302
    page = client.get("/cases/1")
    assert "evidence.pdf" in page.text and "4.1 access" in page.text
    stored = list(Path(app.config["UPLOAD_DIR"]).iterdir())
    assert len(stored) == 1 and stored[0].name != "evidence.pdf"
    assert stored[0].read_bytes() == PDF
    download = client.get("/documents/1")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    download.close()
    assert client.get(f"/static/../{stored[0].name}").status_code == 404
    for name, content, message in (("x.exe", b"MZ", "not accepted"),
                                   ("fake.pdf", b"<html>", "does not match its type"),
                                   ("empty.txt", b"", "empty")):
        upload(client, 1, name, content)
        assert message in client.get("/cases/1").text
    app.config["MAX_UPLOAD_BYTES"] = 10
    try:
        upload(client, 1, "big.txt", b"x" * 11)
        assert "too large" in client.get("/cases/1").text
    finally:
        app.config["MAX_UPLOAD_BYTES"] = 10 * 1024 * 1024
    assert len(list(Path(app.config["UPLOAD_DIR"]).iterdir())) == 1


def test_comments_appear_on_the_page_and_in_the_timeline(world, client, sign_in):
    sign_in("cw")
    assert client.post("/cases/1/comments", data={"body": "Called the officer."}
                       ).status_code == 302
    page = client.get("/cases/1")
    assert "Called the officer." in page.text and "comment added" in page.text
    client.post("/cases/1/comments", data={"body": "   "})
    assert "Comment not added" in client.get("/cases/1").text


def test_applicant_start_page_shows_what_is_required_next(world, client, sign_in):
    tasks.complete(world["users"]["cw"], 1, {"decision": "accept"})
    tasks.complete(world["users"]["cw"], 2, {"decision": "accept"})
    sign_in("acme")
    page = client.get("/my-company")
    assert page.status_code == 200 and "Acme Imports" in page.text
    required = page.text.split('id="required"')[1].split("</ul>")[0]
    assert "Answer questions" in required and "/tasks/3" in required
    assert "Globex" not in page.text and "case #2" not in page.text
    assert client.get("/cases").headers["Location"] == "/my-company"
    assert client.get("/dashboard").status_code == 403


def test_dashboard_and_case_list_for_staff(world, client, sign_in):
    sign_in("admin")
    board = client.get("/dashboard")
    assert board.status_code == 200
    assert "Running cases per stage" in board.text and "Review request" in board.text
    listing = client.get("/cases?status=running")
    assert listing.status_code == 200 and "Globex Freight" in listing.text
    client.post("/logout")
    sign_in("designer")
    assert client.get("/processes").status_code == 200
    assert "two_lanes" in client.get("/processes").text
    assert client.get("/cases/1").status_code == 403


def test_a_request_over_the_size_limit_says_so(world, app, client, sign_in, monkeypatch):
    sign_in("acme")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    response = upload(client, 1, "big.pdf", PDF + b"x" * 4096)
    assert response.status_code == 302
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 16 * 1024 * 1024)
    assert "larger than the server accepts" in client.get("/cases/1").text


def test_dashboard_counts_overdue_work_per_role(world, client, sign_in):
    from datetime import timedelta

    from sqlalchemy import update

    from app.extensions import db
    from app.models import HumanTask
    from app.models.types import utcnow

    db.session.execute(update(HumanTask).where(HumanTask.id == 1).values(
        due_at=utcnow() - timedelta(days=1)))
    db.session.commit()
    tasks.complete(world["users"]["cw"], 2, {"decision": "accept"})
    sign_in("cw")
    board = client.get("/dashboard").text
    overdue = board.split('id="overdue"')[1].split("</section>")[0]
    assert "Case worker" in overdue and 'data-count="1">1</a>' in overdue
    assert "pplicant" not in overdue
    assert "Median time to complete a task" in board and "Review request" in board


def test_the_company_page_lists_the_documents_of_every_case_of_the_company(
        world, client, sign_in):
    sign_in("globex")
    assert upload(client, 2, "globex-policy.pdf", PDF).status_code == 302
    client.post("/logout")
    sign_in("acme")
    assert upload(client, 1, "seal-log.pdf", PDF, criterion="6.2").status_code == 302
    page = client.get("/my-company")
    documents = page.text.split('id="company-documents"')[1].split("</ul>")[0]
    assert "seal-log.pdf" in documents and "case #1" in documents and "6.2" in documents
    assert "globex-policy.pdf" not in page.text
    assert "not accepted yet" in page.text.split('id="company-record"')[1]

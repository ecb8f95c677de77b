"""The audit report and completion letter as PDF (read back with pypdf), and storing a
generated PDF as a case document."""
import copy
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, User
from app.models.web import Document
from app.services.audits import pdf
from app.services.runtime.unit_of_work import transaction
from app.services.tasks.documents import download, store_generated
from tests.helpers import deploy, start

REPORT = {
    "case_id": 12, "reference": "PA-12", "language": "en",
    "client": {"legal_name": "Acme Imports LLC"},
    "supplier": {"legal_name": "Textiles del Norte SA de CV",
                 "entity_type": "foreign_manufacturer", "country": "MX",
                 "address": "Av. Industrial 100, Monterrey"},
    "audit_date": "2026-11-20", "auditor": "Ana Auditor", "reviewer": "Rui Reviewer",
    "approved_at": "2026-11-25T10:00:00+00:00",
    "summary": "Good controls overall; partner vetting needs work.", "risk_rating": "medium",
    "overall_score": 87.5,
    "scores": [
        {"category": 3, "category_name": "Business Partners", "compliant": 4,
         "non_compliant": 1, "not_applicable": 0, "observation": 1, "score": 80.0},
        {"category": 9, "category_name": "Physical Security", "compliant": 7,
         "non_compliant": 0, "not_applicable": 1, "observation": 0, "score": 95.0},
    ],
    "findings": [
        {"no": 1, "criterion_id": "3.1", "category_name": "Business Partners",
         "severity": "major", "text": "Business partners are screened for security risk.",
         "notes": "Two subcontractors were never screened."},
        {"no": 2, "criterion_id": "3.4", "category_name": "Business Partners",
         "severity": "critical", "text": "Partners with a weakness take corrective action.",
         "notes": "No follow-up on the 2025 weaknesses."},
    ],
    "observations": [{"criterion_id": "9.2", "notes": "Fence repaired during the visit."}],
}
LETTER = {
    "case_id": 12, "reference": "PA-12", "language": "en",
    "client": REPORT["client"], "supplier": REPORT["supplier"], "audit_date": "2026-11-20",
    "closed_at": "2026-12-02T09:00:00+00:00", "signed_by": "Rui Reviewer",
    "actions": [
        {"no": 1, "criterion_id": "3.1", "action": "Screen both subcontractors",
         "closed_at": "2026-12-01"},
        {"no": 2, "criterion_id": "3.4", "action": "Follow up the 2025 weaknesses",
         "closed_at": "2026-12-02"},
    ],
    "next_audit_due": "2027-11-20",
}


def pages(data: bytes) -> list[str]:
    """The text of each page, with runs of white space made single spaces."""
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    return [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]


def report(**changes) -> dict:
    found = copy.deepcopy(REPORT)
    found.update(changes)
    return found


def test_the_report_shows_the_supplier_scores_findings_and_page_numbers():
    [text] = pages(pdf.render_audit_report(REPORT))
    assert "Security audit report" in text
    for expected in ("Acme Imports LLC", "Textiles del Norte SA de CV", "Foreign manufacturer",
                     "Av. Industrial 100, Monterrey", "2026-11-20", "Ana Auditor",
                     "Rui Reviewer", "PA-12", "Overall score: 87.5%", "Risk rating: Medium",
                     "Score per criteria category", "Business Partners 4 1 0 1 80.0%",
                     "Physical Security 7 0 1 0 95.0%", "Findings",
                     "1 3.1 Business Partners Major", "2 3.4 Business Partners Critical",
                     "Two subcontractors were never screened.", "Observations", "9.2",
                     "Fence repaired during the visit.", "Summary",
                     "partner vetting needs work.", "Page 1 of 1"):
        assert expected in text, expected


def test_sixty_findings_paginate_and_every_finding_is_there():
    findings = [{"no": n, "criterion_id": f"{n // 10 + 1}.{n % 10 + 10}",
                 "category_name": "Business Partners", "severity": ("minor", "major")[n % 2],
                 "text": "The requirement, at some length. " * 8, "notes": f"Note {n}."}
                for n in range(1, 61)]
    texts = pages(pdf.render_audit_report(report(findings=findings)))
    assert len(texts) > 1
    whole = " ".join(texts)
    for n, finding in enumerate(findings, start=1):
        assert f"{n} {finding['criterion_id']} Business Partners" in whole, n
        assert f"Note {n}." in whole
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {len(texts)}" in text
    # the findings table's headings come back on the next page
    assert "No. Criterion Category Severity Requirement Auditor notes" in texts[1]


def test_a_finding_longer_than_a_page_goes_on_over_the_next_pages():
    long_notes = " ".join(f"word{n}" for n in range(3000))
    findings = [{**REPORT["findings"][0], "notes": long_notes}, REPORT["findings"][1]]
    texts = pages(pdf.render_audit_report(report(findings=findings)))
    whole = " ".join(texts)
    assert len(texts) > 2
    assert "word0 " in whole and "word2999" in whole and "2 3.4 Business Partners" in whole


def test_spanish_labels_and_accented_text():
    spanish = report(language="es", summary="Auditoría completa: señalización ≥ 90 % “bien”.")
    [text] = pages(pdf.render_audit_report(spanish))
    for expected in ("Informe de auditoría de seguridad", "Proveedor", "Fabricante extranjero",
                     "Puntuación global: 87,5 %", "Nivel de riesgo: Medio",
                     "Puntuación por categoría de criterios", "80,0 %", "Hallazgos",
                     "3.1 Business Partners Mayor", "Crítico", "Observaciones", "Resumen",
                     "Auditoría completa: señalización ≥ 90 % “bien”.", "Página 1 de 1"):
        assert expected in text, expected
    assert "Findings" not in text and "Page 1" not in text


def test_text_beyond_latin1_does_not_break_either_font(monkeypatch):
    odd = report(language="es", summary="Łódź — 北京 ✓ auditoría", auditor="Zoë Łukasz")
    if pdf.FONT_FILES[""].is_file():
        [text] = pages(pdf.render_audit_report(odd))
        assert "Łódź —" in text and "Zoë Łukasz" in text
    monkeypatch.setattr(pdf, "FONT_FILES", {"": Path("/nonexistent/regular.ttf"),
                                            "B": Path("/nonexistent/bold.ttf")})
    [text] = pages(pdf.render_audit_report(odd))
    assert "Lódz - ?? ? auditoría" in text and "Zoë Lukasz" in text
    assert "Hallazgos" in text and "Página 1 de 1" in text


def test_rendering_is_repeatable_and_refuses_unknown_languages():
    assert pdf.render_audit_report(REPORT) == pdf.render_audit_report(REPORT)
    assert pdf.render_completion_letter(LETTER) == pdf.render_completion_letter(LETTER)
    with pytest.raises(ValueError, match="unsupported language 'fr'"):
        pdf.render_audit_report(report(language="fr"))


def test_the_completion_letter_lists_the_actions_and_the_next_audit():
    [text] = pages(pdf.render_completion_letter(LETTER))
    for expected in ("Audit completion letter", "Acme Imports LLC", "Textiles del Norte SA de CV",
                     "has been verified and is closed", "closed on 2026-12-02",
                     "Corrective actions",
                     "1 3.1 Screen both subcontractors 2026-12-01",
                     "2 3.4 Follow up the 2025 weaknesses 2026-12-02",
                     "Next audit due 2027-11-20", "Signed by Rui Reviewer", "Page 1 of 1"):
        assert expected in text, expected
    [spanish] = pages(pdf.render_completion_letter({**LETTER, "language": "es"}))
    assert "Acciones correctivas" in spanish and "Próxima auditoría prevista 2027-11-20" in spanish
    assert "verificadas y están cerradas" in spanish


@pytest.fixture
def case_id(app, staff, tmp_path, monkeypatch) -> int:
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    assert deploy(staff["designer"], "two_lanes.bpmn").status_code == 201
    company = staff["cw"].post("/api/v1/companies", json={
        "legal_name": "Acme Imports LLC", "entity_type": "importer"}).get_json()
    return start(staff["cw"], company["id"], "two_lanes")["id"]


def admin() -> User:
    return db.session.scalar(select(User).where(User.username == "admin"))


def test_a_generated_pdf_is_stored_as_a_case_document(case_id, tmp_path):
    data = pdf.render_audit_report(REPORT)
    with transaction():
        document = store_generated(case_id, "audit-report-PA-12.pdf", data,
                                   criterion="audit_report", by=admin())
    found = download(admin(), document.id)
    assert found.path.read_bytes() == data and found.path.parent == tmp_path / "uploads"
    assert (found.document.original_name, found.document.content_type) == (
        "audit-report-PA-12.pdf", "application/pdf")
    assert (found.document.size, found.document.criterion) == (len(data), "audit_report")
    assert found.document.uploaded_by_id == admin().id
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id)
                               .order_by(AuditEvent.id.desc())).first()
    assert event.kind == "document_uploaded"
    assert event.details["name"] == "audit-report-PA-12.pdf"


def test_a_generated_document_is_not_kept_when_the_callers_transaction_fails(case_id, tmp_path):
    with pytest.raises(RuntimeError), transaction():
        store_generated(case_id, "letter.pdf", pdf.render_completion_letter(LETTER))
        raise RuntimeError("the caller failed after storing")
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0
    assert list((tmp_path / "uploads").iterdir()) == []
    # and a later commit in the same session keeps what it stored
    with transaction():
        document = store_generated(case_id, "letter.pdf", b"%PDF-1.4 second")
    assert download(admin(), document.id).path.read_bytes() == b"%PDF-1.4 second"

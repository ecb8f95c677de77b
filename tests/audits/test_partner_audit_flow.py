"""A partner audit from the client's request to the re-audit, through the API: quote,
self-assessment, scheduling, the checklist, findings, four-eyes sign-off, the PDF report,
corrective actions with a returned item, verification, completion letter and the re-audit
timer that starts the next audit."""
from io import BytesIO

from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db
from app.models import Case, CorrectiveAction, SupplierLink
from tests.audits.walk import (
    actions_of,
    audited,
    in_days,
    outbox,
    plan,
    quote_accepted,
    request_audit,
    scheduled_for_today,
    self_assessed,
)
from tests.lifecycle.flow import do, events, open_tasks, task_view, wait_until


def _pdf_text(api, document: dict) -> str:
    response = api.get(document["download_url"])
    data = response.data
    response.close()
    assert response.status_code == 200
    assert data[:5] == b"%PDF-"
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def _documents(api, case_id: int) -> dict[str, dict]:
    items = api.get(f"/api/v1/cases/{case_id}/documents").get_json()["items"]
    return {d["criterion"]: d for d in items}


def test_an_audit_from_request_to_re_audit(audit_world):
    w = audit_world
    case_id = request_audit(w)
    assert set(open_tasks(w.cw, case_id)) == {"prepare_quote"}
    quote_accepted(w, case_id)
    assert any("quote" in m.subject.lower() for m in outbox("acme@example.test"))

    # the supplier's pre-audit work: asked by email, due by the self-assessment period
    asked = outbox("norte@example.test")
    assert any("self-assessment" in m.subject for m in asked)
    assert open_tasks(w.supplier, case_id)["self_assessment"]["due_at"] is not None
    self_assessed(w, case_id)

    scheduled_for_today(w, case_id)
    assert any("On-site security audit" in m.subject for m in outbox("norte@example.test"))
    audited(w, case_id)

    # four eyes: the auditor who wrote the report cannot sign it off, another auditor can
    review = open_tasks(w.auditor, case_id)["report_review"]
    refused = w.auditor.post(f"/api/v1/tasks/{review['id']}/complete",
                             json={"data": {"review_decision": "approve"}})
    assert refused.status_code == 403
    assert "four eyes" in refused.get_json()["message"]
    do(w.auditor2, case_id, "report_review", {"review_decision": "return",
                                              "review_comments": "Say which seals"})
    assert task_view(w.auditor, case_id, "audit_report")["data"]["review_comments"] == \
        "Say which seals"
    do(w.auditor, case_id, "audit_report", {"summary": "Seals: bolt seals not ISO 17712",
                                            "risk_rating": "medium"})
    do(w.reviewer, case_id, "report_review", {"review_decision": "approve"})

    # the report: a PDF document of the case, sent to client and supplier
    report = _documents(w.client, case_id)["audit_report"]
    text = _pdf_text(w.client, report)
    assert "Textiles del Norte" in text and "3.1" in text and "9.2" in text
    assert any("report" in m.subject for m in outbox("acme@example.test"))
    assert any("report" in m.subject for m in outbox("norte@example.test"))
    rows = db.session.scalars(select(CorrectiveAction).where(
        CorrectiveAction.case_id == case_id).order_by(CorrectiveAction.finding_no)).all()
    assert [(r.criterion_id, r.severity, r.state) for r in rows] == [
        ("3.1", "major", "proposed"), ("9.2", "critical", "proposed")]
    link = db.session.scalar(select(SupplierLink).where(
        SupplierLink.supplier_id == w.supplier_id))
    assert link.last_audit_case_id == case_id and 0 < link.last_score < 100

    # corrective actions: one item returned once, then all accepted with their due dates
    actions = plan(w, case_id)
    do(w.supplier, case_id, "corrective_action_plan", {"actions": actions})
    reviewed = actions_of(w.auditor, case_id, "cap_review")
    decisions = [{**a, "decision": "accept" if a["criterion_id"] == "3.1" else "return",
                  "auditor_comment": "" if a["criterion_id"] == "3.1" else "Add CCTV"}
                 for a in reviewed]
    do(w.auditor, case_id, "cap_review", {"actions": decisions})
    again = actions_of(w.supplier, case_id, "corrective_action_plan")
    assert [a.get("auditor_comment") for a in again] == ["", "Add CCTV"]
    do(w.supplier, case_id, "corrective_action_plan", {"actions": again})
    reviewed = actions_of(w.auditor, case_id, "cap_review")
    do(w.auditor, case_id, "cap_review", {"actions": [{**a, "decision": "accept"}
                                                      for a in reviewed]})
    db.session.expire_all()
    rows = db.session.scalars(select(CorrectiveAction).where(
        CorrectiveAction.case_id == case_id)).all()
    assert open_tasks(w.supplier, case_id).keys() == {"cap_evidence"}
    assert {r.state for r in rows} == {"accepted"}
    assert {r.due_date.isoformat() for r in rows} == {in_days(20)}

    # evidence and verification: one still open, then both closed
    evidence = [{**a, "evidence": "Photos uploaded"}
                for a in actions_of(w.supplier, case_id, "cap_evidence")]
    do(w.supplier, case_id, "cap_evidence", {"actions": evidence})
    checked = actions_of(w.auditor, case_id, "verification")
    do(w.auditor, case_id, "verification", {
        "verification_method": "desk_review",
        "actions": [{**a, "verified": "closed" if a["criterion_id"] == "3.1" else "open"}
                    for a in checked]})
    evidence = actions_of(w.supplier, case_id, "cap_evidence")
    do(w.supplier, case_id, "cap_evidence", {"actions": evidence})
    checked = actions_of(w.auditor, case_id, "verification")
    do(w.auditor, case_id, "verification", {"verification_method": "follow_up_visit",
                                            "actions": [{**a, "verified": "closed"}
                                                        for a in checked]})

    # closed: completion letter, every action closed, the re-audit due (a critical finding:
    # the high-risk period), a reminder to the client before it, then the next audit opens
    letter = _pdf_text(w.supplier, _documents(w.supplier, case_id)["completion_letter"])
    assert "3.1" in letter and "9.2" in letter
    db.session.expire_all()
    assert {r.state for r in db.session.scalars(select(CorrectiveAction).where(
        CorrectiveAction.case_id == case_id))} == {"closed"}
    closed = events(w.cw, case_id, "audit_closed")[0]["details"]
    assert db.session.get(SupplierLink, link.id).next_audit_due.isoformat() == \
        closed["reaudit_due"]
    reminded_before = len(outbox("acme@example.test"))
    case = w.cw.get(f"/api/v1/cases/{case_id}").get_json()
    wait_until(case["next_timer_at"])
    assert len(outbox("acme@example.test")) == reminded_before + 1
    assert "Re-audit" in outbox("acme@example.test")[-1].subject
    case = w.cw.get(f"/api/v1/cases/{case_id}").get_json()
    wait_until(case["next_timer_at"])
    assert w.cw.get(f"/api/v1/cases/{case_id}").get_json()["status"] == "completed"
    follow = db.session.scalar(select(Case).where(Case.id != case_id,
                                                  Case.supplier_id == w.supplier_id))
    assert follow is not None and follow.company_id == w.client_id
    assert set(open_tasks(w.cw, follow.id)) == {"prepare_quote"}


def test_a_declined_quote_ends_the_audit(audit_world):
    w = audit_world
    case_id = request_audit(w)
    do(w.cw, case_id, "prepare_quote", {"sites": 2, "audit_days": 3, "price": 9000,
                                        "currency": "MXN", "quote_valid_until": in_days(7)})
    do(w.client, case_id, "quote_decision", {"quote_accepted": "no"}, status=422)
    do(w.client, case_id, "quote_decision", {"quote_accepted": "no",
                                             "decline_reason": "Too expensive"})
    assert w.cw.get(f"/api/v1/cases/{case_id}").get_json()["status"] == "completed"
    assert open_tasks(w.supplier, case_id) == {}

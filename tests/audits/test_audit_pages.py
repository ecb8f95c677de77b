"""The pages of a partner audit as its people see them (Flask test client): the case page's
audit facts and corrective actions, the inbox naming the audited supplier, and the same
404 for a supplier of another site."""
from datetime import date, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import CorrectiveAction
from tests.audits.walk import (
    plan,
    quote_accepted,
    request_audit,
    self_assessed,
    to_report_review,
)
from tests.lifecycle.flow import do, open_tasks


def test_the_case_page_shows_the_supplier_and_its_corrective_actions(audit_world, web_as,
                                                                     make_user):
    w = audit_world
    case_id = to_report_review(w)
    do(w.reviewer, case_id, "report_review", {"review_decision": "approve"})
    do(w.supplier, case_id, "corrective_action_plan", {"actions": plan(w, case_id)})
    first = db.session.scalar(select(CorrectiveAction).where(
        CorrectiveAction.case_id == case_id, CorrectiveAction.finding_no == 1))
    first.due_date = date.today() - timedelta(days=2)
    db.session.commit()

    page = web_as("norte").get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Audit of Textiles del Norte SA de CV for Acme Imports LLC" in page
    assert "Corrective actions" in page and "3.1" in page and "9.2" in page
    assert page.count("overdue</strong>") == 1
    assert "audit-report-PA-" in page  # the issued report is a document of the case

    inbox = web_as("ana").get("/inbox").get_data(as_text=True)  # the plan to review
    assert "Textiles del Norte SA de CV" in inbox and "audit for Acme Imports LLC" in inbox

    added = w.client.post("/api/v1/suppliers", json={"legal_name": "Other Plant",
                                                     "entity_type": "foreign_manufacturer",
                                                     "country": "GT"})
    make_user("other_contact", "supplier", added.get_json()["supplier_id"])
    assert web_as("other_contact").get(f"/cases/{case_id}").status_code == 404


def test_the_case_worker_picks_the_auditor_from_a_list(audit_world, web_as):
    w = audit_world
    case_id = request_audit(w)
    quote_accepted(w, case_id)
    self_assessed(w, case_id)
    task_id = open_tasks(w.cw, case_id)["schedule_audit"]["id"]
    page = web_as("cw").get(f"/tasks/{task_id}").get_data(as_text=True)
    assert '<label for="f-auditor">Auditor <span class="req" aria-hidden="true">*</span>' in page
    picker = page[page.index('<select id="f-auditor"'):]
    picker = picker[:picker.index("</select>")]
    assert 'value="ana"' in picker and 'value="bruno"' in picker
    assert 'value="rita"' not in picker  # a reviewer, not an auditor
    # the task's case summary is about the audited supplier, not the client's membership
    assert "<dt>Supplier</dt><dd>Textiles del Norte SA de CV</dd>" in page
    assert "<dt>Membership</dt>" not in page

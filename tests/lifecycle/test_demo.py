"""The demo seed: three companies at three stages and four partner audits, every inbox has
work, safe to rerun."""
from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import Case, CorrectiveAction, HumanTask, Membership
from app.services.demo import seed_demo
from tests.lifecycle.conftest import deploy_lifecycle


def test_demo_seed_puts_work_in_every_inbox_and_is_idempotent(staff, login):
    assert deploy_lifecycle(staff["designer"]).status_code == 201
    done = seed_demo()
    assert "sample criteria catalogue" in done and len(
        [line for line in done if line.startswith("case ")]) == 3
    assert seed_demo() == []
    ready = {t.bpmn_id: t.role for t in db.session.scalars(
        select(HumanTask).where(HumanTask.state == "ready"))}
    assert ready == {"eligibility_review": "case_worker",
                     "information_request": "applicant", "site_visit": "specialist",
                     # partner audits
                     "self_assessment": "supplier", "audit_checklist": "auditor",
                     "report_review": "reviewer", "cap_evidence": "supplier"}
    statuses = {m.company.legal_name: m.status for m in db.session.scalars(select(Membership))}
    assert statuses == {"Acme Imports LLC": "applicant",
                        "Frontera Freight SA de CV": "pre_applicant",
                        "Maple Components Ltd": "certified"}
    assert db.session.query(Case).count() == 7
    applicant = login("applicant", "safeport")
    inbox = applicant.get("/api/v1/tasks?scope=role").get_json()
    assert [t["bpmn_id"] for t in inbox["items"]] == ["information_request"]
    maple = db.session.scalar(select(Membership).where(Membership.status == "certified"))
    assert maple.validation_due_at is not None and maple.tier == 1


def test_demo_audits_give_the_audit_firm_and_the_supplier_work(staff, login):
    assert deploy_lifecycle(staff["designer"]).status_code == 201
    seed_demo()
    supplier = login("supplier", "safeport")
    assert [t["bpmn_id"] for t in supplier.get("/api/v1/tasks?scope=role")
            .get_json()["items"]] == ["self_assessment"]
    auditor = login("auditor", "safeport")
    assert [t["bpmn_id"] for t in auditor.get("/api/v1/tasks").get_json()["items"]] == \
        ["audit_checklist"]
    reviewer = login("reviewer", "safeport")
    assert [t["bpmn_id"] for t in reviewer.get("/api/v1/tasks?scope=role")
            .get_json()["items"]] == ["report_review"]
    overdue = [a for a in db.session.scalars(select(CorrectiveAction))
               if a.state == "accepted" and a.due_date < date.today()]
    assert len(overdue) == 1

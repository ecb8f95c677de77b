"""The demo seed: three companies at three stages, every inbox has work, safe to rerun."""
from sqlalchemy import select

from app.extensions import db
from app.models import Case, HumanTask, Membership
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
                     "information_request": "applicant", "site_visit": "specialist"}
    statuses = {m.company.legal_name: m.status for m in db.session.scalars(select(Membership))}
    assert statuses == {"Acme Imports LLC": "applicant",
                        "Frontera Freight SA de CV": "pre_applicant",
                        "Maple Components Ltd": "certified"}
    assert db.session.query(Case).count() == 3
    applicant = login("applicant", "safeport")
    inbox = applicant.get("/api/v1/tasks?scope=role").get_json()
    assert [t["bpmn_id"] for t in inbox["items"]] == ["information_request"]
    maple = db.session.scalar(select(Membership).where(Membership.status == "certified"))
    assert maple.validation_due_at is not None and maple.tier == 1

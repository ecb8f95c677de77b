"""The demo seed: three companies at three stages, four partner audits and two years of
history (39 more companies at every stage), every inbox has work, safe to rerun."""
from datetime import date, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Case, Company, CorrectiveAction, HumanTask, Membership
from app.models.types import utcnow
from app.models.user import ENTITY_TYPES
from app.services.demo import DEMO_COMPANIES, seed_demo
from tests.lifecycle.conftest import deploy_lifecycle

#: the membership lifecycle's stages (bpmn/ctpat_membership.bpmn's call activities up to
#: certification, then the membership year's wait for its review window)
STAGES = {"Eligibility review", "Risk assessment", "Portal application", "Security profile",
          "Specialist review", "Certification and validation", "Until the review window opens",
          "Request withdrawal"}


def _ready_of(legal_name: str) -> list[tuple[str, str]]:
    return [(t.bpmn_id, t.role) for t in db.session.scalars(
        select(HumanTask).join(Case, Case.id == HumanTask.case_id)
        .join(Company, Company.id == Case.company_id)
        .where(HumanTask.state == "ready", Company.legal_name == legal_name,
               Case.supplier_id.is_(None)))]


def test_demo_seed_puts_work_in_every_inbox_and_is_idempotent(staff, login):
    assert deploy_lifecycle(staff["designer"]).status_code == 201
    done = seed_demo()
    assert "sample criteria catalogue" in done and len(
        [line for line in done if line.startswith("case ")]) == 3 + 39
    assert done[-1].startswith("seeded in ")
    assert seed_demo() == []
    assert _ready_of("Frontera Freight SA de CV") == [("eligibility_review", "case_worker")]
    assert _ready_of("Acme Imports LLC") == [("information_request", "applicant")]
    assert _ready_of("Maple Components Ltd") == [("site_visit", "specialist")]
    audit_tasks = {t.bpmn_id: t.role for t in db.session.scalars(
        select(HumanTask).join(Case, Case.id == HumanTask.case_id)
        .where(HumanTask.state == "ready", Case.supplier_id.is_not(None)))}
    assert audit_tasks == {"self_assessment": "supplier", "audit_checklist": "auditor",
                           "report_review": "reviewer", "cap_evidence": "supplier"}
    statuses = {m.company.legal_name: m.status for m in db.session.scalars(select(Membership))
                if m.company.legal_name in [c[0] for c in DEMO_COMPANIES]}
    assert statuses == {"Acme Imports LLC": "applicant",
                        "Frontera Freight SA de CV": "pre_applicant",
                        "Maple Components Ltd": "certified"}
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


def test_demo_history_covers_every_entity_type_and_stage_over_two_years(staff, login):
    assert deploy_lifecycle(staff["designer"]).status_code == 201
    seed_demo()
    members = db.session.execute(
        select(Company.entity_type, func.count(Company.id.distinct()))
        .join(Case, Case.company_id == Company.id).where(Case.supplier_id.is_(None))
        .group_by(Company.entity_type)).all()
    assert sum(n for _type, n in members) >= 40
    assert {entity_type for entity_type, _n in members} == set(ENTITY_TYPES)
    running = set(db.session.scalars(select(Case.current_stage).where(Case.status == "running")))
    assert STAGES <= running, STAGES - running
    assert db.session.scalar(select(func.count()).where(Case.status == "completed")) >= 10
    waiting = set(db.session.scalars(select(HumanTask.bpmn_id).where(HumanTask.state == "ready")))
    assert {"suspension_review", "withdrawal_request", "vetting", "validation_result",
            "security_profile", "risk_threats", "company_profile"} <= waiting
    now = utcnow()
    ready = list(db.session.scalars(select(HumanTask).where(HumanTask.state == "ready",
                                                            HumanTask.due_at.is_not(None))))
    assert sum(t.due_at < now for t in ready) >= 3, "overdue work"
    assert sum(now <= t.due_at < now + timedelta(days=90) for t in ready) >= 3, "due soon"
    first, last = db.session.execute(select(func.min(AuditEvent.at),
                                            func.max(AuditEvent.at))).one()
    assert first <= now - timedelta(days=730) and last >= now - timedelta(days=1)
    started = {c.started_at.strftime("%Y-%m") for c in db.session.scalars(select(Case))}
    assert len(started) >= 18, "cases started in most months of the two years"
    # a history case reads as it happened: its tasks took days, in order
    case = db.session.scalar(select(Case).join(Company, Company.id == Case.company_id)
                             .where(Company.legal_name == "Keystone Trucking Ltd")
                             .order_by(Case.id).limit(1))  # then its membership year
    done = list(db.session.scalars(select(HumanTask).where(HumanTask.case_id == case.id)
                                   .order_by(HumanTask.id)))
    assert case.status == "completed" and len(done) == 14
    assert all(t.completed_at - t.created_at >= timedelta(days=1) for t in done)
    assert all(a.completed_at <= b.created_at + timedelta(seconds=5)
               for a, b in zip(done, done[1:], strict=False))
    viewer = login("caseworker", "safeport")
    assert viewer.get("/api/v1/cases?status=completed").get_json()["total"] >= 10

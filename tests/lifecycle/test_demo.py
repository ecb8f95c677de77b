"""The demo seed: three companies at three stages, four partner audits and two years of
history (39 more companies at every stage), every inbox has work, safe to rerun."""
from datetime import date, timedelta
from statistics import median

from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditEvent,
    Case,
    Company,
    CorrectiveAction,
    HumanTask,
    Membership,
    Notification,
    ReminderSent,
    User,
)
from app.models.enums import AuditKind
from app.models.types import utcnow
from app.models.user import ENTITY_TYPES
from app.services.demo import DEMO_COMPANIES, seed_demo
from app.services.jobs import action_deadlines, reminders
from app.services.tasks.dashboard import dashboard
from app.services.tasks.trends import trends

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


def test_demo_seed_puts_work_in_every_inbox_and_is_idempotent(demo_world, login):
    done = demo_world.lines
    assert "sample criteria catalogue" in done and len(
        [line for line in done if line.startswith("case ")]) == 3 + 39 + 8
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
    # the admin handed Frontera's review to the case worker: their own list and bell have it
    caseworker = login("caseworker", "safeport")
    assert [t["bpmn_id"] for t in caseworker.get("/api/v1/tasks").get_json()["items"]] == [
        "eligibility_review"]
    [note] = db.session.scalars(select(Notification).join(User, User.id == Notification.user_id)
                                .where(User.username == "caseworker"))
    assert note.read_at is None and note.message == "Task assigned to you: Eligibility review"
    maple = db.session.scalar(select(Membership).where(Membership.status == "certified"))
    assert maple.validation_due_at is not None and maple.tier == 1


def test_demo_audits_give_the_audit_firm_and_the_supplier_work(demo_world, login):
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


def test_demo_history_covers_every_entity_type_and_stage_over_two_years(demo_world, login):
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


def _waiting_at(bpmn_id: str) -> list[tuple[HumanTask, Case, Membership]]:
    return list(db.session.execute(
        select(HumanTask, Case, Membership).join(Case, Case.id == HumanTask.case_id)
        .join(Membership, Membership.company_id == Case.company_id)
        .where(HumanTask.state == "ready", HumanTask.bpmn_id == bpmn_id)).all())


def test_demo_members_wait_at_the_annual_review_revalidation_and_appeal(demo_world, login):
    now = utcnow()
    reviews = _waiting_at("annual_profile_review")
    assert len(reviews) == 3
    for task, case, record in reviews:  # the window is open, the anniversary ahead
        assert case.current_stage == "Annual security profile review"
        assert task.role == "applicant" and task.due_at == record.anniversary_at > now
        assert record.review_window_opens_at == record.anniversary_at - timedelta(days=90)
        assert record.review_window_opens_at <= task.created_at <= now
        assert record.applied_at < record.certified_at < record.validated_at < task.created_at
    visits = _waiting_at("resite_visit")
    assert len(visits) == 2
    assert all(c.current_stage == "Revalidation" and t.role == "specialist"
               for t, c, _r in visits)
    appeals = _waiting_at("appeal_request") + _waiting_at("appeal_decision")
    assert sorted(t.bpmn_id for t, _c, _r in appeals) == [
        "appeal_decision", "appeal_request", "appeal_request"]
    assert all(r.status == "suspended" and t.due_at > now for t, _c, r in appeals)
    # the appeal runs inside the suspension stage, while the year's review window waits: the
    # case is at the stage where a person has work, not at the waiting timer
    assert {c.current_stage for _t, c, _r in appeals} == {"Suspension review"}
    assert {t.role for t, _c, _r in appeals} == {"applicant", "specialist"}
    # the applicant of another company sees none of it; the specialist's queue has the ruling
    specialist = login("specialist", "safeport")
    queue = specialist.get("/api/v1/tasks?scope=role&per_page=100").get_json()["items"]
    assert {"resite_visit", "appeal_decision"} <= {t["bpmn_id"] for t in queue}


def test_demo_audits_took_days_per_stage(demo_world):
    audit_tasks = list(db.session.scalars(
        select(HumanTask).join(Case, Case.id == HumanTask.case_id)
        .where(Case.supplier_id.is_not(None), HumanTask.state == "completed")))
    assert len(audit_tasks) >= 15
    days = [(t.completed_at - t.created_at).total_seconds() / 86400 for t in audit_tasks]
    assert median(days) >= 1 and max(days) <= 60
    now = utcnow()
    assert all(now - timedelta(days=150) < t.created_at <= now for t in audit_tasks)
    caseworker = db.session.scalar(select(User).where(User.username == "caseworker"))
    figures = trends(caseworker)  # the dashboard's "median days per stage"
    medians = dict(zip(figures.stages, figures.median_days, strict=True))
    audit_stages = {"Self-assessment and documents", "Schedule the on-site audit",
                    "Write the audit report", "Corrective action plan"}
    assert audit_stages <= set(medians), set(medians)
    assert all(medians[stage] >= 1 for stage in audit_stages), medians
    per_task = {f.label: f.value for f in dashboard(caseworker).median_hours_per_task}
    assert per_task["Review the corrective action plan"] >= 24, per_task  # last 90 days


def test_demo_past_escalations_are_recorded_not_sent_by_the_first_scheduler_pass(demo_world):
    done = demo_world.lines
    assert any("escalations of the simulated past recorded" in line for line in done)
    now = utcnow()
    late = list(db.session.scalars(select(HumanTask).where(
        HumanTask.state == "ready", HumanTask.due_at < now)))
    assert len(late) >= 3
    escalated = list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.kind == AuditKind.DEADLINE_ESCALATED)))
    # once per late task, when it went late (not now), to the supervisors too
    assert sorted(e.task_id for e in escalated) == sorted(t.id for t in late)
    went_late = {t.id: max(t.due_at, t.created_at) for t in late}  # or created late
    assert all(e.at == went_late[e.task_id] < now and "caseworker" in e.details["recipients"]
               for e in escalated)
    overdue = db.session.scalar(select(AuditEvent).where(
        AuditEvent.kind == AuditKind.CORRECTIVE_ACTION_OVERDUE))
    assert overdue is not None and overdue.at < now - timedelta(days=1)
    # the first scheduler pass (and a second) sends none of these again
    assert reminders.run_due().escalations == 0
    assert action_deadlines.run_due().escalations == 0
    assert reminders.run_due() == reminders.ReminderReport()
    later = now + timedelta(days=400)  # what falls due after the seed still goes out
    assert reminders.run_due(now=later).escalations > 0
    assert db.session.scalar(select(func.count()).select_from(ReminderSent).where(
        ReminderSent.lead == "overdue")) > len(late)

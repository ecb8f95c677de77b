"""The unit of work: all of a case's changes commit together, or none of them and nothing
reaches the live instance cache."""
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.models import AuditEvent, Case, CaseState, Company, HumanTask
from app.models.enums import AuditKind, CaseStatus, TaskState
from app.services import audit
from app.services.errors import Conflict
from app.services.repository import deployments
from app.services.runtime import cases
from app.services.runtime.state import runtime
from app.services.runtime.unit_of_work import case_work, mark_completed, transaction
from app.services.tasks import actions as tasks
from tests.helpers import bpmn


class Boom(Exception):
    """Raised inside a unit of work by the tests."""


@pytest.fixture
def started(make_user):
    """A two-lane case started by a case worker, its review task completed (so its instance
    sits in the live cache), waiting at "Answer questions"."""
    deployments.deploy(None, {"two_lanes.bpmn": bpmn("two_lanes.bpmn")})
    acme = Company(legal_name="Acme", entity_type="importer")
    db.session.add(acme)
    db.session.commit()
    cw = make_user("cw", "case_worker")
    admin = make_user("boss", "admin")
    case = cases.start_case(cw, company_id=acme.id, process_id="two_lanes")
    review = _ready(case.id)[0]
    tasks.complete(cw, review.id, {"decision": "accept"})
    return case.id, admin


def _ready(case_id: int) -> list[HumanTask]:
    return list(db.session.scalars(select(HumanTask).where(
        HumanTask.case_id == case_id, HumanTask.state == TaskState.READY)))


def _snapshot(case_id: int) -> tuple:
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    return (case.status, case.lock_version, case.current_stage,
            db.session.scalar(select(CaseState.state_json).where(CaseState.case_id == case_id)),
            [(t.id, t.state, t.title) for t in db.session.scalars(
                select(HumanTask).where(HumanTask.case_id == case_id).order_by(HumanTask.id))],
            db.session.scalar(select(func.count()).select_from(AuditEvent)))


def test_an_error_inside_the_unit_leaves_database_and_live_cache_as_they_were(started):
    case_id, admin = started
    before = _snapshot(case_id)
    version = before[1]
    answer = _ready(case_id)[0]
    with pytest.raises(Boom), case_work(case_id, admin) as work:
        work.instance.complete_task(answer.engine_task_id, {"answer": 42})
        work.save()  # even written rows go: the transaction is rolled back
        audit.record(AuditKind.NOTICE, case_id=case_id, notice="notice", message="x")
        raise Boom
    assert _snapshot(case_id) == before
    # the changed instance never went back to the cache: a later unit loads the stored state
    assert runtime().live.take(case_id, version) is None
    assert runtime().live.take(case_id, version + 1) is None
    tasks.complete(admin, answer.id, {"answer": 42})
    assert [t.title for t in _ready(case_id)] == ["Task outside lanes"]


def test_a_successful_unit_commits_everything_and_caches_the_instance(started):
    case_id, admin = started
    answer = _ready(case_id)[0]
    with case_work(case_id, admin) as work:
        work.instance.complete_task(answer.engine_task_id, {"answer": 42})
        mark_completed(work.task or answer, admin)
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    assert [t.title for t in _ready(case_id)] == ["Task outside lanes"]
    assert runtime().live.take(case_id, case.lock_version) is not None


def test_nested_units_commit_or_roll_back_together(started):
    case_id, admin = started
    cases_before = db.session.scalar(select(func.count()).select_from(Case))
    company_id = db.session.get(Case, case_id).company_id
    with pytest.raises(Boom), transaction():
        cases.start_case(admin, company_id=company_id, process_id="two_lanes")
        cases.terminate_case(admin, case_id, "test")
        raise Boom
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Case)) == cases_before
    assert db.session.get(Case, case_id).status == CaseStatus.RUNNING
    with transaction():
        follow = cases.start_case(admin, company_id=company_id, process_id="two_lanes")
        cases.terminate_case(admin, case_id, "test")
    db.session.expire_all()
    assert db.session.get(Case, case_id).status == CaseStatus.TERMINATED
    assert _ready(case_id) == [] and len(_ready(follow.id)) == 1


def test_a_lost_race_is_a_conflict_and_writes_nothing(started):
    case_id, admin = started
    before = _snapshot(case_id)
    with pytest.raises(Conflict), transaction():
        audit.record(AuditKind.NOTICE, case_id=case_id, notice="notice", message="x")
        raise StaleDataError("changed meanwhile")
    assert _snapshot(case_id) == before


def test_the_audit_writer_refuses_an_unknown_kind():
    with pytest.raises(ValueError):
        audit.record("no_such_kind")

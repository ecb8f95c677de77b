"""The per-process instance cache never serves an instance another worker has moved on from."""
from sqlalchemy import select

from app import create_app
from app.engine import InstanceCache
from app.extensions import db
from app.models import AuditEvent, Company, HumanTask, User
from app.services.repository import deployments
from app.services.runtime import cases
from app.services.setup import clear_caches
from app.services.tasks import actions as tasks
from tests.conftest import make_config
from tests.helpers import bpmn


def test_cache_gives_an_instance_back_only_for_the_version_it_was_saved_at():
    cache = InstanceCache(maxsize=2)
    marker = object()
    cache.put("case", 3, marker)
    assert cache.take("case", 4) is None  # someone else wrote version 4 meanwhile
    assert cache.take("case", 3) is None  # and a miss drops the stale entry for good
    cache.put("case", 3, marker)
    assert cache.take("case", 3) is marker
    assert cache.take("case", 3) is None  # taken out while in use
    for n in range(3):
        cache.put(n, 1, marker)
    assert cache.take(0, 1) is None and cache.take(2, 1) is marker  # least recent evicted


def _open_task(case_id: int) -> HumanTask:
    return db.session.scalar(select(HumanTask).where(
        HumanTask.case_id == case_id, HumanTask.state == "ready"))


def test_a_second_worker_moving_a_case_on_is_seen_by_the_first(app, database_url, make_user):
    deployments.deploy(None, {"two_lanes.bpmn": bpmn("two_lanes.bpmn")})
    acme = Company(legal_name="Acme", entity_type="importer")
    db.session.add(acme)
    db.session.commit()
    cw = make_user("cw", "case_worker")
    admin = make_user("boss", "admin")
    case_id = cases.start_case(cw, company_id=acme.id, process_id="two_lanes").id
    tasks.complete(cw, _open_task(case_id).id, {"decision": "accept"})  # cached in worker 1

    other_worker = create_app(make_config(database_url))
    with other_worker.app_context():
        boss = db.session.get(User, admin.id)
        answer = _open_task(case_id)
        assert answer.title == "Answer questions"
        tasks.complete(boss, answer.id, {"answer": 42})  # the case moves on in worker 2
        db.session.remove()
        db.engine.dispose()

    db.session.expire_all()
    outside = _open_task(case_id)
    assert outside.title == "Task outside lanes"  # worker 1 reads the new state, not its cache
    tasks.complete(cw, outside.id, {})
    assert cases.case_detail(cw, case_id).status == "completed"
    created = db.session.scalars(select(AuditEvent.details).where(
        AuditEvent.case_id == case_id, AuditEvent.kind == "task_created")
        .order_by(AuditEvent.id)).all()
    assert [d["element"] for d in created] == ["review", "answer", "outside"]
    clear_caches()

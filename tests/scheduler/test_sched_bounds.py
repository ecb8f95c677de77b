"""Runaway scripts, conditions and timer expressions (issue 15) as users see them: the case ends
in error with a message naming the bound, within the bound, and nothing else is held up."""
import time

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Case, HumanTask
from app.services.jobs import scheduler
from tests.scheduler.sched_helpers import deploy_ok, start_case

BOUND = 0.5  # SAFEPORT_SCRIPT_TIMEOUT in these tests, seconds
MARGIN = 1.5  # loading, saving and the other case, on a slow machine
TIMEOUT = "ran longer than 0.5 s (SAFEPORT_SCRIPT_TIMEOUT)"
MEMORY = "would use more than 256 MiB (SAFEPORT_SCRIPT_MEMORY_LIMIT)"
DATA = "more than 1 MiB of data (SAFEPORT_MAX_CASE_DATA)"

#: kind -> (element named in the error, the bound named in it)
RUNAWAYS = {
    "loop": ("Spin (spin)", TIMEOUT),
    "str": ("String bomb (str_bomb)", MEMORY),
    "list": ("List bomb (list_bomb)", MEMORY),
    "pow": ("Power bomb (pow_bomb)", MEMORY),
    "cond_loop": ("Route (route)", TIMEOUT),
    "cond_mem": ("Route (route)", MEMORY),
    "timer_loop": ("Slow timer (slow_timer)", TIMEOUT),
    "timer_mem": ("Big timer (big_timer)", MEMORY),
    "due": ("Task due never (due_task)", MEMORY),
    "data": ("Big data (big_data)", DATA),
}


@pytest.fixture
def bounded(app, staff, monkeypatch):
    """A short script timeout; the runaway and timer_wait diagrams deployed."""
    monkeypatch.setitem(app.config, "SCRIPT_LIMITS", {
        **app.config["SCRIPT_LIMITS"], "SAFEPORT_SCRIPT_TIMEOUT": f"PT{BOUND}S"})
    deploy_ok(staff["designer"], "runaway.bpmn", "timer_wait.bpmn")


def _start_runaway(api, company, kind, wait=None):
    return start_case(api, company, "runaway", kind=kind, wait=wait, n=10**6, big=10**10)


def _case(case_id: int) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case_id)


def _open_titles(case_id: int) -> list[str]:
    return list(db.session.scalars(select(HumanTask.title).where(
        HumanTask.case_id == case_id, HumanTask.state == "ready")))


def _assert_error(case: Case, kind: str) -> None:
    element, bound = RUNAWAYS[kind]
    assert case.status == "error"
    assert case.error_message.startswith(element) and bound in case.error_message


def _row_is_free(case_id: int) -> bool:
    """Another connection can lock the case row at once (no transaction still holds it)."""
    with db.engine.connect() as other:
        query = select(Case.id).where(Case.id == case_id)
        if db.engine.dialect.name == "postgresql":
            query = query.with_for_update(nowait=True)
        found = other.execute(query).scalar() == case_id
        other.rollback()
    return found


@pytest.mark.parametrize("kind", list(RUNAWAYS))
def test_runaway_after_a_timer_errors_the_case_and_other_timers_still_fire(
        app, staff, company, bounded, kind):
    bad = _start_runaway(staff["cw"], company, kind, wait="PT0.2S")
    good = start_case(staff["cw"], company, "timer_wait", wait="PT0.3S")
    assert bad["status"] == "running" and good["status"] == "running"
    time.sleep(0.4)  # both due; the runaway first

    started = time.monotonic()
    report = scheduler.run_once(app)
    elapsed = time.monotonic() - started

    assert report.errors == []
    assert elapsed < BOUND + MARGIN, elapsed
    _assert_error(_case(bad["id"]), kind)
    assert _case(good["id"]).status == "running"
    assert _open_titles(good["id"]) == ["After the wait"]  # its timer fired in the same run
    assert _row_is_free(bad["id"])
    # a restarted scheduler does not pick the case again
    started = time.monotonic()
    assert scheduler.run_once(app).timers_fired == 0
    assert time.monotonic() - started < BOUND


@pytest.mark.parametrize("kind", list(RUNAWAYS))
def test_runaway_in_a_web_request_errors_the_case_within_the_bound(staff, company, bounded,
                                                                   kind):
    started = time.monotonic()
    case = _start_runaway(staff["cw"], company, kind)
    assert time.monotonic() - started < BOUND + MARGIN
    assert case["status"] == "error"
    element, bound = RUNAWAYS[kind]
    assert case["error_message"].startswith(element) and bound in case["error_message"]
    assert _row_is_free(case["id"])
    events = staff["cw"].get(f"/api/v1/cases/{case['id']}/events").get_json()["items"]
    assert [e["details"]["message"] for e in events if e["kind"] == "error"] == [
        case["error_message"]]


def test_admin_retry_of_a_runaway_fails_again_within_the_bound(staff, company, bounded):
    case = _start_runaway(staff["cw"], company, "loop")
    started = time.monotonic()
    retried = staff["admin"].post(f"/api/v1/cases/{case['id']}/retry", json={})
    assert time.monotonic() - started < BOUND + MARGIN
    assert retried.status_code == 200 and retried.get_json()["status"] == "error"
    assert TIMEOUT in retried.get_json()["error_message"]


def test_form_submission_over_the_data_bound_is_refused_with_422(staff, company, bounded):
    case = _start_runaway(staff["cw"], company, "fine")
    task = case["open_tasks"][0]
    big = {"blob": "x" * (1024 * 1024 + 1)}
    response = staff["cw"].post(f"/api/v1/tasks/{task['id']}/complete", json={"data": big})
    assert response.status_code == 422
    body = response.get_json()
    assert DATA in body["message"] and DATA in body["details"]["_schema"][0]
    assert _case(case["id"]).status == "running" and _open_titles(case["id"]) == ["Fine"]

    fits = {"blob": "x" * (512 * 1024)}
    response = staff["cw"].post(f"/api/v1/tasks/{task['id']}/complete", json={"data": fits})
    assert response.status_code == 200, response.get_json()
    assert _case(case["id"]).status == "completed"

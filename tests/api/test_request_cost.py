"""What one API request costs the database (issue 16): the token's user is kept by the process
(read once), the task and its case are read once under the lock, the writes go out once, and
nothing is read again after the commit."""
from contextlib import contextmanager

import pytest
from sqlalchemy import event, update

from app.extensions import db
from app.models import User
from tests.helpers import deploy, start


@pytest.fixture
def six_tasks(lazy_staff):
    """A six_tasks case (case worker tasks without forms) and the case worker's client."""
    cw = lazy_staff["cw"]
    assert deploy(lazy_staff["designer"], "six_tasks.bpmn").status_code == 201
    company = cw.post("/api/v1/companies", json={"legal_name": "Acme",
                                                 "entity_type": "importer"}).get_json()["id"]
    return cw, company, start(cw, company, "six_tasks")


@contextmanager
def statements():
    """The SQL statements run in the block, with "COMMIT" where a commit happened."""
    seen: list[str] = []

    def on_execute(_conn, _cursor, statement, _params, _context, _many):
        seen.append(" ".join(statement.split()[:4]))

    def on_commit(_conn):
        seen.append("COMMIT")

    event.listen(db.engine, "before_cursor_execute", on_execute)
    event.listen(db.engine, "commit", on_commit)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", on_execute)
        event.remove(db.engine, "commit", on_commit)


def as_under_a_server(cw):
    """Each request in a session of its own (the test's app context keeps one), with the
    token's user already kept by the process from an earlier request."""
    for _ in range(2):  # the first after a pause only wakes the LISTEN heartbeat
        db.session.remove()
        assert cw.get("/api/v1/tasks").status_code == 200
    db.session.remove()


def user_reads(is_postgres: bool) -> list[str]:
    """What a request reads to know its token's user once the process keeps it: nothing on
    PostgreSQL (a NOTIFY says when users change), the change counter on SQLite."""
    return [] if is_postgres else ["SELECT n FROM user_changes"]


def test_a_completion_reads_its_task_once_and_nothing_after_its_commit(six_tasks, is_postgres):
    cw, _company, case = six_tasks
    task = case["open_tasks"][0]
    as_under_a_server(cw)
    with statements() as seen:
        done = cw.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {}})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["state"] == "completed" and done.get_json()["assignee"] == "cw"
    reads = [s for s in seen if s.startswith("SELECT")]
    assert reads[:-1] == user_reads(is_postgres), seen
    assert reads[-1].startswith("SELECT human_tasks"), seen  # the task with its case, locked
    assert seen.count("COMMIT") == 1 and seen[-1] == "COMMIT", seen
    # + UPDATE task, case, state; INSERT task, audit rows
    assert len(seen) == len(reads) + 6, seen


def test_the_answer_names_the_new_assignee_even_when_an_old_one_was_loaded(six_tasks):
    cw, _company, case = six_tasks
    task = case["open_tasks"][0]
    opened = cw.get(f"/api/v1/tasks/{task['id']}").get_json()  # loads task.assignee (None)
    assert opened["task"]["assignee"] is None
    done = cw.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {}}).get_json()
    assert done["assignee"] == "cw"


def test_a_claim_answers_without_reading_the_task_again(six_tasks, is_postgres):
    cw, _company, case = six_tasks
    task = case["open_tasks"][0]
    as_under_a_server(cw)
    with statements() as seen:
        claimed = cw.post(f"/api/v1/tasks/{task['id']}/claim")
    assert claimed.status_code == 200 and claimed.get_json()["assignee"] == "cw"
    reads = [s for s in seen if s.startswith("SELECT")]
    assert seen[-1] == "COMMIT" and len(reads) == len(user_reads(is_postgres)) + 1, seen
    released = cw.post(f"/api/v1/tasks/{task['id']}/unclaim")
    assert released.status_code == 200 and released.get_json()["assignee"] is None


def test_starting_reads_only_the_open_tasks_after_its_commit(six_tasks):
    cw, company, _case = six_tasks
    with statements() as seen:
        case = start(cw, company, "six_tasks")
    assert case["process_id"] == "six_tasks" and case["completed_at"] is None
    assert [t["title"] for t in case["open_tasks"]] == ["Task 1"]
    after = seen[seen.index("COMMIT") + 1:]
    assert len(after) == 1 and "human_tasks" in after[0], seen


def test_a_token_dies_at_once_even_while_the_session_holds_its_user(six_tasks):
    cw, _company, case = six_tasks
    # the completion leaves the user loaded in this session; another connection disables it
    task = case["open_tasks"][0]
    assert cw.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {}}).status_code == 200
    with db.engine.begin() as conn:
        conn.execute(update(User).where(User.username == "cw").values(active=False))
    assert cw.get("/api/v1/tasks").status_code == 401


def test_the_bench_floor_answers_as_the_api_does(six_tasks):
    """bench/floor.py stands for "the same request with no work behind it": it must take the
    same body and give an answer of the same shape, or the floor it measures is not the same."""
    from bench.floor import app as floor

    cw, _company, case = six_tasks
    task = case["open_tasks"][0]
    real = cw.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {}})
    bare = floor.test_client().post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {}})
    assert real.status_code == bare.status_code == 200
    assert set(bare.get_json()) == set(real.get_json())
    assert floor.test_client().post("/api/v1/tasks/1/complete", json={}).status_code == 422

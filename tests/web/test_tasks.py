"""The task page: server-rendered form, field errors with values kept, drafts, 409, next task."""
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import AuditEvent, HumanTask
from app.services.tasks import actions as tasks
from app.web import formdata


def test_task_page_renders_the_form_beside_the_case(world, client, sign_in):
    sign_in("cw")
    page = client.get("/tasks/1")
    assert page.status_code == 200
    assert "<h1>Review request</h1>" in page.text
    assert 'type="radio" name="decision" value="accept"' in page.text
    assert 'name="note"' in page.text and "Acme Imports" in page.text
    assert "Complete and go to next" in page.text


def test_error_keeps_what_was_typed_then_fix_and_complete(world, client, sign_in):
    sign_in("cw")
    bad = client.post("/tasks/1", data={"note": "too long " * 10, "action": "complete"})
    assert bad.status_code == 422
    assert "2 problems to fix before this can be submitted" in bad.text
    assert '<a href="#f-decision">Decision: Missing data for required field.</a>' in bad.text
    assert "Longer than maximum length 50." in bad.text  # note
    assert "too long too long" in bad.text  # kept
    assert 'aria-invalid="true"' in bad.text
    good = client.post("/tasks/1", data={"decision": "refuse", "note": "short",
                                         "action": "complete"})
    assert good.status_code == 302 and good.headers["Location"] == "/inbox"
    task = db.session.get(HumanTask, 1)
    db.session.refresh(task)
    assert task.state == "completed" and task.completed_by_id == world["users"]["cw"].id
    completed = db.session.scalar(select(AuditEvent).where(AuditEvent.kind == "task_completed"))
    assert completed.details["data"] == {"decision": "refuse", "note": "short"}


def test_completed_meanwhile_is_a_plain_409_that_keeps_the_input(world, client, sign_in):
    sign_in("cw")
    client.get("/tasks/1")
    tasks.complete(world["users"]["cw2"], 1, {"decision": "accept"})
    late = client.post("/tasks/1", data={"decision": "refuse", "note": "my careful note",
                                         "action": "complete"})
    assert late.status_code == 409
    assert "completed or taken by someone else" in late.text
    assert "my careful note" in late.text
    assert 'value="refuse" checked' in late.text


def test_drafts_are_kept_per_user_and_dropped_on_completion(world, client, app, sign_in):
    sign_in("cw")
    saved = client.post("/tasks/1", data={"note": "half done", "action": "draft"})
    assert saved.status_code == 302 and saved.headers["Location"] == "/tasks/1"
    page = client.get("/tasks/1")
    assert "half done" in page.text and "Showing your saved draft" in page.text
    other = app.test_client()
    other.post("/login", data={"username": "cw2", "password": "password-1"})
    assert "half done" not in other.get("/tasks/1").text
    client.post("/tasks/1", data={"decision": "accept", "note": "half done",
                                  "action": "complete"})
    from app.models.web import TaskDraft
    assert db.session.scalars(select(TaskDraft)).all() == []


def test_complete_and_next_goes_to_the_next_task_of_the_case(world, client, sign_in):
    cw = world["users"]["cw"]
    answer = None
    sign_in("cw")
    client.post("/tasks/1", data={"decision": "accept", "action": "complete_next"})
    sign_in_applicant = client.post("/logout")
    assert sign_in_applicant.status_code == 302
    client.post("/login", data={"username": "acme", "password": "password-1"})
    answer = db.session.scalar(select(HumanTask).where(HumanTask.case_id == world["case"].id,
                                                       HumanTask.state == "ready"))
    done = client.post(f"/tasks/{answer.id}", data={"action": "complete_next"})
    assert done.status_code == 302 and done.headers["Location"] == "/inbox"  # none left
    outside = db.session.scalar(select(HumanTask).where(HumanTask.case_id == world["case"].id,
                                                        HumanTask.state == "ready"))
    assert outside.role == "case_worker"
    client.post("/logout")
    sign_in("cw")
    tasks.claim(cw, 2)
    nxt = client.post(f"/tasks/{outside.id}", data={"action": "complete_next"})
    assert nxt.headers["Location"] == "/tasks/2"  # the next of my own tasks


def test_who_may_act_on_a_task(world, app, client, sign_in):
    sign_in("spec")
    page = client.get("/tasks/1")
    assert page.status_code == 200 and "you can read it but not complete it" in page.text
    assert client.post("/tasks/1", data={"decision": "accept"}).status_code == 403
    client.post("/logout")
    sign_in("globex")
    assert client.get("/tasks/1").status_code == 404  # another company's task
    tasks.claim(world["users"]["cw2"], 1)
    client.post("/logout")
    sign_in("cw")
    held = client.get("/tasks/1")
    assert "cw2 holds this task" in held.text and "Complete and go" not in held.text
    assert client.post("/tasks/1", data={"decision": "accept"}).status_code == 409


def test_formdata_turns_inputs_back_into_typed_json():
    form = {"components": [
        {"type": "textfield", "key": "name"},
        {"type": "number", "key": "score"},
        {"type": "number", "key": "ratio"},
        {"type": "number", "key": "bad"},
        {"type": "checkbox", "key": "agreed"},
        {"type": "checkbox", "key": "unticked"},
        {"type": "checklist", "key": "modes"},
        {"type": "group", "path": "address", "components": [{"type": "textfield",
                                                              "key": "street"}]},
        {"type": "group", "components": [{"type": "textfield", "key": "flat"}]},
        {"type": "dynamiclist", "path": "contacts", "components": [
            {"type": "textfield", "key": "name"}, {"type": "textfield", "key": "phone"}]},
        {"type": "textfield", "key": "empty"},
    ]}
    submitted = MultiDict([
        ("name", "Acme"), ("score", "42"), ("ratio", "0.5"), ("bad", "lots"), ("agreed", "1"),
        ("modes", "sea"), ("modes", "air"), ("address.street", "Main St"), ("flat", "x"),
        ("contacts.__count", "3"), ("contacts.0.name", "Ann"), ("contacts.1.name", ""),
        ("contacts.2.phone", "+15550100"), ("empty", ""), ("csrf_token", "t"),
    ])
    assert formdata.parse(form, submitted) == {
        "name": "Acme", "score": 42, "ratio": 0.5, "bad": "lots", "agreed": True,
        "unticked": False, "modes": ["sea", "air"], "address": {"street": "Main St"},
        "flat": "x", "contacts": [{"name": "Ann"}, {"phone": "+15550100"}],
    }
    assert formdata.parse(None, MultiDict([("a", "1"), ("csrf_token", "t"), ("b", "")])) == \
        {"a": "1"}

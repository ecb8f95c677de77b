"""The on-site audit checklist service: items saved one at a time by the auditor, checked by the
checklist form's own rules, and submitted through the task service (issue 12, step 4)."""
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import func, select

from app.extensions import db
from app.models import ChecklistItem, HumanTask
from app.models.enums import CaseStatus, TaskState
from app.services.audits import checklist
from app.services.errors import Conflict, Forbidden, Invalid, NotFound
from app.services.forms.validation import validate_submission
from app.services.membership.catalogue import expand_form
from app.services.runtime import cases
from app.services.runtime.state import forms_of
from app.services.tasks import actions
from tests.audit_support import audit_world

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(make_user):
    return audit_world(make_user)


def _rows(case_id):
    return db.session.scalars(select(ChecklistItem).where(ChecklistItem.case_id == case_id)
                              .order_by(ChecklistItem.id)).all()


def test_an_item_is_saved_and_saving_it_again_replaces_it(world):
    ana = world.users["auditor"]
    item = checklist.save_item(ana, world.task.id, "3.1", "compliant", None, None)
    assert (item.criterion_id, item.result, item.severity, item.notes) == ("3.1", "compliant",
                                                                          None, "")
    again = checklist.save_item(ana, world.task.id, "3.1", "non_compliant", "major",
                                "No screening records for two carriers.")
    rows = _rows(world.case.id)
    assert len(rows) == 1 and rows[0].id == item.id == again.id
    assert (rows[0].result, rows[0].severity, rows[0].notes) == (
        "non_compliant", "major", "No screening records for two carriers.")
    assert rows[0].updated_by_id == ana.id
    # back to compliant: what a compliant item is not asked for is not kept
    checklist.save_item(ana, world.task.id, "3.1", "compliant", "major", "was wrong")
    db.session.expire_all()
    assert [(r.result, r.severity, r.notes) for r in _rows(world.case.id)] == [
        ("compliant", None, "")]
    # an observation keeps its notes, never a severity
    checklist.save_item(ana, world.task.id, "9.1", "observation", "minor", "Fence repaired.")
    assert checklist.items(ana, world.task.id)["9.1"].severity is None
    assert list(checklist.items(ana, world.task.id)) == ["3.1", "9.1"]


@pytest.mark.parametrize("result, severity, notes, problems", [
    ("non_compliant", None, None, {"severity", "notes"}),
    ("non_compliant", "major", "   ", {"notes"}),
    ("non_compliant", "fatal", "Gate open", {"severity"}),
    ("observation", None, "", {"notes"}),
    ("great", None, None, {"result"}),
    (None, None, "just notes", {"result"}),
    ("observation", None, "x" * 4001, {"notes"}),
    (7, None, None, {"result"}),
])
def test_answers_the_form_refuses_are_422_per_field_and_not_saved(world, result, severity,
                                                                  notes, problems):
    with pytest.raises(Invalid) as refused:
        checklist.save_item(world.users["auditor"], world.task.id, "3.1", result, severity,
                            notes)
    assert set(refused.value.details) == problems
    assert all(refused.value.details[name] for name in problems)
    assert _rows(world.case.id) == []


def test_only_those_who_may_work_the_task_save_items(world):
    task_id = world.task.id
    for who in ("supplier", "other_supplier", "client"):  # their companies' people
        with pytest.raises(NotFound):
            checklist.save_item(world.users[who], task_id, "3.1", "compliant", None, None)
        with pytest.raises(NotFound):
            checklist.items(world.users[who], task_id)
    with pytest.raises(Forbidden):  # sees the case, does not work the auditors' lane
        checklist.save_item(world.users["cw"], task_id, "3.1", "compliant", None, None)
    with pytest.raises(Conflict):  # an auditor, but the task is Ana's
        checklist.save_item(world.users["auditor2"], task_id, "3.1", "compliant", None, None)
    assert _rows(world.case.id) == []
    checklist.save_item(world.users["admin"], task_id, "3.1", "compliant", None, None)
    assert checklist.items(world.users["reviewer"], task_id)["3.1"].result == "compliant"


def test_criteria_outside_the_checklist_and_tasks_without_one_are_not_found(world):
    ana = world.users["auditor"]
    with pytest.raises(NotFound):
        checklist.save_item(ana, world.task.id, "99.1", "compliant", None, None)
    with pytest.raises(NotFound):  # a criterion importers have, foreign manufacturers not
        checklist.save_item(ana, world.task.id, "5.14", "compliant", None, None)
    with pytest.raises(NotFound):
        checklist.save_item(ana, 10_000, "3.1", "compliant", None, None)


def test_a_checklist_that_is_done_or_on_hold_does_not_change(world):
    ana, cw = world.users["auditor"], world.users["cw"]
    cases.suspend_case(cw, world.case.id, "site closed for a strike")
    with pytest.raises(Conflict):
        checklist.save_item(ana, world.task.id, "3.1", "compliant", None, None)
    cases.resume_case(cw, world.case.id)
    for cid in world.criteria:
        checklist.save_item(ana, world.task.id, cid, "compliant", None, None)
    checklist.complete(ana, world.task.id)
    with pytest.raises(Conflict):
        checklist.save_item(ana, world.task.id, "3.1", "non_compliant", "minor", "late")
    assert checklist.items(ana, world.task.id)["3.1"].result == "compliant"


def test_the_saved_items_complete_the_task_through_the_task_service(world):
    ana, task_id = world.users["auditor"], world.task.id
    ids = world.criteria
    assert len(ids) == 92
    for cid in ids[:-1]:
        checklist.save_item(ana, task_id, cid, "compliant", None, None)
    checklist.save_item(ana, task_id, "3.1", "non_compliant", "critical",
                        "No partner screening at all.")
    checklist.save_item(ana, task_id, "9.1", "observation", None, "Lighting dim at gate 2.")
    data = checklist.submission(ana, task_id)
    assert list(data) == ["checklist"] and len(data["checklist"]) == 91
    assert data["checklist"]["c3_1"] == {"result": "non_compliant", "severity": "critical",
                                         "notes": "No partner screening at all."}
    assert data["checklist"]["c9_1"] == {"result": "observation",
                                         "notes": "Lighting dim at gate 2."}
    # one criterion not answered: the task service refuses it and names it
    last = "c" + ids[-1].replace(".", "_")
    with pytest.raises(Invalid) as refused:
        actions.complete(ana, task_id, data)
    assert refused.value.details == {f"checklist.{last}.result": [
        "Missing data for required field."]}
    checklist.save_item(ana, task_id, ids[-1], "not_applicable", None, None)
    data = checklist.submission(ana, task_id)
    # what the API's contract (the task's JSON Schema) accepts is what completes the task
    schema = actions.task_detail(ana, task_id).schema
    assert list(Draft202012Validator(schema).iter_errors(data)) == []
    task = actions.complete(ana, task_id, data)
    assert task.state == TaskState.COMPLETED and task.completed_by_id == ana.id
    db.session.expire_all()
    assert db.session.get(HumanTask, task_id).state == TaskState.COMPLETED
    assert world.case.status == CaseStatus.COMPLETED
    submitted = actions.task_detail(ana, task_id).submitted_data
    assert submitted["checklist"]["c3_1"]["severity"] == "critical"
    assert len(submitted["checklist"]) == 92


def test_the_checklist_form_and_one_saved_item_agree(world):
    """The item's rules are the generated form's: what save_item accepts passes the task's
    schema for that criterion, and what it refuses fails it."""
    form = expand_form(forms_of(world.case.process_version_id)["audit_checklist"], world.case)
    schema = actions.task_detail(world.users["auditor"], world.task.id).schema
    item_schema = schema["properties"]["checklist"]["properties"]["c3_1"]
    assert form["components"][1]["path"] == "checklist"
    for values in ({"result": "compliant"}, {"result": "observation", "notes": "ok"},
                   {"result": "non_compliant", "severity": "minor", "notes": "n"}):
        assert checklist.validated_item({"result": None, "severity": None, "notes": None,
                                         **values}) == values
        assert Draft202012Validator(item_schema).is_valid(values)
    for values in ({"result": "non_compliant", "notes": "n"}, {"result": "observation"}):
        with pytest.raises(Invalid):
            checklist.validated_item(values)
        assert not Draft202012Validator(item_schema).is_valid(values)


def test_a_self_assessment_is_generated_per_criterion(world):
    form = expand_form(_load("self_assessment"), world.case)
    group = form["components"][1]
    assert group["path"] == "self_assessment"
    keys = [c["path"] for category in group["components"] for c in category["components"]]
    assert len(keys) == 92 and keys[:2] == ["c1_1", "c1_2"]
    answers = {k: {"meets": "yes", "how": "Procedure SP-3"} for k in keys}
    clean, errors = validate_submission(form, {"self_assessment": answers,
                                               "documents_provided": ["seal_log"]})
    assert errors == {} and clean["documents_provided"] == ["seal_log"]
    answers["c3_1"] = {"meets": "partly"}
    _, errors = validate_submission(form, {"self_assessment": answers})
    assert errors == {"self_assessment.c3_1.how": ["Missing data for required field."]}


def _load(key):
    return json.loads((ROOT / "forms" / f"{key}.form").read_text())


def test_rows_stay_one_per_criterion(world):
    ana = world.users["auditor"]
    for _ in range(3):
        checklist.save_item(ana, world.task.id, "3.1", "compliant", None, None)
    count = db.session.scalar(select(func.count()).select_from(ChecklistItem))
    assert count == 1

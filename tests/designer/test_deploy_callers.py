"""The deploy preview names the processes that call the one being deployed: each of their
versions carries its own copy of it, so a new version reaches none of their cases, new ones
included, until they are deployed again."""
from app.extensions import db
from app.models import Company
from app.services.repository import deployments
from app.services.repository.preview import preview
from app.services.runtime import cases
from tests.helpers import bpmn

SUB = bpmn("call_sub.bpmn").decode()
CHANGED_SUB = SUB.replace("Task in the called stage", "Task in the changed stage").encode()
INLINE_MAIN = bpmn("call_main.bpmn").decode().replace(
    '<bpmn:callActivity id="stage" name="Stage in another file" calledElement="call_sub" />',
    '<bpmn:userTask id="stage" name="Stage done inline" />').encode()


def _called_stage_with_two_cases(make_user):
    designer = make_user("designer", "designer")
    deployments.deploy(None, {"call_main.bpmn": bpmn("call_main.bpmn"),
                              "call_sub.bpmn": bpmn("call_sub.bpmn")})
    acme = Company(legal_name="Acme Imports", entity_type="importer")
    db.session.add(acme)
    db.session.commit()
    cw = make_user("cw", "case_worker")
    for _ in range(2):
        cases.start_case(cw, company_id=acme.id, process_id="call_main")
    return designer


def test_a_called_process_names_its_callers_and_their_running_cases(make_user):
    designer = _called_stage_with_two_cases(make_user)

    [sub] = preview(designer, {"call_sub.bpmn": CHANGED_SUB})

    assert (sub.process_id, sub.latest_version, sub.new_version) == ("call_sub", 1, 2)
    assert sub.called_by == [{"process_id": "call_main", "latest_version": 1,
                              "latest_calls": True, "running": {1: 2}}]


def test_callers_deployed_together_or_no_longer_calling_are_told_apart(make_user):
    designer = _called_stage_with_two_cases(make_user)
    together = preview(designer, {"call_main.bpmn": bpmn("call_main.bpmn"),
                                  "call_sub.bpmn": CHANGED_SUB})
    assert {p.process_id: p.called_by for p in together}["call_sub"] == []  # redeployed too

    deployments.deploy(None, {"call_main.bpmn": INLINE_MAIN})  # v2 calls nothing
    [sub] = preview(designer, {"call_sub.bpmn": CHANGED_SUB})
    assert sub.called_by == [{"process_id": "call_main", "latest_version": 2,
                              "latest_calls": False, "running": {1: 2}}]
    # an unchanged process says nothing about its callers: nothing reaches anyone
    [same] = preview(designer, {"call_sub.bpmn": bpmn("call_sub.bpmn")})
    assert same.new_version is None and same.called_by == []

"""DMN decision tables deployed with the diagrams through POST /api/v1/process-models: stored
with the version, run by business rule tasks in the sandbox, and checked at deploy (missing
decision, invalid or refused expressions, unknown input variables) with the usual problem shape
(message, file, element_id, line)."""
import pytest

from app.extensions import db
from app.models import ProcessVersion
from tests.api.test_deploy import assert_nothing_stored, deploy_files, problems
from tests.helpers import bpmn, start

DIAGRAM = bpmn("triage.bpmn")
TABLE = bpmn("triage_route.dmn").decode()


@pytest.fixture
def staff(lazy_staff):
    return lazy_staff


def _company(api, entity_type: str) -> int:
    response = api.post("/api/v1/companies", json={"legal_name": f"Co {entity_type}",
                                                   "entity_type": entity_type})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _deploy(api, table: str = TABLE, diagram: bytes = DIAGRAM):
    return deploy_files(api, {"triage.bpmn": diagram, "triage_route.dmn": table.encode()})


def _titles(case: dict) -> list[str]:
    return [t["title"] for t in case["open_tasks"]]


def test_business_rule_task_runs_the_deployed_table_and_the_version_keeps_it(staff):
    cw = staff["cw"]
    response = _deploy(staff["designer"])
    assert response.status_code == 201, response.get_json()
    [deployed] = response.get_json()["processes"]
    row = db.session.get(ProcessVersion, deployed["version"]["id"])
    assert sorted(row.files) == ["triage.bpmn", "triage_route.dmn"]
    assert row.files["triage_route.dmn"] == TABLE

    assert _titles(start(cw, _company(cw, "importer"), "triage")) == ["Fast lane"]
    assert _titles(start(cw, _company(cw, "exporter"), "triage")) == ["Slow lane"]


def test_a_changed_table_is_a_new_version_and_new_cases_follow_it(staff):
    cw, designer = staff["cw"], staff["designer"]
    assert _deploy(designer).status_code == 201
    again = _deploy(designer)
    assert again.status_code == 201 and again.get_json()["processes"][0]["created"] is False

    changed = _deploy(designer, TABLE.replace('<text>"importer"</text>', '<text>"exporter"</text>'))
    assert changed.status_code == 201, changed.get_json()
    [deployed] = changed.get_json()["processes"]
    assert deployed["created"] is True and deployed["version"]["version"] == 2
    assert _titles(start(cw, _company(cw, "exporter"), "triage")) == ["Fast lane"]
    assert _titles(start(cw, _company(cw, "importer"), "triage")) == ["Slow lane"]


def test_missing_decision_is_refused_at_the_business_rule_task(staff):
    response = deploy_files(staff["designer"], {"triage.bpmn": DIAGRAM})
    [problem] = problems(response)
    assert problem["file"] == "triage.bpmn" and problem["element_id"] == "classify"
    assert problem["line"] == 8
    assert "decision 'triage_route', which is not in this deployment" in problem["message"]
    assert_nothing_stored()


def test_business_rule_task_naming_no_decision_is_refused(staff):
    diagram = DIAGRAM.replace(
        b"<spiffworkflow:calledDecisionId>triage_route</spiffworkflow:calledDecisionId>", b"")
    found = problems(_deploy(staff["designer"], diagram=diagram))
    assert [(p["element_id"], "names no decision" in p["message"]) for p in found] == [
        ("classify", True)]


@pytest.mark.parametrize(("old", "new", "element_id", "line", "words"), [
    ('<text>"fast"</text>', '<text>"fast" +</text>', "rule_importer_route", 13,
     "output entry '\"fast\" +' of rule 'rule_importer': Line 1: SyntaxError"),
    ('<text>"importer"</text>', '<text>in ("importer"</text>', "rule_importer_entity_type", 12,
     "input entry 'in (\"importer\"' of rule 'rule_importer'"),
    ('<text>entity_type</text>', '<text>entity_type.__class__</text>', "input_entity_type", 6,
     '"__class__" is an invalid attribute name'),
    ('<text>"slow"</text>', '<text>[x for x in range(3)][0].__dict__</text>', "rule_other_route",
     17, "invalid attribute name"),
])
def test_invalid_expression_is_refused_with_file_element_and_line(staff, old, new, element_id,
                                                                  line, words):
    assert old in TABLE
    [problem] = problems(_deploy(staff["designer"], TABLE.replace(old, new)))
    assert problem["file"] == "triage_route.dmn"
    assert problem["element_id"] == element_id and problem["line"] == line
    assert words in problem["message"], problem
    assert_nothing_stored()


def test_input_reading_a_variable_nothing_sets_is_refused(staff):
    table = TABLE.replace("<text>entity_type</text>", "<text>entity_kind</text>")
    [problem] = problems(_deploy(staff["designer"], table))
    assert problem == {
        "message": "input expression of 'input_entity_type' reads entity_kind, which no form, "
                   "script, decision or case variable of this deployment sets",
        "file": "triage_route.dmn", "element_id": "input_entity_type", "line": 6}


def test_dmn_is_parsed_with_the_hardened_parser(staff):
    hostile = TABLE.replace('<?xml version="1.0" encoding="UTF-8"?>',
                            '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]>')
    refused, called = problems(_deploy(staff["designer"], hostile))
    assert refused["file"] == "triage_route.dmn"
    assert "DOCTYPE and ENTITY declarations are not allowed" in refused["message"]
    assert called["element_id"] == "classify"  # the table it calls was not read


def test_a_table_that_is_not_valid_dmn_is_refused(staff):
    table = TABLE.replace('hitPolicy="FIRST"', 'hitPolicy="SOMETIMES"')
    [problem] = problems(_deploy(staff["designer"], table))
    assert problem["file"] == "triage_route.dmn" and "hitPolicy" in problem["message"]


def test_a_table_expression_runs_in_the_sandbox(staff):
    """`open` compiles, but scripts have no `open`: the case stops in error, as a script would."""
    cw = staff["cw"]
    assert _deploy(staff["designer"], TABLE.replace('<text>"fast"</text>',
                                                    '<text>open("/etc/passwd").read()</text>')
                   ).status_code == 201
    case = start(cw, _company(cw, "importer"), "triage")
    assert case["status"] == "error"
    assert "'open' is not available in scripts" in case["error_message"]

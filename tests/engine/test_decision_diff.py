"""The rules two versions of a decision table differ by (app/engine/decision_diff.py)."""
import pytest

from app.engine.decision_diff import compare_decisions
from tests.helpers import bpmn

pytestmark = pytest.mark.database_agnostic

TABLE = bpmn("triage_route.dmn").decode()
DIAGRAM = bpmn("triage.bpmn").decode()


def _with(table: str) -> dict[str, str]:
    return {"triage.bpmn": DIAGRAM, "triage_route.dmn": table}


def test_the_same_table_and_a_diagram_alone_name_no_decision():
    assert compare_decisions(_with(TABLE), _with(TABLE)) == {}
    assert compare_decisions({"triage.bpmn": DIAGRAM}, {"triage.bpmn": DIAGRAM}) == {}


def test_a_removed_rule_a_new_column_and_a_new_hit_policy_are_named():
    without_other = TABLE[:TABLE.index('<rule id="rule_other">')] + \
        TABLE[TABLE.index("</rule>", TABLE.index('<rule id="rule_other">')) + len("</rule>"):]
    assert compare_decisions(_with(TABLE), _with(without_other))["triage_route"] == {
        "rules_added": [], "rules_removed": ["rule_other"], "rules_changed": [],
        "rules_reordered": False, "columns_changed": False}
    policy = TABLE.replace('hitPolicy="FIRST"', 'hitPolicy="UNIQUE"')
    assert compare_decisions(_with(TABLE), _with(policy))["triage_route"]["columns_changed"]
    relabelled = TABLE.replace('label="Route"', 'label="Lane"')
    assert compare_decisions(_with(TABLE), _with(relabelled))["triage_route"]["columns_changed"]


def test_swapped_rules_are_a_reordering_and_a_new_file_is_a_new_decision():
    first = TABLE.index('<rule id="rule_importer">')
    second = TABLE.index('<rule id="rule_other">')
    end = TABLE.index("</rule>", second) + len("</rule>")
    importer, other = TABLE[first:TABLE.index("</rule>", first) + len("</rule>")], \
        TABLE[second:end]
    swapped = TABLE[:first] + other + "\n      " + importer + TABLE[end:]
    assert compare_decisions(_with(TABLE), _with(swapped))["triage_route"] == {
        "rules_added": [], "rules_removed": [], "rules_changed": [],
        "rules_reordered": True, "columns_changed": False}
    assert compare_decisions({"triage.bpmn": DIAGRAM}, _with(TABLE)) == {
        "triage_route": {"decision_added": True, "decision_removed": False}}

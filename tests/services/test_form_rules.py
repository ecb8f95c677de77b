"""Options the task data marks unavailable, and a list's `every` rule: the server and the
resolved JSON Schema agree (issue 13)."""
import json

import pytest
from jsonschema import Draft202012Validator

from app.services.forms.conditions import FormDefinitionError
from app.services.forms.definition import parse_form
from app.services.forms.schema import to_json_schema
from app.services.forms.validation import validate_submission

OUTCOME = {"type": "default", "components": [
    {"type": "radio", "key": "outcome", "valuesKey": "outcomes",
     "validate": {"required": True}}]}
CONTEXT = {"outcomes": [{"label": "Approve", "value": "approve", "unavailable": "Gaps are open."},
                        {"label": "Reject", "value": "reject", "unavailable": None}]}


def test_an_unavailable_option_is_refused_with_its_reason_and_left_out_of_the_schema():
    schema = to_json_schema(OUTCOME, CONTEXT)
    assert schema["properties"]["outcome"]["enum"] == ["reject"]
    assert schema["properties"]["outcome"]["x-unavailable"] == {"approve": "Gaps are open."}
    assert validate_submission(OUTCOME, {"outcome": "approve"}, CONTEXT)[1] == {
        "outcome": ["Gaps are open."]}
    assert validate_submission(OUTCOME, {"outcome": "other"}, CONTEXT)[1] == {
        "outcome": ["Must be one of: reject."]}
    assert validate_submission(OUTCOME, {"outcome": "reject"}, CONTEXT)[1] == {}
    # resolved for task data without the options: nothing fits, as on the server
    assert to_json_schema(OUTCOME, {})["properties"]["outcome"]["enum"] == []
    assert validate_submission(OUTCOME, {"outcome": "reject"}, {})[1] != {}


CHECKS = {"type": "default", "components": [
    {"type": "dynamiclist", "path": "items", "isRepeating": True,
     "validate": {"every": '=ok = "yes"', "everyWhen": '=decision = "accept"',
                  "everyMessage": "Not checked."},
     "components": [{"type": "radio", "key": "ok", "validate": {"required": True},
                     "values": [{"label": "Yes", "value": "yes"},
                                {"label": "No", "value": "no"}]}]},
    {"type": "radio", "key": "decision", "validate": {"required": True},
     "values": [{"label": "Accept", "value": "accept"}, {"label": "Refuse", "value": "refuse"}]}]}


def test_every_entry_must_meet_the_rule_when_its_condition_holds():
    assert parse_form(json.dumps(CHECKS), "checks") == CHECKS
    schema = Draft202012Validator(to_json_schema(CHECKS, {}))
    mixed = [{"ok": "yes"}, {"ok": "no"}]
    for decision, items, errors in [
            ("accept", mixed, {"items.1": ["Not checked."]}),
            ("refuse", mixed, {}),
            ("accept", [{"ok": "yes"}], {})]:
        data = {"items": items, "decision": decision}
        assert validate_submission(CHECKS, data, {})[1] == errors
        assert schema.is_valid(data) == (errors == {})


def test_a_bad_every_rule_is_a_form_error():
    bad = json.loads(json.dumps(CHECKS))
    bad["components"][0]["validate"].update({"every": "ok", "everyMessage": 3})
    with pytest.raises(FormDefinitionError) as refused:
        parse_form(json.dumps(bad), "bad")
    problems = refused.value.problems
    assert any("validate.every must be an expression" in p for p in problems)
    assert any("validate.everyMessage must be a string" in p for p in problems)

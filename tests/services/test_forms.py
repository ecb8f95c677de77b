"""Tests for form-js form definitions: parsing, conditions, JSON Schema and submissions."""
import copy
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from app.services.forms import definition as forms
from app.services.forms.conditions import (
    FormDefinitionError,
    bind_condition,
    condition_schema,
    evaluate,
    evaluate_condition,
    parse_condition,
)
from app.services.forms.definition import (
    EMAIL_PATTERN,
    REQUIRED_MESSAGE,
    load_form,
    parse_form,
)
from app.services.forms.schema import to_json_schema
from app.services.forms.validation import validate_submission

pytestmark = pytest.mark.database_agnostic

FORMS_DIR = Path(__file__).resolve().parent.parent / "data" / "forms"


@pytest.fixture(scope="module")
def review() -> dict:
    return load_form(FORMS_DIR, "review_application")


@pytest.fixture(scope="module")
def company() -> dict:
    return load_form(FORMS_DIR, "company_details")


def _form(*components: dict) -> dict:
    return {"type": "default", "id": "t", "schemaVersion": 16, "components": list(components)}


def _problems(form: dict) -> list[str]:
    with pytest.raises(FormDefinitionError) as info:
        parse_form(json.dumps(form), "t")
    return info.value.problems


VALID_COMPANY = {
    "legal_name": "ACME Imports Ltd",
    "entity_type": "importer",
    "email": "compliance@acme.example",
    "start_date": "2019-03-01",
    "transport_modes": ["sea", "road"],
    "street": "1 Harbour Road",
    "country": "US",
    "contacts": [{"name": "Ann Lee", "phone": "+15551234567"}, {"name": "Bo"}],
}


# --- loading and structural checks -------------------------------------------------


def test_load_form_reads_the_example_forms(review, company):
    assert review["id"] == "review_application"
    assert [c.get("key") for c in review["components"]] == [None, "decision", "reason", "score"]
    assert company["components"][-1]["path"] == "contacts"


def test_load_form_missing(tmp_path):
    with pytest.raises(FormDefinitionError) as info:
        load_form(tmp_path, "nope")
    assert str(info.value) == "form 'nope' does not exist"
    assert info.value.problems == ["form 'nope' does not exist"]


@pytest.mark.parametrize("key", ["../secret", "a/b", "a\\b", "..", "", "/etc/passwd", "x..y"])
def test_load_form_rejects_path_like_keys(tmp_path, key):
    (tmp_path / "secret.form").write_text(json.dumps(_form()))
    with pytest.raises(FormDefinitionError, match="invalid form key"):
        load_form(tmp_path / "sub", key)


def test_load_form_reports_invalid_json(tmp_path):
    (tmp_path / "broken.form").write_text("{not json")
    with pytest.raises(FormDefinitionError, match="form 'broken' is not valid JSON"):
        load_form(tmp_path, "broken")


@pytest.mark.parametrize("text, problem", [
    ("[]", "the form must be a JSON object"),
    ('{"type": "default"}', "the form needs a 'components' list"),
    ('{"type": "default", "components": {}}', "the form needs a 'components' list"),
    ('{"type": "other", "components": []}', "form type must be 'default', not 'other'"),
])
def test_parse_form_top_level(text, problem):
    with pytest.raises(FormDefinitionError) as info:
        parse_form(text, "t")
    assert info.value.problems == [problem]


def test_parse_form_lists_every_problem_with_its_location():
    form = _form(
        {"type": "textfield", "key": "name"},
        {"type": "textarea", "key": "name"},
        {"type": "slider", "key": "level"},
        {"type": "textfield", "key": "code", "validate": {"pattern": "([A-Z"}},
        {"type": "checkbox", "key": "agree", "conditional": {"hide": "=name ~ 1"}},
        {"type": "select", "key": "kind"},
        {"type": "textfield", "key": "address.street"},
        {"type": "number"},
        {"type": "group", "components": [{"type": "checkbox", "key": "name"}]},
        {"type": "dynamiclist", "path": "items", "components": [
            {"type": "textfield", "key": "name"}, {"type": "textfield", "key": "name"}]},
        {"type": "text", "text": "hi", "conditional": {"hide": "name = 1"}},
        {"type": "expression", "key": "total"},
        {"type": "radio", "key": "r", "values": [{"label": "A", "value": "a"},
                                                 {"label": "A again", "value": "a"}]},
    )
    assert _problems(form) == [
        "components[1] (name): duplicate key 'name' (also used by components[0] (name))",
        "components[2] (level): unknown component type 'slider'",
        "components[3] (code): invalid validate.pattern '([A-Z': unterminated character set "
        "at position 1",
        "components[4] (agree): unsupported condition '=name ~ 1': unexpected character '~' "
        "at position 6",
        "components[5] (kind): needs a non-empty 'values' list or a 'valuesKey'",
        "components[6] (address.street): invalid key 'address.street' (letters, digits and "
        "underscores only, not starting with a digit)",
        "components[7]: missing 'key'",
        "components[8].components[0] (name): duplicate key 'name' (also used by "
        "components[0] (name))",
        "components[9].components[1] (name): duplicate key 'name' (also used by "
        "components[9].components[0] (name))",
        "components[10]: conditional.hide must be an expression starting with '='",
        "components[11] (total): component type 'expression' is not supported",
        "components[12] (r): duplicate value 'a'",
    ]


def test_parse_form_error_message_names_the_form():
    with pytest.raises(FormDefinitionError) as info:
        parse_form(json.dumps(_form({"type": "nope"})), "my_form")
    assert str(info.value) == (
        "form 'my_form' is invalid: components[0]: unknown component type 'nope'")


def test_parse_form_checks_validate_rules():
    form = _form(
        {"type": "number", "key": "n", "decimalDigits": -1, "validate": {"min": 5, "max": 1}},
        {"type": "textfield", "key": "t",
         "validate": {"minLength": "=limit", "maxLength": -2, "validationType": "iban"}},
        {"type": "datetime", "key": "d", "subtype": "week"},
        {"type": "dynamiclist", "components": []},
        {"type": "select", "key": "s", "valuesExpression": "=options"},
        {"type": "checklist", "key": "c", "values": [{"label": "One", "value": 1}]},
        {"type": "checkbox", "key": "b", "validate": {"required": "yes"}},
    )
    assert _problems(form) == [
        "components[0] (n): validate.min is greater than validate.max",
        "components[0] (n): decimalDigits must be a non-negative integer",
        "components[1] (t): validate.minLength must be a non-negative integer "
        "(FEEL expressions are not supported)",
        "components[1] (t): validate.maxLength must be a non-negative integer",
        "components[1] (t): unknown validate.validationType 'iban'",
        "components[2] (d): datetime subtype must be date, time or datetime",
        "components[3]: missing 'path'",
        "components[4] (s): valuesExpression is not supported; use 'values' or 'valuesKey'",
        "components[5] (c): values[0] needs a string 'value'",
        "components[6] (b): validate.required must be true or false",
    ]


def test_parse_form_accepts_values_key_and_presentational_components():
    form = _form(
        {"type": "text", "text": "# Title"},
        {"type": "separator"}, {"type": "spacer", "height": 30},
        {"type": "image", "source": "=logo"}, {"type": "html", "content": "<b>x</b>"},
        {"type": "button", "action": "submit"},
        {"type": "select", "key": "port", "valuesKey": "ports"},
        {"type": "group", "label": "No path", "path": "", "components": []},
    )
    assert parse_form(json.dumps(form), "t") == form


# --- the condition language --------------------------------------------------------


@pytest.mark.parametrize("expr, data, expected", [
    ('=decision = "approve"', {"decision": "approve"}, True),
    ('=decision = "approve"', {"decision": "reject"}, False),
    ('=decision = "approve"', {}, False),
    ('=decision != "approve"', {}, True),
    ("=flag", {"flag": True}, True),
    ("=flag", {"flag": "yes"}, False),
    ("=not(flag)", {"flag": False}, True),
    ("=not(flag)", {}, False),  # not(null) is null, which does not hide
    ("=score >= 50 and score < 80", {"score": 60}, True),
    ("=score >= 50 and score < 80", {"score": 80.0}, False),
    ("=score > 5", {"score": "9"}, False),  # a string is not comparable with a number
    ("=score > -1.5", {"score": -1}, True),
    ('=a = "x" or (b = 1 and c = true)', {"b": 1, "c": True}, True),
    ('=a = "x" or (b = 1 and c = true)', {"b": 1, "c": 1}, False),
    ("=a = 1", {"a": True}, False),  # booleans are not numbers
    ("=a = null", {}, True),
    ("=a = null", {"a": 0}, False),
    ("=applicant.country = \"US\"", {"applicant": {"country": "US"}}, True),
    ('=name = "say \\"hi\\""', {"name": 'say "hi"'}, True),
    ('=name < "m"', {"name": "alpha"}, True),
    ("decision = 1", {"decision": 1}, True),  # the leading '=' is optional here
])
def test_evaluate_condition(expr, data, expected):
    assert evaluate_condition(expr, data) is expected


@pytest.mark.parametrize("expr, detail", [
    ("=", "empty expression"),
    ("=a +1", "unexpected character '+' at position 3"),
    ("=a = b = c", "chained comparison at position 7; use 'and'"),
    ("=count(items) > 2", "function 'count' is not supported"),
    ("=not a", "expected '(' but found 'a' at position 5"),
    ("=(a", "expected ')' but found end of expression"),
    ('=a = "open', "unexpected character '\"' at position 5"),
    ("=a and", "unexpected end of expression"),
    ("=a b", "unexpected 'b' at position 3"),
    ("=__import__('os').system('x')", "unexpected character \"'\" at position 12"),
    ('=a = "\\q"', "unsupported escape '\\q' at position 5"),
    ("=" + "(" * 60 + "a" + ")" * 60, "expression is nested too deeply"),
])
def test_unsupported_conditions_name_the_expression(expr, detail):
    with pytest.raises(FormDefinitionError) as info:
        evaluate_condition(expr, {})
    assert str(info.value) == f"unsupported condition {expr!r}: {detail}"


@pytest.mark.parametrize("expr, names", [
    ('=a = "x" or not(b > 3)', {"a", "b"}),
    ("=not(a != 2 and b <= 1.5)", {"a", "b"}),
    ("=a = null or b", {"a", "b"}),
    ("=1 < a", {"a"}),
])
def test_condition_schema_agrees_with_evaluation(expr, names):
    node = parse_condition(expr)
    schemas = {truth: Draft202012Validator(condition_schema(node, names, truth))
               for truth in (True, False)}
    samples = [{}, {"a": "x"}, {"a": 2}, {"a": 2.5}, {"a": None}, {"a": True}, {"b": 4},
               {"b": 1}, {"b": True}, {"b": False}, {"a": "x", "b": 4}, {"a": 0, "b": 1.5},
               {"a": 2, "b": 2}, {"b": "7"}]
    for data in samples:
        result = evaluate(node, data)  # True, False or None (FEEL null)
        assert schemas[True].is_valid(data) is (result is True), data
        assert schemas[False].is_valid(data) is (result is False), data


def test_condition_schema_gives_up_on_unknown_names():
    assert condition_schema(parse_condition('=region = "EU"'), {"decision"}) is None
    assert condition_schema(parse_condition("=a = b"), {"a", "b"}) is None
    assert condition_schema(parse_condition('=a < "m"'), {"a"}) is None


# --- JSON Schema -------------------------------------------------------------------


def test_review_json_schema(review):
    schema = to_json_schema(review)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["required"] == ["decision"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["decision"] == {
        "type": "string", "enum": ["approve", "reject", "request_info"], "title": "Decision"}
    assert schema["properties"]["score"] == {
        "type": ["integer", "null"], "minimum": 0, "maximum": 100, "title": "Risk score"}
    assert schema["properties"]["reason"]["x-hide"] == '=decision = "approve"'
    assert schema["allOf"] == [{
        "if": {"required": ["decision"], "properties": {"decision": {"const": "approve"}}},
        "else": {"required": ["reason"], "properties": {"reason": {
            "type": "string", "minLength": 1, "not": {"pattern": r"^\s*$"}}}},
    }]
    validator = Draft202012Validator(schema)
    assert validator.is_valid({"decision": "approve"})
    assert validator.is_valid({"decision": "reject", "reason": "Expired certificate", "score": 7})
    assert not validator.is_valid({"decision": "reject"})
    assert not validator.is_valid({"decision": "reject", "reason": "  "})
    assert not validator.is_valid({"decision": "approve", "score": 7.5})
    assert not validator.is_valid({"decision": "approve", "extra": 1})


def test_company_json_schema(company):
    schema = to_json_schema(company)
    Draft202012Validator.check_schema(schema)
    props = schema["properties"]
    assert list(props) == ["legal_name", "entity_type", "email", "start_date",
                           "transport_modes", "street", "country", "contacts"]
    assert schema["required"] == ["legal_name"]
    assert props["legal_name"]["maxLength"] == 200
    assert props["email"]["anyOf"][1] == {"pattern": EMAIL_PATTERN, "format": "email"}
    assert props["start_date"] == {"type": ["string", "null"], "format": "date",
                                   "title": "Operations started on"}
    assert props["transport_modes"]["items"]["enum"] == ["sea", "air", "road", "rail"]
    assert props["transport_modes"]["uniqueItems"] is True
    item = props["contacts"]["items"]
    assert item["required"] == ["name"] and item["additionalProperties"] is False
    assert list(item["properties"]) == ["name", "phone"]
    validator = Draft202012Validator(schema)
    assert list(validator.iter_errors(VALID_COMPANY)) == []
    assert validator.is_valid({"legal_name": "X", "email": "", "entity_type": None})
    assert not validator.is_valid({**VALID_COMPANY, "contacts": [{"phone": "+15551234567"}]})
    assert not validator.is_valid({**VALID_COMPANY, "transport_modes": ["sea", "sea"]})
    assert not validator.is_valid({**VALID_COMPANY, "country": "us"})


EVERYTHING = _form(
    {"type": "textfield", "key": "code", "label": "Code", "description": "Internal code",
     "defaultValue": "A1", "readonly": True,
     "validate": {"required": True, "minLength": 2, "pattern": "^[A-Z]"}},
    {"type": "number", "key": "amount", "decimalDigits": 2, "serializeToString": True,
     "validate": {"min": 0}},
    {"type": "checkbox", "key": "agree", "label": "I agree", "validate": {"required": True}},
    {"type": "taglist", "key": "ports", "valuesKey": "port_options"},
    {"type": "datetime", "key": "at", "subtype": "datetime"},
    {"type": "datetime", "key": "slot", "subtype": "time"},
    {"type": "textfield", "key": "note", "disabled": True, "validate": {"required": True}},
    {"type": "group", "path": "address", "label": "Address", "components": [
        {"type": "textfield", "key": "city", "validate": {"required": True}},
    ]},
    {"type": "group", "label": "Only for EU", "conditional": {"hide": '=region != "EU"'},
     "components": [
         {"type": "textfield", "key": "vat", "validate": {"required": True},
          "conditional": {"hide": "=agree = false"}},
     ]},
    {"type": "dynamiclist", "path": "lines", "components": [
        {"type": "number", "key": "qty", "decimalDigits": 0, "validate": {"required": True}},
        {"type": "textfield", "key": "remark", "validate": {"required": True},
         "conditional": {"hide": "=qty < 10"}},
    ]},
)


def test_json_schema_of_every_component_kind():
    schema = to_json_schema(EVERYTHING)
    Draft202012Validator.check_schema(schema)
    props = schema["properties"]
    assert schema["required"] == ["code", "agree", "address"]
    assert props["code"] == {
        "type": "string", "minLength": 2, "pattern": "^[A-Z]", "not": {"pattern": r"^\s*$"},
        "title": "Code", "description": "Internal code", "default": "A1", "readOnly": True}
    assert props["amount"]["anyOf"][0]["anyOf"][0] == {"type": "number", "minimum": 0}
    assert props["agree"] == {"type": "boolean", "const": True, "title": "I agree"}
    assert props["ports"] == {"type": ["array", "null"], "items": {"type": "string"},
                              "uniqueItems": True, "x-valuesKey": "port_options"}
    assert props["at"]["format"] == "date-time" and props["slot"]["format"] == "time"
    assert props["note"]["readOnly"] is True and "note" not in schema["required"]
    assert props["address"]["required"] == ["city"]
    assert props["vat"]["x-hide"] == '=(region != "EU") or (agree = false)'
    # `region` is not a field of the form, so only the x-hide annotation describes it
    assert "allOf" not in schema
    lines = props["lines"]["items"]
    assert lines["required"] == ["qty"]
    assert lines["properties"]["qty"]["type"] == "integer"
    assert lines["allOf"] == [{
        "if": {"required": ["qty"], "properties": {"qty": {"type": "number",
                                                           "exclusiveMaximum": 10}}},
        "else": {"required": ["remark"], "properties": {"remark": {
            "type": "string", "minLength": 1, "not": {"pattern": r"^\s*$"}}}},
    }]
    validator = Draft202012Validator(schema)
    good = {"code": "AB", "amount": "12.50", "agree": True, "ports": ["NLRTM"],
            "at": "2024-05-01T10:00:00Z", "slot": "09:30:00Z", "address": {"city": "Rotterdam"},
            "vat": "NL123", "lines": [{"qty": 3}, {"qty": 12, "remark": "bulk"}]}
    assert list(validator.iter_errors(good)) == []
    assert not validator.is_valid({**good, "lines": [{"qty": 12}]})
    assert not validator.is_valid({**good, "agree": False})


# --- server-side validation --------------------------------------------------------


def test_review_valid_submission(review):
    clean, errors = validate_submission(
        review, {"decision": "reject", "reason": "Incomplete", "score": 40})
    assert errors == {}
    assert clean == {"decision": "reject", "reason": "Incomplete", "score": 40}


def test_missing_required(review):
    assert validate_submission(review, {}) == ({}, {
        "decision": [REQUIRED_MESSAGE], "reason": [REQUIRED_MESSAGE]})
    assert REQUIRED_MESSAGE == "Missing data for required field."


@pytest.mark.parametrize("value", ["", "   ", None])
def test_required_rejects_empty_values(review, value):
    _, errors = validate_submission(review, {"decision": value})
    assert errors["decision"] == [REQUIRED_MESSAGE]


def test_hidden_field_is_not_required_and_is_dropped(review):
    clean, errors = validate_submission(
        review, {"decision": "approve", "reason": "not needed", "score": 90})
    assert errors == {}
    assert clean == {"decision": "approve", "score": 90}
    # hidden values are dropped without being validated, as form-js does
    assert validate_submission(review, {"decision": "approve", "reason": 12}) == (
        {"decision": "approve"}, {})


def test_visible_conditional_field_is_required(review):
    for decision in ("reject", "request_info"):
        assert validate_submission(review, {"decision": decision, "reason": ""}) == (
            {}, {"reason": [REQUIRED_MESSAGE]})


def test_wrong_enum(review):
    _, errors = validate_submission(review, {"decision": "maybe"})
    assert errors == {"decision": ["Must be one of: approve, reject, request_info."],
                      "reason": [REQUIRED_MESSAGE]}


@pytest.mark.parametrize("score, message", [
    (101, "Must be greater than or equal to 0 and less than or equal to 100."),
    (-1, "Must be greater than or equal to 0 and less than or equal to 100."),
    (7.5, "Not a valid integer."),
    ("7", "Not a valid integer."),
    (True, "Not a valid integer."),
])
def test_number_errors(review, score, message):
    assert validate_submission(review, {"decision": "approve", "score": score}) == (
        {}, {"score": [message]})


def test_integer_valued_float_is_accepted(review):
    assert validate_submission(review, {"decision": "approve", "score": 5.0}) == (
        {"decision": "approve", "score": 5}, {})


def test_unknown_field(review):
    assert validate_submission(review, {"decision": "approve", "approved_by": "me"}) == (
        {}, {"approved_by": ["Unknown field."]})


def test_too_long(review):
    _, errors = validate_submission(review, {"decision": "reject", "reason": "x" * 2001})
    assert errors == {"reason": ["Longer than maximum length 2000."]}


def test_company_valid_submission_is_json_ready(company):
    clean, errors = validate_submission(company, copy.deepcopy(VALID_COMPANY))
    assert errors == {}
    assert clean == VALID_COMPANY
    assert json.loads(json.dumps(clean)) == clean


def test_company_field_errors(company):
    data = {**VALID_COMPANY, "legal_name": "L" * 201, "entity_type": "bank",
            "email": "not-an-email", "start_date": "2024-02-30",
            "transport_modes": ["sea", "boat"], "country": "us"}
    assert validate_submission(company, data) == ({}, {
        "legal_name": ["Longer than maximum length 200."],
        "entity_type": ["Must be one of: importer, carrier, broker."],
        "email": ["Not a valid email address."],
        "start_date": ["Not a valid date."],
        "transport_modes.1": ["Must be one of: sea, air, road, rail."],
        "country": ["String does not match expected pattern."],
    })


def test_optional_fields_may_be_blank_or_null(company):
    data = {"legal_name": "ACME", "email": "", "country": " ", "entity_type": None,
            "start_date": None, "transport_modes": []}
    assert validate_submission(company, data) == (data, {})


def test_nested_list_item_error_paths(company):
    data = {"legal_name": "ACME", "contacts": [
        {"name": "Ann"}, {"phone": "12"}, "Bob", {"name": "Cy", "email": "c@x.io"}]}
    assert validate_submission(company, data) == ({}, {
        "contacts.1.name": [REQUIRED_MESSAGE],
        "contacts.1.phone": ["Not a valid phone number."],
        "contacts.2": ["Invalid input type."],
        "contacts.3.email": ["Unknown field."],
    })


def test_non_object_submission(review):
    assert validate_submission(review, ["decision"]) == ({}, {"_schema": ["Invalid input type."]})
    assert validate_submission(review, {"decision": "approve", "score": {"a": 1}})[1] == {
        "score": ["Not a valid integer."]}


def test_conditions_see_the_context_under_the_submitted_data():
    form = _form({"type": "textfield", "key": "vat", "validate": {"required": True},
                  "conditional": {"hide": '=region != "EU"'}})
    assert validate_submission(form, {}, {"region": "US"}) == ({}, {})
    assert validate_submission(form, {}, {"region": "EU"}) == ({}, {"vat": [REQUIRED_MESSAGE]})
    assert validate_submission(form, {"vat": "NL1"}, {"region": "EU"}) == ({"vat": "NL1"}, {})


def test_every_component_kind_server_side():
    good = {"code": "AB", "amount": "12.50", "agree": True, "ports": ["NLRTM", "USNYC"],
            "at": "2024-05-01T10:00:00+02:00", "slot": "09:30", "note": "ignored",
            "address": {"city": "Rotterdam"}, "lines": [{"qty": 3}, {"qty": 12, "remark": "x"}]}
    context = {"region": "US", "port_options": [{"label": "Rotterdam", "value": "NLRTM"},
                                                {"label": "New York", "value": "USNYC"}]}
    clean, errors = validate_submission(EVERYTHING, good, context)
    assert errors == {}
    assert clean == {"code": "AB", "amount": 12.5, "agree": True, "ports": ["NLRTM", "USNYC"],
                     "at": "2024-05-01T10:00:00+02:00", "slot": "09:30:00",
                     "address": {"city": "Rotterdam"},
                     "lines": [{"qty": 3}, {"qty": 12, "remark": "x"}]}

    bad = {"code": "ab", "amount": "1.234", "agree": False, "ports": ["XXX", "NLRTM", "NLRTM"],
           "at": "yesterday", "slot": "25:00", "address": {}, "vat": "",
           "lines": [{"qty": 11}, {"qty": 2.5}]}
    _, errors = validate_submission(EVERYTHING, bad, {**context, "region": "EU"})
    assert errors == {
        "code": ["String does not match expected pattern."],
        "amount": ["Must have at most 2 decimal digits."],
        "agree": [REQUIRED_MESSAGE],
        "ports": ["Values must be unique."],
        "ports.0": ["Must be one of: NLRTM, USNYC."],
        "at": ["Not a valid datetime."],
        "slot": ["Not a valid time."],
        "address.city": [REQUIRED_MESSAGE],
        "lines.0.remark": [REQUIRED_MESSAGE],
        "lines.1.qty": ["Not a valid integer."],
    }  # vat is hidden because agree is false


def test_group_path_is_created_when_missing_and_values_key_needs_options():
    _, errors = validate_submission(
        EVERYTHING, {"code": "AB", "agree": True, "ports": ["NLRTM"]})
    assert errors == {"address.city": [REQUIRED_MESSAGE], "ports.0": ["Not a valid choice."]}


def test_strict_types():
    form = _form({"type": "checkbox", "key": "ok"}, {"type": "number", "key": "n"},
                 {"type": "textfield", "key": "t"})
    assert validate_submission(form, {"ok": "true", "n": "5", "t": 5}) == ({}, {
        "ok": ["Not a valid boolean."], "n": ["Not a valid number."],
        "t": ["Not a valid string."]})
    assert validate_submission(form, {"ok": False, "n": 2, "t": "x"}) == (
        {"ok": False, "n": 2, "t": "x"}, {})
    assert validate_submission(form, {"n": float("nan")})[1] == {
        "n": ["Special numeric values (nan or infinity) are not permitted."]}


def test_dates_in_the_past_can_be_refused():
    form = _form({"type": "datetime", "key": "d", "subtype": "date",
                  "disallowPassedDates": True})
    yesterday, today = date.today() - timedelta(days=1), date.today()
    assert validate_submission(form, {"d": yesterday.isoformat()}) == (
        {}, {"d": ["Must not be in the past."]})
    assert validate_submission(form, {"d": today.isoformat()}) == ({"d": today.isoformat()}, {})


def test_invalid_definition_is_refused_at_validation_time():
    with pytest.raises(FormDefinitionError, match="unknown component type 'nope'"):
        validate_submission(_form({"type": "nope", "key": "x"}), {})


def test_built_schema_is_cached(review):
    forms._compile.cache_clear()
    for _ in range(3):
        validate_submission(review, {"decision": "approve"})
        to_json_schema(review)
    info = forms._compile.cache_info()
    assert (info.misses, info.hits) == (1, 5)
    validate_submission(copy.deepcopy(review), {"decision": "approve"})
    assert forms._compile.cache_info().misses == 1


@pytest.mark.parametrize("data", [
    {"decision": "approve"},
    {"decision": "approve", "score": 0},
    {"decision": "reject"},
    {"decision": "reject", "reason": ""},
    {"decision": "reject", "reason": "Late"},
    {"decision": "request_info", "reason": "x", "score": 100},
    {"decision": "maybe"},
    {"score": 50},
    {"decision": "approve", "score": 101},
    {"decision": "approve", "score": None},
    {"decision": None},
    {"decision": "approve", "other": 1},
])
def test_json_schema_and_server_agree_on_review(review, data):
    server_ok = validate_submission(review, data)[1] == {}
    assert Draft202012Validator(to_json_schema(review)).is_valid(data) is server_ok


# --- resolved for the task's data, dynamic list rules (issue 10) ----------------------


@pytest.mark.parametrize("expr", [
    '=region != "EU" or agree = false', '=not(region = "EU") and agree', "=agree and limit > 3",
    '=region = "EU" or limit = null', "=not(limit > 3 or agree)", "=limit >= 2"])
def test_bound_conditions_evaluate_like_the_whole(expr):
    node = parse_condition(expr)
    for context in ({}, {"region": "EU"}, {"region": "US", "limit": 5}, {"limit": "x"}):
        bound = bind_condition(node, {"agree"}, context)
        for data in ({}, {"agree": True}, {"agree": False}, {"agree": None}):
            assert evaluate(bound, data) == evaluate(node, {**context, **data}), (context, data)


def test_condition_schema_sees_the_default_of_a_name_left_out():
    node = parse_condition('=decision = "approve"')
    for default in ("approve", "reject"):
        schema = Draft202012Validator(condition_schema(node, {"decision"}, True,
                                                       {"decision": default}))
        assert schema.is_valid({}) is (default == "approve")
        assert schema.is_valid({"decision": "approve"}) and not schema.is_valid(
            {"decision": "reject"})


VAT = _form(
    {"type": "radio", "key": "agree", "values": [{"label": "Y", "value": "y"}],
     "validate": {"required": True}},
    {"type": "group", "path": "tax", "components": [
        {"type": "textfield", "key": "vat", "validate": {"required": True},
         "conditional": {"hide": '=region != "EU"'}},
        {"type": "textfield", "key": "ein", "validate": {"required": True},
         "conditional": {"hide": '=region != "US" or agree = "n"'}}]})


def test_schema_resolved_for_the_task_data():
    unresolved = to_json_schema(VAT)
    assert set(unresolved["properties"]["tax"]["properties"]) == {"vat", "ein"}
    assert unresolved["properties"]["tax"]["required"] == []
    eu = to_json_schema(VAT, {"region": "EU"})
    tax = eu["properties"]["tax"]
    assert list(tax["properties"]) == ["vat"] and tax["required"] == ["vat"]
    assert "x-hide" not in tax["properties"]["vat"] and eu["required"] == ["agree", "tax"]
    assert tax["properties"]["vat"]["type"] == "string"  # required: not nullable
    us = to_json_schema(VAT, {"region": "US"})["properties"]["tax"]
    # `agree` is an answer outside the group, which JSON Schema cannot look at from inside
    # it: the schema asks for the field (the server drops it when it is hidden)
    assert list(us["properties"]) == ["ein"] and us["required"] == []
    assert us["properties"]["ein"]["x-hide"] == '=region != "US" or agree = "n"'
    assert us["allOf"] == [{"required": ["ein"], "properties": {"ein": {
        "type": "string", "minLength": 1, "not": {"pattern": r"^\s*$"}}}}]
    nowhere = to_json_schema(VAT, {"region": "CN"})
    assert nowhere["properties"]["tax"]["properties"] == {}
    assert nowhere["required"] == ["agree"]
    for context, data, ok in (({"region": "EU"}, {"agree": "y", "tax": {}}, False),
                              ({"region": "EU"}, {"agree": "y", "tax": {"vat": "NL1"}}, True),
                              ({"region": "CN"}, {"agree": "y", "tax": None}, True)):
        assert Draft202012Validator(to_json_schema(VAT, context)).is_valid(data) is ok
        assert (validate_submission(VAT, data, context)[1] == {}) is ok


def test_values_key_options_are_listed_when_resolved():
    form = _form({"type": "select", "key": "port", "valuesKey": "ports"})
    context = {"ports": [{"label": "Rotterdam", "value": "NLRTM"}, "USNYC"]}
    assert to_json_schema(form, context)["properties"]["port"]["enum"] == [
        "NLRTM", "USNYC", None]
    assert "enum" not in to_json_schema(form)["properties"]["port"]


CONTACTS = _form({"type": "dynamiclist", "path": "contacts", "validate": {
    "required": True, "minItems": 2, "maxItems": 3, "contains": "=officer = true",
    "containsMessage": "One contact must be the officer."}, "components": [
        {"type": "textfield", "key": "name", "validate": {"required": True}},
        {"type": "checkbox", "key": "officer"}]})


def test_dynamic_list_rules_on_both_sides():
    schema = to_json_schema(CONTACTS)
    contacts = schema["properties"]["contacts"]
    assert schema["required"] == ["contacts"]
    assert (contacts["minItems"], contacts["maxItems"]) == (2, 3)
    assert contacts["contains"] == {"required": ["officer"],
                                    "properties": {"officer": {"const": True}}}
    validator = Draft202012Validator(schema)
    officer, other = {"name": "Ann", "officer": True}, {"name": "Bo", "officer": None}
    cases = [([officer, other], {}),
             ([officer], {"contacts": ["At least 2 entries are needed."]}),
             ([officer, other, other, other], {"contacts": ["At most 3 entries are allowed."]}),
             ([other, other], {"contacts": ["One contact must be the officer."]}),
             ([], {"contacts": [REQUIRED_MESSAGE]}),
             (None, {"contacts": [REQUIRED_MESSAGE]})]
    for items, errors in cases:
        assert validate_submission(CONTACTS, {"contacts": items})[1] == errors, items
        assert validator.is_valid({"contacts": items}) is (errors == {}), items


def test_dynamic_list_rules_are_checked_when_deployed():
    bad = _form({"type": "dynamiclist", "path": "xs", "validate": {
        "minItems": 3, "maxItems": 1, "contains": "officer", "containsMessage": 5,
        "size": 2}, "components": []})
    assert _problems(bad) == [
        "components[0] (xs): unknown validate rule(s) for a dynamic list: size",
        "components[0] (xs): validate.minItems is greater than validate.maxItems",
        "components[0] (xs): validate.contains must be an expression starting with '='",
        "components[0] (xs): validate.containsMessage must be a string"]


@pytest.mark.parametrize("email, ok", [
    ("dana@acme.test", True), ("a.b+c@x-y.example.org", True), ("a..b@x.io", False),
    ("a@b.c", False), ("a@b.cc\n", False), ("user@localhost", False), ("@x.io", False)])
def test_email_is_one_pattern_for_the_server_and_the_schema(email, ok):
    form = _form({"type": "textfield", "key": "email",
                  "validate": {"required": True, "validationType": "email"}})
    assert (validate_submission(form, {"email": email})[1] == {}) is ok
    assert Draft202012Validator(to_json_schema(form)).is_valid({"email": email}) is ok


def test_a_date_that_must_not_be_past_is_refused_by_schema_and_server_alike():
    from datetime import date, timedelta

    from jsonschema import Draft202012Validator

    form = {"type": "default", "components": [{
        "type": "datetime", "subtype": "date", "key": "visit", "dateLabel": "Visit",
        "disallowPassedDates": True, "validate": {"required": True}}]}
    schema = Draft202012Validator(to_json_schema(form))
    for offset, ok in ((-400, False), (-1, False), (0, True), (1, True), (40, True),
                       (400, True)):
        day = (date.today() + timedelta(days=offset)).isoformat()
        assert schema.is_valid({"visit": day}) is ok, day
        assert (validate_submission(form, {"visit": day})[1] == {}) is ok, day

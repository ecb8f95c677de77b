"""The form's JSON Schema is the contract (issue 10), checked with generated data.

For every form in forms/ (expanded for the entity types that change it) and representative
task data: whatever the resolved schema accepts the server accepts (`validate_submission`,
and for the forms submit_application reads, the company profile record it makes), and
data near valid data (one value changed, dropped or added) is accepted by both or by neither.
Data drawn from the unresolved schema (fields of other entity types, conditions open) is
accepted by the server whenever the resolved schema accepts it.
"""
import copy
import html
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator
from lxml import etree

from app.engine.sandbox import SandboxedEnvironment
from app.models import Case, Company
from app.models.user import ENTITY_TYPES
from app.services.forms.conditions import Var, parse_condition
from app.services.forms.definition import FormField, compiled_form
from app.services.forms.schema import to_json_schema
from app.services.forms.validation import validate_submission
from app.services.membership.catalogue import (
    SAMPLE_CATALOGUE,
    expand_form,
    import_catalogue,
    read_rows,
)
from app.services.runtime.state import runtime

ROOT = Path(__file__).resolve().parents[2]
FORMS = {path.stem: json.loads(path.read_text()) for path in sorted((ROOT / "forms").glob(
    "*.form"))}
#: the entity types the sample catalogue has criteria for, and one without (empty
#: questionnaires)
GENERATED_FOR = ["importer", "foreign_manufacturer", "highway_carrier_us_mexico",
                 "customs_broker"]
#: examples per form and entity type (fewer for the profile, checked for all 13 types, and
#: for 90-criteria questionnaires, which take a while to generate)
EXAMPLES = {"company_profile": 3, "large": 2, "other": 10}
LARGE = 20_000
FORMAT = Draft202012Validator.FORMAT_CHECKER


def _generated(form: dict[str, Any]) -> bool:
    return any(isinstance(c.get("properties"), dict) and c["properties"].get("questionnaire")
               for c in form["components"])


def _cases() -> list[tuple[str, str]]:
    cases = []
    for key, form in FORMS.items():
        if key == "company_profile":  # identifiers by entity type
            cases += [(key, entity_type) for entity_type in ENTITY_TYPES]
        elif _generated(form):
            cases += [(key, entity_type) for entity_type in GENERATED_FOR]
        else:
            cases.append((key, "importer"))
    return cases


@lru_cache(maxsize=64)
def _strategy(schema_text: str) -> st.SearchStrategy:
    return from_schema(json.loads(schema_text))


def strategy(schema: dict[str, Any]) -> st.SearchStrategy:
    return _strategy(json.dumps(schema, sort_keys=True))


@pytest.fixture
def expanded(app):
    """`expanded(form_key, entity_type)` -> the form as the case's company gets it."""
    import_catalogue(None, read_rows(SAMPLE_CATALOGUE))

    def expand(form_key: str, entity_type: str) -> dict[str, Any]:
        case = Case(company=Company(legal_name="Example", entity_type=entity_type))
        return expand_form(copy.deepcopy(FORMS[form_key]), case)

    return expand


# --- the record the company profile becomes -------------------------------------------


def _script(process_file: str, element_id: str) -> str:
    root = etree.parse(str(ROOT / "bpmn" / process_file)).getroot()
    node = root.find(f".//{{*}}scriptTask[@id='{element_id}']")
    return html.unescape(node.findtext("{*}script"))


SUBMIT_APPLICATION = _script("stage_portal_application.bpmn", "submit_application")
#: what the other form submit_application reads gave (risk_cargo_flow, company_profile)
EARLIER = {"risk_cargo_flow": {"partners": [
    {"name": "Shenzhen Widgets", "role": "supplier", "country": None,
     "security_program": "aeo", "program_number": "AEO1", "screened": "yes"}]},
    "company_profile": {
    "company": {"trade_name": None, "ownership_type": "llc", "business_start_date": "2004-05-01",
                "employee_count": 120},
    "identifiers": {"ior": "12-3456789", "bond": "CB-2024-0001"},
    "address": {"line1": "1 Harbor Way", "city": "Long Beach", "country": "US"},
    "officers": [{"name": "Dana", "title": "COO", "email": "dana@acme.test"}],
    "facilities": [{"name": "DC", "kind": "warehouse", "line1": "5 Inland Rd",
                    "city": "Ontario", "postal_code": None, "country": "US"}],
    "contacts": [{"name": "Dana", "email": "dana@acme.test", "is_officer": True},
                 {"name": "Sam", "email": "sam@acme.test"}],
    "agreement": {"officer_name": "Dana", "officer_title": "COO", "agreement_signed": True}}}


def record_problems(form_key: str, clean: dict[str, Any],
                    context: dict[str, Any]) -> list[str]:
    """Run submit_application on the cleaned answers (and the other form's); what the
    company profile record refuses of them."""
    emitted: list[tuple[str, dict[str, Any]]] = []
    environment = SandboxedEnvironment(
        {"SAFEPORT_PROFILE_COMPLETION_PERIOD": "P60D", "SAFEPORT_CERTIFICATION_TARGET": "P90D"},
        {"emit": lambda kind, **values: emitted.append((kind, values))})
    other = next(key for key in EARLIER if key != form_key)
    environment.execute(SUBMIT_APPLICATION, {**context, **EARLIER[other], **clean})
    problems = []
    for kind, values in emitted:
        try:
            runtime().effects.check(kind, values)
        except ValueError as err:
            problems.append(str(err))
    return problems


def server_problems(form_key: str, form: dict[str, Any], value: Any,
                    context: dict[str, Any]) -> dict[str, Any]:
    clean, errors = validate_submission(form, value, context)
    if not errors and form_key in EARLIER:
        problems = record_problems(form_key, clean, context)
        assert not problems, f"the form accepts what the profile record refuses: {problems}"
    return errors


def dropped(form: dict[str, Any], value: Any, context: dict[str, Any], spot: tuple) -> bool:
    """Whether the server leaves out what is at `spot` (hidden or disabled)."""
    clean = validate_submission(form, value, context)[0]
    for part in spot:
        if isinstance(clean, dict) and part not in clean:
            return True
        clean = clean[part]
    return False


# --- near misses ------------------------------------------------------------------------


def _spots(value: Any, path: tuple = ()) -> list[tuple]:
    """Every place in a value: its own path and those of everything inside it."""
    spots = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            spots += _spots(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            spots += _spots(item, (*path, index))
    return spots


REPLACEMENTS = [None, "", "   ", "x", "2024-02-30", "not-an-email@", "12-3456789", "AB",
                "x@example.com", 7, -1, 2.5, True, False, [], {}, ["x", "x"]]
#: near misses tried on each valid value at most (a strided selection beyond)
NEAR_MISSES = {"large": 30, "other": 150}


def boundaries(form: dict[str, Any]) -> list[Any]:
    """Values at the edges of the form's limits: texts of the longest and shortest allowed
    length and one past it, numbers just outside their range."""
    found: list[Any] = []
    for f in _walk(compiled_form(form).fields):
        rules = f.validate
        for name in ("maxLength", "minLength"):
            if isinstance(rules.get(name), int):
                past = rules[name] + (1 if name == "maxLength" else -1)
                found += ["x" * rules[name], "x" * past, " " * past]
        found += [rules[name] + step for name, step in (("min", -1), ("max", 1))
                  if isinstance(rules.get(name), int | float) and f.type == "number"]
    return list(dict.fromkeys(found))


def _walk(found: list[FormField]) -> list[FormField]:
    return [x for f in found for x in (f, *_walk(f.children))]


def near_misses(value: Any, replacements: list[Any]) -> list[tuple[tuple, str, Any]]:
    """Every single change to `value`: (where, drop / add / replace, replacement); a text
    also gets a newline at its end (`$` in a pattern must not let it through)."""
    changes: list[tuple[tuple, str, Any]] = [((), "add", None)]
    for spot in _spots(value)[1:]:
        changes += [(spot, "drop", None), (spot, "add", None)]
        changes += [(spot, "replace", replacement) for replacement in replacements]
        text = _at(value, spot)
        if isinstance(text, str):
            changes.append((spot, "replace", text + "\n"))
    return changes


def _at(value: Any, spot: tuple) -> Any:
    for part in spot:
        value = value[part]
    return value


def mutate(value: Any, path: tuple, how: str, replacement: Any) -> Any:
    """`value` with one change at `path`: drop it, replace it, or add an unknown key."""
    value = copy.deepcopy(value)
    if not path:
        return {**value, "zz_unknown": 1} if isinstance(value, dict) else replacement
    parent = value
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if how == "drop":
        del parent[last]
    elif how == "add" and isinstance(parent[last], dict):
        parent[last]["zz_unknown"] = 1
    elif how == "add" and isinstance(parent[last], list) and parent[last]:
        parent[last].append(copy.deepcopy(parent[last][0]))
    else:
        parent[last] = replacement
    return value


# --- the properties ---------------------------------------------------------------------


def _answers_in_conditions(form: dict[str, Any]) -> bool:
    """Whether the form's conditions read its own answers (then earlier answers in the task
    data are what a condition sees for one left out)."""
    fields = compiled_form(form).fields
    names = {node.path[0] for f in fields for expr in f.hides
             for node in _names(parse_condition(expr))}
    return bool(names & {f.key for f in fields})


def _names(node: Any) -> list[Var]:
    if isinstance(node, Var):
        return [node]
    children = [getattr(node, name) for name in ("operand", "left", "right")
                if hasattr(node, name)] + list(getattr(node, "operands", ()))
    return [found for child in children for found in _names(child)]


#: task data a form's options come from (`valuesKey`), as the process sets it
TASK_DATA = {"specialist_review": {"review_outcomes": [
    {"label": "Approve", "value": "approve",
     "unavailable": "2.1 is a Must criterion answered as not met; ask for information or reject"},
    {"label": "Request more information", "value": "request_info"},
    {"label": "Reject", "value": "reject"}]}}


@pytest.mark.parametrize("form_key, entity_type", _cases())
def test_schema_and_server_agree(expanded, form_key, entity_type):
    form = expanded(form_key, entity_type)
    base = {"case_id": 1, "company_id": 1, "entity_type": entity_type,
            **TASK_DATA.get(form_key, {})}
    resolved, unresolved = to_json_schema(form, base), to_json_schema(form)
    Draft202012Validator.check_schema(resolved)
    size = "large" if len(json.dumps(resolved)) > LARGE else "other"
    # the task's data: the case's, and answers from an earlier round of the same form
    earlier = strategy(resolved) if _answers_in_conditions(form) else st.nothing()

    replacements = REPLACEMENTS + boundaries(form)

    @settings(max_examples=EXAMPLES.get(form_key, EXAMPLES[size]), deadline=None,
              derandomize=True, database=None, suppress_health_check=list(HealthCheck),
              phases=(Phase.explicit, Phase.generate))  # shrinking these takes minutes
    @given(previous=st.one_of(st.just({}), earlier), data=st.data())
    def agree(previous, data):
        context = {**base, **previous}
        schema = to_json_schema(form, context)
        accepts = Draft202012Validator(schema, format_checker=FORMAT).is_valid
        value = data.draw(strategy(schema), label="valid")
        assert server_problems(form_key, form, value, context) == {}
        changes = near_misses(value, replacements)
        stride = -(-len(changes) // NEAR_MISSES[size])
        start = data.draw(st.integers(0, stride - 1), label="first near miss")
        for spot, how, replacement in changes[start::stride]:
            near = mutate(value, spot, how, replacement)
            server_ok = server_problems(form_key, form, near, context) == {}
            if accepts(near) != server_ok:
                # the one difference: a value the server drops unread (its field is hidden
                # by the answers, or disabled) is still checked by the schema
                assert server_ok and dropped(form, near, context, spot), (near, server_ok)
                assert accepts(mutate(near, spot, "drop", None)), near
        if unresolved != resolved:  # fields of other entity types, conditions left open
            loose = data.draw(strategy(unresolved), label="unresolved")
            if accepts(loose):
                assert server_problems(form_key, form, loose, context) == {}

    agree()

"""JSON Schema (2020-12) of the data a form-js form accepts, for API clients.

The server's own validation (`validation.validate_submission`) stays the authority; this schema
describes the same rules so a generic client can render and pre-check a form.
"""
from __future__ import annotations

from typing import Any

from app.services.forms.conditions import BoolOp, condition_schema, parse_condition
from app.services.forms.definition import (
    BLANK_PATTERN,
    CHOICE_TYPES,
    DATETIME_FORMATS,
    JSON_SCHEMA_DRAFT,
    MULTI_TYPES,
    PHONE_PATTERN,
    TEXT_TYPES,
    FormField,
    compiled_form,
)


def _hide_node(hides: tuple[str, ...]) -> Any:
    nodes = tuple(parse_condition(expr) for expr in hides)
    return nodes[0] if len(nodes) == 1 else BoolOp("or", nodes)


def _hide_text(hides: tuple[str, ...]) -> str:
    if len(hides) == 1:
        return hides[0]
    return "=" + " or ".join(f"({expr[1:].strip()})" for expr in hides)


def to_json_schema(form: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema (2020-12) describing the data `form` accepts."""
    schema: dict[str, Any] = {"$schema": JSON_SCHEMA_DRAFT}
    if isinstance(form.get("id"), str):
        schema["title"] = form["id"]
    schema.update(_object_schema(compiled_form(form).fields))
    return schema


def _object_schema(found: list[FormField]) -> dict[str, Any]:
    names = {f.key for f in found}
    props: dict[str, Any] = {}
    required: list[str] = []
    rules: list[dict[str, Any]] = []
    for f in found:
        props[f.key] = _property_schema(f)
        if f.hides:
            props[f.key]["x-hide"] = _hide_text(f.hides)
        if f.always_required:
            required.append(f.key)
        elif f.required:
            condition = condition_schema(_hide_node(f.hides), names)
            if condition is not None:
                rules.append({"if": condition, "else": {
                    "required": [f.key], "properties": {f.key: _non_empty(f)}}})
    schema = {"type": "object", "properties": props, "required": required,
              "additionalProperties": False}
    if rules:
        schema["allOf"] = rules
    return schema


def _property_schema(f: FormField) -> dict[str, Any]:
    spec, rules = f.spec, f.validate
    s: dict[str, Any]
    if f.type in TEXT_TYPES:
        s = _text_schema(rules, f.always_required)
    elif f.type == "number":
        s = {"type": "integer" if spec.get("decimalDigits") == 0 else "number"}
        s.update({kw: rules[name] for name, kw in (("min", "minimum"), ("max", "maximum"))
                  if rules.get(name) is not None})
        if spec.get("serializeToString") is True:
            s = {"anyOf": [s, {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}]}
    elif f.type == "checkbox":
        s = {"type": "boolean"}
    elif f.type in CHOICE_TYPES:
        s = {"type": "string"}
        if "valuesKey" not in spec:
            s["enum"] = [option["value"] for option in spec["values"]]
        if f.type in MULTI_TYPES:
            s = {"type": "array", "items": s, "uniqueItems": True}
        if "valuesKey" in spec:  # options come from the task data
            s["x-valuesKey"] = spec["valuesKey"]
    elif f.type == "datetime":
        s = {"type": "string", "format": DATETIME_FORMATS[spec.get("subtype", "date")]}
    elif f.type == "group":
        s = _object_schema(f.children)
    else:  # dynamiclist
        s = {"type": "array", "items": _object_schema(f.children)}
    if f.always_required and f.type in MULTI_TYPES:
        s["minItems"] = 1
    elif f.always_required and f.type == "checkbox":
        s["const"] = True
    elif not f.always_required and f.type not in ("group", "dynamiclist"):
        s = _nullable(s)
    title = spec.get("label") or spec.get("dateLabel")
    if isinstance(title, str) and title:
        s["title"] = title
    for source, target in (("description", "description"), ("defaultValue", "default")):
        if source in spec:
            s[target] = spec[source]
    if spec.get("readonly") is True or f.disabled:
        s["readOnly"] = True
    return s


def _text_schema(rules: dict[str, Any], strict: bool) -> dict[str, Any]:
    s: dict[str, Any] = {"type": "string"}
    if rules.get("maxLength") is not None:
        s["maxLength"] = rules["maxLength"]
    checks: dict[str, Any] = {}
    if rules.get("minLength") is not None:
        checks["minLength"] = rules["minLength"]
    if rules.get("pattern"):
        checks["pattern"] = rules["pattern"]
    if rules.get("validationType") == "email":
        checks["format"] = "email"
    elif rules.get("validationType") == "phone" and "pattern" in checks:
        checks["allOf"] = [{"pattern": PHONE_PATTERN}]
    elif rules.get("validationType") == "phone":
        checks["pattern"] = PHONE_PATTERN
    if strict:
        s.update(checks)
        s["minLength"] = max(1, s.get("minLength", 0))
        s["not"] = {"pattern": BLANK_PATTERN}
    elif checks:  # optional text may be left blank
        s["anyOf"] = [{"pattern": BLANK_PATTERN}, checks]
    return s


def _non_empty(f: FormField) -> dict[str, Any]:
    if f.type in TEXT_TYPES:
        return {"type": "string", "minLength": 1, "not": {"pattern": BLANK_PATTERN}}
    if f.type in MULTI_TYPES:
        return {"type": "array", "minItems": 1}
    if f.type == "checkbox":
        return {"const": True}
    return {"not": {"type": "null"}}


def _nullable(s: dict[str, Any]) -> dict[str, Any]:
    if "type" not in s:
        return {"anyOf": [s, {"type": "null"}]}
    s["type"] = [s["type"], "null"]
    if "enum" in s:
        s["enum"] = [*s["enum"], None]
    return s

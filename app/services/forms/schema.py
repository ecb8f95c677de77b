"""JSON Schema (2020-12) of the data a form-js form accepts, for API clients.

The server's own validation (`validation.validate_submission`) stays the authority; this schema
describes the same rules so a generic client can render and pre-check a form.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from app.services.forms.conditions import (
    BoolOp,
    Lit,
    Node,
    bind_condition,
    condition_schema,
    parse_condition,
)
from app.services.forms.dates import earliest_date
from app.services.forms.definition import (
    BLANK_PATTERN,
    CHOICE_TYPES,
    DATETIME_FORMATS,
    EMAIL_PATTERN,
    JSON_SCHEMA_DRAFT,
    MULTI_TYPES,
    PHONE_PATTERN,
    TEXT_TYPES,
    FormField,
    compiled_form,
    portable_pattern,
)
from app.services.forms.validation import unavailable_options


@dataclass(frozen=True)
class _Scope:
    """Where an object's fields are described: the task data to resolve conditions on (None:
    describe them unresolved) and the keys of the enclosing objects (data the client sends)."""

    context: dict[str, Any] | None
    outer: frozenset[str] = frozenset()
    today: date | None = None  # the reader's calendar day (None: the server's)

    def inside(self, names: set[str]) -> _Scope:
        return _Scope(self.context, self.outer | names, self.today)

    def defaults(self, names: set[str]) -> dict[str, Any]:
        """What a condition sees for a key the client leaves out: its value in the task data."""
        if self.context is None:
            return {}
        return {name: self.context[name] for name in names if name in self.context}

    def open(self, hides: tuple[str, ...], names: set[str]) -> tuple[Node, ...] | None:
        """The hide conditions still undecided (None: the field is hidden)."""
        nodes = tuple(parse_condition(expr) for expr in hides)
        if self.context is None:
            return nodes
        undecided = []
        for node in nodes:
            node = bind_condition(node, self.outer | names, self.context)
            if isinstance(node, Lit) and node.value is True:
                return None
            if not isinstance(node, Lit):
                undecided.append(node)
        return tuple(undecided)

    def rule(self, node: Node, names: set[str], truth: bool = True) -> Any:
        """A condition on an object with keys `names` as JSON Schema (None: not expressible)."""
        local = names - self.outer
        return condition_schema(node, local, truth, self.defaults(local))


def _hide_text(hides: tuple[str, ...]) -> str:
    if len(hides) == 1:
        return hides[0]
    return "=" + " or ".join(f"({expr[1:].strip()})" for expr in hides)


def to_json_schema(form: dict[str, Any], context: dict[str, Any] | None = None, *,
                   today: date | None = None) -> dict[str, Any]:
    """A JSON Schema (2020-12) describing the data `form` accepts.

    With `context` (the task's data) the schema is resolved for it, as `validate_submission`
    sees it: conditions on the context are decided (hidden fields are left out, the others
    are required when the form requires them) and options named by `valuesKey` are listed.
    Conditions on the submitted data stay as `if`/`else` rules; one JSON Schema cannot say (on
    an answer outside the field's group) makes the field required. A date that must not be
    past (`disallowPassedDates`: before `today`, the reader's day, default the server's) or
    precede the task-data dates its `notBefore` names gets a pattern of the dates from the
    latest bound on. Not said: a list's
    `contains` on answers outside the list.
    """
    schema: dict[str, Any] = {"$schema": JSON_SCHEMA_DRAFT}
    if isinstance(form.get("id"), str):
        schema["title"] = form["id"]
    schema.update(_object_schema(compiled_form(form).fields, _Scope(context, today=today)))
    return schema


def _object_schema(found: list[FormField], scope: _Scope) -> dict[str, Any]:
    names = {f.key for f in found}
    inner = scope.inside(names)
    props: dict[str, Any] = {}
    required: list[str] = []
    rules: list[dict[str, Any]] = []
    for f in found:
        conditions = scope.open(f.hides, names)
        if conditions is None:
            continue  # hidden for this task's data
        children = _object_schema(f.children, inner) if f.type == "group" else None
        # the server checks a missing group as {}: needed when that can fail
        needed = (bool(children["required"] or children.get("allOf"))
                  if children is not None else f.required)
        props[f.key] = _property_schema(f, inner, needed and not conditions, children)
        if conditions:
            props[f.key]["x-hide"] = _hide_text(f.hides)
        if f.type == "dynamiclist" and f.validate.get("every"):
            rules += _every_rule(f, scope, names, props[f.key])
        if needed and not conditions:
            required.append(f.key)
        elif needed:
            hide = conditions[0] if len(conditions) == 1 else BoolOp("or", conditions)
            condition = scope.rule(hide, names)
            needs = {"required": [f.key], "properties": {f.key: _non_empty(f)}}
            if condition is not None:
                rules.append({"if": condition, "else": needs})
            elif scope.context is not None:  # undecidable here: ask for it (dropped if hidden)
                rules.append(needs)
    schema = {"type": "object", "properties": props, "required": required,
              "additionalProperties": False}
    if rules:
        schema["allOf"] = rules
    return schema


def _property_schema(f: FormField, scope: _Scope, always: bool,
                     children: dict[str, Any] | None) -> dict[str, Any]:
    """The schema of one field; `always`: required whatever the data (not only when shown)."""
    spec, rules = f.spec, f.validate
    s: dict[str, Any]
    if f.type in TEXT_TYPES:
        s = _text_schema(rules, always)
    elif f.type == "number":
        s = {"type": "integer" if spec.get("decimalDigits") == 0 else "number"}
        s.update({kw: rules[name] for name, kw in (("min", "minimum"), ("max", "maximum"))
                  if rules.get(name) is not None})
        if spec.get("serializeToString") is True:
            s = {"anyOf": [s, {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}]}
    elif f.type == "checkbox":
        s = {"type": "boolean"}
    elif f.type in CHOICE_TYPES:
        s = _choice_schema(f, scope)
    elif f.type == "datetime":
        s = {"type": "string", "format": DATETIME_FORMATS[spec.get("subtype", "date")]}
        s.update(_date_bounds(f, scope))
    elif f.type == "group":
        s = children or {}
    else:
        s = _list_schema(f, scope, always)
    if always and f.type in MULTI_TYPES:
        s["minItems"] = 1
    elif always and f.type == "checkbox":
        s["const"] = True
    elif not always:  # null is "not answered" (a group then counts as empty)
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


def _choice_schema(f: FormField, scope: _Scope) -> dict[str, Any]:
    spec = f.spec
    s: dict[str, Any] = {"type": "string"}
    if "valuesKey" not in spec:
        s["enum"] = [option["value"] for option in spec["values"]]
    elif scope.context is not None and isinstance(scope.context.get(spec["valuesKey"]), list):
        given = scope.context[spec["valuesKey"]]
        refused = unavailable_options(given)
        options = [o.get("value") if isinstance(o, dict) else o for o in given]
        s["enum"] = [o for o in options if isinstance(o, str) and o not in refused]
        if refused:  # shown, but not to be chosen now, and why
            s["x-unavailable"] = refused
    elif scope.context is not None:  # resolved, but the task data has no options: none fit
        s["enum"] = []
    if f.type in MULTI_TYPES:
        s = {"type": "array", "items": s, "uniqueItems": True}
    if "valuesKey" in spec:  # options come from the task data
        s["x-valuesKey"] = spec["valuesKey"]
    return s


def _list_schema(f: FormField, scope: _Scope, always: bool) -> dict[str, Any]:
    """A dynamic list: its entries, how many (`required`: at least one), and `contains`."""
    rules = f.validate
    s: dict[str, Any] = {"type": "array", "items": _object_schema(f.children, scope)}
    least = max(rules.get("minItems") or 0, 1 if always else 0)
    if least:
        s["minItems"] = least
    if rules.get("maxItems") is not None:
        s["maxItems"] = rules["maxItems"]
    if rules.get("contains"):
        names = {child.key for child in f.children}
        node = parse_condition(rules["contains"])
        if scope.context is not None:
            node = bind_condition(node, scope.outer | names, scope.context)
        contains = scope.rule(node, names)
        if contains is not None:
            s["contains"] = contains
        s["x-contains"] = rules["contains"]
        if rules.get("containsMessage"):
            s["x-containsMessage"] = rules["containsMessage"]
    return s


def _every_rule(f: FormField, scope: _Scope, names: set[str],
                list_schema: dict[str, Any]) -> list[dict[str, Any]]:
    """A list's `every` rule: its entries' schema when `everyWhen` (on the answers around
    the list) holds, or always; nothing when that condition cannot be said here."""
    item = list_schema["items"] if "items" in list_schema else list_schema["anyOf"][0]["items"]
    entry = scope.inside(names)
    node = parse_condition(f.validate["every"])
    if scope.context is not None:
        node = bind_condition(node, entry.outer | set(item["properties"]), scope.context)
    each = entry.rule(node, set(item["properties"]))
    if each is None:
        return []
    then = {"properties": {f.key: {"items": each}}}
    if not f.validate.get("everyWhen"):
        return [then]
    when = parse_condition(f.validate["everyWhen"])
    if scope.context is not None:
        when = bind_condition(when, scope.outer | names, scope.context)
        if isinstance(when, Lit):
            return [then] if when.value is True else []
    condition = scope.rule(when, names)
    return [] if condition is None else [{"if": condition, "then": then}]


def _text_schema(rules: dict[str, Any], strict: bool) -> dict[str, Any]:
    s: dict[str, Any] = {"type": "string"}
    if rules.get("maxLength") is not None:
        s["maxLength"] = rules["maxLength"]
    checks: dict[str, Any] = {}
    if rules.get("minLength") is not None:
        checks["minLength"] = rules["minLength"]
    if rules.get("pattern"):
        checks["pattern"] = portable_pattern(rules["pattern"])
    kind = {"email": EMAIL_PATTERN, "phone": PHONE_PATTERN}.get(rules.get("validationType"))
    if kind and "pattern" in checks:
        checks["allOf"] = [{"pattern": kind}]
    elif kind:
        checks["pattern"] = kind
    if rules.get("validationType") == "email":
        checks["format"] = "email"
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
    if f.type == "dynamiclist":
        return {"type": "array", "minItems": max(1, f.validate.get("minItems") or 0)}
    return {"not": {"type": "null"}}


def _nullable(s: dict[str, Any]) -> dict[str, Any]:
    if "type" not in s:
        return {"anyOf": [s, {"type": "null"}]}
    s["type"] = [s["type"], "null"]
    if "enum" in s:
        s["enum"] = [*s["enum"], None]
    return s


def _date_bounds(f: FormField, scope: _Scope) -> dict[str, Any]:
    """A date from today on (`disallowPassedDates`) and not before the task-data dates its
    `notBefore` names: one pattern of the dates from the latest bound on."""
    if f.spec.get("subtype", "date") != "date":
        return {}
    bounds = [scope.today or date.today()] if f.spec.get("disallowPassedDates") is True else []
    if f.not_before and scope.context is None:
        return {"x-notBefore": list(f.not_before),
                **({"pattern": portable_pattern(not_before_pattern(bounds[0]))} if bounds
                   else {})}
    first = earliest_date(f, scope.context) if f.not_before else None
    if first is not None:
        bounds.append(first)
    if not bounds:
        return {}
    return {"pattern": portable_pattern(not_before_pattern(max(bounds)))}


_MONTH, _DAY = "(0[1-9]|1[0-2])", "(0[1-9]|[12][0-9]|3[01])"


def not_before_pattern(first: date) -> str:
    """A pattern for ISO dates (YYYY-MM-DD) on or after `first`: a later year, the same year
    and a later month, or the same month and a day from `first`'s on."""
    year = f"{first.year:04d}"
    later_years = [year[:i] + f"[{int(year[i]) + 1}-9]" + "[0-9]" * (3 - i)
                   for i in range(4) if year[i] != "9"]
    later_months = [f"{m:02d}" for m in range(first.month + 1, 13)]
    days = [f"{d:02d}" for d in range(first.day, 32)]
    options = [f"({'|'.join(later_years)})-{_MONTH}-{_DAY}"] if later_years else []
    if later_months:
        options.append(f"{year}-({'|'.join(later_months)})-{_DAY}")
    options.append(f"{year}-{first.month:02d}-({'|'.join(days)})")
    return "^(" + "|".join(options) + ")$"

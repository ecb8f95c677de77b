"""form-js form definitions: loading, structural checks, JSON Schema and server-side validation.

Forms are bpmn.io form-js schema files (``forms/<form_key>.form``). `validate_submission`
is the authority on submitted data; `to_json_schema` describes it for clients.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from app.services.form_conditions import (
    BoolOp,
    FormDefinitionError,
    condition_schema,
    evaluate_condition,
    parse_condition,
)

__all__ = ["FormDefinitionError", "evaluate_condition", "load_form", "parse_form",
           "to_json_schema", "validate_submission", "REQUIRED_MESSAGE"]

JSON_SCHEMA_DRAFT = "https://json-schema.org/draft/2020-12/schema"
REQUIRED_MESSAGE = "Missing data for required field."
PHONE_PATTERN = r"^(?:\+|00)[1-9][0-9]{6,14}$"
BLANK_PATTERN = r"^\s*$"

TEXT_TYPES = {"textfield", "textarea"}
CHOICE_TYPES = {"select", "radio", "checklist", "taglist"}
MULTI_TYPES = {"checklist", "taglist"}
INPUT_TYPES = TEXT_TYPES | CHOICE_TYPES | {"number", "checkbox", "datetime"}
PRESENTATION_TYPES = {"text", "html", "image", "separator", "spacer", "button", "table",
                      "iframe", "documentPreview"}
UNSUPPORTED_TYPES = {"expression", "filepicker", "multipage", "page"}
DATETIME_FORMATS = {"date": "date", "time": "time", "datetime": "date-time"}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
_FORM_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", re.ASCII)
_MISSING = object()


@dataclass(eq=False)
class _Field:
    """One data-bearing component: an input, a group with `path`, or a dynamic list."""

    key: str
    type: str
    spec: dict[str, Any]
    hides: tuple[str, ...] = ()  # own and enclosing path-less groups' hide expressions
    children: list[_Field] = field(default_factory=list)

    @property
    def validate(self) -> dict[str, Any]:
        rules = self.spec.get("validate")
        return rules if isinstance(rules, dict) else {}

    @property
    def disabled(self) -> bool:
        return self.spec.get("disabled") is True

    @property
    def required(self) -> bool:
        if self.type == "group":  # a group with `path` is needed when a child is
            return any(child.always_required for child in self.children)
        return self.validate.get("required") is True and not self.disabled

    @property
    def always_required(self) -> bool:
        return self.required and not self.hides


# --- structural checks -------------------------------------------------------------


class _Analyser:
    """Walks a form definition, collecting problems and the data-bearing fields."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def form(self, form: Any) -> list[_Field]:
        if not isinstance(form, dict):
            self.problems.append("the form must be a JSON object")
            return []
        if form.get("type", "default") != "default":
            self.problems.append(f"form type must be 'default', not {form.get('type')!r}")
        if not isinstance(form.get("components"), list):
            self.problems.append("the form needs a 'components' list")
            return []
        return self.scope(form["components"], "components")

    def scope(self, components: Any, where: str) -> list[_Field]:
        found: list[_Field] = []
        self.walk(components, where, (), found, {})
        return found

    def walk(self, components: Any, where: str, hides: tuple[str, ...],
             found: list[_Field], seen: dict[str, str]) -> None:
        if not isinstance(components, list):
            self.problems.append(f"{where}: must be a list of components")
            return
        for index, comp in enumerate(components):
            loc = f"{where}[{index}]"
            if not isinstance(comp, dict):
                self.problems.append(f"{loc}: a component must be an object")
                continue
            ident = comp.get("key") or comp.get("path") or comp.get("id")
            label = f"{loc} ({ident})" if isinstance(ident, str) else loc
            own = self.hide(comp, label)
            chain = hides + ((own,) if own else ())
            ctype = comp.get("type")
            children = comp.get("components", [])
            if ctype in PRESENTATION_TYPES:
                continue
            if ctype == "group" and not comp.get("path"):
                self.walk(children, f"{loc}.components", chain, found, seen)
            elif ctype in ("group", "dynamiclist"):
                if self.claim(comp.get("path"), "path", label, seen):
                    sub = self.scope(children, f"{loc}.components")
                    found.append(_Field(comp["path"], ctype, comp, chain, sub))
            elif ctype in INPUT_TYPES:
                self.check_input(comp, ctype, label)
                if self.claim(comp.get("key"), "key", label, seen):
                    found.append(_Field(comp["key"], ctype, comp, chain))
            elif ctype in UNSUPPORTED_TYPES:
                self.problems.append(f"{label}: component type {ctype!r} is not supported")
            else:
                self.problems.append(f"{label}: unknown component type {ctype!r}")

    def claim(self, name: Any, what: str, label: str, seen: dict[str, str]) -> bool:
        if not isinstance(name, str) or not name:
            self.problems.append(f"{label}: missing {what!r}")
            return False
        if not _NAME.fullmatch(name):
            self.problems.append(f"{label}: invalid {what} {name!r} (letters, digits and "
                                 "underscores only, not starting with a digit)")
            return False
        if name in seen:
            self.problems.append(f"{label}: duplicate key {name!r} (also used by {seen[name]})")
            return False
        seen[name] = label
        return True

    def hide(self, comp: dict[str, Any], label: str) -> str | None:
        cond = comp.get("conditional")
        if cond is None:
            return None
        hide = cond.get("hide") if isinstance(cond, dict) else _MISSING
        if hide is None or hide == "":
            return None
        if not isinstance(hide, str) or not hide.startswith("="):
            self.problems.append(f"{label}: conditional.hide must be an expression "
                                 "starting with '='")
            return None
        try:
            parse_condition(hide)
        except FormDefinitionError as err:
            self.problems.append(f"{label}: {err}")
            return None
        return hide

    def check_input(self, comp: dict[str, Any], ctype: str, label: str) -> None:
        rules = comp.get("validate", {})
        if not isinstance(rules, dict):
            self.problems.append(f"{label}: 'validate' must be an object")
            rules = {}
        if not isinstance(rules.get("required", False), bool):
            self.problems.append(f"{label}: validate.required must be true or false")
        if ctype in TEXT_TYPES:
            self.bounds(rules, ("minLength", "maxLength"), label, integer=True)
            pattern = rules.get("pattern")
            if pattern not in (None, ""):
                try:
                    re.compile(pattern)
                except (re.error, TypeError) as err:
                    self.problems.append(
                        f"{label}: invalid validate.pattern {pattern!r}: {err}")
            if rules.get("validationType") not in (None, "", "custom", "email", "phone"):
                self.problems.append(f"{label}: unknown validate.validationType "
                                     f"{rules['validationType']!r}")
        elif ctype == "number":
            self.bounds(rules, ("min", "max"), label, integer=False)
            digits = comp.get("decimalDigits")
            if digits is not None and not (type(digits) is int and digits >= 0):
                self.problems.append(f"{label}: decimalDigits must be a non-negative integer")
        elif ctype == "datetime" and comp.get("subtype", "date") not in DATETIME_FORMATS:
            self.problems.append(f"{label}: datetime subtype must be date, time or datetime")
        elif ctype in CHOICE_TYPES:
            self.choices(comp, label)

    def bounds(self, rules: dict[str, Any], names: tuple[str, str], label: str,
               integer: bool) -> None:
        values = []
        for name in names:
            value = rules.get(name)
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            if value is None or (ok and (not integer or (type(value) is int and value >= 0))):
                values.append(value)
                continue
            kind = "a non-negative integer" if integer else "a number"
            extra = " (FEEL expressions are not supported)" if isinstance(value, str) else ""
            self.problems.append(f"{label}: validate.{name} must be {kind}{extra}")
        if None not in values and len(values) == 2 and values[0] > values[1]:
            self.problems.append(f"{label}: validate.{names[0]} is greater than "
                                 f"validate.{names[1]}")

    def choices(self, comp: dict[str, Any], label: str) -> None:
        if "valuesExpression" in comp:
            self.problems.append(f"{label}: valuesExpression is not supported; "
                                 "use 'values' or 'valuesKey'")
        elif "valuesKey" in comp:
            key = comp["valuesKey"]
            if not (isinstance(key, str) and _NAME.fullmatch(key)):
                self.problems.append(f"{label}: invalid valuesKey {key!r}")
        else:
            values = comp.get("values")
            if not isinstance(values, list) or not values:
                self.problems.append(f"{label}: needs a non-empty 'values' list or a "
                                     "'valuesKey'")
                return
            seen: set[str] = set()
            for index, option in enumerate(values):
                value = option.get("value") if isinstance(option, dict) else None
                if not isinstance(value, str):
                    self.problems.append(f"{label}: values[{index}] needs a string 'value'")
                elif value in seen:
                    self.problems.append(f"{label}: duplicate value {value!r}")
                else:
                    seen.add(value)


def _analyse(form: Any, name: str | None) -> list[_Field]:
    analyser = _Analyser()
    found = analyser.form(form)
    if analyser.problems:
        raise FormDefinitionError(f"form {name!r} is invalid: " + "; ".join(analyser.problems),
                                  analyser.problems)
    return found


def parse_form(text: str, name: str) -> dict[str, Any]:
    """Parse a form-js definition and check its structure; raise FormDefinitionError."""
    try:
        form = json.loads(text)
    except (json.JSONDecodeError, TypeError) as err:
        raise FormDefinitionError(f"form {name!r} is not valid JSON: {err}") from None
    _analyse(form, name)
    return form


def load_form(forms_dir: str | Path, form_key: str) -> dict[str, Any]:
    """Read and check `<forms_dir>/<form_key>.form`."""
    if (not isinstance(form_key, str) or not _FORM_KEY.fullmatch(form_key)
            or ".." in form_key):
        raise FormDefinitionError(f"invalid form key {form_key!r}")
    path = Path(forms_dir) / f"{form_key}.form"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FormDefinitionError(f"form {form_key!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as err:
        raise FormDefinitionError(f"form {form_key!r} cannot be read: {err}") from None
    return parse_form(text, form_key)


@dataclass(frozen=True)
class _Compiled:
    fields: list[_Field]
    schema: type[Schema]


@lru_cache(maxsize=128)
def _compile(canonical: str) -> _Compiled:
    form = json.loads(canonical)
    found = _analyse(form, form.get("id") if isinstance(form, dict) else None)
    return _Compiled(found, _schema_class(found))


def _compiled(form: dict[str, Any]) -> _Compiled:
    return _compile(json.dumps(form, sort_keys=True, separators=(",", ":")))


def _hide_node(hides: tuple[str, ...]) -> Any:
    nodes = tuple(parse_condition(expr) for expr in hides)
    return nodes[0] if len(nodes) == 1 else BoolOp("or", nodes)


def _hide_text(hides: tuple[str, ...]) -> str:
    if len(hides) == 1:
        return hides[0]
    return "=" + " or ".join(f"({expr[1:].strip()})" for expr in hides)


# --- JSON Schema -------------------------------------------------------------------


def to_json_schema(form: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema (2020-12) describing the data `form` accepts."""
    schema: dict[str, Any] = {"$schema": JSON_SCHEMA_DRAFT}
    if isinstance(form.get("id"), str):
        schema["title"] = form["id"]
    schema.update(_object_schema(_compiled(form).fields))
    return schema


def _object_schema(found: list[_Field]) -> dict[str, Any]:
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


def _property_schema(f: _Field) -> dict[str, Any]:
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


def _non_empty(f: _Field) -> dict[str, Any]:
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


# --- server-side validation ---------------------------------------------------------


def validate_submission(form: dict[str, Any], data: dict[str, Any],
                        context: dict[str, Any] | None = None
                        ) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Validate submitted `data` against `form`: returns (clean_data, errors by field path).

    Conditions see `data` merged over `context` (the task data); `valuesKey` options come
    from `context` only. Hidden and disabled fields are not required and are dropped.
    On errors clean_data is {}; error keys are dotted paths such as "contacts.0.name".
    """
    compiled = _compiled(form)
    if not isinstance(data, dict):
        return {}, {"_schema": ["Invalid input type."]}
    context = dict(context or {})
    required: dict[str, list[str]] = {}
    choices: dict[str, list[str]] = {}
    prepared = _prepare(compiled.fields, data, context, "", context, required, choices)
    try:
        clean = compiled.schema().load(prepared)
        errors: dict[str, list[str]] = {}
    except ValidationError as err:
        clean, errors = {}, _flatten(err.messages)
    errors.update(required)  # one clear message for empty required fields
    for where, messages in choices.items():
        errors.setdefault(where, messages)
    if errors:
        return {}, errors
    return _jsonable(clean), {}


def _prepare(found: list[_Field], data: Any, env: dict[str, Any], path: str,
             context: dict[str, Any], required: dict[str, list[str]],
             choices: dict[str, list[str]]) -> Any:
    """Copy `data` without hidden or disabled fields, noting empty required ones and bad choices."""
    if not isinstance(data, dict):
        return data  # marshmallow reports the type error
    env = {**env, **data}
    out = dict(data)
    for f in found:
        if f.disabled or any(evaluate_condition(expr, env) for expr in f.hides):
            out.pop(f.key, None)
            continue
        where, value = path + f.key, out.get(f.key)
        if f.required and f.type != "group" and _is_empty(f, value):
            required[where] = [REQUIRED_MESSAGE]
        if f.type == "group":  # a missing group is checked as {}, reporting its children
            out[f.key] = _prepare(f.children, {} if value is None else value, env,
                                  where + ".", context, required, choices)
        elif f.type == "dynamiclist" and isinstance(value, list):
            out[f.key] = [_prepare(f.children, item, env, f"{where}.{index}.", context,
                                   required, choices) for index, item in enumerate(value)]
        elif "valuesKey" in f.spec and not _is_empty(f, value):
            choices.update(_check_options(f, value, context.get(f.spec["valuesKey"]), where))
    return out


def _is_empty(f: _Field, value: Any) -> bool:
    return (value is None or (isinstance(value, str) and not value.strip())
            or (isinstance(value, list) and not value)
            or (f.type == "checkbox" and value is False))


def _check_options(f: _Field, value: Any, options: Any, where: str) -> dict[str, list[str]]:
    """Check choices against options taken from the task data (`valuesKey`)."""
    allowed = None
    if isinstance(options, list):
        allowed = [o.get("value") if isinstance(o, dict) else o for o in options]
    multi = f.type in MULTI_TYPES
    items = value if multi else [value]
    problems: dict[str, list[str]] = {}
    for index, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, str) or (allowed is not None and item in allowed):
            continue  # type errors are marshmallow's to report
        message = ("Not a valid choice." if allowed is None
                   else f"Must be one of: {', '.join(map(str, allowed))}.")
        problems[f"{where}.{index}" if multi else where] = [message]
    return problems


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested error dict into {"a.0.b": [messages]}."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = prefix if key == "_schema" and prefix else ".".join(
                part for part in (prefix, str(key)) if part)
            for where, texts in _flatten(value, path).items():
                out.setdefault(where, []).extend(texts)
    elif isinstance(messages, list):
        for item in messages:
            for where, texts in _flatten(item, prefix).items():
                out.setdefault(where, []).extend(texts)
    else:
        out.setdefault(prefix or "_schema", []).append(str(messages))
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, date | time):  # datetime is a date
        return value.isoformat()
    return value


class _FormSchema(Schema):
    class Meta:
        unknown = RAISE


class _Boolean(fields.Boolean):
    """JSON true / false only (marshmallow would also take "yes", 1, ...)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class _Float(fields.Float):
    """A number; numeric strings only when the form sets serializeToString."""

    def __init__(self, *, allow_str: bool = False, **kwargs: Any) -> None:
        self.allow_str = allow_str
        super().__init__(**kwargs)

    def _validated(self, value: Any) -> float:
        if isinstance(value, str) and not self.allow_str:
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class _Integer(fields.Integer):
    """An integer; rejects 2.5 instead of truncating it, accepts 2.0."""

    def __init__(self, *, allow_str: bool = False, **kwargs: Any) -> None:
        self.allow_str = allow_str
        super().__init__(**kwargs)

    def _validated(self, value: Any) -> int:
        if ((isinstance(value, str) and not self.allow_str)
                or (isinstance(value, float) and not value.is_integer())):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class _UnlessBlank(validate.Validator):
    """Run `inner` unless the value is a blank string (optional text may stay empty)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return value
        return self.inner(value)


class _Search(validate.Regexp):
    """Regexp that searches anywhere, like form-js and JSON Schema `pattern`."""

    def __call__(self, value: Any) -> Any:
        if self.regex.search(value) is None:
            raise ValidationError(self._format_error(value))
        return value


def _decimal_digits(digits: int) -> Any:
    def check(value: float) -> None:
        exponent = Decimal(str(value)).normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > digits:
            raise ValidationError(f"Must have at most {digits} decimal digit"
                                  f"{'s' if digits > 1 else ''}.")
    return check


def _unique(values: list[Any]) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("Values must be unique.")


def _not_past(value: date) -> None:
    if (value.date() if isinstance(value, datetime) else value) < date.today():
        raise ValidationError("Must not be in the past.")


def _schema_class(found: list[_Field]) -> type[Schema]:
    return _FormSchema.from_dict({f"field_{index}": _mm_field(f)
                                  for index, f in enumerate(found)}, name="FormSubmission")


def _mm_field(f: _Field) -> fields.Field:
    spec, rules = f.spec, f.validate
    opts: dict[str, Any] = {
        "data_key": f.key, "attribute": f.key, "required": f.always_required,
        "allow_none": not f.always_required,
        "error_messages": {"required": REQUIRED_MESSAGE, "null": REQUIRED_MESSAGE}}
    checks: list[Any] = []
    if f.type in TEXT_TYPES:
        if rules.get("minLength") is not None:
            checks.append(validate.Length(min=rules["minLength"]))
        if rules.get("maxLength") is not None:
            checks.append(validate.Length(max=rules["maxLength"]))
        if rules.get("pattern"):
            checks.append(_Search(rules["pattern"]))
        if rules.get("validationType") == "email":
            checks.append(validate.Email())
        elif rules.get("validationType") == "phone":
            checks.append(_Search(PHONE_PATTERN, error="Not a valid phone number."))
        return fields.String(validate=[_UnlessBlank(check) for check in checks], **opts)
    if f.type == "number":
        if rules.get("min") is not None or rules.get("max") is not None:
            checks.append(validate.Range(min=rules.get("min"), max=rules.get("max")))
        strings, digits = spec.get("serializeToString") is True, spec.get("decimalDigits")
        if digits == 0:
            return _Integer(allow_str=strings, validate=checks, **opts)
        if digits:
            checks.append(_decimal_digits(digits))
        return _Float(allow_str=strings, validate=checks, **opts)
    if f.type == "checkbox":
        return _Boolean(**opts)
    if f.type in CHOICE_TYPES:
        if "valuesKey" not in spec:
            checks.append(validate.OneOf([option["value"] for option in spec["values"]]))
        if f.type in MULTI_TYPES:
            return fields.List(fields.String(validate=checks), validate=_unique, **opts)
        return fields.String(validate=checks, **opts)
    if f.type == "datetime":
        subtype = spec.get("subtype", "date")
        if spec.get("disallowPassedDates") is True and subtype != "time":
            checks.append(_not_past)
        kind = {"date": fields.Date, "time": fields.Time, "datetime": fields.DateTime}[subtype]
        return kind(validate=checks, **opts)
    if f.type == "group":
        return fields.Nested(_schema_class(f.children), **opts)
    return fields.List(fields.Nested(_schema_class(f.children)), **opts)

"""A generic client's form filler: a valid submission from a task's JSON Schema alone.

`fill_from_schema(schema, start, preferences)` starts from the task's data (what the form
shows when it opens: `start`), takes `preferences` for the decisions that steer a process
(`{"review_outcome": "approve"}`, by field name or dotted path), and fills everything else
from the schema: the first enum value, the smallest number allowed, `minItems` entries, a
text of the allowed length, or, for a pattern, the smallest string hypothesis finds for it
(deterministic: derandomized, no example database). It never reads the form definition.
"""
import json
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from hypothesis import HealthCheck, find, settings
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator

TEXT = "Filled in from the schema"
BLANK = r"^\s*$"
_FIND = settings(database=None, derandomize=True, max_examples=1000,
                 suppress_health_check=list(HealthCheck))
_MISSING = object()


class FillError(AssertionError):
    """The schema cannot be filled (or a preference does not fit it)."""


def _valid(schema: Any, value: Any) -> bool:
    return Draft202012Validator(schema,
                                format_checker=Draft202012Validator.FORMAT_CHECKER).is_valid(value)


def fill_from_schema(schema: dict[str, Any], start: Any = None,
                     preferences: dict[str, Any] | None = None) -> Any:
    """A value valid for `schema` (checked), from `start` and `preferences` where they fit."""
    value = _fill(schema, _MISSING if start is None else start, preferences or {}, "")
    errors = list(Draft202012Validator(
        schema, format_checker=Draft202012Validator.FORMAT_CHECKER).iter_errors(value))
    if errors:
        raise FillError(f"filled value is not valid: {[e.message for e in errors][:5]}")
    return value


def _preferred(preferences: dict[str, Any], path: str) -> Any:
    for key in (path, path.rpartition(".")[2]):
        if key in preferences:
            return preferences[key]
    return _MISSING


def _fill(schema: Any, start: Any, preferences: dict[str, Any], path: str) -> Any:
    if not isinstance(schema, dict):
        return None if start is _MISSING else start
    wanted = _preferred(preferences, path) if path else _MISSING
    if wanted is not _MISSING:
        if not _valid(schema, wanted):
            raise FillError(f"preference {path}={wanted!r} does not fit the schema")
        return wanted
    if start is not _MISSING and _valid(schema, start) and not _is_container(start):
        return start
    if "const" in schema:
        return schema["const"]
    if "anyOf" in schema:
        return _fill_any_of(schema, start, preferences, path)
    kinds = schema.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if "enum" in schema:
        return next(v for v in schema["enum"] if v is not None)
    if "object" in kinds:
        return _fill_object(schema, start, preferences, path)
    if "array" in kinds:
        return _fill_array(schema, start, preferences, path)
    if "boolean" in kinds:
        return True
    if "integer" in kinds or "number" in kinds:
        return _number(schema)
    if "string" in kinds:
        return _string(schema)
    return None


def _is_container(value: Any) -> bool:
    return isinstance(value, dict | list)


def _fill_any_of(schema: dict[str, Any], start: Any, preferences: dict[str, Any],
                 path: str) -> Any:
    """The first alternative (empty ones last: null, blank) whose value fits the schema."""
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    options = sorted(schema["anyOf"], key=lambda alt: alt.get("type") == "null"
                     or alt.get("pattern") == BLANK)
    for alternative in options:
        value = _fill({**rest, **alternative}, start, preferences, path)
        if _valid(schema, value):
            return value
    raise FillError(f"no alternative of {path or 'the value'} can be filled")


def _fill_object(schema: dict[str, Any], start: Any, preferences: dict[str, Any],
                 path: str) -> dict[str, Any]:
    start = start if isinstance(start, dict) else {}
    out: dict[str, Any] = {}
    for name, sub in schema.get("properties", {}).items():
        where = f"{path}.{name}" if path else name
        if sub.get("readOnly"):  # shown, not answered: sent back as the task gave it
            if name in start:
                out[name] = start[name]
            continue
        out[name] = _fill(sub, start.get(name, _MISSING), preferences, where)
    for rule in schema.get("allOf", []):  # a field the other answers make required
        if "if" in rule and "else" in rule and not _valid(rule["if"], out):
            for name, sub in rule["else"].get("properties", {}).items():
                if not _valid(sub, out.get(name)):
                    where = f"{path}.{name}" if path else name
                    out[name] = _fill({**schema["properties"].get(name, {}), **sub},
                                      _MISSING, preferences, where)
    return out


def _fill_array(schema: dict[str, Any], start: Any, preferences: dict[str, Any],
                path: str) -> list[Any]:
    items = schema.get("items", {})
    given = start if isinstance(start, list) else []
    out = [_fill(items, item, preferences, f"{path}.{index}")
           for index, item in enumerate(given)]
    while len(out) < schema.get("minItems", 0):
        out.append(_fill(items, _MISSING, preferences, f"{path}.{len(out)}"))
    contains = schema.get("contains")
    if isinstance(contains, dict) and not any(_valid(contains, item) for item in out):
        if not out:
            out.append(_fill(items, _MISSING, preferences, f"{path}.0"))
        for name, sub in contains.get("properties", {}).items():
            if "const" in sub:
                out[0][name] = sub["const"]
    return out


def _number(schema: dict[str, Any]) -> int | float:
    if "minimum" in schema:
        value = schema["minimum"]
    elif "exclusiveMinimum" in schema:
        value = schema["exclusiveMinimum"] + 1
    else:
        value = 1
    if "maximum" in schema:
        value = min(value, schema["maximum"])
    return int(value) if "integer" in str(schema.get("type")) else value


def _string(schema: dict[str, Any]) -> str:
    formats = {"date": (date.today() + timedelta(days=30)).isoformat(),
               "date-time": f"{date.today() + timedelta(days=30)}T09:00:00+00:00",
               "time": "09:00:00"}
    if schema.get("format") in formats and "pattern" not in schema:
        return formats[schema["format"]]
    plain = {k: v for k, v in schema.items() if k not in ("title", "description", "default")}
    if set(plain) <= {"type", "minLength", "maxLength", "not"}:
        text = TEXT[:schema.get("maxLength", len(TEXT))]
        return text.ljust(schema.get("minLength", 0), "x")
    return _smallest(plain)


def _smallest(schema: dict[str, Any]) -> str:
    """The smallest string hypothesis finds for a schema with patterns (deterministic)."""
    return _smallest_for(json.dumps(schema, sort_keys=True))


@lru_cache(maxsize=256)
def _smallest_for(text: str) -> str:
    schema = json.loads(text)
    return find(from_schema(schema), lambda _value: True, settings=_FIND)

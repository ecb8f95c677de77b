"""Server-side validation of form submissions: the authority on what a task accepts.

Builds a marshmallow schema per form (cached) and returns field-level messages keyed by the
field's path, e.g. ``contacts.1.name``.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from app.services.forms.conditions import evaluate_condition
from app.services.forms.dates import NOT_PAST_MESSAGE, earliest_date, not_before_message
from app.services.forms.definition import (
    CHOICE_TYPES,
    EMAIL_PATTERN,
    MULTI_TYPES,
    PHONE_PATTERN,
    REQUIRED_MESSAGE,
    TEXT_TYPES,
    FormField,
    compiled_form,
    portable_pattern,
)


def validate_submission(form: dict[str, Any], data: dict[str, Any],
                        context: dict[str, Any] | None = None, *, today: date | None = None
                        ) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Validate submitted `data` against `form`: returns (clean_data, errors by field path).

    Conditions see `data` merged over `context` (the task data); `valuesKey` options come
    from `context` only. Hidden and disabled fields are not required and are dropped.
    `today` is the submitter's calendar day (`disallowPassedDates`; default: the server's).
    On errors clean_data is {}; error keys are dotted paths such as "contacts.0.name".
    """
    compiled = compiled_form(form)
    if not isinstance(data, dict):
        return {}, {"_schema": ["Invalid input type."]}
    context = dict(context or {})
    required: dict[str, list[str]] = {}
    checks: dict[str, list[str]] = {}
    prepared = _prepare(compiled.fields, data, context, "", context, required, checks,
                        today or date.today())
    try:
        if compiled.schema is None:
            compiled.schema = _schema_class(compiled.fields)
        clean = compiled.schema().load(prepared)
        errors: dict[str, list[str]] = {}
    except ValidationError as err:
        clean, errors = {}, _flatten(err.messages)
    errors.update(required)  # one clear message for empty required fields
    for where, messages in checks.items():
        errors.setdefault(where, messages)
    if errors:
        return {}, errors
    return _jsonable(clean), {}


def _prepare(found: list[FormField], data: Any, env: dict[str, Any], path: str,
             context: dict[str, Any], required: dict[str, list[str]],
             checks: dict[str, list[str]], today: date) -> Any:
    """Copy `data` without hidden or disabled fields, noting empty required ones, bad choices,
    dates before their bounds and lists without the entry their `contains` rule asks for."""
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
                                  where + ".", context, required, checks, today)
        elif f.type == "dynamiclist" and isinstance(value, list):
            out[f.key] = [_prepare(f.children, item, env, f"{where}.{index}.", context,
                                   required, checks, today) for index, item in enumerate(value)]
            checks.update(_check_contains(f, value, env, where))
            checks.update(_check_every(f, value, env, where))
        elif "valuesKey" in f.spec and not _is_empty(f, value):
            checks.update(_check_options(f, value, context.get(f.spec["valuesKey"]), where))
        elif f.type == "datetime" and isinstance(value, str):
            checks.update(_check_date_bounds(f, value, context, today, where))
    return out


def _check_date_bounds(f: FormField, value: str, context: dict[str, Any], today: date,
                       where: str) -> dict[str, list[str]]:
    """A date may not be past (`disallowPassedDates`, against the submitter's `today`) nor
    precede the task-data dates its `notBefore` names."""
    past = f.spec.get("disallowPassedDates") is True and f.spec.get("subtype", "date") != "time"
    if not past and not f.not_before:
        return {}
    try:
        given = datetime.fromisoformat(value)
    except ValueError:
        return {}  # marshmallow reports the format
    if past and given.date() < today:  # the day as written, as the schema's pattern reads it
        return {where: [NOT_PAST_MESSAGE]}
    given_day = given.astimezone(UTC).date() if given.tzinfo else given.date()
    first = earliest_date(f, context) if f.not_before else None
    if first is None or given_day >= first:
        return {}
    return {where: [not_before_message(f, first)]}


def _is_empty(f: FormField, value: Any) -> bool:
    return (value is None or (isinstance(value, str) and not value.strip())
            or (isinstance(value, list) and not value)
            or (f.type == "checkbox" and value is False))


def _check_contains(f: FormField, items: list[Any], env: dict[str, Any],
                    where: str) -> dict[str, list[str]]:
    """A list's `contains` rule: at least one entry meets the condition."""
    rule = f.validate.get("contains")
    if not rule or any(isinstance(item, dict) and evaluate_condition(rule, {**env, **item})
                       for item in items):
        return {}
    return {where: [f.validate.get("containsMessage")
                    or f"At least one entry must meet {rule[1:].strip()}."]}


def _check_every(f: FormField, items: list[Any], env: dict[str, Any],
                 where: str) -> dict[str, list[str]]:
    """A list's `every` rule: each entry meets the condition (when `everyWhen` holds)."""
    rule, when = f.validate.get("every"), f.validate.get("everyWhen")
    if not rule or (when and not evaluate_condition(when, env)):
        return {}
    message = f.validate.get("everyMessage") or f"Each entry must meet {rule[1:].strip()}."
    return {f"{where}.{index}": [message] for index, item in enumerate(items)
            if isinstance(item, dict) and not evaluate_condition(rule, {**env, **item})}


def _count(least: int | None, most: int | None) -> Any:
    def check(items: list[Any]) -> None:
        if least is not None and len(items) < least:
            raise ValidationError(f"At least {least} entr{'y is' if least == 1 else 'ies are'}"
                                  " needed.")
        if most is not None and len(items) > most:
            raise ValidationError(f"At most {most} entr{'y is' if most == 1 else 'ies are'}"
                                  " allowed.")
    return check


def _check_options(f: FormField, value: Any, options: Any, where: str) -> dict[str, list[str]]:
    """Check choices against options taken from the task data (`valuesKey`). An option
    `{"value", "label", "unavailable": reason}` is shown but refused with its reason."""
    allowed, refused = None, unavailable_options(options)
    if isinstance(options, list):
        allowed = [o.get("value") if isinstance(o, dict) else o for o in options]
        allowed = [o for o in allowed if o not in refused]
    multi = f.type in MULTI_TYPES
    items = value if multi else [value]
    problems: dict[str, list[str]] = {}
    for index, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, str) or (allowed is not None and item in allowed):
            continue  # type errors are marshmallow's to report
        message = ("Not a valid choice." if allowed is None
                   else refused.get(item) or f"Must be one of: {', '.join(map(str, allowed))}.")
        problems[f"{where}.{index}" if multi else where] = [message]
    return problems


def unavailable_options(options: Any) -> dict[str, str]:
    """Options from the task data that may not be chosen now: value -> the reason."""
    if not isinstance(options, list):
        return {}
    return {o["value"]: o["unavailable"] for o in options
            if isinstance(o, dict) and isinstance(o.get("value"), str)
            and isinstance(o.get("unavailable"), str) and o["unavailable"]}


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


def _schema_class(found: list[FormField]) -> type[Schema]:
    return _FormSchema.from_dict({f"field_{index}": _mm_field(f)
                                  for index, f in enumerate(found)}, name="FormSubmission")


def _mm_field(f: FormField) -> fields.Field:
    spec, rules = f.spec, f.validate
    opts: dict[str, Any] = {
        "data_key": f.key, "attribute": f.key, "required": f.always_required,
        "allow_none": not f.always_required,
        "error_messages": {"required": REQUIRED_MESSAGE, "null": REQUIRED_MESSAGE}}
    checks: list[Any] = []
    if f.type in TEXT_TYPES:
        if rules.get("minLength") is not None:
            checks.append(validate.Length(min=rules["minLength"]))
        if rules.get("pattern"):
            checks.append(_Search(portable_pattern(rules["pattern"])))
        if rules.get("validationType") == "email":
            checks.append(_Search(EMAIL_PATTERN, error="Not a valid email address."))
        elif rules.get("validationType") == "phone":
            checks.append(_Search(PHONE_PATTERN, error="Not a valid phone number."))
        checks = [_UnlessBlank(check) for check in checks]  # optional text may stay blank
        if rules.get("maxLength") is not None:  # but not be longer, as the schema says
            checks.append(validate.Length(max=rules["maxLength"]))
        return fields.String(validate=checks, **opts)
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
        kind = {"date": fields.Date, "time": fields.Time, "datetime": fields.DateTime}[subtype]
        return kind(validate=checks, **opts)
    if f.type == "group":
        return fields.Nested(_schema_class(f.children), **opts)
    if rules.get("minItems") is not None or rules.get("maxItems") is not None:
        checks.append(_count(rules.get("minItems"), rules.get("maxItems")))
    return fields.List(fields.Nested(_schema_class(f.children)), validate=checks, **opts)

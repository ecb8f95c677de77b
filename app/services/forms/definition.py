"""form-js form definitions: loading and structural checks, analysed once per form.

Forms are bpmn.io form-js schema files (``forms/<form_key>.form``). `validation` is the
authority on submitted data and `schema` describes the same rules for clients; both read the
`FormField`s analysed here.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.services.forms.conditions import (
    FormDefinitionError,
    names_in,
    parse_condition,
)

JSON_SCHEMA_DRAFT = "https://json-schema.org/draft/2020-12/schema"
REQUIRED_MESSAGE = "Missing data for required field."


def portable_pattern(pattern: str) -> str:
    """`pattern` with each `$` made to mean the end of the text in Python too.

    In Python `$` also matches before a final newline; in the ECMA-262 regexes of JSON Schema
    it does not. `(?!\\n)$` means the same in both, so the server and every schema validator
    accept the same strings.
    """
    out: list[str] = []
    index, in_class = 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index:index + 2])
            index += 2
            continue
        if in_class and char == "]":
            in_class = False
        elif not in_class and char == "[":
            in_class = True
            start = index + 1 + (pattern[index + 1:index + 2] == "^")
            if pattern[start:start + 1] == "]":  # a ] first in a class is a literal
                out.append(pattern[index:start + 1])
                index = start + 1
                continue
        elif not in_class and char == "$":
            char = r"(?!\n)$"
        out.append(char)
        index += 1
    return "".join(out)


PHONE_PATTERN = portable_pattern(r"^(?:\+|00)[1-9][0-9]{6,14}$")
#: what `validationType: email` accepts: a dot-atom at a domain with a top-level name
#: (marshmallow's Email, which the company profile uses, accepts all of these)
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = portable_pattern(rf"^{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}$")
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
class FormField:
    """One data-bearing component: an input, a group with `path`, or a dynamic list."""

    key: str
    type: str
    spec: dict[str, Any]
    hides: tuple[str, ...] = ()  # own and enclosing path-less groups' hide expressions
    children: list[FormField] = field(default_factory=list)

    @property
    def validate(self) -> dict[str, Any]:
        rules = self.spec.get("validate")
        return rules if isinstance(rules, dict) else {}

    @property
    def not_before(self) -> tuple[str, ...]:
        """Task-data variables (dates or date-times) a date field (subtype date) may not
        precede: the component's property `notBefore`, names separated by commas."""
        props = self.spec.get("properties")
        names = props.get("notBefore") if isinstance(props, dict) else None
        if (self.type != "datetime" or self.spec.get("subtype", "date") != "date"
                or not isinstance(names, str)):
            return ()
        return tuple(name.strip() for name in names.split(",") if name.strip())

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

    def form(self, form: Any) -> list[FormField]:
        if not isinstance(form, dict):
            self.problems.append("the form must be a JSON object")
            return []
        if form.get("type", "default") != "default":
            self.problems.append(f"form type must be 'default', not {form.get('type')!r}")
        if not isinstance(form.get("components"), list):
            self.problems.append("the form needs a 'components' list")
            return []
        return self.scope(form["components"], "components")

    def scope(self, components: Any, where: str) -> list[FormField]:
        found: list[FormField] = []
        self.walk(components, where, (), found, {})
        return found

    def walk(self, components: Any, where: str, hides: tuple[str, ...],
             found: list[FormField], seen: dict[str, str]) -> None:
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
                if ctype == "dynamiclist":
                    self.check_list(comp, label)
                if self.claim(comp.get("path"), "path", label, seen):
                    sub = self.scope(children, f"{loc}.components")
                    found.append(FormField(comp["path"], ctype, comp, chain, sub))
            elif ctype in INPUT_TYPES:
                self.check_input(comp, ctype, label)
                if self.claim(comp.get("key"), "key", label, seen):
                    found.append(FormField(comp["key"], ctype, comp, chain))
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

    def check_list(self, comp: dict[str, Any], label: str) -> None:
        """A dynamic list's rules: `required` (not empty), `minItems`, `maxItems`, and
        `contains`, a condition at least one entry must meet (`containsMessage` explains it)."""
        rules = comp.get("validate", {})
        if not isinstance(rules, dict):
            self.problems.append(f"{label}: 'validate' must be an object")
            return
        unknown = set(rules) - {"required", "minItems", "maxItems", "contains",
                                "containsMessage", "every", "everyWhen", "everyMessage"}
        if unknown:
            self.problems.append(f"{label}: unknown validate rule(s) for a dynamic list: "
                                 f"{', '.join(sorted(unknown))}")
        if not isinstance(rules.get("required", False), bool):
            self.problems.append(f"{label}: validate.required must be true or false")
        self.bounds(rules, ("minItems", "maxItems"), label, integer=True)
        for name in ("contains", "every", "everyWhen"):
            self.check_rule(rules, name, label)
        for name in ("containsMessage", "everyMessage"):
            if not isinstance(rules.get(name, ""), str):
                self.problems.append(f"{label}: validate.{name} must be a string")

    def check_rule(self, rules: dict[str, Any], name: str, label: str) -> None:
        """A list rule's condition: `contains` (at least one entry meets it), `every` (each
        entry meets it, when `everyWhen` on the answers around the list holds)."""
        expr = rules.get(name)
        if expr is None:
            return
        if not isinstance(expr, str) or not expr.startswith("="):
            self.problems.append(f"{label}: validate.{name} must be an expression "
                                 "starting with '='")
            return
        try:
            parse_condition(expr)
        except FormDefinitionError as err:
            self.problems.append(f"{label}: validate.{name}: {err}")

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


def _analyse(form: Any, name: str | None) -> list[FormField]:
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


@dataclass
class CompiledForm:
    """A checked form's data fields; form_validation attaches its marshmallow schema."""

    fields: list[FormField]
    schema: Any = None


@lru_cache(maxsize=128)
def _compile(canonical: str) -> CompiledForm:
    form = json.loads(canonical)
    found = _analyse(form, form.get("id") if isinstance(form, dict) else None)
    return CompiledForm(found)


def compiled_form(form: dict[str, Any]) -> CompiledForm:
    """The checked fields of a form, cached per distinct definition."""
    return _compile(json.dumps(form, sort_keys=True, separators=(",", ":")))


def form_variables(form: dict[str, Any] | None) -> set[str]:
    """The top-level data names a form shows, fills or reads (its fields' keys and paths, the
    lists its options come from, the names its conditions read): all a form's reader needs."""
    names: set[str] = set()

    def walk(components: Any, top: bool) -> None:
        for comp in components if isinstance(components, list) else []:
            if not isinstance(comp, dict):
                continue
            own = comp.get("key") or comp.get("path")
            if top and isinstance(own, str):
                names.add(own.split(".")[0])
            if isinstance(comp.get("valuesKey"), str):
                names.add(comp["valuesKey"].split(".")[0])
            hide = (comp.get("conditional") or {}).get("hide")
            if isinstance(hide, str) and hide.strip().startswith("="):
                names.update(names_in(parse_condition(hide)))
            nested = comp.get("type") == "group" and not comp.get("path")
            walk(comp.get("components", []), top and nested)

    walk((form or {}).get("components", []), True)
    return names


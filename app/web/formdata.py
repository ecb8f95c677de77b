"""Turn a submitted HTML form back into the JSON data a form-js form describes.

The task page renders form-js components as plain HTML inputs named by their data path
("officer_email", "address.street", "contacts.0.name"); this reverses that. It only converts
types; the task service's `validate_submission` decides what is valid, so a number that does
not parse is passed on as text and comes back as a field error.
"""
import math
from typing import Any

from flask_babel import gettext
from werkzeug.datastructures import MultiDict

MAX_LIST_ITEMS = 200


def parse(form: dict[str, Any] | None, submitted: MultiDict) -> dict[str, Any]:
    """The data of a submitted form (everything as text when the task has no form)."""
    if form is None:
        return {key: value for key, value in submitted.items()
                if key not in ("csrf_token", "action") and value != ""}
    return _components(form.get("components", []), submitted, "")


def _components(components: list[dict], submitted: MultiDict, prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for component in components:
        kind = component.get("type")
        if kind == "group":
            children = component.get("components", [])
            if component.get("path"):
                out[component["path"]] = _components(children, submitted,
                                                     f"{prefix}{component['path']}.")
            else:
                out.update(_components(children, submitted, prefix))
        elif kind == "dynamiclist" and component.get("path"):
            out[component["path"]] = _list(component, submitted, prefix)
        elif component.get("key"):
            name = prefix + component["key"]
            value = _value(component, submitted, name)
            if value is not None:
                out[component["key"]] = value
    return out


def _list(component: dict, submitted: MultiDict, prefix: str) -> list[dict[str, Any]]:
    name = f"{prefix}{component['path']}"
    try:
        count = min(int(submitted.get(f"{name}.__count", "0")), MAX_LIST_ITEMS)
    except ValueError:
        count = 0
    items = [_components(component.get("components", []), submitted, f"{name}.{index}.")
             for index in range(count)]
    return [item for item in items if any(v not in (None, "", [], False)
                                          for v in item.values())]


def _value(component: dict, submitted: MultiDict, name: str) -> Any:
    kind = component.get("type")
    if kind == "checkbox":
        return name in submitted
    if kind in ("checklist", "taglist"):
        values = [v for v in submitted.getlist(name) if v != ""]
        return values or None
    raw = submitted.get(name)
    if raw is None or raw.strip() == "":
        return None
    if kind == "number":
        if component.get("serializeToString") is True:
            return raw.strip()
        return _number(raw.strip())
    return raw


def _number(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return text  # validation says "Not a valid number." and the page keeps the text
    return number if math.isfinite(number) else text


def error_list(form: dict[str, Any] | None, errors: dict[str, list[str]]
               ) -> list[tuple[str, str, str]]:
    """(field id, field label, message) for each refused field, in the form's order, so the
    page can list them at the top with links: "Visit date: Not a valid date."."""
    labels = _labels(form.get("components", []) if form else [], "")
    found = []
    for key, messages in errors.items():
        generic = ".".join(part for part in key.split(".") if not part.isdigit())
        items = [int(part) + 1 for part in key.split(".") if part.isdigit()]
        label = labels.get(generic) or (key.replace("_", " ").capitalize() if key != "_schema"
                                        else gettext("The form"))
        if items:
            label += " (" + ", ".join(gettext("item %(n)s", n=n) for n in items) + ")"
        found.append((key, label, " ".join(messages)))
    order = list(labels)
    found.sort(key=lambda row: order.index(row[0]) if row[0] in order else len(order))
    return found


def _labels(components: list[dict], prefix: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for component in components:
        kind, children = component.get("type"), component.get("components", [])
        name = component.get("key") or component.get("path")
        label = (component.get("label") or component.get("dateLabel")
                 or (name or "").replace("_", " ").capitalize())
        if kind in ("group", "dynamiclist") and name:
            out[prefix + name] = label
            out.update(_labels(children, f"{prefix}{name}."))
        elif kind == "group":
            out.update(_labels(children, prefix))
        elif name:
            out[prefix + name] = label
    return out

"""Option lists a form may read from SafePort's user directory.

A form's select names where its options come from with `valuesKey` (form-js reads them from
the task's input data). A few names are lists SafePort fills itself when the task's data does
not carry them, so a case worker picks a person from the directory instead of typing a
username: `auditors` lists the active auditors (value: username, label: name). The same
lists feed the schema a client reads and the check of what it sends, so they cannot drift.
"""
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import User


def _people(role: str) -> list[dict[str, str]]:
    users = db.session.scalars(select(User).where(User.role == role, User.active.is_(True))
                               .order_by(User.full_name, User.username))
    return [{"value": u.username,
             "label": f"{u.full_name} ({u.username})" if u.full_name else u.username}
            for u in users]


LISTS: dict[str, Callable[[], list[dict[str, str]]]] = {
    "auditors": lambda: _people("auditor"),
}


def with_directory_lists(form: dict[str, Any] | None,
                         data: dict[str, Any] | None) -> dict[str, Any] | None:
    """The task data with the directory lists the form reads and the data lacks added."""
    if data is None or not form:
        return data
    wanted = [key for key in _values_keys(form.get("components")) if key in LISTS
              and key not in data]
    return {**data, **{key: LISTS[key]() for key in wanted}} if wanted else data


def _values_keys(components: Any) -> set[str]:
    found: set[str] = set()
    for comp in components if isinstance(components, list) else []:
        if isinstance(comp, dict):
            if isinstance(comp.get("valuesKey"), str):
                found.add(comp["valuesKey"])
            found |= _values_keys(comp.get("components"))
    return found

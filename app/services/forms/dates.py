"""Date bounds: a date field's `disallowPassedDates` refuses a day before the submitter's today
(their time zone's, which the service passes in), and its `notBefore` property names task-data
variables (dates or date-times, such as `notice_sent_on, certified_at`) it may not precede. The
server refuses an earlier date with the field's message; the JSON Schema says the same with a
pattern of the dates from the latest bound on."""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from app.services.forms.definition import FormField

NOT_PAST_MESSAGE = "Must not be in the past."


def earliest_date(f: FormField, context: dict[str, Any] | None) -> date | None:
    """The latest of the dates `f`'s `notBefore` names in the task data (None: none set)."""
    found = []
    for name in f.not_before:
        value = (context or {}).get(name)
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is not None:
            found.append(moment.astimezone(UTC).date() if moment.tzinfo else moment.date())
    return max(found, default=None)


def not_before_message(f: FormField, first: date) -> str:
    """The field message for a date before `earliest_date` (the form's `notBeforeMessage`)."""
    props = f.spec.get("properties")
    text = props.get("notBeforeMessage") if isinstance(props, dict) else None
    return f"{text or 'Must not be before'} ({first.isoformat()})."

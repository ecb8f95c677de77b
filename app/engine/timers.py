"""Reading timer values the way SpiffWorkflow does, for validation and the next-timer column."""
from datetime import UTC, datetime

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition


def parse_timer_value(value: object) -> None:
    """Raise ValueError unless `value` is an ISO-8601 duration, cycle or date-time with offset."""
    if not isinstance(value, str):
        raise ValueError(f"timer expression must give an ISO-8601 string, not {value!r}")
    text = value.strip().upper()
    try:
        if text.startswith("R"):
            TimerEventDefinition.parse_iso_recurring_interval(value)
        elif text.startswith("P"):
            TimerEventDefinition.parse_iso_duration(value)
        else:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                raise ValueError(f"timer date-time {value!r} needs a UTC offset")
    except ValueError:
        raise
    except Exception:  # SpiffWorkflow raises a bare Exception for bad durations
        raise ValueError(f"{value!r} is not an ISO-8601 duration, cycle or date-time") from None


def fire_instant(event_value: object) -> datetime | None:
    """When a waiting timer fires, from the value SpiffWorkflow stored for it."""
    if isinstance(event_value, dict):
        event_value = event_value.get("next")
    if not isinstance(event_value, str):
        return None
    try:
        moment = TimerEventDefinition.parse_time_or_duration(event_value)
    except Exception:
        return None
    return moment.astimezone(UTC) if isinstance(moment, datetime) else None


def due_from_value(value: object, now: datetime) -> datetime | None:
    """A due date from a `dueIn` value: an ISO duration from now, or a date-time."""
    if not isinstance(value, str) or not value:
        return None
    try:
        if value.strip().upper().startswith("P"):
            parsed = TimerEventDefinition.parse_iso_duration(value)
            return now + TimerEventDefinition.get_timedelta_from_start(parsed, now)
        moment = datetime.fromisoformat(value)
    except Exception:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

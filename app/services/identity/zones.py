"""Calendar days as each user lives them.

"Today", "this week", "due before the 10th" and "snooze until Monday" begin at midnight in the
user's own time zone (their preference; UTC when they have none), not at midnight UTC: for a
reader in Mexico City, midnight UTC is six in the evening of the day before.
"""
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.models import User
from app.models.types import utcnow


def zone_of(user: User | None) -> tzinfo:
    """The user's time zone; UTC when they chose none (or a name this system does not know)."""
    name = getattr(user, "time_zone", None)
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return UTC


def start_of_day(user: User | None, day: date) -> datetime:
    """Midnight at the start of `day` where the user lives, as a UTC moment."""
    return datetime.combine(day, time(), tzinfo=zone_of(user)).astimezone(UTC)


def today(user: User | None, now: datetime | None = None) -> date:
    """The user's calendar day at `now` (default: now)."""
    return (now or utcnow()).astimezone(zone_of(user)).date()


def week_of(user: User | None, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The user's ISO week around `now`, Monday 00:00 to the next Monday 00:00 where they live
    (a week with a daylight-saving change is an hour shorter or longer), as UTC moments."""
    day = today(user, now)
    monday = day - timedelta(days=day.weekday())
    return start_of_day(user, monday), start_of_day(user, monday + timedelta(days=7))

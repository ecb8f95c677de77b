"""The user's calendar days (app/services/identity/zones.py)."""
from datetime import UTC, date, datetime, timedelta

from app.models import User
from app.services.identity import zones


def test_a_day_begins_at_midnight_where_the_user_lives():
    mexico = User(username="m", role="case_worker", time_zone="America/Mexico_City")
    assert zones.start_of_day(mexico, date(2026, 12, 10)) == datetime(2026, 12, 10, 6, tzinfo=UTC)
    tokyo = User(username="t", role="case_worker", time_zone="Asia/Tokyo")
    assert zones.start_of_day(tokyo, date(2026, 12, 10)) == datetime(2026, 12, 9, 15, tzinfo=UTC)
    # 20:00 UTC on the 9th is already the 10th in Tokyo, still the 9th in Mexico City
    evening = datetime(2026, 12, 9, 20, tzinfo=UTC)
    assert zones.today(tokyo, evening) == date(2026, 12, 10)
    assert zones.today(mexico, evening) == date(2026, 12, 9)


def test_no_zone_or_an_unknown_one_is_utc():
    for name in (None, "", "Mars/Olympus_Mons"):
        user = User(username="u", role="case_worker", time_zone=name)
        assert zones.start_of_day(user, date(2026, 12, 10)) == datetime(2026, 12, 10, tzinfo=UTC)
    assert zones.zone_of(None) is UTC


def test_a_week_runs_monday_to_monday_local_time_across_a_clock_change():
    york = User(username="n", role="case_worker", time_zone="America/New_York")
    # Wednesday 11 March 2026; the clocks went forward on Sunday the 8th, before this week
    start, end = zones.week_of(york, datetime(2026, 3, 11, 12, tzinfo=UTC))
    assert start == datetime(2026, 3, 9, 4, tzinfo=UTC)  # Monday 00:00 EDT
    assert end - start == timedelta(days=7)
    # the week of the change itself is an hour short
    start, end = zones.week_of(york, datetime(2026, 3, 5, 12, tzinfo=UTC))
    assert start == datetime(2026, 3, 2, 5, tzinfo=UTC)  # Monday 00:00 EST
    assert end == datetime(2026, 3, 9, 4, tzinfo=UTC) and end - start == timedelta(hours=167)

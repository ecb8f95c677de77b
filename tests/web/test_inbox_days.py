"""Days in the inbox are the reader's days: "snooze until", "Due this week" and "Due before"
begin at midnight in the user's time zone, not at midnight UTC."""
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from app.extensions import db
from app.models import HumanTask, User
from app.models.web import TaskFollowUp
from tests.web.test_inbox import HTMX, task_ids


def far_zone() -> str:
    """A zone whose calendar day is not UTC's right now, whatever the hour: Kiritimati
    (UTC+14) is a day ahead from 10:00 UTC, Pago Pago (UTC-11) a day behind until 11:00."""
    return "Pacific/Kiritimati" if datetime.now(UTC).hour >= 10 else "Pacific/Pago_Pago"


def lives_in(username: str, zone: str) -> ZoneInfo:
    """Set a user's time zone (through the ORM, so that every cached copy is dropped)."""
    user = db.session.scalar(select(User).where(User.username == username))
    user.time_zone = zone
    db.session.commit()
    return ZoneInfo(zone)


def test_snooze_lasts_until_midnight_where_the_user_lives(world, client, sign_in):
    zone = lives_in("cw", far_zone())
    today = datetime.now(zone).date()
    sign_in("cw")

    same_day = client.post("/tasks/1/snooze", headers=HTMX, data={"until": today.isoformat()})
    assert same_day.status_code == 422  # today, where the user is: not a day to come
    tomorrow = today + timedelta(days=1)
    done = client.post("/tasks/1/snooze", headers=HTMX, data={"until": tomorrow.isoformat()})
    assert done.status_code == 200

    until = db.session.scalar(select(TaskFollowUp.until))
    assert until == datetime.combine(tomorrow, time(), tzinfo=zone).astimezone(UTC)
    snoozed = client.get("/inbox?view=case_worker&snoozed=1").text
    assert f"snoozed until {tomorrow.isoformat()}" in snoozed


def test_due_this_week_and_due_before_are_the_readers_days(world, client, sign_in):
    zone = lives_in("cw", far_zone())
    local_now = datetime.now(zone)
    monday = local_now.date() - timedelta(days=local_now.weekday())
    week_starts = datetime.combine(monday, time(), tzinfo=zone)
    _due(1, week_starts + timedelta(minutes=30))  # Monday 00:30 there: this week
    _due(2, week_starts - timedelta(minutes=30))  # Sunday 23:30 there: last week
    sign_in("cw")

    assert task_ids(client.get("/inbox?view=case_worker&due_week=1").text) == [1]
    before_monday = client.get(f"/inbox?view=case_worker&due_before={monday.isoformat()}")
    assert task_ids(before_monday.text) == [2]


def _due(task_id: int, moment: datetime) -> None:
    db.session.execute(update(HumanTask).where(HumanTask.id == task_id)
                       .values(due_at=moment.astimezone(UTC)))
    db.session.commit()

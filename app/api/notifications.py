"""JSON API for in-app notifications (read/unread) and the scheduler's status (admins)."""
from marshmallow import fields

from app.api.core import current_user, endpoint
from app.api.schemas import Schema
from app.services.jobs import notifications, status


class NotificationOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    message = fields.String()
    case_id = fields.Integer(allow_none=True)
    task_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)
    read = fields.Function(lambda n: n.read_at is not None)


class NotificationList(Schema):
    items = fields.List(fields.Nested(NotificationOut))
    unread = fields.Integer()


class NotificationQuery(Schema):
    unread = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=50)


class UnreadOut(Schema):
    changed = fields.Integer()
    unread = fields.Integer()


@endpoint("/notifications", query=NotificationQuery(), response=NotificationList(),
          tag="notifications")
def list_notifications(query):
    """The signed-in user's notifications, newest first (?unread=true for unread only)."""
    user = current_user()
    items = notifications.list_for(user, unread_only=query["unread"],
                                   limit=max(1, min(query["limit"], 200)))
    return {"items": items, "unread": notifications.unread_count(user)}


@endpoint("/notifications/<int:notification_id>/read", "POST", response=UnreadOut(),
          tag="notifications")
def read_notification(notification_id):
    """Mark one of the user's notifications read."""
    user = current_user()
    changed = notifications.mark_read(user, notification_id)
    return {"changed": changed, "unread": notifications.unread_count(user)}


@endpoint("/notifications/<int:notification_id>/unread", "POST", response=UnreadOut(),
          tag="notifications")
def unread_notification(notification_id):
    """Mark one of the user's notifications unread again."""
    user = current_user()
    notifications.mark_unread(user, notification_id)
    return {"changed": 1, "unread": notifications.unread_count(user)}


@endpoint("/notifications/read-all", "POST", response=UnreadOut(), tag="notifications")
def read_all_notifications():
    """Mark all of the user's notifications read."""
    user = current_user()
    return {"changed": notifications.mark_read(user), "unread": 0}


class SchedulerStatusOut(Schema):
    now = fields.String()
    timers = fields.Dict()
    reminders = fields.Dict()
    outbox = fields.Dict()
    recent = fields.List(fields.Dict())
    email_problems = fields.List(fields.Dict())
    schedulers = fields.List(fields.Dict())


@endpoint("/scheduler/status", response=SchedulerStatusOut(), roles=("admin",),
          tag="scheduler")
def scheduler_status():
    """What is due next, what fired, what failed (admins)."""
    return status.status_for(current_user())

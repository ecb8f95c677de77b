"""JSON API for the inbox's own actions: bulk claim/assign/release and follow-up dates."""
from marshmallow import fields, validate

from app.api.core import current_user, endpoint
from app.api.schemas import Schema
from app.services.tasks import inbox

TASK_ID = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))


class BulkRequest(Schema):
    action = fields.String(required=True, validate=validate.OneOf(inbox.BULK_ACTIONS))
    task_ids = fields.List(TASK_ID, required=True,
                           validate=validate.Length(min=1, max=inbox.BULK_LIMIT))
    username = fields.String(load_default="", validate=validate.Length(max=80))


class RefusalOut(Schema):
    task_id = fields.Integer()
    title = fields.String(allow_none=True)
    reason = fields.String()


class BulkOut(Schema):
    action = fields.String()
    done = fields.Function(lambda r: [task.id for task in r.done])
    refused = fields.List(fields.Nested(RefusalOut))


class SnoozeRequest(Schema):
    until = fields.Date(required=True)


class SnoozeOut(Schema):
    task_id = fields.Integer()
    until = fields.DateTime(allow_none=True)


@endpoint("/tasks/bulk", "POST", body=BulkRequest(), response=BulkOut(), tag="tasks")
def bulk_tasks(body):
    """Claim, assign or release several tasks: which were done, which refused and why."""
    return inbox.bulk(current_user(), body["action"], body["task_ids"], body["username"])


@endpoint("/tasks/<int:task_id>/snooze", "POST", body=SnoozeRequest(), response=SnoozeOut(),
          tag="tasks")
def snooze_task(task_id, body):
    """Set my follow-up date for a task: it leaves my inbox views until that day."""
    return inbox.snooze(current_user(), task_id, body["until"])


@endpoint("/tasks/<int:task_id>/unsnooze", "POST", response=SnoozeOut(), tag="tasks")
def unsnooze_task(task_id):
    """Forget my follow-up date for a task."""
    task = inbox.unsnooze(current_user(), task_id)
    return {"task_id": task.id, "until": None}

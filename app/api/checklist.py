"""JSON API for a partner audit's on-site checklist: save one item at a time, read them all.

Completing the checklist is the task's own `POST /api/v1/tasks/<id>/complete` with the data
`GET /api/v1/tasks/<id>` describes (its form's JSON Schema is the contract); these routes keep
the answers while the audit goes on.
"""
from marshmallow import fields, validate

from app.api.core import current_user, endpoint
from app.api.schemas import Schema
from app.models.partners import CHECKLIST_RESULTS, SEVERITIES
from app.services.audits import checklist
from app.services.membership.questionnaires import NOTES_MAX


class ChecklistItemIn(Schema):
    result = fields.String(required=True, allow_none=True,
                           validate=validate.OneOf(CHECKLIST_RESULTS))
    severity = fields.String(load_default=None, allow_none=True,
                             validate=validate.OneOf(SEVERITIES),
                             metadata={"description": "needed for non_compliant; dropped "
                                                      "otherwise"})
    notes = fields.String(load_default=None, allow_none=True,
                          validate=validate.Length(max=NOTES_MAX),
                          metadata={"description": "needed for non_compliant and "
                                                   "observation; dropped otherwise"})


class ChecklistItemOut(Schema):
    criterion_id = fields.String()
    result = fields.String(allow_none=True)
    severity = fields.String(allow_none=True)
    notes = fields.String()
    updated_by = fields.Function(lambda item: item.updated_by.username
                                 if item.updated_by else None)
    updated_at = fields.DateTime()


class ChecklistOut(Schema):
    items = fields.List(fields.Nested(ChecklistItemOut))


@endpoint("/tasks/<int:task_id>/checklist/<criterion>", "PUT", body=ChecklistItemIn(),
          response=ChecklistItemOut(), tag="tasks")
def save_checklist_item(task_id, criterion, body):
    """Save one item of an audit checklist task (`criterion`: its id, such as 3.1)."""
    return checklist.save_item(current_user(), task_id, criterion, body["result"],
                               body["severity"], body["notes"])


@endpoint("/tasks/<int:task_id>/checklist", response=ChecklistOut(), tag="tasks")
def list_checklist_items(task_id):
    """The saved items of an audit checklist task, in criterion order."""
    return {"items": list(checklist.items(current_user(), task_id).values())}

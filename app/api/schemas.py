"""Marshmallow schemas for every input and output of the JSON API.

Every API schema derives from `Schema` here (tests/api check it), which bounds all integer
fields to what a database column holds (32 bits) and refuses, anywhere in the input, text no
database stores (NUL characters, unpaired surrogates) and numbers JSON cannot carry (NaN).
"""
import math
from typing import Any

import marshmallow
from marshmallow import ValidationError, fields, pre_load, validate

from app.models.enums import CaseStatus, TaskState
from app.models.user import ENTITY_TYPES, ROLES, TASK_ROLES

#: every integer column is `Integer`: 32 bits on PostgreSQL (SQLite's 64 bits hold more), and
#: PostgreSQL refuses to even compare an int4 column with a bigger bound value
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
#: the highest page number a listing accepts (200 per page: 20 million rows)
MAX_PAGE = 100_000
INT_RANGE = validate.Range(min=INT_MIN, max=INT_MAX,
                           error=f"must be an integer from {INT_MIN} to {INT_MAX}")


def value_problem(value: Any) -> str | None:
    """Why a parsed JSON value (or query string) cannot be stored, or None when it can."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return "must not contain NUL (\\u0000) characters"
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "must be valid Unicode text (no unpaired surrogates)"
        elif isinstance(item, float) and not math.isfinite(item):
            return "must be a finite number"
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return None


class Schema(marshmallow.Schema):
    """The base of every API schema: integers a column holds, storable text and numbers."""

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        for each in (field_obj, getattr(field_obj, "inner", None)):
            if isinstance(each, fields.Integer):
                each.validators = [*each.validators, INT_RANGE]

    @pre_load
    def _storable(self, data: Any, **_kwargs) -> Any:
        if isinstance(data, dict):
            errors = {}
            for key, value in data.items():
                problem = value_problem(value)
                if problem is None and (problem := value_problem(key)) is not None:
                    key = "_schema"
                if problem is not None:
                    errors[key] = [problem]
            if errors:
                raise ValidationError(errors)
        return data


class TokenRequest(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, load_only=True)


class TokenResponse(Schema):
    token = fields.String()
    expires_in = fields.Integer()


class UserCreate(Schema):
    username = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z0-9_.@-]{2,80}$", error="2-80 letters, digits or _ . @ -"))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=8))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    email = fields.Email(load_default=None, allow_none=True)
    company_id = fields.Integer(load_default=None, allow_none=True)


class UserOut(Schema):
    id = fields.Integer()
    username = fields.String()
    role = fields.String()
    email = fields.String(allow_none=True)
    company_id = fields.Integer(allow_none=True)


class CompanyCreate(Schema):
    legal_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    trade_name = fields.String(load_default=None, validate=validate.Length(max=200))
    entity_type = fields.String(required=True, validate=validate.OneOf(ENTITY_TYPES))


class CompanyOut(Schema):
    id = fields.Integer()
    legal_name = fields.String()
    trade_name = fields.String(allow_none=True)
    entity_type = fields.String()
    created_at = fields.DateTime()


class Problem(Schema):
    message = fields.String()
    file = fields.String()
    element_id = fields.String()
    line = fields.Integer()


class UploadQuery(Schema):
    filename = fields.String(load_default="diagram.bpmn", validate=validate.Length(min=1, max=255),
                             metadata={"description": "the name of an XML body's file"})


#: BPMN sent as multipart `files` or as one XML body (text/xml and application/bpmn+xml too)
BPMN_UPLOAD = {"required": True, "content": {
    "multipart/form-data": {"schema": {
        "type": "object", "required": ["files"],
        "properties": {"files": {"type": "array", "minItems": 1, "items": {
            "type": "string", "format": "binary", "contentMediaType": "application/xml"}}}}},
    "application/xml": {"schema": {"type": "string"}},
}}


class VersionOut(Schema):
    id = fields.Integer()
    process_id = fields.Function(lambda v: v.process_model.process_id)
    version = fields.Integer()
    content_hash = fields.String()
    default_role = fields.String()
    deployed_at = fields.DateTime()
    deployed_by_id = fields.Integer(allow_none=True)


class DeployedOut(Schema):
    version = fields.Nested(VersionOut)
    created = fields.Boolean()
    #: the same behaviour with a new layout, kept on the current version
    layout_updated = fields.Boolean()


class DeploymentOut(Schema):
    processes = fields.List(fields.Nested(DeployedOut))


class ProcessModelOut(Schema):
    process_id = fields.Function(lambda s: s.model.process_id)
    name = fields.Function(lambda s: s.model.name)
    latest_version = fields.Function(lambda s: s.versions[-1].version if s.versions else None)
    versions = fields.Function(lambda s: [
        {**VersionOut().dump(v), "cases": s.cases_per_version.get(v.id, 0)} for v in s.versions])


class ProcessModelList(Schema):
    items = fields.List(fields.Nested(ProcessModelOut))


class TaskOut(Schema):
    id = fields.Integer()
    title = fields.String()
    role = fields.String()
    case_id = fields.Integer()
    state = fields.String()
    assignee = fields.Function(lambda t: t.assignee.username if t.assignee else None)
    due_at = fields.DateTime(allow_none=True)
    priority = fields.Integer()
    form_key = fields.String(allow_none=True)
    bpmn_id = fields.String()
    created_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)


class TaskList(Schema):
    items = fields.List(fields.Nested(TaskOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class TaskQuery(Schema):
    scope = fields.String(load_default="mine", validate=validate.OneOf(("mine", "role", "all")))
    role = fields.String(load_default=None, validate=validate.OneOf(TASK_ROLES))
    case_id = fields.Integer(load_default=None)
    state = fields.String(load_default=TaskState.READY.value,
                          validate=validate.OneOf([s.value for s in TaskState]))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class FormOut(Schema):
    key = fields.String()
    schema = fields.Dict()
    definition = fields.Dict()


class TaskDetailQuery(Schema):
    resolved = fields.Boolean(load_default=True, metadata={
        "description": "resolve the form's schema for the task's current data (default); "
                       "0 gives the schema of every field with its conditions"})


class TaskDetailOut(Schema):
    task = fields.Nested(TaskOut)
    form = fields.Function(lambda v: {"key": v.task.form_key, "schema": v.schema,
                                      "definition": v.form, "resolved": v.resolved}
                           if v.form else None)
    data = fields.Dict()
    completed_by = fields.String(allow_none=True)
    completed_at = fields.DateTime(attribute="task.completed_at", allow_none=True)
    submitted_data = fields.Dict(allow_none=True)


class AssignRequest(Schema):
    username = fields.String(required=True)


class CompleteRequest(Schema):
    data = fields.Dict(load_default=dict)


class CaseCreate(Schema):
    company_id = fields.Integer(required=True)
    process_id = fields.String(load_default=None)
    data = fields.Dict(load_default=None)


class CaseOut(Schema):
    id = fields.Integer()
    company_id = fields.Integer()
    process_id = fields.Function(lambda c: c.process_version.process_model.process_id)
    process_version = fields.Function(lambda c: c.process_version.version)
    status = fields.String()
    current_stage = fields.String(allow_none=True)
    error_message = fields.String(allow_none=True)
    next_timer_at = fields.DateTime(allow_none=True)
    started_at = fields.DateTime()
    updated_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)


class CaseDetailOut(CaseOut):
    open_tasks = fields.List(fields.Nested(TaskOut))


class CaseQuery(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(
        [s.value for s in CaseStatus]))
    company_id = fields.Integer(load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class CaseList(Schema):
    items = fields.List(fields.Nested(CaseOut))
    total = fields.Integer()


class EventOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    at = fields.DateTime()
    actor = fields.String(allow_none=True)
    task_id = fields.Integer(allow_none=True)
    details = fields.Dict()


class EventList(Schema):
    items = fields.List(fields.Nested(EventOut))


class MessageRequest(Schema):
    payload = fields.Raw(load_default=None)


class CorrelateRequest(Schema):
    payload = fields.Raw(load_default=None)
    correlation = fields.Dict(keys=fields.String(), load_default=dict)


class CorrelateOut(Schema):
    case_ids = fields.List(fields.Integer())


class RetryRequest(Schema):
    data = fields.Dict(load_default=None)


class ErrorOut(Schema):
    error = fields.String()
    message = fields.String()
    details = fields.Raw()

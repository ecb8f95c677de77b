"""JSON API for designers and operators: validate, compare, migrate, suspend, terminate."""
from marshmallow import fields, validate

from app.api.core import current_user, endpoint
from app.api.routes import uploaded_diagrams
from app.api.schemas import BPMN_UPLOAD, CaseOut, Schema, UploadQuery
from app.services.repository import deployments
from app.services.runtime import cases, migration


class ValidationOut(Schema):
    valid = fields.Boolean()
    processes = fields.List(fields.String())


class CompareQuery(Schema):
    from_version = fields.Integer(required=True, data_key="from")
    to_version = fields.Integer(required=True, data_key="to")


class VersionDiffOut(Schema):
    process_id = fields.String()
    from_version = fields.Integer()
    to_version = fields.Integer()
    added = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    removed = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    changed = fields.Dict(keys=fields.String(), values=fields.Dict())
    renamed = fields.Dict(keys=fields.String(), values=fields.Dict())
    processes_added = fields.List(fields.String())
    processes_removed = fields.List(fields.String())


class MigrateCaseRequest(Schema):
    to_version = fields.Integer(required=True, validate=validate.Range(min=1))
    dry_run = fields.Boolean(load_default=True)


class MigrateManyRequest(MigrateCaseRequest):
    from_version = fields.Integer(required=True, validate=validate.Range(min=1))


class MigrationOut(Schema):
    case_id = fields.Integer()
    safe = fields.Boolean()
    migrated = fields.Boolean()
    reasons = fields.List(fields.String())
    reset = fields.List(fields.String())
    changed = fields.List(fields.String())


class MigrationList(Schema):
    items = fields.List(fields.Nested(MigrationOut))


class ReasonRequest(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


@endpoint("/process-models/validate", "POST", query=UploadQuery(), upload=BPMN_UPLOAD,
          response=ValidationOut(), roles=("designer",), tag="process models")
def validate_diagrams(query):
    """Run every deploy check on a draft without deploying it (422 lists the problems)."""
    return {"valid": True,
            "processes": deployments.validate(current_user(), uploaded_diagrams(query))}


@endpoint("/process-models/<process_id>/compare", query=CompareQuery(),
          response=VersionDiffOut(), roles=("designer",), tag="process models")
def compare_versions(process_id, query):
    """Elements added, removed and changed between two versions (?from=1&to=2)."""
    return migration.compare(current_user(), process_id, query["from_version"],
                              query["to_version"])


@endpoint("/process-models/<process_id>/migrate", "POST", body=MigrateManyRequest(),
          response=MigrationList(), roles=("designer",), tag="process models")
def migrate_cases(process_id, body):
    """Move every running case of one version to another (dry run by default)."""
    return {"items": migration.migrate_cases(
        current_user(), process_id, body["from_version"], body["to_version"],
        dry_run=body["dry_run"])}


@endpoint("/cases/<int:case_id>/migrate", "POST", body=MigrateCaseRequest(),
          response=MigrationOut(), roles=("designer",), tag="cases")
def migrate_case(case_id, body):
    """Move one case to another version of its process (dry run by default)."""
    return migration.migrate_case(current_user(), case_id, body["to_version"],
                                   dry_run=body["dry_run"])


@endpoint("/cases/<int:case_id>/suspend", "POST", body=ReasonRequest(), response=CaseOut(),
          roles=("case_worker",), tag="cases")
def suspend_case(case_id, body):
    """Hold a case: nothing can be completed and no timer fires until it is resumed."""
    return cases.suspend_case(current_user(), case_id, body["reason"])


@endpoint("/cases/<int:case_id>/resume", "POST", body=ReasonRequest(), response=CaseOut(),
          roles=("case_worker",), tag="cases")
def resume_case(case_id, body):
    """Let a suspended case run again."""
    return cases.resume_case(current_user(), case_id, body["reason"])


@endpoint("/cases/<int:case_id>/terminate", "POST", body=ReasonRequest(), response=CaseOut(),
          roles=("case_worker",), tag="cases")
def terminate_case(case_id, body):
    """End a case for good, cancelling its open tasks."""
    return cases.terminate_case(current_user(), case_id, body["reason"])

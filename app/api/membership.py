"""JSON API for membership records, company profile details and the criteria catalogue."""
from flask import url_for
from marshmallow import fields, validate

from app.api.core import current_user, endpoint
from app.api.schemas import Schema
from app.models.membership import MEMBERSHIP_STATUSES
from app.models.user import ENTITY_TYPES
from app.services.membership import catalogue, living_record
from app.services.membership import records as membership


class MembershipOut(Schema):
    status = fields.String()
    status_reason = fields.String(allow_none=True)
    tier = fields.Integer(allow_none=True)
    case_id = fields.Integer(allow_none=True)
    applied_at = fields.DateTime(allow_none=True)
    certified_at = fields.DateTime(allow_none=True)
    validated_at = fields.DateTime(allow_none=True)
    validation_due_at = fields.DateTime(allow_none=True)
    anniversary_at = fields.DateTime(allow_none=True)
    review_window_opens_at = fields.DateTime(allow_none=True)
    last_review_at = fields.DateTime(allow_none=True)
    revalidation_due_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()


class MembershipListItem(MembershipOut):
    company_id = fields.Integer()
    company = fields.Function(lambda m: m.company.legal_name)


class MembershipList(Schema):
    items = fields.List(fields.Nested(MembershipListItem))


def _columns(row) -> dict:
    """An address, contact, facility or partner row as plain data (without its keys)."""
    return {c.name: getattr(row, c.name) for c in row.__table__.columns
            if c.name not in ("id", "company_id")}


class CompanyDetailsOut(Schema):
    id = fields.Integer()
    legal_name = fields.String()
    trade_name = fields.String(allow_none=True)
    entity_type = fields.String()


class ProfileExtraOut(Schema):
    ownership_type = fields.String(allow_none=True)
    business_start_date = fields.Date(allow_none=True)
    employee_count = fields.Integer(allow_none=True)
    agreement_signed_by = fields.String(allow_none=True)
    agreement_signer_title = fields.String(allow_none=True)


class MembershipViewOut(Schema):
    company = fields.Nested(CompanyDetailsOut)
    membership = fields.Nested(MembershipOut, allow_none=True)
    profile = fields.Nested(ProfileExtraOut, allow_none=True)
    identifiers = fields.Dict(keys=fields.String(), values=fields.String())
    required_identifiers = fields.List(fields.String())
    addresses = fields.Function(lambda v: [_columns(r) for r in v["addresses"]])
    contacts = fields.Function(lambda v: [_columns(r) for r in v["contacts"]])
    facilities = fields.Function(lambda v: [_columns(r) for r in v["facilities"]])
    partners = fields.Function(lambda v: [_columns(r) for r in v["partners"]])
    officers = fields.Function(lambda v: [_columns(r) for r in v.get("officers", [])])


class ProfileIn(Schema):
    """The profile; its fields are checked by the service (identifiers depend on the type)."""

    profile = fields.Dict(required=True)


class MembershipQuery(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(MEMBERSHIP_STATUSES))


class CriterionOut(Schema):
    criterion_id = fields.String()
    category = fields.Integer()
    category_name = fields.String()
    focus_area = fields.String()
    designation = fields.String()
    text = fields.String()
    guidance = fields.String()
    sample_wording = fields.Boolean()


class CriteriaList(Schema):
    entity_type = fields.String(validate=validate.OneOf(ENTITY_TYPES))
    items = fields.List(fields.Nested(CriterionOut))


@endpoint("/companies/<int:company_id>/membership", response=MembershipViewOut(),
          tag="membership")
def get_membership(company_id):
    """A company's membership record (status, tier, milestone dates) and profile details."""
    return membership.membership_view(current_user(), company_id)


@endpoint("/companies/<int:company_id>/profile", "PUT", body=ProfileIn(),
          response=MembershipViewOut(), roles=("case_worker", "applicant"), tag="membership")
def put_profile(company_id, body):
    """Replace a company's profile details; 422 names each bad field."""
    return membership.update_profile(current_user(), company_id, body["profile"])


@endpoint("/memberships", query=MembershipQuery(), response=MembershipList(),
          roles=("case_worker", "specialist"), tag="membership")
def list_memberships(query):
    """Membership records of every company (staff), optionally by status."""
    return {"items": membership.list_memberships(current_user(), query["status"])}


@endpoint("/catalogue/<entity_type>", response=CriteriaList(), tag="membership")
def get_catalogue(entity_type):
    """The criteria that apply to an entity type, with Must/Should and guidance."""
    items = catalogue.list_criteria(current_user(), entity_type)
    return {"entity_type": entity_type, "items": catalogue.criteria_summary(items)}


class RecordVersionOut(Schema):
    id = fields.Integer()
    part = fields.String()
    status = fields.String()
    case_id = fields.Integer(allow_none=True)
    submitted_at = fields.DateTime()
    accepted_at = fields.DateTime(allow_none=True)
    data = fields.Dict()


class RecordDocumentOut(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    criterion = fields.String(allow_none=True)
    name = fields.String(attribute="original_name")
    uploaded_at = fields.DateTime()
    download_url = fields.Function(lambda d: url_for("api.download_document", document_id=d.id))


class CompanyRecordOut(Schema):
    company_id = fields.Integer()
    accepted = fields.Dict(keys=fields.String(), values=fields.Nested(RecordVersionOut))
    pending = fields.Dict(keys=fields.String(), values=fields.Nested(RecordVersionOut))
    open_actions = fields.List(fields.Dict())
    documents = fields.List(fields.Nested(RecordDocumentOut))


@endpoint("/companies/<int:company_id>/record", response=CompanyRecordOut(), tag="membership")
def get_company_record(company_id):
    """The company's living record: the accepted (and any pending) security profile and risk
    assessment, the action-plan items still open, and the documents of all its cases."""
    return living_record.record_view(current_user(), company_id)

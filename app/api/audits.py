"""JSON API for partner audits: a client's suppliers (the audits themselves are cases of the
`partner_audit` process, started with `POST /cases`)."""
from marshmallow import fields, validate

from app.api.core import current_user, endpoint
from app.api.schemas import Schema
from app.models.partners import RISK_RATINGS
from app.models.user import ENTITY_TYPES
from app.services.audits import suppliers


class SupplierIn(Schema):
    legal_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    entity_type = fields.String(required=True, validate=validate.OneOf(ENTITY_TYPES))
    country = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z]{2}$"))
    address = fields.String(load_default=None, validate=validate.Length(max=300))
    program = fields.String(load_default=None, validate=validate.OneOf(suppliers.PROGRAMS))
    program_number = fields.String(load_default=None, validate=validate.Length(max=40))
    risk_rating = fields.String(load_default="medium", validate=validate.OneOf(RISK_RATINGS))
    client_id = fields.Integer(load_default=None, strict=True,
                               validate=validate.Range(min=1, max=2**31 - 1))


class SupplierOut(Schema):
    supplier_id = fields.Integer()
    client_id = fields.Integer()
    legal_name = fields.String(attribute="supplier.legal_name")
    entity_type = fields.String(attribute="supplier.entity_type")
    country = fields.String(attribute="supplier.country", allow_none=True)
    address = fields.String(attribute="supplier.address", allow_none=True)
    program = fields.String(attribute="supplier.program", allow_none=True)
    program_number = fields.String(attribute="supplier.program_number", allow_none=True)
    risk_rating = fields.String()
    last_audit_on = fields.Date(allow_none=True)
    last_score = fields.Float(allow_none=True)
    next_audit_due = fields.Date(allow_none=True)


class SupplierList(Schema):
    items = fields.List(fields.Nested(SupplierOut))


class SupplierQuery(Schema):
    client_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))


@endpoint("/suppliers", "POST", body=SupplierIn(), response=SupplierOut(), status=201,
          roles=("applicant", "case_worker"), tag="partner audits")
def add_supplier(body):
    """Add a supplier site to a client's portfolio (applicants: their own company)."""
    return suppliers.add_supplier(current_user(), **body)


@endpoint("/suppliers", query=SupplierQuery(), response=SupplierList(),
          roles=("applicant", "case_worker"), tag="partner audits")
def list_suppliers(query):
    """A client's suppliers with their risk rating, last audit and next audit due."""
    return {"items": suppliers.list_suppliers(current_user(), query["client_id"])}

"""JSON API for a client's supplier portfolio and its findings per criteria category."""
from marshmallow import fields, validate

from app.api.core import current_user, endpoint
from app.api.schemas import Schema
from app.models.partners import RISK_RATINGS
from app.services.audits import portfolio


class PortfolioQuery(Schema):
    client_id = fields.Integer(load_default=None, metadata={
        "description": "the client company (staff); applicants see their own company"})
    country = fields.String(load_default="", validate=validate.Regexp(
        r"^[A-Za-z]{2}$", error="a two-letter country code"))
    risk = fields.String(load_default="", validate=validate.OneOf(RISK_RATINGS))
    overdue = fields.Boolean(load_default=False, metadata={
        "description": "only suppliers with overdue corrective actions"})
    q = fields.String(load_default="", validate=validate.Length(max=portfolio.MAX_QUERY),
                      metadata={"description": "text in the supplier's name"})
    sort = fields.String(load_default="name", validate=validate.OneOf(portfolio.SORTS))


class FindingsQuery(Schema):
    client_id = fields.Integer(load_default=None, metadata={
        "description": "the client company (staff); applicants see their own company"})


class PortfolioRowOut(Schema):
    supplier_id = fields.Integer()
    name = fields.String()
    entity_type = fields.String()
    country = fields.String(allow_none=True)
    program = fields.String(allow_none=True)
    program_number = fields.String(allow_none=True)
    risk_rating = fields.String()
    last_audit_on = fields.Date(allow_none=True)
    last_score = fields.Float(allow_none=True)
    last_audit_case_id = fields.Integer(allow_none=True)
    open_actions = fields.Integer()
    overdue_actions = fields.Integer()
    next_audit_due = fields.Date(allow_none=True)


class PortfolioOut(Schema):
    items = fields.List(fields.Nested(PortfolioRowOut))


class CategoryFindingsOut(Schema):
    category = fields.Integer()
    name = fields.String()
    critical = fields.Integer()
    major = fields.Integer()
    minor = fields.Integer()
    total = fields.Integer()
    open = fields.Integer()


class FindingsOut(Schema):
    categories = fields.List(fields.Nested(CategoryFindingsOut))


@endpoint("/portfolio", query=PortfolioQuery(), response=PortfolioOut(), tag="portfolio")
def list_portfolio(query):
    """A client's suppliers: risk, last and next audit, open and overdue corrective actions."""
    filters = portfolio.PortfolioFilters(
        client_id=query["client_id"], country=query["country"].upper(), risk=query["risk"],
        overdue=query["overdue"], q=query["q"].strip(), sort=query["sort"])
    return {"items": portfolio.portfolio(current_user(), filters)}


@endpoint("/portfolio/findings", query=FindingsQuery(), response=FindingsOut(), tag="portfolio")
def portfolio_findings(query):
    """Corrective actions of a client's audits per criteria category, by severity."""
    return {"categories": portfolio.findings_by_category(current_user(), query["client_id"])}

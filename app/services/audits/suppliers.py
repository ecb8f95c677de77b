"""A client's suppliers: companies with their own sites, linked to the member companies they
serve. One supplier may serve several clients; each client sees only its own link."""
from sqlalchemy import select

from app.extensions import db
from app.models import Company, SupplierLink, User
from app.models.partners import RISK_RATINGS
from app.models.user import ENTITY_TYPES
from app.services.errors import Forbidden, Invalid, NotFound
from app.services.identity.access import get_company, require_role
from app.services.runtime.unit_of_work import transaction

PROGRAMS = ("ctpat", "aeo", "other_mra", "none")


def _client_id(actor: User, client_id: int | None) -> int:
    """The client company acted for: an applicant's own; staff name one."""
    require_role(actor, "applicant", "case_worker")
    if actor.role == "applicant":
        return actor.company_id
    if client_id is None:
        raise Invalid("which client?", {"client_id": ["staff must name the client company"]})
    return get_company(actor, client_id).id


def add_supplier(actor: User, *, legal_name: str, entity_type: str, country: str,
                 address: str | None = None, program: str | None = None,
                 program_number: str | None = None, risk_rating: str = "medium",
                 client_id: int | None = None) -> SupplierLink:
    """Register a supplier site and link it to the client (applicants: their own company)."""
    client = _client_id(actor, client_id)
    problems = {}
    if entity_type not in ENTITY_TYPES:
        problems["entity_type"] = [f"must be one of {', '.join(ENTITY_TYPES)}"]
    if program is not None and program not in PROGRAMS:
        problems["program"] = [f"must be one of {', '.join(PROGRAMS)}"]
    if risk_rating not in RISK_RATINGS:
        problems["risk_rating"] = [f"must be one of {', '.join(RISK_RATINGS)}"]
    if problems:
        raise Invalid("the supplier cannot be added", problems)
    supplier = Company(legal_name=legal_name, entity_type=entity_type, country=country.upper(),
                       address=address, program=program, program_number=program_number)
    with transaction():
        db.session.add(supplier)
        db.session.flush()
        link = SupplierLink(client_id=client, supplier_id=supplier.id, risk_rating=risk_rating)
        db.session.add(link)
    return link


def link_supplier(actor: User, *, client_id: int, supplier_id: int,
                  risk_rating: str = "medium") -> SupplierLink:
    """Link a supplier already known to another client (staff: the supplier is shared)."""
    require_role(actor, "case_worker")
    client = get_company(actor, client_id)
    supplier = db.session.get(Company, supplier_id)
    if supplier is None:
        raise NotFound(f"company {supplier_id} not found")
    existing = db.session.scalar(select(SupplierLink).where(
        SupplierLink.client_id == client.id, SupplierLink.supplier_id == supplier.id))
    if existing is not None:
        return existing
    with transaction():
        link = SupplierLink(client_id=client.id, supplier_id=supplier.id,
                            risk_rating=risk_rating)
        db.session.add(link)
    return link


def list_suppliers(actor: User, client_id: int | None = None) -> list[SupplierLink]:
    """The client's supplier links, by name (a supplier contact may not list them)."""
    if actor.role == "supplier":
        raise Forbidden("supplier contacts do not see a client's suppliers")
    client = _client_id(actor, client_id)
    return list(db.session.scalars(
        select(SupplierLink).join(Company, Company.id == SupplierLink.supplier_id)
        .where(SupplierLink.client_id == client).order_by(Company.legal_name)))

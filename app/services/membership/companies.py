"""Member companies."""
from app.extensions import db
from app.models import Company, User
from app.models.user import ENTITY_TYPES
from app.services.errors import Invalid
from app.services.identity.access import get_company as _visible_company
from app.services.identity.access import require_role
from app.services.runtime.unit_of_work import transaction


def create_company(actor: User, *, legal_name: str, entity_type: str,
                   trade_name: str | None = None) -> Company:
    """Register a company (case workers and admins)."""
    require_role(actor, "case_worker")
    if entity_type not in ENTITY_TYPES:
        raise Invalid("the company cannot be created",
                      {"entity_type": [f"must be one of {', '.join(ENTITY_TYPES)}"]})
    company = Company(legal_name=legal_name, trade_name=trade_name, entity_type=entity_type)
    with transaction():
        db.session.add(company)
    return company


def get_company(actor: User, company_id: int) -> Company:
    """A company the actor may see."""
    return _visible_company(actor, company_id)

"""Demo data for `make run`: users for every role and a few companies with cases."""
from sqlalchemy import select

from app.extensions import db
from app.models import Case, Company, User
from app.services.cases import start_case
from app.services.errors import NotFound
from app.services.users import create_user

DEMO_PASSWORD = "safeport"
DEMO_COMPANIES = (
    ("Acme Imports LLC", "importer"),
    ("Frontera Freight SA de CV", "highway_carrier_us_mexico"),
    ("Maple Components Ltd", "foreign_manufacturer"),
)


def seed_demo() -> list[str]:
    """Create demo users and companies once; safe to run again. Returns what it did."""
    done: list[str] = []
    companies = []
    for legal_name, entity_type in DEMO_COMPANIES:
        company = db.session.scalar(select(Company).where(Company.legal_name == legal_name))
        if company is None:
            company = Company(legal_name=legal_name, entity_type=entity_type)
            db.session.add(company)
            db.session.commit()
            done.append(f"company {legal_name} ({entity_type})")
        companies.append(company)
    users = {"admin": "admin", "caseworker": "case_worker", "specialist": "specialist",
             "designer": "designer", "applicant": "applicant"}
    for username, role in users.items():
        if db.session.scalar(select(User.id).where(User.username == username)) is None:
            create_user(None, username=username, password=DEMO_PASSWORD, role=role,
                        email=f"{username}@demo.safeport.test",
                        company_id=companies[0].id if role == "applicant" else None)
            done.append(f"user {username} ({role})")
    caseworker = db.session.scalar(select(User).where(User.username == "caseworker"))
    for company in companies:
        if db.session.scalar(select(Case.id).where(Case.company_id == company.id)) is None:
            try:
                case = start_case(caseworker, company_id=company.id)
            except NotFound:
                break  # no lifecycle deployed yet
            done.append(f"case {case.id} for {company.legal_name}")
    return done

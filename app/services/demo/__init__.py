"""Demo data for `make run`: users for every role and three companies at different stages,
so every inbox has work: Frontera waits for its eligibility review (handed to the case worker
by the admin, so that person's own list and bell have something at first sign-in), Acme answers
a specialist's information request (applicant), Maple is certified and its validation visit
is due (specialist). Then four partner audits (`audits.demo`, over recent months:
`audit_history`) and two years of history: 39 more companies, three of every entity type, at
every stage, and 8 members at the later stages of their year (`history`, `year`)."""
from collections.abc import Iterator
from contextlib import contextmanager
from time import perf_counter

from sqlalchemy import func, select, text

from app.extensions import db
from app.models import Case, Company, HumanTask, User
from app.services.audits.demo import seed_audits
from app.services.demo.audit_history import audit_timelines
from app.services.demo.deadlines import record_past_deadlines
from app.services.demo.history import seed_history
from app.services.demo.walk import Walk, walk_to
from app.services.errors import NotFound
from app.services.identity.users import create_user
from app.services.membership.catalogue import ensure_sample_catalogue
from app.services.runtime.cases import start_case
from app.services.runtime.unit_of_work import transaction
from app.services.tasks.actions import assign

DEMO_PASSWORD = "safeport"
#: legal name, entity type, identifiers, the task its case waits at
DEMO_COMPANIES = (
    ("Acme Imports LLC", "importer", {"ior": "12-3456789", "bond": "CB-2024-0001"},
     "information_request"),
    ("Frontera Freight SA de CV", "highway_carrier_us_mexico", {}, "eligibility_review"),
    ("Maple Components Ltd", "foreign_manufacturer", {"mid": "CAMAPCOM1234TOR"}, "site_visit"),
)


def seed_demo() -> list[str]:
    """Create demo users, the sample catalogue and companies with cases once; safe to rerun.
    Returns what it created, the last line how long it took."""
    began = perf_counter()
    done: list[str] = []
    before = db.session.scalar(select(func.max(Case.id))) or 0  # cases newer are the seed's
    if ensure_sample_catalogue():
        done.append("sample criteria catalogue")
    companies = []
    for legal_name, entity_type, _ids, _stage in DEMO_COMPANIES:
        company = db.session.scalar(select(Company).where(Company.legal_name == legal_name))
        if company is None:
            company = Company(legal_name=legal_name, entity_type=entity_type)
            with transaction():
                db.session.add(company)
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
    people = {u.username: u for u in db.session.scalars(select(User))}
    for company, (_name, _type, identifiers, stage) in zip(companies, DEMO_COMPANIES,
                                                           strict=True):
        if db.session.scalar(select(Case.id).where(Case.company_id == company.id)) is not None:
            continue
        try:
            case = start_case(people["caseworker"], company_id=company.id)
        except NotFound:
            break  # no lifecycle deployed yet
        walk_to(Walk(case.id, company, identifiers, people), stage)
        if stage == "eligibility_review":
            _hand_to_caseworker(case.id, people)
        done.append(f"case {case.id} for {company.legal_name} (at {stage})")
    try:
        done += seed_audits(DEMO_PASSWORD, companies[0], people, audit_timelines())
    except NotFound:
        pass  # partner_audit not deployed
    if _lifecycle_deployed(companies[0]):
        with _unsynced_commits():
            done += seed_history(people)
    if done:
        reminded, escalated = record_past_deadlines(before)
        if reminded or escalated:
            done.append(f"{reminded} reminders and {escalated} escalations of the simulated "
                        "past recorded as sent then (the scheduler does not send them now)")
        done.append(f"seeded in {perf_counter() - began:.1f} s")
    return done


def _hand_to_caseworker(case_id: int, people: dict[str, User]) -> None:
    """The admin assigns the case's open task to the demo case worker (a notification)."""
    task_id = db.session.scalar(select(HumanTask.id).where(
        HumanTask.case_id == case_id, HumanTask.state == "ready").order_by(HumanTask.id))
    assign(people["admin"], task_id, "caseworker")


def _lifecycle_deployed(company: Company) -> bool:
    """True when the demo's first company has its membership case (the lifecycle is
    deployed): the history needs it too."""
    return db.session.scalar(select(Case.id).where(Case.company_id == company.id)) is not None


@contextmanager
def _unsynced_commits() -> Iterator[None]:
    """Commits that do not wait for the disk while the history is walked (hundreds of small
    transactions): SQLite's `synchronous = OFF`, PostgreSQL's `synchronous_commit = off`, on
    the seed's one connection, restored after. A crash meanwhile loses only demo data."""
    dialect = db.engine.dialect.name
    if dialect == "sqlite":
        before = db.session.execute(text("PRAGMA synchronous")).scalar()
        db.session.execute(text("PRAGMA synchronous = OFF"))
        db.session.commit()
        try:
            yield
        finally:
            db.session.execute(text(f"PRAGMA synchronous = {int(before)}"))
            db.session.commit()
    elif dialect == "postgresql":
        db.session.execute(text("SET synchronous_commit = off"))
        db.session.commit()
        try:
            yield
        finally:
            db.session.execute(text("RESET synchronous_commit"))
            db.session.commit()
    else:
        yield

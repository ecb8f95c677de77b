"""A client's supplier portfolio: its suppliers with their risk, last and next audit and the open
and overdue corrective actions of its own audits of them; findings per criteria category; the
same rows as CSV.

Scoping: a client's applicants see their own company's supplier links only; case workers and
admins name the client (`client_id`); every other role, supplier contacts first, gets 403 (as
`suppliers.list_suppliers`). Corrective actions are counted over the client's own audit cases of
each supplier (`Case.company_id` is the client, `Case.supplier_id` the supplier), so a supplier
serving two clients shows each client only what its own audits found.
"""
import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, case, func, or_, select

from app.extensions import db
from app.models import Case, Company, CorrectiveAction, SupplierLink, User
from app.models.criteria import CATEGORIES
from app.models.partners import RISK_RATINGS, SEVERITIES
from app.models.types import utcnow
from app.services.errors import Forbidden, Invalid, NotFound

#: states of a corrective action that is not done yet
OPEN_STATES = ("proposed", "accepted")
SORTS = ("name", "risk", "next_audit")
#: highest risk first
_RISK_ORDER = {"high": 0, "medium": 1, "low": 2}
MAX_QUERY = 200
#: who names the client whose portfolio they see (admins included)
STAFF = ("case_worker", "admin")


@dataclass
class PortfolioFilters:
    """What the portfolio shows; every field round-trips through the URL's query string."""

    client_id: int | None = None
    country: str = ""
    risk: str = ""
    overdue: bool = False
    q: str = ""
    sort: str = "name"

    def as_query(self, **changes: Any) -> dict[str, str]:
        """The non-default fields as query arguments (for links), with `changes` applied."""
        values = {**self.__dict__, **changes}
        return {key: "1" if value is True else str(value) for key, value in values.items()
                if value not in (None, "", False) and (key, value) != ("sort", "name")}


@dataclass
class PortfolioRow:
    """One supplier of the client's portfolio."""

    supplier_id: int
    name: str
    entity_type: str
    country: str | None
    program: str | None
    program_number: str | None
    risk_rating: str
    last_audit_on: date | None
    last_score: float | None
    last_audit_case_id: int | None
    open_actions: int
    overdue_actions: int
    next_audit_due: date | None


@dataclass
class CategoryFindings:
    """Corrective actions of one criteria category across the client's suppliers."""

    category: int
    name: str
    critical: int = 0
    major: int = 0
    minor: int = 0
    open: int = 0

    @property
    def total(self) -> int:
        return self.critical + self.major + self.minor


@dataclass
class PortfolioPage:
    """Everything the portfolio page shows."""

    client: Company
    rows: list[PortfolioRow]
    findings: list[CategoryFindings]
    countries: list[str] = field(default_factory=list)
    total: int = 0  # suppliers before filtering


def parse_filters(args: dict[str, str]) -> tuple[PortfolioFilters, dict[str, list[str]]]:
    """Filters from query arguments, and messages for those that could not be read."""
    errors: dict[str, list[str]] = {}
    country = (args.get("country") or "").strip().upper()
    risk = (args.get("risk") or "").strip()
    sort = args.get("sort") or "name"
    f = PortfolioFilters(country=country, risk=risk, q=(args.get("q") or "").strip()[:MAX_QUERY],
                         overdue=args.get("overdue") in ("1", "on", "true"), sort=sort)
    if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
        errors["country"], f.country = [_("a two-letter country code")], ""
    if risk and risk not in RISK_RATINGS:
        errors["risk"], f.risk = [_("unknown risk rating")], ""
    if sort not in SORTS:
        errors["sort"], f.sort = [_("unknown sort order")], "name"
    raw = args.get("client_id")
    if raw:
        try:
            f.client_id = int(raw)
        except ValueError:
            errors["client_id"] = [_("a company id")]
    return f, errors


def client_for(actor: User | None, client_id: int | None) -> Company:
    """The client whose portfolio `actor` may see: an applicant's own company; for case
    workers and admins the company they name. 403 for supplier contacts and other roles."""
    if actor is not None and actor.role == "applicant":
        if actor.company_id is None or client_id not in (None, actor.company_id):
            raise NotFound(f"company {client_id} not found")
        client_id = actor.company_id
    elif actor is not None and actor.role not in STAFF:
        raise Forbidden("only a client's applicants and staff see a supplier portfolio")
    elif client_id is None:
        raise Invalid("name the client", {"client_id": ["required for staff"]})
    company = db.session.get(Company, client_id)
    if company is None:
        raise NotFound(f"company {client_id} not found")
    return company


def _action_counts(client_id: int, today: date):
    """Per supplier: open and overdue corrective actions of this client's audits of it."""
    overdue = case((CorrectiveAction.due_date < today, 1), else_=0)
    return (select(Case.supplier_id.label("supplier_id"),
                   func.count(CorrectiveAction.id).label("open"),
                   func.sum(overdue).label("overdue"))
            .join(Case, Case.id == CorrectiveAction.case_id)
            .where(Case.company_id == client_id, Case.supplier_id.is_not(None),
                   CorrectiveAction.state.in_(OPEN_STATES))
            .group_by(Case.supplier_id).subquery())


def _query(client_id: int, filters: PortfolioFilters, today: date) -> Select:
    counts = _action_counts(client_id, today)
    open_n, overdue_n = func.coalesce(counts.c.open, 0), func.coalesce(counts.c.overdue, 0)
    query = (select(SupplierLink, Company, open_n, overdue_n)
             .join(Company, Company.id == SupplierLink.supplier_id)
             .outerjoin(counts, counts.c.supplier_id == SupplierLink.supplier_id)
             .where(SupplierLink.client_id == client_id))
    if filters.country:
        query = query.where(func.upper(Company.country) == filters.country)
    if filters.risk:
        query = query.where(SupplierLink.risk_rating == filters.risk)
    if filters.overdue:
        query = query.where(overdue_n > 0)
    if filters.q:
        pattern = "%" + filters.q.lower().replace("\\", "\\\\").replace("%", "\\%") \
            .replace("_", "\\_") + "%"
        query = query.where(or_(func.lower(Company.legal_name).like(pattern, escape="\\"),
                                func.lower(Company.trade_name).like(pattern, escape="\\")))
    name = func.lower(Company.legal_name)
    if filters.sort == "risk":
        risk = case(_RISK_ORDER, value=SupplierLink.risk_rating, else_=3)
        return query.order_by(risk, name, Company.id)
    if filters.sort == "next_audit":
        return query.order_by(SupplierLink.next_audit_due.is_(None),
                              SupplierLink.next_audit_due, name, Company.id)
    return query.order_by(name, Company.id)


def portfolio(actor: User | None, filters: PortfolioFilters,
              today: date | None = None) -> list[PortfolioRow]:
    """The client's suppliers as `filters` asks (see the module's scoping rules)."""
    client = client_for(actor, filters.client_id)
    today = today or utcnow().date()
    return [PortfolioRow(
        supplier_id=company.id, name=company.legal_name, entity_type=company.entity_type,
        country=company.country, program=company.program, program_number=company.program_number,
        risk_rating=link.risk_rating, last_audit_on=link.last_audit_on,
        last_score=link.last_score, last_audit_case_id=link.last_audit_case_id,
        open_actions=int(open_n), overdue_actions=int(overdue_n),
        next_audit_due=link.next_audit_due)
        for link, company, open_n, overdue_n in db.session.execute(
            _query(client.id, filters, today))]


def category_of(criterion_id: str) -> int | None:
    """The category of a criterion id ("3.1" -> 3), or None when it names none."""
    head = criterion_id.split(".", 1)[0].strip()
    return int(head) if head.isdigit() and int(head) in CATEGORIES else None


def findings_by_category(actor: User | None,
                         client_id: int | None = None) -> list[CategoryFindings]:
    """Per criteria category, the corrective actions of the client's audits of its linked
    suppliers by severity (and how many are still open); every category, in order."""
    client = client_for(actor, client_id)
    rows = db.session.execute(
        select(CorrectiveAction.criterion_id, CorrectiveAction.severity, CorrectiveAction.state,
               func.count())
        .join(Case, Case.id == CorrectiveAction.case_id)
        .join(SupplierLink, (SupplierLink.client_id == Case.company_id)
              & (SupplierLink.supplier_id == Case.supplier_id))
        .where(Case.company_id == client.id)
        .group_by(CorrectiveAction.criterion_id, CorrectiveAction.severity,
                  CorrectiveAction.state))
    table = {number: CategoryFindings(number, name) for number, name in CATEGORIES.items()}
    for criterion_id, severity, state, count in rows:
        entry = table.get(category_of(criterion_id))
        if entry is None or severity not in SEVERITIES:
            continue
        setattr(entry, severity, getattr(entry, severity) + count)
        entry.open += count if state in OPEN_STATES else 0
    return [table[number] for number in sorted(table)]


def portfolio_page(actor: User | None, filters: PortfolioFilters) -> PortfolioPage:
    """The portfolio page: filtered rows, findings per category, the countries to filter by."""
    client = client_for(actor, filters.client_id)
    filters.client_id = None if actor is not None and actor.role == "applicant" else client.id
    countries = db.session.execute(
        select(func.upper(Company.country), func.count())
        .join(SupplierLink, SupplierLink.supplier_id == Company.id)
        .where(SupplierLink.client_id == client.id).group_by(func.upper(Company.country))).all()
    return PortfolioPage(client=client, rows=portfolio(actor, filters),
                         findings=findings_by_category(actor, filters.client_id),
                         countries=sorted(c for c, _n in countries if c),
                         total=sum(n for _c, n in countries))


def clients(actor: User | None) -> list[tuple[Company, int]]:
    """For staff choosing a portfolio: every client with linked suppliers and how many."""
    if actor is not None and actor.role not in STAFF:
        raise Forbidden("only staff choose whose supplier portfolio to see")
    return [(company, n) for company, n in db.session.execute(
        select(Company, func.count(SupplierLink.id))
        .join(SupplierLink, SupplierLink.client_id == Company.id)
        .group_by(Company.id).order_by(func.lower(Company.legal_name), Company.id))]


CSV_FIELDS = ("name", "entity_type", "country", "program", "program_number", "risk_rating",
              "last_audit_on", "last_score", "open_actions", "overdue_actions", "next_audit_due")


def csv_headers() -> list[str]:
    """The CSV's column names, in the reader's language."""
    return [_("Supplier"), _("Entity type"), _("Country"), _("Program"), _("Program number"),
            _("Risk rating"), _("Last audit"), _("Last score"), _("Open corrective actions"),
            _("Overdue corrective actions"), _("Next audit due")]


def _cell(value: Any) -> str:
    """A CSV cell; text a spreadsheet would run as a formula is quoted with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def portfolio_csv(actor: User | None, filters: PortfolioFilters,
                  today: date | None = None) -> str:
    """The portfolio's rows as CSV text (a header line, then one line per supplier)."""
    rows = portfolio(actor, filters, today)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csv_headers())
    for row in rows:
        writer.writerow([_cell(getattr(row, name)) for name in CSV_FIELDS])
    return out.getvalue()

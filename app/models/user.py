"""People who use SafePort and the companies they belong to."""
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

#: Roles a user can hold. Lanes in the diagrams name the task roles.
ROLES = ("applicant", "case_worker", "specialist", "designer", "admin", "auditor", "reviewer",
         "supplier")
TASK_ROLES = ("applicant", "case_worker", "specialist", "auditor", "reviewer", "supplier")
#: roles whose users belong to one company and see only its cases
COMPANY_ROLES = ("applicant", "supplier")
#: roles that also work another role's queue: auditors review each other's reports (the
#: four-eyes rule keeps an audit's own auditor off its review)
ALSO_WORKS = {"auditor": ("reviewer",)}


def roles_worked_by(role: str) -> tuple[str, ...]:
    """The task roles whose queues a user of `role` works (admins: all of them)."""
    if role == "admin":
        return TASK_ROLES
    own = (role,) if role in TASK_ROLES else ()
    return own + ALSO_WORKS.get(role, ())

ENTITY_TYPES = (
    "importer", "exporter", "customs_broker", "consolidator", "third_party_logistics",
    "air_carrier", "sea_carrier", "rail_carrier", "highway_carrier_us_canada",
    "highway_carrier_us_mexico", "mexican_long_haul_carrier", "marine_port_terminal_operator",
    "foreign_manufacturer",
)


class Company(db.Model):
    """A company whose CTPAT membership SafePort manages."""

    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(200), index=True)
    trade_name: Mapped[str | None] = mapped_column(String(200))
    entity_type: Mapped[str] = mapped_column(String(40), index=True)
    #: ISO 3166-1 alpha-2, where the company (an audited supplier's site) is
    country: Mapped[str | None] = mapped_column(String(2))
    address: Mapped[str | None] = mapped_column(String(300))
    #: the supply-chain security program it belongs to (ctpat, aeo, other_mra, none) and its number
    program: Mapped[str | None] = mapped_column(String(20))
    program_number: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(db.Model):
    """A person signed in to SafePort, with exactly one role."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    #: display name ("Ana Ruiz"); the username when unset
    full_name: Mapped[str | None] = mapped_column(String(120))
    #: preferred language (en, es) and time zone (IANA); None: from the browser
    language: Mapped[str | None] = mapped_column(String(8))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    company: Mapped[Company | None] = relationship()

    def set_password(self, password: str, method: str = "scrypt") -> None:
        """Store a salted hash of the password, never the password."""
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        """True when the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class UserChanges(db.Model):
    """How many times rows of `users` changed, counted by a trigger (migration 0012), so that
    every process can tell whether the users it keeps for API tokens are still current."""

    __tablename__ = "user_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0)


class SignInFailures(db.Model):
    """Consecutive failed sign-ins under one username, known or not (so the back-off reveals
    nothing about which accounts exist); in the database, so every worker sees the same count.

    Deleted by a successful sign-in; rows idle for a day are forgotten.
    """

    __tablename__ = "signin_failures"

    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int]
    #: no attempt under this name is checked before this instant
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

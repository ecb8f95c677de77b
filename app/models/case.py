"""Cases (process instances), their engine state, human tasks and message subscriptions."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.enums import CaseStatus, TaskState
from app.models.membership import MILESTONES
from app.models.process import ProcessVersion
from app.models.types import UTCDateTime, utcnow
from app.models.user import Company, User

#: Variables a case sets itself: start data and start forms can never set them.
RESERVED_VARIABLES = frozenset({"case_id", "company_id", "entity_type", "continued_from",
                                "supplier_entity_type", "supplier_name",
                                "membership_status", "tier", *MILESTONES})


class Case(db.Model):
    """One running (or finished) process instance for one company."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    #: the audited company of a partner audit (the case's company is the client)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=CaseStatus.RUNNING, index=True)
    current_stage: Mapped[str | None] = mapped_column(String(200))
    error_message: Mapped[str | None] = mapped_column(Text)
    #: when the earliest timer this case waits on fires; the scheduler's only index.
    next_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: optimistic concurrency: every write checks and bumps it.
    lock_version: Mapped[int] = mapped_column(default=1)

    company: Mapped[Company] = relationship(foreign_keys=[company_id])
    supplier: Mapped[Company | None] = relationship(foreign_keys=[supplier_id])
    process_version: Mapped[ProcessVersion] = relationship()
    state: Mapped["CaseState"] = relationship(uselist=False, lazy="raise")

    __mapper_args__ = {"version_id_col": lock_version}


class CaseState(db.Model):
    """The engine's serialized instance state (without the spec, which the version holds)."""

    __tablename__ = "case_states"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    serializer_version: Mapped[str] = mapped_column(String(10))
    state_json: Mapped[str] = mapped_column(Text)


class HumanTask(db.Model):
    """A user task waiting for (or done by) a person, mirrored from the engine for inboxes."""

    __tablename__ = "human_tasks"
    __table_args__ = (
        UniqueConstraint("case_id", "engine_task_id"),
        Index("ix_human_tasks_role_inbox", "state", "role", "due_at", "created_at"),
        Index("ix_human_tasks_assignee_inbox", "assignee_id", "state", "due_at", "created_at"),
        Index("ix_human_tasks_case", "case_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    engine_task_id: Mapped[str] = mapped_column(String(36))
    bpmn_id: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default=TaskState.READY)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    priority: Mapped[int] = mapped_column(default=50)
    form_key: Mapped[str | None] = mapped_column(String(200))
    #: four eyes: ids of tasks of the same case whose performer may not take this one
    separate_from: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])


class MessageSubscription(db.Model):
    """A message a waiting case can receive, with its correlation key, for delivery by key."""

    __tablename__ = "message_subscriptions"
    __table_args__ = (Index("ix_message_subscriptions_lookup", "message_name", "correlation_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    message_name: Mapped[str] = mapped_column(String(200))
    correlation_key: Mapped[str | None] = mapped_column(String(200))

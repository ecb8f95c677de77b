"""What the scheduler delivers: the email outbox, in-app notifications, reminder records, and the
heartbeat each scheduler process leaves behind."""
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.case import HumanTask
from app.models.enums import EmailStatus
from app.models.types import UTCDateTime, utcnow
from app.models.user import User

#: The reminder job's range scan: ready tasks by due date (declared here, created by 0003).
Index("ix_human_tasks_state_due", HumanTask.state, HumanTask.due_at)


class OutboxEmail(db.Model):
    """One email to send. Written in the transaction that decides to send it; the sender marks it
    sent in the transaction that hands it to the SMTP server, so it is neither lost nor sent twice.
    """

    __tablename__ = "email_outbox"
    __table_args__ = (Index("ix_email_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=EmailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id"))

    @property
    def message_id(self) -> str:
        """A stable Message-ID, so a receiver can drop a copy resent after a crash."""
        return f"<outbox-{self.id}@safeport>"


class Notification(db.Model):
    """An in-app notice for one user; unread until `read_at` is set."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_inbox", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(String(500))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class ReminderSent(db.Model):
    """Proof that the reminder for (task, lead time) went out: the unique key makes it once only.

    `lead` is the ISO duration from SAFEPORT_REMINDER_LEAD_TIMES, or "overdue" for the escalation.
    `skipped` marks a longer lead time that had already passed when a shorter one was sent (after
    downtime, or for a task created closer to its due date than the lead time).
    """

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("task_id", "lead"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id"))
    lead: Mapped[str] = mapped_column(String(40))
    skipped: Mapped[bool] = mapped_column(default=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ActionReminderSent(db.Model):
    """Proof that the reminder for (corrective action, due date, lead time) went out, as
    `ReminderSent` is for tasks: the unique key makes each one go out once.

    The due date is part of the key, so an action whose deadline moves is reminded again for the
    new date. `lead` is an ISO duration or "overdue" (the escalation to the client).
    """

    __tablename__ = "action_reminders_sent"
    __table_args__ = (UniqueConstraint("action_id", "due_date", "lead"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("corrective_actions.id"))
    due_date: Mapped[date] = mapped_column(Date)
    lead: Mapped[str] = mapped_column(String(40))
    skipped: Mapped[bool] = mapped_column(default=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SchedulerHeartbeat(db.Model):
    """One row per scheduler process, updated after every run: what it did and when it wakes."""

    __tablename__ = "scheduler_heartbeats"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_wake_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totals: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    last_error: Mapped[str | None] = mapped_column(Text)

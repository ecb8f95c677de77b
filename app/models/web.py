"""Tables the web UI needs: saved inbox filters, task drafts, case documents and comments."""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.case import HumanTask
from app.models.types import UTCDateTime, utcnow
from app.models.user import User


class SavedFilter(db.Model):
    """A named inbox view: the query string that reproduces it."""

    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the role the view is shared with (its owner's, when shared): others of it see it too
    shared_role: Mapped[str | None] = mapped_column(String(20), index=True)

    owner: Mapped[User] = relationship()


class TaskFollowUp(db.Model):
    """A user's follow-up date for a task ("snooze until"): the task leaves that user's default
    inbox view until then."""

    __tablename__ = "task_follow_ups"
    __table_args__ = (Index("ix_task_follow_ups_user", "user_id", "until"),)

    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    until: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TaskDraft(db.Model):
    """What a user typed into a task's form and saved without completing it."""

    __tablename__ = "task_drafts"

    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Document(db.Model):
    """Evidence uploaded to a case; the bytes live outside the web root under `stored_name`."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    #: the criterion (or form field) the document answers, if any.
    criterion: Mapped[str | None] = mapped_column(String(200))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploaded_by: Mapped[User | None] = relationship()


class Comment(db.Model):
    """A note on a case, visible to everyone who may see the case."""

    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()


# Inbox indexes on the engine's human_tasks table (issue 4's bench): only open tasks, in the
# order inboxes read them, with what counting and sorting need, so a queue of 50,000 open
# tasks among a million rows is counted and paged from the index alone.
_OPEN = text("state = 'ready'")
Index("ix_human_tasks_open_queue", HumanTask.role, HumanTask.due_at, HumanTask.created_at,
      HumanTask.id, postgresql_include=["priority", "assignee_id", "case_id"],
      postgresql_where=_OPEN, sqlite_where=_OPEN)
# sorting by priority (DESC) or newest reads these backwards; ties are sorted per group
Index("ix_human_tasks_open_priority", HumanTask.role, HumanTask.priority,
      postgresql_include=["due_at", "id"], postgresql_where=_OPEN, sqlite_where=_OPEN)
Index("ix_human_tasks_open_created", HumanTask.role, HumanTask.created_at, HumanTask.id,
      postgresql_where=_OPEN, sqlite_where=_OPEN)
Index("ix_human_tasks_open_mine", HumanTask.assignee_id, HumanTask.due_at,
      HumanTask.created_at, HumanTask.id, postgresql_include=["priority", "role", "case_id"],
      postgresql_where=_OPEN, sqlite_where=_OPEN)
# the inbox's task-name sort (forwards and backwards) and its search box, which reads title,
# case and assignee of a queue's open tasks from this index alone (migration 0011)
Index("ix_human_tasks_open_title", HumanTask.role, HumanTask.title, HumanTask.due_at,
      HumanTask.id, postgresql_include=["case_id", "assignee_id", "priority", "created_at"],
      postgresql_where=_OPEN, sqlite_where=_OPEN)

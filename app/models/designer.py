"""Diagram drafts: what a designer is editing before it is deployed (issue 5)."""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class DiagramDraft(db.Model):
    """One designer's unsaved work on one process: the diagram XML and edited forms."""

    __tablename__ = "diagram_drafts"
    __table_args__ = (UniqueConstraint("process_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the process being edited (it may not be deployed yet).
    process_id: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: the file name the diagram deploys as, and its BPMN XML.
    filename: Mapped[str] = mapped_column(String(200))
    xml: Mapped[str] = mapped_column(Text)
    #: form key -> form-js definition edited with the diagram (checked with parse_form).
    forms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: the deployed version the draft started from, if any.
    base_version: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

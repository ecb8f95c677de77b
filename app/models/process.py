"""Deployed process models and their immutable versions."""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class ProcessModel(db.Model):
    """One executable BPMN process, identified by its process id."""

    __tablename__ = "process_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list["ProcessVersion"]] = relationship(
        back_populates="process_model", order_by="ProcessVersion.version"
    )


class ProcessVersion(db.Model):
    """An immutable deployed version: its files, parsed spec and forms, stored once."""

    __tablename__ = "process_versions"
    __table_args__ = (UniqueConstraint("process_model_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_model_id: Mapped[int] = mapped_column(ForeignKey("process_models.id"))
    version: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    #: file name -> BPMN/DMN XML of every file the process needs (its own and called ones).
    files: Mapped[dict[str, str]] = deferred(mapped_column(JSON))
    #: serialized SpiffWorkflow spec and subprocess specs (JSON text).
    spec_json: Mapped[str] = deferred(mapped_column(Text))
    #: form key -> form definition, as deployed with this version.
    forms: Mapped[dict[str, Any]] = deferred(mapped_column(JSON))
    default_role: Mapped[str] = mapped_column(String(20), default="case_worker")
    #: roles that may start cases of this version, comma-separated (admins always may).
    startable_by: Mapped[str] = mapped_column(String(200), default="case_worker",
                                              server_default="case_worker")
    #: the form whose fields start data must fill; None: the process takes no start data.
    start_form: Mapped[str | None] = mapped_column(String(200))
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    process_model: Mapped[ProcessModel] = relationship(back_populates="versions")

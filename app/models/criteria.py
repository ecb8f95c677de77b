"""The CTPAT Minimum Security Criteria catalogue, as data: one row per entity type and ID."""
from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

FOCUS_AREAS = {
    "Corporate Security": (1, 2, 3, 4),
    "Transportation Security": (5, 6, 7, 8),
    "People and Physical Security": (9, 10, 11, 12),
}
CATEGORIES = {
    1: "Security Vision and Responsibility", 2: "Risk Assessment", 3: "Business Partners",
    4: "Cybersecurity", 5: "Conveyance and Instruments of International Traffic Security",
    6: "Seal Security", 7: "Procedural Security", 8: "Agricultural Security",
    9: "Physical Security", 10: "Physical Access Controls", 11: "Personnel Security",
    12: "Education, Training and Awareness",
}
DESIGNATIONS = ("Must", "Should")


class Criterion(db.Model):
    """One criterion (`category.item`) as it applies to one entity type."""

    __tablename__ = "criteria"
    __table_args__ = (UniqueConstraint("entity_type", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(40), index=True)
    criterion_id: Mapped[str] = mapped_column(String(10))
    category: Mapped[int]
    focus_area: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    guidance: Mapped[str] = mapped_column(Text, default="")
    designation: Mapped[str] = mapped_column(String(6))
    #: True while the wording is SafePort's sample text, not CBP's official text
    sample_wording: Mapped[bool] = mapped_column(default=False)

    @property
    def key(self) -> str:
        """A form-field-safe name: 1.10 -> c1_10."""
        return "c" + self.criterion_id.replace(".", "_")

    @property
    def category_name(self) -> str:
        return CATEGORIES.get(self.category, str(self.category))

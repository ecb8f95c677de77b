"""SafePort's typed SQLAlchemy models, one module per aggregate."""
from app.models.audit import AuditEvent
from app.models.case import Case, CaseState, HumanTask, MessageSubscription
from app.models.process import ProcessModel, ProcessVersion
from app.models.user import Company, User

__all__ = [
    "AuditEvent", "Case", "CaseState", "Company", "HumanTask", "MessageSubscription",
    "ProcessModel", "ProcessVersion", "User",
]

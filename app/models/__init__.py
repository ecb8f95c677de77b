"""SafePort's typed SQLAlchemy models, one module per aggregate."""
from app.models.audit import AuditEvent
from app.models.case import Case, CaseState, HumanTask, MessageSubscription
from app.models.criteria import Criterion
from app.models.designer import DiagramDraft
from app.models.membership import (
    BusinessPartner,
    CompanyAddress,
    CompanyContact,
    CompanyIdentifier,
    CompanyOfficer,
    CompanyProfile,
    CompanyRecordVersion,
    Facility,
    Membership,
)
from app.models.notification import (
    ActionReminderSent,
    Notification,
    OutboxEmail,
    ReminderSent,
    SchedulerHeartbeat,
)
from app.models.partners import ChecklistItem, CorrectiveAction, SupplierLink
from app.models.process import ProcessModel, ProcessVersion
from app.models.user import Company, SignInFailures, User, UserChanges
from app.models.web import Comment, Document, SavedFilter, TaskDraft, TaskFollowUp

__all__ = [
    "AuditEvent", "BusinessPartner", "Case", "CaseState", "Company", "CompanyAddress",
    "CompanyContact", "CompanyIdentifier", "CompanyProfile", "Criterion", "Facility",
    "HumanTask", "Membership", "MessageSubscription", "ProcessModel", "ProcessVersion", "User",
    # issue 6 and issue 4
    "Comment", "Document", "Notification", "OutboxEmail", "ReminderSent", "SavedFilter",
    "SchedulerHeartbeat", "TaskDraft",
    # the inbox (migration 0011)
    "TaskFollowUp",
    # issue 5 (designer)
    "DiagramDraft",
    # issue 15 (sign-in limits)
    "SignInFailures",
    "UserChanges",
    # issue 13 (living records)
    "CompanyOfficer", "CompanyRecordVersion",
    # issue 12 (partner audits)
    "ChecklistItem", "CorrectiveAction", "SupplierLink", "ActionReminderSent",
]

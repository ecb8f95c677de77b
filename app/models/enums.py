"""Statuses and kinds, one `StrEnum` each: models, services and schemas share these.

They are `str` subclasses, so they compare equal to the stored text and serialize as it.
"""
from enum import StrEnum


class CaseStatus(StrEnum):
    """Where a case (process instance) stands."""

    RUNNING = "running"
    COMPLETED = "completed"
    ERROR = "error"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"

    @classmethod
    def open(cls) -> tuple["CaseStatus", ...]:
        """Statuses of a case that has not ended."""
        return (cls.RUNNING, cls.ERROR, cls.SUSPENDED)

    @classmethod
    def ended(cls) -> tuple["CaseStatus", ...]:
        """Statuses of a case that has ended for good."""
        return (cls.COMPLETED, cls.TERMINATED)


class TaskState(StrEnum):
    """A human task's row: waiting for a person, done, or cancelled by the process."""

    READY = "ready"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class EmailStatus(StrEnum):
    """An outbox email's delivery state."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class AuditKind(StrEnum):
    """Every kind of audit event; `audit.record` refuses any other."""

    DEPLOYMENT = "deployment"
    CATALOGUE_IMPORTED = "catalogue_imported"
    CASE_STARTED = "case_started"
    CASE_CONTINUED = "case_continued"
    CASE_COMPLETED = "case_completed"
    CASE_SUSPENDED = "case_suspended"
    CASE_RESUMED = "case_resumed"
    CASE_TERMINATED = "case_terminated"
    CASE_MIGRATED = "case_migrated"
    TASK_CREATED = "task_created"
    TASK_CLAIMED = "task_claimed"
    TASK_UNCLAIMED = "task_unclaimed"
    TASK_ASSIGNED = "task_assigned"
    TASK_COMPLETED = "task_completed"
    TASK_CANCELLED = "task_cancelled"
    TIMER_FIRED = "timer_fired"
    MESSAGE_RECEIVED = "message_received"
    ERROR = "error"
    RETRIED = "retried"
    MEMBERSHIP_CHANGED = "membership_changed"
    COMPANY_PROFILE_SAVED = "company_profile_saved"
    COMPANY_RECORD_SAVED = "company_record_saved"
    COMPANY_RECORD_ACCEPTED = "company_record_accepted"
    NOTICE = "notice"
    REMINDER_SENT = "reminder_sent"
    DEADLINE_ESCALATED = "deadline_escalated"
    CORRECTIVE_ACTION_OVERDUE = "corrective_action_overdue"
    DOCUMENT_UPLOADED = "document_uploaded"
    COMMENT_ADDED = "comment_added"
    # partner audits (issue 12)
    MAIL_SENT = "mail_sent"
    AUDIT_REPORT_ISSUED = "audit_report_issued"
    CORRECTIVE_ACTIONS_RECORDED = "corrective_actions_recorded"
    AUDIT_CLOSED = "audit_closed"

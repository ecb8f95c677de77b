"""What a case page shows: the record, open tasks, timeline, documents, comments, diagram."""
import re
from dataclasses import dataclass, field
from html import unescape
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Case, HumanTask, ProcessVersion, User
from app.models.enums import AuditKind, CaseStatus, TaskState
from app.models.membership import Membership
from app.models.web import Comment, Document
from app.services.audits.summary import AuditSummary, audit_summary
from app.services.errors import NotFound
from app.services.identity.access import get_case, get_company
from app.services.runtime import unit_of_work as instances
from app.services.tasks.submissions import Submission, evidence, submissions

#: what the engine does on its own (a timer, a script, the scheduler, the next step of a
#: process): credited to SafePort on the timeline, even when a person's action set it off
#: (the audit row keeps that person as its actor)
ENGINE_KINDS = frozenset({
    AuditKind.TASK_CREATED, AuditKind.TASK_CANCELLED, AuditKind.TIMER_FIRED,
    AuditKind.CASE_COMPLETED, AuditKind.CASE_CONTINUED, AuditKind.ERROR,
    AuditKind.MEMBERSHIP_CHANGED, AuditKind.NOTICE, AuditKind.REMINDER_SENT,
    AuditKind.DEADLINE_ESCALATED, AuditKind.CORRECTIVE_ACTION_OVERDUE, AuditKind.MAIL_SENT,
    AuditKind.AUDIT_REPORT_ISSUED, AuditKind.CORRECTIVE_ACTIONS_RECORDED,
    AuditKind.AUDIT_CLOSED})
#: the name the timeline gives the engine
ENGINE_NAME = "SafePort"


@dataclass
class TimelineEntry:
    """One audit event and who it is credited to: a person's name, or SafePort for what the
    engine did (`ENGINE_KINDS`, or no actor at all)."""

    event: AuditEvent
    actor: str


def _credit(event: AuditEvent, full_name: str | None, username: str | None) -> str:
    """Who a timeline entry names: SafePort for the engine's own steps, else the person."""
    if event.kind in ENGINE_KINDS or username is None:
        return ENGINE_NAME
    return full_name or username


@dataclass
class CasePage:
    """Everything the case page renders, read with a handful of queries."""

    case: Case
    open_tasks: list[HumanTask]
    timeline: list[TimelineEntry]
    documents: list[Document]
    comments: list[Comment]
    membership: list[tuple[str, Any]]
    #: submitted work by stage, in the order the stages were worked: (stage, submissions)
    work: list[tuple[str, list[Submission]]] = field(default_factory=list)
    evidence: dict[str, list[Document]] = field(default_factory=dict)
    #: a partner audit's supplier and corrective actions (None for other cases)
    audit: AuditSummary | None = None


def case_page(actor: User, case_id: int, language: str = "en") -> CasePage:
    """A case the actor may see, with all that its page shows (forms in `language`)."""
    case = get_case(actor, case_id)
    open_tasks = list(db.session.scalars(select(HumanTask).where(
        HumanTask.case_id == case.id, HumanTask.state == TaskState.READY).order_by(HumanTask.id)))
    history = _history(case.id)
    documents = list(db.session.scalars(select(Document).where(Document.case_id == case.id)
                                        .order_by(Document.id.desc())))
    comments = list(db.session.scalars(select(Comment).where(Comment.case_id == case.id)
                                       .order_by(Comment.id)))
    work: dict[str, list[Submission]] = {}
    for done in submissions(case, actor, language):
        work.setdefault(done.stage or "Other", []).append(done)
    return CasePage(case, open_tasks, history,
                    documents, comments,
                    membership_record(case) if case.supplier_id is None else [],
                    list(work.items()), evidence(case), audit_summary(case))


def membership_record(case: Case) -> list[tuple[str, Any]]:
    """The company's membership record as (label, value) rows, empty until it has one; for a
    partner audit, the audited supplier instead (the client's membership is not its subject)."""
    if case.supplier_id is not None:
        supplier = case.supplier
        return [(label, value) for label, value in (
            ("Supplier", supplier.legal_name), ("Country", supplier.country)) if value]
    record = db.session.scalar(select(Membership).where(Membership.company_id == case.company_id))
    if record is None:
        return []
    return [(label, value) for label, value in (
        ("Membership", record.status.replace("_", " ")), ("Reason", record.status_reason),
        ("Tier", record.tier), ("Applied", record.applied_at),
        ("Certified", record.certified_at), ("Validated", record.validated_at),
        ("Validation due", record.validation_due_at),
        ("Next annual review", record.anniversary_at),
        ("Review window opens", record.review_window_opens_at),
        ("Next revalidation", record.revalidation_due_at),
    ) if value not in (None, "")]


@dataclass
class Hold:
    """Why a case's tasks cannot be completed: suspended or ended, since when, by whom, why."""

    status: str
    since: Any
    by: str | None
    reason: str | None


def hold_of(case: Case) -> Hold | None:
    """The hold on a suspended or terminated case (None while it runs)."""
    kinds = {CaseStatus.SUSPENDED: AuditKind.CASE_SUSPENDED,
             CaseStatus.TERMINATED: AuditKind.CASE_TERMINATED}
    if case.status not in kinds:
        return None
    row = db.session.execute(
        select(AuditEvent, User.username).outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.case_id == case.id, AuditEvent.kind == kinds[case.status])
        .order_by(AuditEvent.id.desc()).limit(1)).first()
    if row is None:
        return Hold(case.status, case.updated_at, None, None)
    return Hold(case.status, row[0].at, row[1] or "SafePort", row[0].details.get("reason"))


def timeline(actor: User, case_id: int) -> list[TimelineEntry]:
    """The audit trail of a case, newest first (for the timeline partial)."""
    case = get_case(actor, case_id)
    return _history(case.id)


def _history(case_id: int) -> list[TimelineEntry]:
    """A case's audit events, newest first, each credited (one query)."""
    rows = db.session.execute(
        select(AuditEvent, User.full_name, User.username)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.case_id == case_id).order_by(AuditEvent.id.desc())).all()
    return [TimelineEntry(e, _credit(e, full, name)) for e, full, name in rows]


@dataclass
class Diagram:
    """The BPMN XML of one process of a case and the state of each of its elements."""

    xml: str
    states: dict[str, str]
    has_layout: bool
    #: the process drawn: the case's own, or one it calls (a stage)
    process_id: str = ""
    name: str = ""
    #: processes this one calls that the case's version can draw (a call activity opens them)
    called: list[str] = field(default_factory=list)


def _process_pattern(process_id: str) -> re.Pattern:
    return re.compile(r"<(?:\w+:)?process\b[^>]*\bid=\"" + re.escape(process_id) + '"')


def _process_xml(files: dict[str, str], process_id: str) -> str | None:
    """The file of a version that defines `process_id` (None when none does)."""
    pattern = _process_pattern(process_id)
    return next((text for text in files.values() if pattern.search(text)), None)


def _process_name(xml: str, process_id: str) -> str:
    tag = re.search(_process_pattern(process_id).pattern + "[^>]*>", xml)
    name = re.search(r'\bname="([^"]*)"', tag.group(0)) if tag else None
    return unescape(name.group(1)) if name else process_id


def diagram(actor: User, case_id: int, process_id: str | None = None) -> Diagram:
    """A case's diagram with BPMN id -> COMPLETED/READY/WAITING/ERROR/STARTED.

    Without `process_id` the case's own process; with it, a process the case's version calls
    (a stage), marked with the steps of its open run, or of its latest run once it has ended.
    """
    case = get_case(actor, case_id)
    version = db.session.get(ProcessVersion, case.process_version_id)
    top = version.process_model.process_id
    files = version.files or {}
    wanted = process_id or top
    xml = _process_xml(files, wanted)
    if xml is None:
        if process_id:
            raise NotFound(f"this case's process does not include {process_id}")
        xml = next(iter(files.values()), "")
    try:
        states = instances.peek(case).element_states_by_process().get(wanted, {})
    except Exception:  # show the diagram even when the state cannot be read
        states = {}
    called = sorted({called for called in re.findall(r'\bcalledElement="([^"]+)"', xml)
                     if called != wanted and _process_xml(files, called) is not None})
    return Diagram(xml, states, "BPMNDiagram" in xml and "BPMNShape" in xml, wanted,
                   _process_name(xml, wanted), called)


@dataclass
class CompanyOverview:
    """An applicant's start page: their company, its cases, what is required next."""

    company: Any
    cases: list[Case]
    required: list[HumanTask]
    history: list[TimelineEntry]


def company_overview(actor: User) -> CompanyOverview:
    """The applicant's own company with its cases, open applicant tasks and recent history."""
    if actor.role != "applicant" or actor.company_id is None:
        raise NotFound("only applicants have a company page")
    company = get_company(actor, actor.company_id)
    cases = list(db.session.scalars(select(Case).where(Case.company_id == company.id)
                                    .order_by(Case.id.desc())))
    required = list(db.session.scalars(
        select(HumanTask).join(Case, Case.id == HumanTask.case_id)
        .where(Case.company_id == company.id, HumanTask.state == TaskState.READY,
               HumanTask.role == "applicant")
        .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id)))
    rows = db.session.execute(
        select(AuditEvent, User.username).outerjoin(User, User.id == AuditEvent.actor_id)
        .join(Case, Case.id == AuditEvent.case_id).where(Case.company_id == company.id)
        .order_by(AuditEvent.id.desc()).limit(30)).all()
    return CompanyOverview(company, cases, required, [TimelineEntry(e, n) for e, n in rows])

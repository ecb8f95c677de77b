"""Submitted work: what people submitted in completed tasks (read from the audit trail), what a
task presents for review, and earlier rounds of a task that comes round again.

What a task presents is declared in its form, where a designer sees and changes it:

    {"type": "default", "id": "specialist_review",
     "properties": {"presents": ["company_profile", "security_profile"], "carryOver": false},
     "components": [...]}

`presents` names the forms whose latest submission in the case is shown read-only beside the
task; `carryOver` (default false) keeps an earlier round's answers in a task that comes round
again, which otherwise opens blank.
"""
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Case, Document, HumanTask, User
from app.models.enums import AuditKind
from app.services.forms.translation import translate_form
from app.services.membership.catalogue import expand_form
from app.services.runtime.state import forms_of


@dataclass
class Submission:
    """One completed task's submitted data, with the form to read it through."""

    task_id: int
    title: str
    bpmn_id: str
    form_key: str | None
    role: str
    by: str | None
    at: datetime
    stage: str | None
    data: dict[str, Any]
    form: dict[str, Any] | None


def form_properties(form: dict[str, Any] | None) -> dict[str, Any]:
    """The form's own SafePort properties (`presents`, `carryOver`)."""
    props = (form or {}).get("properties")
    return props if isinstance(props, dict) else {}


def presented_keys(form: dict[str, Any] | None) -> list[str]:
    """The form keys a task's form declares it presents for review."""
    value = form_properties(form).get("presents") or []
    if isinstance(value, str):
        value = value.split(",")
    return [key.strip() for key in value if isinstance(key, str) and key.strip()]


def submissions(case: Case, reader: User, language: str = "en") -> list[Submission]:
    """Every submission in a case the reader may see, oldest first (applicants: only their
    own role's tasks), each with its form in `language`."""
    query = (select(AuditEvent, HumanTask, User.username)
             .join(HumanTask, HumanTask.id == AuditEvent.task_id)
             .outerjoin(User, User.id == AuditEvent.actor_id)
             .where(AuditEvent.case_id == case.id,
                    AuditEvent.kind == AuditKind.TASK_COMPLETED)
             .order_by(AuditEvent.id))
    if reader.role in ("applicant", "supplier"):
        query = query.where(HumanTask.role == reader.role)
    forms = forms_of(case.process_version_id)
    expanded: dict[str | None, dict | None] = {}
    found = []
    for event, task, username in db.session.execute(query):
        if task.form_key not in expanded:
            expanded[task.form_key] = translate_form(expand_form(forms.get(task.form_key), case),
                                                     language)
        found.append(Submission(task.id, task.title, task.bpmn_id, task.form_key, task.role,
                                username, event.at, event.details.get("stage"),
                                event.details.get("data") or {}, expanded[task.form_key]))
    return found


def presented(task: HumanTask, form: dict[str, Any] | None,
              every: list[Submission]) -> list[Submission]:
    """The latest submission of each form the task's form presents, in declared order."""
    latest = {s.form_key: s for s in every if s.task_id != task.id}
    return [latest[key] for key in presented_keys(form) if key in latest]


def earlier_rounds(task: HumanTask, every: list[Submission]) -> list[Submission]:
    """Completed earlier rounds of the same task in the case, newest first."""
    return [s for s in reversed(every) if s.bpmn_id == task.bpmn_id and s.task_id != task.id]


def blank_round(values: dict[str, Any], form: dict[str, Any] | None,
                rounds: list[Submission]) -> dict[str, Any]:
    """The values a ready task opens with: answers given in earlier rounds of the same task are
    left out unless the form says `carryOver`."""
    if not rounds or form_properties(form).get("carryOver") is True:
        return values
    answered = {key for s in rounds for key in s.data}
    return {key: value for key, value in values.items() if key not in answered}


def evidence(case: Case) -> dict[str, list[Document]]:
    """The case's documents by the form path of the criterion they were uploaded for
    (criterion 3.1 -> "c3_1", the path its questionnaire group has); "" for none."""
    found: dict[str, list[Document]] = {}
    for doc in db.session.scalars(select(Document).where(Document.case_id == case.id)
                                  .order_by(Document.id)):
        criterion = (doc.criterion or "").strip()
        key = "c" + criterion.replace(".", "_") if criterion[:1].isdigit() else criterion
        found.setdefault(key, []).append(doc)
    return found

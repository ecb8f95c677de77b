"""The on-site audit checklist, saved item by item while the audit goes on.

A task whose form has a group generated as the "audit" questionnaire is a checklist: one item
per criterion of the audited supplier's entity type. Each answer is kept as a `ChecklistItem`
row the moment it is given (checked by the same rules as the form), so a dropped connection
loses at most the item being typed; completing the task submits the saved items as the form's
data through the task service, whose form is the one rule for what is accepted.
"""
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from sqlalchemy import select

from app.extensions import db
from app.models import ChecklistItem, Criterion, Document, HumanTask, User
from app.models.enums import CaseStatus, TaskState
from app.models.types import utcnow
from app.services.errors import Conflict, Invalid, NotFound
from app.services.forms.validation import validate_submission
from app.services.identity.access import check_may_work_on, get_task
from app.services.membership import questionnaires
from app.services.membership.catalogue import criteria_for
from app.services.runtime.state import forms_of
from app.services.runtime.unit_of_work import keep_loaded, lock_task, transaction
from app.services.tasks import actions, documents

#: one item's inputs as a form of their own: the rules every saved item is checked by
_ITEM_FORM = {"type": "default", "id": "checklist_item", "components": [
    {"type": "group", "path": "item", "components": questionnaires.audit_fields()}]}


@dataclass
class Checklist:
    """Where a task's checklist lives: the form group's path and the criteria it asks about."""

    path: str
    criteria: list[Criterion]

    def criterion(self, criterion_id: str) -> Criterion:
        """One criterion of the checklist (404 for any other)."""
        found = next((c for c in self.criteria if c.criterion_id == criterion_id), None)
        if found is None:
            raise NotFound(f"criterion {criterion_id!r} is not on this checklist",
                           {"criterion_id": ["not a criterion of the supplier's entity type"]})
        return found


def checklist_of(task: HumanTask) -> Checklist:
    """The checklist of a task (404 when its form has none)."""
    form = forms_of(task.case.process_version_id).get(task.form_key)
    path = questionnaires.group_path(form, "audit")
    if path is None:
        raise NotFound(f"task {task.id} has no audit checklist")
    case = task.case
    return Checklist(path, criteria_for((case.supplier or case.company).entity_type))


def validated_item(values: dict[str, Any]) -> dict[str, Any]:
    """One item's answers cleaned by the checklist's rules (what is hidden for the result is
    dropped); 422 with a message per field (`result`, `severity`, `notes`)."""
    clean, errors = validate_submission(_ITEM_FORM, {"item": values})
    if errors:
        raise Invalid("the checklist item has errors",
                      {key.removeprefix("item."): messages for key, messages in errors.items()})
    return clean["item"]


def save_item(actor: User, task_id: int, criterion_id: str, result: Any, severity: Any,
              notes: Any) -> ChecklistItem:
    """Save (insert or replace) one item of a ready checklist task: by whoever may work the
    task and is not kept off it by someone else's claim; 422 for answers the form refuses."""
    task = get_task(actor, task_id)
    check_may_work_on(actor, task)
    criterion = checklist_of(task).criterion(criterion_id)
    with transaction():
        task, case = lock_task(task.id)  # serialised with completing the task
        if task.state != TaskState.READY:
            raise Conflict(f"task {task.id} is already {task.state}")
        if task.assignee_id not in (None, actor.id) and actor.role != "admin":
            raise Conflict(f"task {task.id} is claimed by someone else")
        if case.status != CaseStatus.RUNNING:
            raise Conflict(f"case {case.id} is {case.status}: its checklist cannot change")
        values = validated_item({"result": result, "severity": severity, "notes": notes})
        item = db.session.scalar(select(ChecklistItem).where(
            ChecklistItem.case_id == case.id,
            ChecklistItem.criterion_id == criterion.criterion_id))
        if item is None:
            item = ChecklistItem(case_id=case.id, criterion_id=criterion.criterion_id)
            db.session.add(item)
        item.result, item.severity = values["result"], values.get("severity")
        item.notes, item.updated_by_id, item.updated_at = values.get("notes") or "", actor.id, \
            utcnow()
        keep_loaded(item)
    return item


def _saved(case_id: int) -> dict[str, ChecklistItem]:
    rows = db.session.scalars(select(ChecklistItem).where(ChecklistItem.case_id == case_id))
    return {item.criterion_id: item for item in sorted(rows, key=_order)}


def _order(item: ChecklistItem) -> tuple[int, ...]:
    return tuple(int(part) for part in item.criterion_id.split(".") if part.isdigit())


def items(actor: User, task_id: int) -> dict[str, ChecklistItem]:
    """The saved items of a checklist task the actor may see: criterion id -> item, in
    criterion order."""
    task = get_task(actor, task_id)
    checklist_of(task)
    return _saved(task.case_id)


def submission(actor: User, task_id: int) -> dict[str, Any]:
    """The task's form data built from the saved items: `{path: {"c3_1": {"result", ...}}}`
    with the criteria not answered yet left out (completing then names each of them)."""
    task = get_task(actor, task_id)
    found = checklist_of(task)
    saved = _saved(task.case_id)
    answers: dict[str, Any] = {}
    for c in found.criteria:
        item = saved.get(c.criterion_id)
        if item is None or item.result is None:
            continue
        answers[c.key] = {"result": item.result,
                          **({"severity": item.severity} if item.severity else {}),
                          **({"notes": item.notes} if item.notes else {})}
    return {found.path: answers}


def complete(actor: User, task_id: int) -> HumanTask:
    """Complete a checklist task with its saved items (the task service's rules: 422 with a
    message per item and field, 409 when done meanwhile)."""
    with transaction():
        lock_task(task_id)  # no item changes between reading them and completing
        return actions.complete(actor, task_id, submission(actor, task_id))


def upload_photo(actor: User, task_id: int, criterion_id: str, filename: str,
                 stream: BinaryIO) -> Document:
    """Upload a photo taken for one item to the task's case, as evidence for its criterion
    (the documents' rules on size and type)."""
    task = get_task(actor, task_id)
    criterion = checklist_of(task).criterion(criterion_id)
    return documents.upload(actor, task.case_id, filename, stream, criterion.criterion_id)


def item_summary(item: ChecklistItem) -> dict[str, Any]:
    """Plain data for the page's script."""
    return {"criterion_id": item.criterion_id, "result": item.result,
            "severity": item.severity, "notes": item.notes,
            "updated_at": item.updated_at.isoformat() if item.updated_at else None}


# --- the page ----------------------------------------------------------------------------


@dataclass
class Entry:
    """One criterion on the page, with its saved answer and the photos uploaded for it."""

    criterion: Criterion
    item: ChecklistItem | None
    photos: list[Document] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.criterion.key


@dataclass
class ChecklistPage:
    """A checklist task's items by category and how many are answered."""

    path: str
    categories: list[tuple[str, list[Entry]]]
    total: int
    answered: int
    shown_for: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: dict(questionnaires.SHOWN_FOR))


def checklist_page(task: HumanTask, evidence: dict[str, list[Document]]) -> ChecklistPage | None:
    """What the checklist page shows for a task the reader may see (None: no checklist)."""
    try:
        found = checklist_of(task)
    except NotFound:
        return None
    saved = _saved(task.case_id)
    categories: dict[str, list[Entry]] = {}
    for c in found.criteria:
        name = f"{c.category}. {c.category_name}"
        categories.setdefault(name, []).append(
            Entry(c, saved.get(c.criterion_id), list(evidence.get(c.key, []))))
    answered = sum(1 for c in found.criteria
                   if c.criterion_id in saved and saved[c.criterion_id].result)
    return ChecklistPage(found.path, list(categories.items()), len(found.criteria), answered)

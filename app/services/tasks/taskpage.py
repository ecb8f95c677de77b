"""What a task page shows: the form and the values it opens with, the work it presents for
review, earlier rounds, what was submitted once it is done, and a curated case summary."""
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import Document, User
from app.models.enums import TaskState
from app.models.user import roles_worked_by
from app.services.audits.checklist import ChecklistPage, checklist_page
from app.services.forms.translation import has_questionnaire
from app.services.identity.access import STAFF_ROLES, four_eyes_conflict
from app.services.tasks.actions import TaskView, task_detail
from app.services.tasks.casepage import Hold, hold_of, membership_record
from app.services.tasks.drafts import get_draft
from app.services.tasks.submissions import (
    Submission,
    blank_round,
    earlier_rounds,
    evidence,
    presented,
    submissions,
)


@dataclass
class TaskPage:
    """A task with its form, the values to show, and what the actor may do with it."""

    view: TaskView
    values: dict[str, Any]
    has_draft: bool
    may_work: bool
    held_by_other: bool
    assignee: str | None
    #: the latest submissions of the forms this task presents for review
    under_review: list[Submission] = field(default_factory=list)
    #: earlier rounds of this same task, newest first
    rounds: list[Submission] = field(default_factory=list)
    #: what was submitted, once the task is completed
    submitted: Submission | None = None
    hold: Hold | None = None
    membership: list[tuple[str, Any]] = field(default_factory=list)
    evidence: dict[str, list[Document]] = field(default_factory=dict)
    #: the full process data, for staff only ("technical details")
    technical: dict[str, Any] | None = None
    #: the form's own field messages in the page's language (English -> translation)
    messages: dict[str, str] = field(default_factory=dict)
    #: the form shows catalogue criteria, whose texts stay in English in another language
    criteria_in_english: bool = False
    #: the task of this case the actor did that keeps them from this one (four eyes)
    four_eyes: str | None = None
    #: an audit checklist task's items, saved one by one (None for other tasks)
    checklist: ChecklistPage | None = None


def task_page(actor: User, task_id: int, language: str = "en") -> TaskPage:
    """A task the actor may see, prefilled from their draft, else from the task's data less
    the answers of earlier rounds (each round starts blank unless the form carries them);
    forms in `language`."""
    view = task_detail(actor, task_id, language=language)
    task, case = view.task, view.task.case
    every = submissions(case, actor, language)
    rounds = earlier_rounds(task, every)
    draft = get_draft(actor, task.id) if task.state == TaskState.READY else None
    values = draft if draft is not None else blank_round(view.data, view.form, rounds)
    assignee = db.session.scalar(select(User.username).where(User.id == task.assignee_id)) \
        if task.assignee_id else None
    submitted = next((s for s in every if s.task_id == task.id), None)
    found = evidence(case)
    four_eyes = four_eyes_conflict(actor, task) if task.state == TaskState.READY else None
    return TaskPage(
        view, submitted.data if submitted else values, draft is not None,
        may_work=(actor.role == "admin" or task.role in roles_worked_by(actor.role))
        and four_eyes is None,
        held_by_other=task.assignee_id not in (None, actor.id) and actor.role != "admin",
        assignee=assignee, under_review=presented(task, view.form, every), rounds=rounds,
        submitted=submitted, hold=hold_of(case), membership=membership_record(case),
        evidence=found,
        technical=view.data if actor.role in STAFF_ROLES else None,
        messages=view.messages or {},
        criteria_in_english=language != "en" and has_questionnaire(view.form),
        checklist=checklist_page(task, found) if task.state == TaskState.READY else None,
        four_eyes=four_eyes)

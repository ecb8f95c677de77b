"""Task drafts: what a user typed into a task's form, saved to finish later; the task page."""
from typing import Any

from sqlalchemy import delete

from app.extensions import db
from app.models import HumanTask, User
from app.models.enums import TaskState
from app.models.types import utcnow
from app.models.web import TaskDraft
from app.services.errors import Conflict
from app.services.identity.access import check_may_work_on, get_task
from app.services.runtime.unit_of_work import transaction
from app.services.tasks import actions as tasks


def get_draft(actor: User, task_id: int) -> dict[str, Any] | None:
    """The actor's saved draft for a task, or None."""
    draft = db.session.get(TaskDraft, (task_id, actor.id))
    return dict(draft.data) if draft is not None else None


def save_draft(actor: User, task_id: int, data: dict[str, Any]) -> TaskDraft:
    """Keep what the actor typed (unvalidated) until they complete the task."""
    task = get_task(actor, task_id)
    check_may_work_on(actor, task)
    if task.state != TaskState.READY:
        raise Conflict(f"task {task.id} is already {task.state}")
    with transaction():
        draft = db.session.get(TaskDraft, (task.id, actor.id))
        if draft is None:
            draft = TaskDraft(task_id=task.id, user_id=actor.id)
            db.session.add(draft)
        draft.data, draft.updated_at = data, utcnow()
    return draft


def complete(actor: User, task_id: int, data: dict[str, Any]) -> HumanTask:
    """Complete a task (the task service's rules) and drop every draft of it, together."""
    with transaction():
        task = tasks.complete(actor, task_id, data)
        db.session.execute(delete(TaskDraft).where(TaskDraft.task_id == task.id))
    return task


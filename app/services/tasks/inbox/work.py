"""What the inbox does to its rows: bulk claim, assign and release of selected tasks, a
user's follow-up date ("snooze until"), and the task to go to after completing one.

A bulk action applies the task service's own rules to each task in its own transaction, so one
refused task (claimed meanwhile, another role, four eyes) refuses only itself; the result says
which succeeded and which were refused, and why.
"""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, select

from app.extensions import db
from app.models import HumanTask, User
from app.models.types import utcnow
from app.models.web import TaskFollowUp
from app.services.errors import Invalid, ServiceError
from app.services.identity import zones
from app.services.identity.access import get_task
from app.services.runtime.unit_of_work import transaction
from app.services.tasks import actions
from app.services.tasks.inbox.query import Filters, order_by, queues_of, task_ids

BULK_ACTIONS = ("claim", "assign", "release")
BULK_LIMIT = 100


@dataclass
class Refusal:
    """A task a bulk action left as it was, and why."""

    task_id: int
    reason: str
    title: str | None = None


@dataclass
class BulkResult:
    """What a bulk action did: the tasks it changed and those it refused."""

    action: str
    done: list[HumanTask] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


def bulk(actor: User, action: str, task_ids_: list[int], username: str = "") -> BulkResult:
    """Claim, assign (to `username`) or release each of the selected tasks."""
    if action not in BULK_ACTIONS:
        raise Invalid("unknown action", {"action": [f"one of {', '.join(BULK_ACTIONS)}"]})
    ids = list(dict.fromkeys(task_ids_))
    if not ids:
        raise Invalid("no tasks selected", {"task_ids": ["select at least one task"]})
    if len(ids) > BULK_LIMIT:
        raise Invalid("too many tasks", {"task_ids": [f"at most {BULK_LIMIT} at once"]})
    if action == "assign" and not username:
        raise Invalid("nobody to assign to", {"username": ["choose a colleague"]})
    result = BulkResult(action)
    for task_id in ids:
        try:
            if action == "claim":
                task = actions.claim(actor, task_id)
            elif action == "release":
                task = actions.unclaim(actor, task_id)
            else:
                task = actions.assign(actor, task_id, username)
        except ServiceError as err:
            db.session.rollback()
            result.refused.append(Refusal(task_id, _reason(err), _title(task_id)))
        else:
            result.done.append(task)
    return result


def _reason(err: ServiceError) -> str:
    """The most specific message of a refusal (a field's, for a refused assignee)."""
    if isinstance(err.details, dict):
        for messages in err.details.values():
            if messages:
                return str(messages[0])
    return err.message


def _title(task_id: int) -> str | None:
    return db.session.scalar(select(HumanTask.title).where(HumanTask.id == task_id))


def snooze(actor: User, task_id: int, until: date) -> TaskFollowUp:
    """Set the actor's follow-up date for a task they may see: it leaves their default inbox
    views until that day begins where they live (00:00 in their time zone) and comes back by
    itself."""
    task = get_task(actor, task_id)
    if until <= zones.today(actor):
        raise Invalid("the follow-up date has passed", {"until": ["a day after today"]})
    when = zones.start_of_day(actor, until)
    with transaction():
        follow_up = db.session.get(TaskFollowUp, (task.id, actor.id))
        if follow_up is None:
            follow_up = TaskFollowUp(task_id=task.id, user_id=actor.id)
            db.session.add(follow_up)
        follow_up.until, follow_up.created_at = when, utcnow()
    return follow_up


def unsnooze(actor: User, task_id: int) -> HumanTask:
    """Forget the actor's follow-up date for a task: it is back in their inbox."""
    task = get_task(actor, task_id)
    with transaction():
        db.session.execute(delete(TaskFollowUp).where(TaskFollowUp.task_id == task.id,
                                                      TaskFollowUp.user_id == actor.id))
    return task


def next_task_id(actor: User, after: HumanTask | None = None) -> int | None:
    """Where "complete and go to next" leads: the actor's next own task (soonest due), else
    the next unassigned task in the queues they work (one of the same case first); None when
    the queues are empty too."""
    skip = after.id if after is not None else 0
    own = task_ids(actor, Filters()).where(HumanTask.id != skip)
    found = db.session.scalar(own.order_by(*order_by(Filters())).limit(1))
    if found is not None:
        return found
    for role in queues_of(actor):
        free = task_ids(actor, Filters(view=role, assigned="unassigned")).where(
            HumanTask.id != skip)
        if after is not None:
            same = db.session.scalar(free.where(HumanTask.case_id == after.case_id)
                                     .order_by(HumanTask.id).limit(1))
            if same is not None:
                return same
        found = db.session.scalar(free.order_by(*order_by(Filters())).limit(1))
        if found is not None:
            return found
    return None

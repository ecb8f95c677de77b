"""In-app notifications (read/unread) and who hears about a task.

`notify` adds a notification and, when the user has an address, an outbox email, both in the
caller's transaction: the caller commits them together with the change they announce.
"""
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Case, HumanTask, Notification, User
from app.models.types import utcnow
from app.services.errors import NotFound
from app.services.jobs import letters, mail
from app.services.runtime.unit_of_work import transaction

ROLE_LABELS = {"applicant": "Applicant", "case_worker": "Case worker", "specialist": "Specialist",
               "auditor": "Auditor", "reviewer": "Report reviewer", "supplier": "Supplier"}


def notify(user: User, kind: str, message: str, *, case_id: int | None = None,
           task_id: int | None = None, email_body: str | None = None) -> Notification:
    """Tell one user something in the app and, if they have an address, by email."""
    note = Notification(user_id=user.id, kind=kind, message=message[:500], case_id=case_id,
                        task_id=task_id, created_at=utcnow())
    db.session.add(note)
    if email_body is not None:
        mail.enqueue(user.email, f"[SafePort] {message}", email_body, case_id=case_id,
                     task_id=task_id)
    return note


def notify_by_template(user: User, kind: str, template: str, *, case_id: int | None = None,
                       task_id: int | None = None, **params: Any) -> Notification:
    """Tell one user something written in `mail/<template>.txt`, in their language: the
    subject is the in-app notification, subject and body the email."""
    subject, body = letters.render(template, user, **params)
    return notify(user, kind, subject, case_id=case_id, task_id=task_id, email_body=body)


def task_audience(task: HumanTask) -> list[User]:
    """Who is responsible for a task: its assignee, or everyone active holding its role
    (for the applicant role, only the case's company)."""
    if task.assignee_id is not None:
        assignee = db.session.get(User, task.assignee_id)
        if assignee is not None and assignee.active:
            return [assignee]
    query = select(User).where(User.active.is_(True), User.role == task.role)
    if task.role in ("applicant", "supplier"):
        column = Case.company_id if task.role == "applicant" else Case.supplier_id
        company_id = db.session.scalar(select(column).where(Case.id == task.case_id))
        query = query.where(User.company_id == company_id)
    return list(db.session.scalars(query.order_by(User.id)))


def supervisors() -> list[User]:
    """Who hears about a missed deadline: every active case worker and admin."""
    return list(db.session.scalars(select(User).where(
        User.active.is_(True), User.role.in_(("case_worker", "admin"))).order_by(User.id)))


def task_assigned(task: HumanTask, assignee: User, actor: User | None) -> None:
    """Tell a person a task was given to them (in the caller's transaction)."""
    if actor is not None and actor.id == assignee.id:
        return
    notify_by_template(assignee, "task_assigned", "task_assigned", case_id=task.case_id,
                       task_id=task.id, task=task, queue=queue_name(task.role),
                       by=actor.username if actor is not None else None)


def queue_name(role: str) -> str:
    """A task role's queue as emails name it ("Case worker")."""
    return ROLE_LABELS.get(role, role)


# -- the user's side ---------------------------------------------------------------------------
def list_for(user: User, *, unread_only: bool = False, limit: int = 50) -> list[Notification]:
    """A user's notifications, newest first."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(db.session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


def unread_count(user: User) -> int:
    """How many of a user's notifications are unread."""
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def mark_read(user: User, notification_id: int | None = None,
              now: datetime | None = None) -> int:
    """Mark one notification (or, with no id, all of them) read; returns how many changed."""
    query = update(Notification).where(Notification.user_id == user.id,
                                       Notification.read_at.is_(None))
    if notification_id is not None:
        if db.session.scalar(select(Notification.id).where(
                Notification.id == notification_id, Notification.user_id == user.id)) is None:
            raise NotFound(f"notification {notification_id} not found")
        query = query.where(Notification.id == notification_id)
    with transaction():
        changed = db.session.execute(query.values(read_at=now or utcnow())).rowcount
    return changed


def mark_unread(user: User, notification_id: int) -> None:
    """Mark one notification unread again."""
    with transaction():
        changed = db.session.execute(update(Notification).where(
            Notification.id == notification_id, Notification.user_id == user.id)
            .values(read_at=None)).rowcount
        if not changed:
            raise NotFound(f"notification {notification_id} not found")

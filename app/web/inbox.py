"""Inboxes: "My tasks" and role queues with filters and sort in the URL; claim, release,
assign (one task or the selected ones), follow-up dates, saved views; the notification bell."""
from datetime import date
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import login_required

from app.models.user import ENTITY_TYPES
from app.services.errors import Invalid, NotFound
from app.services.jobs import notifications
from app.services.tasks import actions as tasks
from app.services.tasks import inbox as worklist
from app.services.tasks import views
from app.web.labels import term
from app.web.messages import localize
from app.web.session import actor

bp = Blueprint("inbox", __name__)
#: how many of the newest notifications the bell's dropdown shows
BELL_PANEL_ITEMS = 8


@bp.app_context_processor
def _bell():
    """`bell_count()` for the header's bell: the signed-in user's unread notifications."""
    return {"bell_count": lambda: notifications.unread_count(actor())}


def _back() -> str:
    """The inbox URL the user came from (same site only), to return to after an action."""
    target = request.form.get("back") or ""
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//")
            or "\\" in target):
        return url_for("inbox.index")
    return target


def _htmx(target: str | None = None) -> bool:
    return request.headers.get("HX-Request") == "true" and (
        target is None or request.headers.get("HX-Target") == target)


@bp.get("/inbox")
@login_required
def index():
    """An inbox page; htmx requests get only the results (filters stay in the URL)."""
    filters, errors = worklist.parse_filters(request.args.to_dict())
    page = worklist.inbox_page(actor(), filters)
    context = dict(page=page, filters=filters, errors=errors, sorts=worklist.SORTS,
                   entity_types=ENTITY_TYPES, query=urlencode(filters.as_query(page=1)))
    if _htmx("inbox-results"):
        return render_template("inbox/_results.html", partial=True, **context)
    return render_template("inbox/index.html", **context)


def _done(message: str, status: int = 200):
    """After an action: htmx gets a message and an event that reloads the inbox."""
    if _htmx():
        response = render_template("partials/message.html", message=message)
        return response, status, {"HX-Trigger": "inbox-changed"}
    flash(message, "info" if status == 200 else "error")
    return redirect(_back())


@bp.post("/tasks/<int:task_id>/claim")
@login_required
def claim(task_id: int):
    """Claim a task of one's role."""
    task = tasks.claim(actor(), task_id)
    return _done(gettext("You hold “%(title)s” now.", title=gettext(task.title)))


@bp.post("/tasks/<int:task_id>/release")
@login_required
def release(task_id: int):
    """Give a claimed task back to its queue."""
    task = tasks.unclaim(actor(), task_id)
    return _done(gettext("“%(title)s” is back in the %(role)s queue.", title=gettext(task.title),
                         role=term(task.role)))


@bp.post("/tasks/<int:task_id>/assign")
@login_required
def assign(task_id: int):
    """Assign a task to a colleague (case workers and admins)."""
    task = tasks.assign(actor(), task_id, request.form.get("username", ""))
    return _done(gettext("“%(title)s” is assigned to %(name)s.", title=gettext(task.title),
                         name=request.form.get("username")))


def _ids(values: list[str]) -> list[int]:
    try:
        return [int(value) for value in values]
    except ValueError:
        raise Invalid("unreadable selection", {"task_ids": ["task ids are numbers"]}) from None


@bp.post("/inbox/bulk")
@login_required
def bulk():
    """Claim, assign or release the selected tasks; says how many, and which were refused."""
    result = worklist.bulk(actor(), request.form.get("action", ""),
                           _ids(request.form.getlist("task_ids")),
                           request.form.get("username", ""))
    if _htmx():
        return (render_template("inbox/_bulk_result.html", result=result,
                                summary=bulk_summary(result)), 200,
                {"HX-Trigger": "inbox-changed"})
    flash(bulk_summary(result), "error" if result.refused else "info")
    return redirect(_back())


def bulk_summary(result: worklist.BulkResult) -> str:
    """One sentence for a bulk action: how many were done, and each refusal with its reason."""
    words = {"claim": ngettext("Claimed %(num)d task.", "Claimed %(num)d tasks.",
                               len(result.done)),
             "assign": ngettext("Assigned %(num)d task.", "Assigned %(num)d tasks.",
                                len(result.done)),
             "release": ngettext("Released %(num)d task.", "Released %(num)d tasks.",
                                 len(result.done))}
    refused = [gettext("Task %(id)s refused: %(reason)s.", id=r.task_id,
                       reason=localize(r.reason).rstrip("."))
               for r in result.refused]
    return " ".join([words[result.action], *refused])


@bp.post("/tasks/<int:task_id>/snooze")
@login_required
def snooze(task_id: int):
    """Set one's follow-up date for a task: it leaves one's inbox until that day."""
    try:
        until = date.fromisoformat(request.form.get("until", ""))
    except ValueError:
        raise Invalid("no follow-up date", {"until": ["must be a date (YYYY-MM-DD)"]}) from None
    worklist.snooze(actor(), task_id, until)
    return _done(gettext("Task %(id)s is snoozed until %(day)s.", id=task_id,
                         day=until.isoformat()))


@bp.post("/tasks/<int:task_id>/unsnooze")
@login_required
def unsnooze(task_id: int):
    """Forget one's follow-up date for a task: it is back in the inbox."""
    worklist.unsnooze(actor(), task_id)
    return _done(gettext("Task %(id)s is back in your inbox.", id=task_id))


@bp.post("/inbox/views")
@login_required
def save_view():
    """Save the current filters and sort under a name (shared with one's role if asked)."""
    saved = views.save_filter(actor(), request.form.get("name", ""),
                              request.form.get("query", ""),
                              shared=request.form.get("shared") in ("1", "on"))
    flash(gettext("Saved the view “%(name)s”.", name=saved.name), "info")
    return redirect(url_for("inbox.index") + "?" + saved.query)


@bp.post("/inbox/views/<int:view_id>/delete")
@login_required
def delete_view(view_id: int):
    """Forget a saved view."""
    views.delete_filter(actor(), view_id)
    flash(gettext("The saved view is gone."), "info")
    return redirect(url_for("inbox.index"))


@bp.get("/notifications")
@login_required
def notifications_page():
    """The user's notifications, newest first, unread ones marked."""
    return render_template("inbox/notifications.html",
                           items=notifications.list_for(actor(), limit=100),
                           unread=notifications.unread_count(actor()))


@bp.get("/notifications/bell")
@login_required
def bell():
    """The header's bell with the unread count (polled by htmx)."""
    return render_template("partials/bell.html", unread=notifications.unread_count(actor()))


@bp.get("/notifications/panel")
@login_required
def bell_panel():
    """The bell's dropdown: the newest notifications (fetched when the bell opens)."""
    return _bell_panel()


def _bell_panel(oob: bool = False) -> str:
    user = actor()
    return render_template("partials/bell_panel.html", oob=oob,
                           items=notifications.list_for(user, limit=BELL_PANEL_ITEMS),
                           unread=notifications.unread_count(user))


@bp.post("/notifications/read")
@login_required
def read_notifications():
    """Mark one notification (`id`) or all of them read, then back to the list (or, from the
    bell's dropdown, the dropdown again with the bell's new count)."""
    raw = request.form.get("id") or ""
    if raw and not raw.isdigit():
        raise NotFound(f"notification {raw} not found")
    notifications.mark_read(actor(), int(raw) if raw else None)
    if request.form.get("panel") and request.headers.get("HX-Request"):
        return _bell_panel(oob=True)
    return redirect(url_for("inbox.notifications_page"))

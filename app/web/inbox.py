"""Inboxes: "My tasks" and role queues with filters in the URL; claim, release, assign."""
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required

from app.models.user import ENTITY_TYPES
from app.services.tasks import actions as tasks
from app.services.tasks import inbox as worklist
from app.services.tasks import views
from app.web.labels import term
from app.web.session import actor

bp = Blueprint("inbox", __name__)


def _back() -> str:
    """The inbox URL the user came from (same site only), to return to after an action."""
    target = request.form.get("back") or ""
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//")
            or "\\" in target):
        return url_for("inbox.index")
    return target


@bp.get("/inbox")
@login_required
def index():
    """An inbox page; htmx requests get only the results (filters stay in the URL)."""
    filters, errors = worklist.parse_filters(request.args.to_dict())
    page = worklist.inbox_page(actor(), filters)
    context = dict(page=page, filters=filters, errors=errors, sorts=worklist.SORTS,
                   entity_types=ENTITY_TYPES, query=urlencode(filters.as_query()))
    if request.headers.get("HX-Request") == "true" and request.headers.get(
            "HX-Target") == "inbox-results":
        return render_template("inbox/_results.html", **context)
    return render_template("inbox/index.html", **context)


def _done(message: str):
    """After an action: htmx gets a message and an event that reloads the inbox."""
    if request.headers.get("HX-Request") == "true":
        response = render_template("partials/message.html", message=message)
        return response, 200, {"HX-Trigger": "inbox-changed"}
    flash(message, "info")
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


@bp.post("/inbox/views")
@login_required
def save_view():
    """Save the current filters under a name."""
    saved = views.save_filter(actor(), request.form.get("name", ""),
                                 request.form.get("query", ""))
    flash(gettext("Saved the view “%(name)s”.", name=saved.name), "info")
    return redirect(url_for("inbox.index") + "?" + saved.query)


@bp.post("/inbox/views/<int:view_id>/delete")
@login_required
def delete_view(view_id: int):
    """Forget a saved view."""
    views.delete_filter(actor(), view_id)
    flash(gettext("The saved view is gone."), "info")
    return redirect(url_for("inbox.index"))

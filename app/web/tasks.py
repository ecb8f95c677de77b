"""The task page: the task's form beside its case, drafts, completion with field errors."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required

from app.services.errors import Conflict, Invalid
from app.services.tasks import drafts, taskpage
from app.services.tasks import inbox as worklist
from app.web import formdata
from app.web.i18n import current_language
from app.web.messages import localize, localize_errors
from app.web.session import actor

bp = Blueprint("tasks", __name__)


def render_task(page, values, errors=None, conflict=None, status=200):
    """The task page with what was typed, its field errors or a conflict."""
    errors = localize_errors(errors or {}, page.messages)
    return render_template("tasks/task.html", page=page, task=page.view.task,
                           form=page.view.form, values=values, errors=errors,
                           problems=formdata.error_list(page.view.form, errors),
                           conflict=localize(conflict) if conflict else None), status


@bp.get("/tasks/<int:task_id>")
@login_required
def show(task_id: int):
    """A task with its form, prefilled from the user's draft or the task's data."""
    page = taskpage.task_page(actor(), task_id, current_language())
    return render_task(page, page.values)


@bp.post("/tasks/<int:task_id>")
@login_required
def submit(task_id: int):
    """Save a draft or complete the task; errors re-render the form with what was typed."""
    page = taskpage.task_page(actor(), task_id, current_language())
    values = formdata.parse(page.view.form, request.form)
    action = request.form.get("action", "complete")
    try:
        if action == "draft":
            drafts.save_draft(actor(), task_id, values)
            flash(gettext("Draft saved. It is here when you come back."), "info")
            return redirect(url_for("tasks.show", task_id=task_id))
        task = drafts.complete(actor(), task_id, values)
    except Invalid as err:
        details = err.details if isinstance(err.details, dict) else {"_schema": [err.message]}
        return render_task(page, values, errors=details, status=422)
    except Conflict as err:
        return render_task(page, values, conflict=err.message, status=409)
    flash(gettext("“%(title)s” is complete.", title=gettext(task.title)), "info")
    if action == "complete_next":
        next_id = worklist.next_task_id(actor(), task)
        if next_id is not None:
            return redirect(url_for("tasks.show", task_id=next_id))
    return redirect(url_for("inbox.index"))

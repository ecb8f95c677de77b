"""The phone checklist of an audit task: save one item (the page's script sends JSON; without
script each card is a form of its own), upload a photo for an item, submit the checklist."""
import io

from flask import Blueprint, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.services.audits import checklist
from app.services.errors import Conflict, Invalid, ServiceError
from app.services.tasks import taskpage
from app.web.i18n import current_language
from app.web.session import actor
from app.web.tasks import render_task

bp = Blueprint("checklist", __name__)


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def _back(task_id: int, criterion_id: str):
    anchor = "#item-c" + criterion_id.replace(".", "_")
    return redirect(url_for("tasks.show", task_id=task_id) + anchor)


def _refused(err: ServiceError, task_id: int, criterion_id: str):
    """JSON in the API's error shape for the script, else a message on the task page."""
    if _wants_json():
        return jsonify(error=err.code, message=err.message, details=err.details), err.status
    details = err.details if isinstance(err.details, dict) else {}
    problems = "; ".join(f"{key}: {' '.join(texts)}" for key, texts in details.items())
    flash(_("%(criterion)s not saved: %(message)s", criterion=criterion_id,
            message=problems or err.message), "error")
    return _back(task_id, criterion_id)


@bp.post("/tasks/<int:task_id>/checklist/<criterion_id>")
@login_required
def save_item(task_id: int, criterion_id: str):
    """Save one checklist item (JSON from the page's script, or the card's own form)."""
    given = request.get_json(silent=True) if request.is_json else request.form
    given = given if isinstance(given, dict) or hasattr(given, "getlist") else {}
    try:
        item = checklist.save_item(actor(), task_id, criterion_id, given.get("result") or None,
                                   given.get("severity") or None, given.get("notes"))
    except ServiceError as err:
        return _refused(err, task_id, criterion_id)
    if _wants_json():
        return jsonify(checklist.item_summary(item))
    flash(_("%(criterion)s saved.", criterion=criterion_id), "info")
    return _back(task_id, criterion_id)


@bp.post("/tasks/<int:task_id>/checklist/<criterion_id>/photos")
@login_required
def upload_photo(task_id: int, criterion_id: str):
    """Upload a photo (or another accepted document) to the case for one criterion."""
    file = request.files.get("file")
    try:
        document = checklist.upload_photo(actor(), task_id, criterion_id,
                                          file.filename or "" if file else "",
                                          file.stream if file else io.BytesIO())
    except ServiceError as err:
        return _refused(err, task_id, criterion_id)
    if _wants_json():
        return jsonify(id=document.id, name=document.original_name,
                       content_type=document.content_type,
                       url=url_for("cases.download", document_id=document.id)), 201
    flash(_("Uploaded %(name)s.", name=document.original_name), "info")
    return _back(task_id, criterion_id)


@bp.post("/tasks/<int:task_id>/checklist")
@login_required
def submit(task_id: int):
    """Complete the checklist task with the saved items; refused items are marked on the page."""
    try:
        task = checklist.complete(actor(), task_id)
    except Invalid as err:
        page = taskpage.task_page(actor(), task_id, current_language())
        details = err.details if isinstance(err.details, dict) else {"_schema": [err.message]}
        return render_task(page, page.values, errors=details, status=422)
    except Conflict as err:
        page = taskpage.task_page(actor(), task_id, current_language())
        return render_task(page, page.values, conflict=err.message, status=409)
    flash(_("“%(title)s” is complete.", title=task.title), "info")
    return redirect(url_for("inbox.index"))

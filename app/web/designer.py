"""The process designer: the bpmn-js modeler, drafts, validation and deployment.

The modeler page talks to the JSON views below with fetch (CSRF token in X-CSRFToken); each
view parses its input, calls one designer service and answers JSON.
"""
from dataclasses import asdict

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_login import login_required

from app.services.errors import Invalid, ServiceError
from app.services.repository import decision_drafts, designer
from app.web.session import actor

bp = Blueprint("designer", __name__, url_prefix="/designer")


@bp.errorhandler(ServiceError)
def _error(err: ServiceError):
    """The modeler's fetch calls (Accept: application/json) get errors as JSON."""
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error=err.code, message=err.message, details=err.details), err.status
    return render_template("error.html", error=err), err.status


def _xml() -> str:
    body = request.get_json(silent=True)
    xml = body.get("xml") if isinstance(body, dict) else request.form.get("xml")
    return xml if isinstance(xml, str) else ""


def _draft_json(view: designer.DraftView) -> dict:
    return {"process_id": view.process_id, "filename": view.filename, "xml": view.xml,
            "base_version": view.base_version, "versions": view.versions,
            "saved_at": view.saved_at.isoformat() if view.saved_at else None}


@bp.get("/new")
@login_required
def new_form():
    """The form for a new process."""
    return render_template("designer/new.html", values={}, errors={})


@bp.post("/new")
@login_required
def new():
    """Start a draft of a new process from a blank diagram."""
    values = {"process_id": request.form.get("process_id", ""),
              "name": request.form.get("name", "")}
    try:
        view = designer.new_draft(actor(), values["process_id"], values["name"])
    except Invalid as err:
        return render_template("designer/new.html", values=values,
                               errors=err.details if isinstance(err.details, dict) else {}), 422
    return redirect(url_for("designer.edit", process_id=view.process_id))


@bp.get("/<process_id>")
@login_required
def edit(process_id: str):
    """The modeler on the actor's draft, or on the newest version."""
    return render_template("designer/edit.html", draft=designer.open_draft(actor(), process_id))


@bp.get("/<process_id>/draft")
@login_required
def draft(process_id: str):
    """The diagram the modeler opens, as JSON."""
    return jsonify(_draft_json(designer.open_draft(actor(), process_id)))


@bp.get("/<process_id>/draft.bpmn")
@login_required
def download(process_id: str):
    """The saved draft (or the newest version) as a BPMN file."""
    view = designer.open_draft(actor(), process_id)
    response = Response(view.xml, mimetype="application/xml")
    response.headers.set("Content-Disposition", "attachment", filename=view.filename)
    return response


@bp.post("/<process_id>/draft")
@login_required
def save(process_id: str):
    """Save the diagram as the actor's draft."""
    view = designer.save_draft(actor(), process_id, _xml())
    return jsonify(saved_at=view.saved_at.isoformat(), process_id=view.process_id)


@bp.post("/<process_id>/discard")
@login_required
def discard(process_id: str):
    """Throw the draft away."""
    designer.discard_draft(actor(), process_id)
    flash(f"Your draft of {process_id} is discarded.", "info")
    return redirect(url_for("dashboard.processes"))


@bp.post("/<process_id>/validate")
@login_required
def validate(process_id: str):
    """Save the draft and run every deploy check; the problems, element by element."""
    check = designer.validate_draft(actor(), process_id, _xml())
    return jsonify(valid=check.valid, processes=check.processes, problems=check.problems,
                   saved_at=check.saved_at.isoformat() if check.saved_at else None)


@bp.post("/<process_id>/preview")
@login_required
def preview(process_id: str):
    """Save the draft and say what deploying it would change, for the Deploy confirmation."""
    check, previews = designer.preview_draft(actor(), process_id, _xml())
    return jsonify(valid=check.valid, problems=check.problems,
                   processes=[asdict(p) for p in previews])


@bp.post("/<process_id>/deploy")
@login_required
def deploy(process_id: str):
    """Deploy the draft as a new version; 422 with the problems when it cannot be."""
    try:
        deployed = designer.deploy_draft(actor(), process_id, _xml())
    except Invalid as err:
        return jsonify(deployed=[], message=err.message,
                       problems=err.details if isinstance(err.details, list) else []), 422
    return jsonify(deployed=[{
        "process_id": d.version.process_model.process_id, "version": d.version.version,
        "created": d.created, "layout_updated": d.layout_updated,
        "content_hash": d.version.content_hash} for d in deployed],
        problems=[], url=url_for("dashboard.processes"))


@bp.get("/<process_id>/forms")
@login_required
def form_pick(process_id: str):
    """Open the form editor on the key typed in the modeler page's form."""
    return redirect(url_for("designer.form_edit", process_id=process_id,
                            key=request.args.get("key", "").strip() or "_"))


@bp.get("/<process_id>/forms/<key>")
@login_required
def form_edit(process_id: str, key: str):
    """The form editor: JSON on the left, the task page's rendering of it on the right."""
    found = designer.open_form(actor(), process_id, key)
    return render_template("designer/form.html", process_id=process_id, key=key,
                           text=found.text, source=found.source, problems=[])


@bp.post("/<process_id>/forms/<key>/preview")
@login_required
def form_preview(process_id: str, key: str):
    """The live preview (htmx): the form as a case worker will see it, or its problems."""
    try:
        form = designer.preview_form(actor(), key, request.form.get("definition", ""))
    except Invalid as err:
        return render_template("designer/_form_preview.html", form=None,
                               problems=_form_problems(err))
    return render_template("designer/_form_preview.html", form=form, problems=[])


@bp.post("/<process_id>/forms/<key>")
@login_required
def form_save(process_id: str, key: str):
    """Check the definition and keep it in the draft (it deploys with the diagram)."""
    text = request.form.get("definition", "")
    try:
        designer.save_form(actor(), process_id, key, text)
    except Invalid as err:
        return render_template("designer/form.html", process_id=process_id, key=key,
                               text=text, source="draft", problems=_form_problems(err)), 422
    flash(f"Form {key} saved in your draft of {process_id}; it deploys with the diagram.",
          "info")
    return redirect(url_for("designer.form_edit", process_id=process_id, key=key))


def _form_problems(err: Invalid) -> list[str]:
    details = err.details if isinstance(err.details, dict) else {}
    return [p for problems in details.values() for p in problems] or [err.message]


@bp.get("/<process_id>/decisions/<filename>")
@login_required
def table_edit(process_id: str, filename: str):
    """The decision table editor (dmn-js) on the draft's table, or the newest version's."""
    found = decision_drafts.open_table(actor(), process_id, filename)
    return render_template("designer/decision.html", process_id=process_id, table=found)


@bp.get("/<process_id>/decisions/<filename>/xml")
@login_required
def table_xml(process_id: str, filename: str):
    """The table the editor opens, as JSON."""
    found = decision_drafts.open_table(actor(), process_id, filename)
    return jsonify(filename=found.filename, xml=found.xml, source=found.source)


@bp.post("/<process_id>/decisions/<filename>")
@login_required
def table_save(process_id: str, filename: str):
    """Keep the edited table in the draft (it deploys with the diagram)."""
    draft = designer.save_table(actor(), process_id, filename, _xml())
    return jsonify(saved_at=draft.updated_at.isoformat(), filename=filename)

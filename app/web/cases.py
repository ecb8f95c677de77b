"""Case pages: record, open tasks, timeline, documents, comments and the process diagram."""
from flask import (
    Blueprint,
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext
from flask_login import login_required

from app.models.types import utcnow
from app.models.user import ENTITY_TYPES, TASK_ROLES
from app.services.errors import Invalid
from app.services.membership import living_record
from app.services.tasks import caselist, casepage, comments, documents
from app.web.i18n import current_language
from app.web.messages import localize
from app.web.session import actor

bp = Blueprint("cases", __name__)


@bp.get("/cases")
@login_required
def index():
    """Cases the user may see, filtered and sorted by the URL (newest first)."""
    if actor().role == "applicant":
        return redirect(url_for("cases.my_company"))
    filters = caselist.parse_filters(request.args.to_dict())
    found = caselist.case_list(actor(), filters)
    return render_template("cases/index.html", found=found, filters=filters,
                           statuses=caselist.STATUSES, entity_types=ENTITY_TYPES,
                           roles=TASK_ROLES, reviews=caselist.REVIEW_DATES)


@bp.get("/cases.csv")
@login_required
def export():
    """The filtered case list as CSV (UTF-8 with a byte-order mark, for spreadsheets)."""
    text = caselist.case_list_csv(actor(), caselist.parse_filters(request.args.to_dict()))
    name = f"cases-{utcnow():%Y-%m-%d}.csv"
    return Response("\ufeff" + text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/my-company")
@login_required
def my_company():
    """An applicant's start page: what is required next, by when, and the history."""
    overview = casepage.company_overview(actor())
    return render_template("cases/company.html", overview=overview,
                           record=living_record.record_view(actor(), overview.company.id))


@bp.get("/cases/<int:case_id>")
@login_required
def show(case_id: int):
    """One case with everything about it."""
    return render_template("cases/show.html",
                           page=casepage.case_page(actor(), case_id, current_language()),
                           errors={})


@bp.get("/cases/<int:case_id>/timeline")
@login_required
def timeline(case_id: int):
    """The timeline alone (htmx refreshes it)."""
    return render_template("cases/_timeline.html", case_id=case_id,
                           timeline=casepage.timeline(actor(), case_id))


@bp.get("/cases/<int:case_id>/diagram")
@login_required
def diagram(case_id: int):
    """The BPMN XML and element states of the case's process, or of a process it calls
    (`?process=<id>`), for the diagram viewer."""
    found = casepage.diagram(actor(), case_id, request.args.get("process") or None)
    return jsonify(xml=found.xml, states=found.states, has_layout=found.has_layout,
                   process_id=found.process_id, name=localize(found.name), called=found.called)


@bp.post("/cases/<int:case_id>/comments")
@login_required
def comment(case_id: int):
    """Add a comment."""
    try:
        comments.add_comment(actor(), case_id, request.form.get("body", ""))
    except Invalid as err:
        flash(gettext("Comment not added: %(problems)s",
                      problems="; ".join(localize(m) for m in sum(err.details.values(), []))),
              "error")
    return redirect(url_for("cases.show", case_id=case_id) + "#comments")


@bp.post("/cases/<int:case_id>/documents")
@login_required
def upload(case_id: int):
    """Upload a document to the case (or to one criterion of it)."""
    file = request.files.get("file")
    try:
        document = documents.upload(actor(), case_id, file.filename if file else "",
                                    file.stream if file else _Empty(),
                                    request.form.get("criterion") or None)
    except Invalid as err:
        flash(gettext("Not uploaded: %(reason)s (%(problems)s).", reason=localize(err.message),
                      problems="; ".join(localize(m) for m in sum(err.details.values(), []))),
              "error")
    else:
        flash(gettext("Uploaded %(name)s.", name=document.original_name), "info")
    return redirect(url_for("cases.show", case_id=case_id) + "#documents")


@bp.get("/documents/<int:document_id>")
@login_required
def download(document_id: int):
    """Download a document (the same access rule as its case)."""
    found = documents.download(actor(), document_id)
    return send_file(found.path, mimetype=found.document.content_type, as_attachment=True,
                     download_name=found.document.original_name, max_age=0)


class _Empty:
    """A stream with nothing in it (no file was chosen)."""

    def read(self, _size: int = -1) -> bytes:
        return b""

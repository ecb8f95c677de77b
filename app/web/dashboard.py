"""The dashboard for staff, and the process list designers start on."""
from flask import Blueprint, jsonify, render_template
from flask_login import login_required

from app.services.jobs import status
from app.services.repository import designer
from app.services.tasks import dashboard as figures
from app.services.tasks import trends
from app.web.session import actor

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
@login_required
def index():
    """Cases per stage, work waiting per role, deadlines ahead, median time per task, and
    the trends as charts (dashboard.js reads them from trends_json) with tables beside."""
    return render_template("dashboard/index.html", board=figures.dashboard(actor()),
                           trends=trends.trends(actor()))


@bp.get("/dashboard/trends.json")
@login_required
def trends_json():
    """The weekly series and the median days per stage, for the charts."""
    return jsonify(trends.trends(actor()).as_json())


@bp.get("/processes")
@login_required
def processes():
    """Deployed process models, their versions and cases on each; the designer's drafts."""
    rows, new_drafts = designer.process_list(actor())
    return render_template("designer/index.html", rows=rows, new_drafts=new_drafts)


@bp.get("/admin/scheduler")
@login_required
def scheduler_status():
    """Admins: what the scheduler will do next, what fired, what failed (timers and email)."""
    return render_template("dashboard/scheduler.html", info=status.status_for(actor()))

"""Operating on versions and running cases from the browser: compare two versions, migrate
cases (dry run first), and suspend, resume, terminate or retry one case."""
import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from app.services.errors import Invalid, ServiceError
from app.services.runtime import cases, migration
from app.web.session import actor

bp = Blueprint("operations", __name__)


def _int(name: str) -> int | None:
    try:
        return int(request.values.get(name, ""))
    except ValueError:
        return None


@bp.get("/designer/<process_id>/compare")
@login_required
def compare(process_id: str):
    """Elements added, removed, changed and renamed between two versions (?from=1&to=2)."""
    old, new = _int("from"), _int("to")
    if old is None or new is None:
        flash("Choose the two versions to compare.", "error")
        return redirect(url_for("dashboard.processes"))
    diff = migration.compare(actor(), process_id, old, new)
    return render_template("designer/compare.html", process_id=process_id, diff=diff)


@bp.get("/designer/<process_id>/migrate")
@login_required
def migrate(process_id: str):
    """The migration form: from which version to which."""
    return render_template("designer/migrate.html", process_id=process_id,
                           from_version=_int("from"), to_version=_int("to"), results=None,
                           dry_run=True)


@bp.post("/designer/<process_id>/migrate")
@login_required
def migrate_run(process_id: str):
    """Dry-run (the default) or migrate every running case of one version to another."""
    old, new = _int("from"), _int("to")
    dry_run = request.form.get("action") != "migrate"
    if old is None or new is None:
        flash("Choose both versions.", "error")
        return redirect(url_for("operations.migrate", process_id=process_id))
    results = migration.migrate_cases(actor(), process_id, old, new, dry_run=dry_run)
    return render_template("designer/migrate.html", process_id=process_id, from_version=old,
                           to_version=new, results=results, dry_run=dry_run)


@bp.post("/designer/<process_id>/cases/<int:case_id>/migrate")
@login_required
def migrate_one(process_id: str, case_id: int):
    """Migrate one case (after its dry run said it is safe)."""
    old, new = _int("from"), _int("to")
    result = migration.migrate_case(actor(), case_id, new or 0, dry_run=False)
    if result["migrated"]:
        flash(f"Case {case_id} now runs on version {new}.", "info")
    else:
        flash(f"Case {case_id} was not migrated: {'; '.join(result['reasons'])}", "error")
    return redirect(url_for("operations.migrate", process_id=process_id,
                            **{"from": old, "to": new}))


_CASE_ACTIONS = {
    "suspend": (cases.suspend_case, "suspended"),
    "resume": (cases.resume_case, "resumed"),
    "terminate": (cases.terminate_case, "terminated"),
    "retry": (cases.retry_case, "retried"),
}


def _retry_data() -> dict | None:
    """The corrected data typed for a retry: a JSON object, or nothing."""
    text = request.form.get("data", "").strip()
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError as err:
        raise Invalid("the corrected data is not JSON", {"data": [str(err)]}) from None
    if not isinstance(data, dict):
        raise Invalid("the corrected data must be a JSON object", {"data": ["not an object"]})
    return data


@bp.post("/cases/<int:case_id>/<any(suspend, resume, terminate, retry):action>")
@login_required
def case_action(case_id: int, action: str):
    """Suspend, resume, terminate or retry a case; the outcome is flashed on its page."""
    run, done = _CASE_ACTIONS[action]
    reason = request.form.get("reason", "").strip()[:2000]
    if action in ("suspend", "terminate") and not reason:
        flash(f"Say why the case is {done}.", "error")
        return redirect(url_for("cases.show", case_id=case_id))
    try:
        case = run(actor(), case_id, _retry_data() if action == "retry" else reason)
    except ServiceError as err:
        if err.status in (403, 404):
            raise
        flash(f"Case {case_id} was not {done}: {err.message}.", "error")
    else:
        if action == "retry" and case.status == "error":
            flash(f"Case {case_id} was retried and failed again: {case.error_message}",
                  "error")
        else:
            flash(f"Case {case_id} is {done}.", "info")
    return redirect(url_for("cases.show", case_id=case_id))

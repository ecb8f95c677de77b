"""One's own profile: the language and time zone pages are shown in; the browser's zone is
taken once when none is set (static/js/shell.js posts it)."""
from zoneinfo import available_timezones

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import login_required

from app.models.types import utcnow
from app.services.errors import Invalid
from app.services.identity import users
from app.web.i18n import SESSION_KEY
from app.web.session import actor

bp = Blueprint("profile", __name__)

_ZONES: list[str] = []


def zones() -> list[str]:
    """The IANA time zones people choose from, "UTC" first (read once)."""
    if not _ZONES:
        named = sorted(z for z in available_timezones() if "/" in z and not z.startswith(
            ("Etc/", "SystemV/", "US/", "posix/", "right/")))
        _ZONES.extend(["UTC", *named])
    return _ZONES


@bp.route("/account", methods=["GET", "POST"])
@login_required
def show():
    """The profile page: language and time zone (empty: as the browser has them)."""
    errors: dict = {}
    if request.method == "POST":
        language = request.form.get("language") or None
        zone = request.form.get("time_zone") or None
        try:
            user = users.set_preferences(actor(), language=language, time_zone=zone)
        except Invalid as err:
            errors = err.details
        else:
            session.pop(SESSION_KEY, None)
            if user.language:
                session[SESSION_KEY] = user.language
            flash(gettext("Your settings are saved."), "info")
            return redirect(url_for("profile.show"))
    return (render_template("auth/profile.html", errors=errors, zones=zones(), now=utcnow()),
            422 if errors else 200)


@bp.post("/account/browser-time-zone")
@login_required
def browser_zone():
    """The browser's time zone, kept when the user has none yet (204; 422 when unknown)."""
    user = actor()
    if user.time_zone:
        return "", 204
    try:
        users.set_preferences(user, time_zone=request.form.get("time_zone", ""))
    except Invalid:
        return "", 422
    return "", 204

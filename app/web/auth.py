"""Sign in, sign out, change password; `/` sends each role to its start page."""
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale, gettext
from flask_login import current_user, login_required, login_user, logout_user

from app.services.errors import Invalid, Unauthorized
from app.services.identity import activation, signin, users
from app.web.i18n import LANGUAGES, SESSION_KEY, current_language
from app.web.session import WebUser, actor, start_page

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths are followed after signing in."""
    if not target:
        return None
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//")
            or "\\" in target):  # browsers read "/\\evil.example" as "//evil.example"
        return None
    return target


@bp.get("/")
@login_required
def home():
    """Send the user to their role's start page."""
    return redirect(start_page(actor()))


@bp.get("/favicon.ico")
def favicon():
    """Browsers that ask for /favicon.ico (a JSON page, a PDF) get the SVG icon."""
    return redirect(url_for("static", filename="img/favicon.svg"), 301)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form; on success, the page asked for or the role's start page."""
    if current_user.is_authenticated:
        return redirect(start_page(actor()))
    username = request.form.get("username", "")
    if request.method == "POST":
        try:  # too many attempts (429) is rendered by app/errors.py
            user = signin.sign_in(username, request.form.get("password", ""))
        except Unauthorized as err:
            return render_template("auth/login.html", username=username,
                                   error=err.message), 401
        chosen = session.get(SESSION_KEY)  # the sign-in page's language switch
        session.clear()  # no session fixation: a fresh session for the signed-in user
        session.permanent = True
        if chosen in LANGUAGES:
            session[SESSION_KEY] = chosen
        login_user(WebUser(user))
        return redirect(_safe_next(request.args.get("next")) or start_page(user))
    return render_template("auth/login.html", username=username, error=None)


@bp.post("/logout")
@login_required
def logout():
    """Sign out (POST with the CSRF token, so no other site can sign you out)."""
    language = current_language()
    logout_user()
    session.clear()
    session[SESSION_KEY] = language  # the sign-in page stays in the language just used
    with force_locale(language):
        flash(gettext("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's own password."""
    errors: dict = {}
    if request.method == "POST":
        try:
            user = signin.change_password(actor(), request.form.get("current", ""),
                                          request.form.get("new", ""),
                                          request.form.get("repeat", ""))
        except Invalid as err:
            errors = err.details
        else:
            login_user(WebUser(user))  # the session id follows the new password
            flash(gettext("Your password is changed. Other sessions and API tokens are signed "
                          "out."), "info")
            return redirect(start_page(user))
    return render_template("auth/password.html", errors=errors), (422 if errors else 200)


@bp.post("/language")
def language():
    """Switch the pages' language: kept on the signed-in user, in the session otherwise."""
    chosen = request.form.get("language", "")
    if chosen in LANGUAGES:
        if current_user.is_authenticated:
            users.set_preferences(actor(), language=chosen)
        session[SESSION_KEY] = chosen
    home = url_for("auth.home") if current_user.is_authenticated else url_for("auth.login")
    return redirect(_safe_next(request.form.get("next")) or home)


@bp.route(activation.PATH + "<token>", methods=["GET", "POST"])
def activate(token: str):
    """Choose a password from an activation (or reset) link, then be signed in. A link that is
    expired, altered or already used is a plain page saying so."""
    errors: dict = {}
    try:
        user = activation.user_for_token(token)
        if request.method == "POST":
            user = activation.activate(token, request.form.get("new", ""),
                                       request.form.get("repeat", ""))
            session.clear()  # a fresh session for the account the link belongs to
            session.permanent = True
            login_user(WebUser(user))
            flash(gettext("Your password is set. Welcome to SafePort."), "info")
            return redirect(start_page(user))
    except Unauthorized as err:
        return _no_store(render_template("auth/activate_invalid.html", message=err.message),
                         400)
    except Invalid as err:
        errors = err.details
    return _no_store(render_template("auth/activate.html", user=user, errors=errors),
                     422 if errors else 200)


def _no_store(body: str, status: int):
    """Pages reached by a secret link are kept by no cache."""
    return body, status, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}

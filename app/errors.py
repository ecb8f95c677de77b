"""How errors reach people and programs, decided in one place: JSON in the API's one shape
(`{"error", "message", "details"}`) under `/api/`, an HTML page (or an htmx fragment) elsewhere.

Every response carries an `X-Request-Id` (the caller's, when it sends a sane one); anything
unexpected is logged with that id and answered 500 with it, so a report can be matched to the
log."""
import contextlib
import re
import uuid
from typing import Any

from flask import (
    Flask,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
    RequestEntityTooLarge,
    TooManyRequests,
)

from app import ratelimits
from app.extensions import db
from app.services.errors import ServiceError, TooManyAttempts

API_PREFIX = "/api/"
REQUEST_ID_HEADER = "X-Request-Id"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_ENVIRON_KEY = "safeport.request_id"


class InternalError(ServiceError):
    """What a person or program is told about an unexpected failure."""

    status, code = 500, "internal"


def request_id() -> str:
    """The id of the current request: the caller's `X-Request-Id` if sane, else a new one."""
    environ = request.environ
    if _ENVIRON_KEY not in environ:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        environ[_ENVIRON_KEY] = (given if _SANE_REQUEST_ID.fullmatch(given)
                                 else uuid.uuid4().hex)
    return environ[_ENVIRON_KEY]


def is_api_request() -> bool:
    """True for requests to the JSON API."""
    return request.path.startswith(API_PREFIX) or request.path == API_PREFIX.rstrip("/")


def is_htmx() -> bool:
    """True for requests htmx makes (they get fragments, not pages)."""
    return request.headers.get("HX-Request") == "true"


def json_error(error: str, message: str, details: Any, status: int):
    """The one error shape of the API."""
    return jsonify(error=error, message=message, details=details), status


def _service_error(err: ServiceError):
    if is_api_request():
        response = json_error(err.code, err.message, err.details, err.status)
        if err.status == 401:
            response[0].headers["WWW-Authenticate"] = 'Bearer realm="safeport"'
    elif is_htmx():
        response = render_template("partials/error.html", error=err), err.status
    elif isinstance(err, TooManyAttempts) and request.endpoint == "auth.login":
        # the sign-in form again, saying why and for how long, ready for the next attempt
        response = render_template("auth/login.html", username=request.form.get("username", ""),
                                   error=err.message), err.status
    else:
        response = render_template("error.html", error=err), err.status
    if isinstance(err, TooManyAttempts):
        response = make_response(response)
        response.headers["Retry-After"] = str(err.retry_after)
    return response


def _too_many_requests(err: TooManyRequests):
    """Flask-Limiter's 429 (the per-address sign-in limit), said like the back-off's."""
    seconds = ratelimits.retry_after()
    return _service_error(TooManyAttempts(
        f"{err.description} Wait {seconds} second{'s' if seconds != 1 else ''} and try again.",
        seconds))


def _not_found(err: NotFound):
    if is_api_request():
        return json_error("not_found", "no such API endpoint", [], 404)
    return err


def _method_not_allowed(err: MethodNotAllowed):
    if is_api_request():
        response = json_error("method_not_allowed", "method not allowed here", [], 405)
        if err.valid_methods:
            response[0].headers["Allow"] = ", ".join(err.valid_methods)
        return response
    return err


def _http_error(err: HTTPException):
    """Any other HTTP error: the API's JSON shape under /api/, werkzeug's page elsewhere."""
    if isinstance(err, InternalServerError):  # what Flask makes of an error no handler took
        return _unexpected(err.original_exception or err)
    if is_api_request() and err.code is not None:
        name = re.sub(r"\W+", "_", err.name.lower()).strip("_")
        return json_error(name, err.description or err.name, [], err.code)
    return err


def _unexpected(err: BaseException):
    """Anything no other handler knows: logged with the request id, answered 500."""
    rid = request_id()
    current_app.logger.error("unexpected error on %s %r (request id %s)", request.method,
                             request.path, rid, exc_info=err)
    with contextlib.suppress(Exception):  # a broken transaction must not reach the page
        db.session.rollback()
    error = InternalError("Something went wrong on our side. If it keeps happening, report it "
                          "with the request id.", {"request_id": rid})
    if is_api_request():
        return json_error(error.code, error.message, error.details, error.status)
    try:
        template = "partials/error.html" if is_htmx() else "error.html"
        return render_template(template, error=error, request_id=rid), error.status
    except Exception:  # the page itself failed (e.g. no database): plain text still helps
        current_app.logger.exception("the error page failed too (request id %s)", rid)
        return (f"Internal error (request id {rid})", error.status,
                {"Content-Type": "text/plain; charset=utf-8"})


def _too_large(_err: RequestEntityTooLarge):
    if is_api_request():
        return json_error("too_large", "the request is larger than the server accepts", [], 413)
    flash("That file is larger than the server accepts.", "error")
    return redirect(request.referrer or url_for("auth.home"))


def _csrf_error(err: CSRFError):
    if is_api_request():
        return err
    return render_template("error.html", error=ServiceError(
        "This form has expired or did not come from SafePort. Go back, reload the page and "
        "try again.")), 400


def init_app(app: Flask) -> None:
    """Register the error handlers for the whole app."""
    app.register_error_handler(ServiceError, _service_error)
    app.register_error_handler(NotFound, _not_found)
    app.register_error_handler(MethodNotAllowed, _method_not_allowed)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(TooManyRequests, _too_many_requests)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)

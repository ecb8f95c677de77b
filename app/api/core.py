"""The JSON API's plumbing: one decorator that authenticates, parses, calls and dumps.

Each endpoint declares its input and output schemas once; the same declarations feed
`/api/v1/openapi.json`, so the description cannot drift from the code.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, g, jsonify, request
from marshmallow import Schema, ValidationError

from app.services.errors import Invalid, ServiceError, Unauthorized
from app.services.identity.users import user_for_token

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@dataclass
class Endpoint:
    """What openapi.json says about one route."""

    rule: str
    method: str
    summary: str
    body: Schema | None
    query: Schema | None
    response: Schema | None
    status: int
    auth: bool
    tags: list[str] = field(default_factory=list)


ENDPOINTS: list[Endpoint] = []


def current_user():
    """The user the request's bearer token belongs to."""
    return g.api_user


def _authenticate() -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("send 'Authorization: Bearer <token>' (POST /api/v1/auth/token)")
    g.api_user = user_for_token(token.strip())


def _load(schema: Schema, data: Any, where: str) -> Any:
    try:
        return schema.load(data)
    except ValidationError as err:
        raise Invalid(f"the {where} has errors", err.messages) from None


def endpoint(rule: str, method: str = "GET", *, body: Schema | None = None,
             query: Schema | None = None, response: Schema | None = None, status: int = 200,
             auth: bool = True, tag: str = "") -> Callable:
    """Register an API view: `view(**url_args, body=..., query=...)` returns what `response` dumps.

    A view returning a Flask response object is passed through unchanged.
    """

    def decorator(view: Callable) -> Callable:
        summary = (view.__doc__ or view.__name__).strip().splitlines()[0]
        ENDPOINTS.append(Endpoint(rule, method, summary, body, query, response, status, auth,
                                  [tag] if tag else []))

        @wraps(view)
        def wrapper(**kwargs):
            if auth:
                _authenticate()
            if body is not None:
                payload = request.get_json(silent=True)
                if payload is None:
                    raise Invalid("the request body must be a JSON object",
                                  {"_body": ["expected application/json"]})
                kwargs["body"] = _load(body, payload, "request body")
            if query is not None:
                kwargs["query"] = _load(query, request.args.to_dict(), "query string")
            result = view(**kwargs)
            if response is None or hasattr(result, "status_code"):
                return result
            return jsonify(response.dump(result)), status

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapper, methods=[method])
        return wrapper

    return decorator


def error_response(error: str, message: str, details: Any, status: int):
    """The one error shape of the API: {"error", "message", "details"}."""
    return jsonify(error=error, message=message, details=details), status


@bp.errorhandler(ServiceError)
def _service_error(err: ServiceError):
    response = error_response(err.code, err.message, err.details, err.status)
    if err.status == 401:
        response[0].headers["WWW-Authenticate"] = 'Bearer realm="safeport"'
    return response


def _is_api_request() -> bool:
    return request.path == bp.url_prefix or request.path.startswith(bp.url_prefix + "/")


# Routing errors happen before a blueprint is chosen, so blueprint-level 404/405 handlers
# never see an unknown URL: handle them app-wide, for API paths only.
@bp.app_errorhandler(404)
def _not_found(err):
    if not _is_api_request():
        return err
    return error_response("not_found", "no such API endpoint", [], 404)


@bp.app_errorhandler(405)
def _method_not_allowed(err):
    if not _is_api_request():
        return err
    return error_response("method_not_allowed", "method not allowed here", [], 405)


@bp.errorhandler(413)
def _too_large(_err):
    return error_response("too_large", "the request is larger than the server accepts", [], 413)

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

from app.api.schemas import INT_MAX, value_problem
from app.services.errors import Invalid, NotFound, Unauthorized
from app.services.identity.access import require_role
from app.services.identity.users import user_for_token

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MULTIPART = "multipart/form-data"


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
    #: roles one of which the user must hold (admins pass), checked before any parsing
    roles: tuple[str, ...] = ()
    #: the OpenAPI requestBody of a body the view reads itself (file uploads)
    upload: dict | None = None
    #: the media type `body` is read from (JSON, or multipart form fields and files)
    body_type: str = "application/json"


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


def _check_path(url_args: dict[str, Any]) -> None:
    """404 for path values no row can have: integers beyond a column's range, unstorable text."""
    for name, value in url_args.items():
        if isinstance(value, int) and not 0 <= value <= INT_MAX:
            raise NotFound(f"no {name} {value}: out of range", {name: ["out of range"]})
        if isinstance(value, str) and (problem := value_problem(value)):
            raise NotFound(f"no such {name}", {name: [problem]})


def _load(schema: Schema, data: Any, where: str) -> Any:
    try:
        return schema.load(data)
    except ValidationError as err:
        raise Invalid(f"the {where} has errors", err.messages) from None


def _payload(body_type: str) -> Any:
    """The request body as data: JSON, or the fields and files of a multipart form."""
    if body_type == MULTIPART:
        if request.mimetype != MULTIPART:
            raise Invalid("the request body must be a multipart form",
                          {"_body": [f"expected {MULTIPART}"]})
        return {**request.form.to_dict(), **request.files.to_dict()}
    payload = request.get_json(silent=True)
    if payload is None:
        raise Invalid("the request body must be a JSON object",
                      {"_body": ["expected application/json"]})
    return payload


def endpoint(rule: str, method: str = "GET", *, body: Schema | None = None,
             query: Schema | None = None, response: Schema | None = None, status: int = 200,
             auth: bool = True, roles: tuple[str, ...] = (), upload: dict | None = None,
             tag: str = "", body_type: str = "application/json") -> Callable:
    """Register an API view: `view(**url_args, body=..., query=...)` returns what `response` dumps.

    The order is fixed: authenticate, check `roles` (403 before any 422), refuse path values
    no row can have (404), then parse the body and the query. The services check roles again:
    they remain the authority. `upload` documents a body the view reads itself; `body_type`
    `multipart/form-data` loads `body` from the form's fields and files instead of JSON.
    A view returning a Flask response object is passed through unchanged.
    """
    if roles and not auth:
        raise ValueError("roles need an authenticated user")

    def decorator(view: Callable) -> Callable:
        summary = (view.__doc__ or view.__name__).strip().splitlines()[0]
        ENDPOINTS.append(Endpoint(rule, method, summary, body, query, response, status, auth,
                                  [tag] if tag else [], tuple(roles), upload, body_type))

        @wraps(view)
        def wrapper(**kwargs):
            if auth:
                _authenticate()
                if roles:
                    require_role(g.api_user, *roles)
            _check_path(kwargs)
            if body is not None:
                kwargs["body"] = _load(body, _payload(body_type), "request body")
            if query is not None:
                kwargs["query"] = _load(query, request.args.to_dict(), "query string")
            result = view(**kwargs)
            if response is None or hasattr(result, "status_code"):
                return result
            return jsonify(response.dump(result)), status

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapper, methods=[method])
        return wrapper

    return decorator

"""`GET /api/v1/openapi.json`, built from the endpoint declarations."""
import copy
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import jsonify

from app.api import schemas as s
from app.api.core import ENDPOINTS, Endpoint, bp

_ARG = re.compile(r"<(?:([a-z]+):)?([a-z_]+)>")
#: werkzeug's `int` converter takes digits only; beyond a column's range the API answers 404
_PATH_TYPES = {"int": {"type": "integer", "minimum": 0, "maximum": s.INT_MAX}}
_ERROR = {"description": "error", "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/Error"}}}}


def _operation(ep: Endpoint) -> dict:
    operation: dict = {"summary": ep.summary, "tags": ep.tags, "responses": {}}
    ok = {"description": "success"}
    if ep.response is not None:
        ok["content"] = {"application/json": {"schema": type(ep.response)}}
    operation["responses"][str(ep.status)] = ok
    codes = ["401", "403", "404", "409", "422"] if ep.auth else ["401", "422", "429"]
    if ep.upload is not None:
        codes.append("413")
    for code in codes:
        operation["responses"][code] = _ERROR
    if ep.roles:
        operation["description"] = (f"Needs the role {' or '.join(ep.roles)} "
                                    "(admins pass every role check).")
        operation["x-roles"] = list(ep.roles)
    if ep.body is not None:
        operation["requestBody"] = {"required": True, "content": {
            ep.body_type: {"schema": type(ep.body)}}}
    elif ep.upload is not None:
        operation["requestBody"] = copy.deepcopy(ep.upload)
    params = [{"in": "path", "name": name, "required": True,
               "schema": dict(_PATH_TYPES.get(converter, {"type": "string"}))}
              for converter, name in _ARG.findall(ep.rule)]
    if ep.query is not None:
        params.append({"in": "query", "schema": type(ep.query)})
    if params:
        operation["parameters"] = params
    if ep.auth:
        operation["security"] = [{"bearer": []}]
    return operation


def build_spec() -> dict:
    """The OpenAPI 3.1 description of every registered endpoint."""
    spec = APISpec(title="SafePort API", version="1", openapi_version="3.1.0",
                   plugins=[MarshmallowPlugin()])
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=s.ErrorOut)
    paths: dict[str, dict] = {}
    for ep in ENDPOINTS:
        path = "/api/v1" + _ARG.sub(r"{\2}", ep.rule)
        paths.setdefault(path, {})[ep.method.lower()] = _operation(ep)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


@bp.get("/openapi.json")
def openapi_json():
    """The API description (no token needed)."""
    return jsonify(build_spec())

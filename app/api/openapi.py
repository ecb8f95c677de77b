"""`GET /api/v1/openapi.json`, built from the endpoint declarations."""
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import jsonify

from app.api import schemas as s
from app.api.core import ENDPOINTS, bp

_ARG = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def build_spec() -> dict:
    """The OpenAPI 3.1 description of every registered endpoint."""
    spec = APISpec(title="SafePort API", version="1", openapi_version="3.1.0",
                   plugins=[MarshmallowPlugin()])
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=s.ErrorOut)
    error = {"description": "error", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}}
    paths: dict[str, dict] = {}
    for ep in ENDPOINTS:
        operation: dict = {"summary": ep.summary, "tags": ep.tags, "responses": {}}
        ok = {"description": "success"}
        if ep.response is not None:
            ok["content"] = {"application/json": {"schema": type(ep.response)}}
        operation["responses"][str(ep.status)] = ok
        for code in ("401", "403", "404", "409", "422") if ep.auth else ("401", "422"):
            operation["responses"][code] = error
        if ep.body is not None:
            operation["requestBody"] = {"required": True, "content": {
                ep.body_type: {"schema": type(ep.body)}}}
        params = [{"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
                  for name in _ARG.findall(ep.rule)]
        if ep.query is not None:
            params.append({"in": "query", "schema": type(ep.query)})
        if params:
            operation["parameters"] = params
        if ep.auth:
            operation["security"] = [{"bearer": []}]
        path = "/api/v1" + _ARG.sub(r"{\1}", ep.rule)
        paths.setdefault(path, {})[ep.method.lower()] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


@bp.get("/openapi.json")
def openapi_json():
    """The API description (no token needed)."""
    return jsonify(build_spec())

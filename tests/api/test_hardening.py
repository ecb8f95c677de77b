"""Issue 15: every answer under /api/ is the JSON error shape, even for input no database can
hold and for failures nobody expected; roles are checked before input; openapi.json is exact."""
import json
import logging
from io import BytesIO

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app.api import schemas
from app.api.core import ENDPOINTS
from app.extensions import db
from app.models import ProcessModel, ProcessVersion
from app.services.membership import companies
from tests.helpers import bpmn, deploy

ERROR_KEYS = {"error", "message", "details"}
HUGE = 10663373389457340416  # beyond 64 bits
BIG = 33601556260711  # beyond PostgreSQL's integer columns


@pytest.fixture
def staff(lazy_staff):
    return lazy_staff


def error_of(response, status: int, error: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == ERROR_KEYS and body["error"] == error, body
    return body


def post_raw(api, url: str, text: str):
    """POST a JSON text as is (for what json= cannot send: NaN, lone surrogates)."""
    return api.client.post(url, data=text, content_type="application/json",
                           headers={"Authorization": f"Bearer {api.token}"})


# --- integers beyond a column's range --------------------------------------------------------

@pytest.mark.parametrize("url, field", [
    (f"/api/v1/cases?page={HUGE}", "page"),
    (f"/api/v1/tasks?page={HUGE}", "page"),
    (f"/api/v1/cases?page={schemas.MAX_PAGE + 1}", "page"),
    (f"/api/v1/tasks?case_id={BIG}", "case_id"),
    (f"/api/v1/cases?company_id=-{HUGE}", "company_id"),
    (f"/api/v1/notifications?limit={HUGE}", "limit"),
    (f"/api/v1/process-models/p/compare?from={HUGE}&to=1", "from"),
    (f"/api/v1/process-models/p/compare?from=1&to={BIG}", "to"),
])
def test_out_of_range_integers_in_a_query_are_422(staff, url, field):
    body = error_of(staff["admin"].get(url), 422, "invalid")
    assert field in body["details"]


@pytest.mark.parametrize("url, payload, field", [
    ("/api/v1/cases", {"company_id": BIG}, "company_id"),
    ("/api/v1/cases", {"company_id": HUGE}, "company_id"),
    ("/api/v1/users", {"username": "u1", "password": "long-enough", "role": "applicant",
                       "company_id": BIG}, "company_id"),
    ("/api/v1/cases/1/migrate", {"to_version": HUGE}, "to_version"),
    ("/api/v1/process-models/p/migrate", {"from_version": 1, "to_version": BIG}, "to_version"),
])
def test_out_of_range_integers_in_a_body_are_422(staff, url, payload, field):
    body = error_of(staff["admin"].post(url, json=payload), 422, "invalid")
    assert field in body["details"]


@pytest.mark.parametrize("url", [
    f"/api/v1/cases/{HUGE}", f"/api/v1/cases/{BIG}", f"/api/v1/cases/{BIG}/events",
    f"/api/v1/companies/{HUGE}", f"/api/v1/tasks/{BIG}", f"/api/v1/companies/{BIG}/membership"])
def test_out_of_range_integers_in_a_path_are_404(staff, url):
    error_of(staff["admin"].get(url), 404, "not_found")
    error_of(staff["admin"].post(f"/api/v1/notifications/{HUGE}/read"), 404, "not_found")


# --- text and numbers no database stores -------------------------------------------------------

@pytest.mark.parametrize("url, payload, field", [
    ("/api/v1/companies", {"legal_name": "Acme\x00", "entity_type": "importer"}, "legal_name"),
    ("/api/v1/cases", {"company_id": 1, "process_id": "two\x00lanes"}, "process_id"),
    ("/api/v1/cases", {"company_id": 1, "data": {"nested": ["ok", "b\x00d"]}}, "data"),
    ("/api/v1/tasks/1/complete", {"data": {"k\x00ey": 1}}, "data"),
    ("/api/v1/users", {"username": "u2", "password": "pass\x00word", "role": "admin"},
     "password"),
])
def test_nul_characters_in_a_body_are_422(staff, url, payload, field):
    body = error_of(staff["admin"].post(url, json=payload), 422, "invalid")
    assert "NUL" in body["details"][field][0]


@pytest.mark.parametrize("text, field", [
    ('{"legal_name": "\\ud800", "entity_type": "importer"}', "legal_name"),
    ('{"legal_name": "Acme", "entity_type": "importer", "trade_name": NaN}', "trade_name"),
])
def test_unstorable_text_and_numbers_in_a_body_are_422(staff, text, field):
    body = error_of(post_raw(staff["admin"], "/api/v1/companies", text), 422, "invalid")
    assert field in body["details"]


def test_nul_characters_in_a_query_or_path_answer_json(staff):
    admin = staff["admin"]
    error_of(admin.get("/api/v1/cases?status=run%00ning"), 422, "invalid")
    error_of(admin.get("/api/v1/process-models/p%00/compare?from=1&to=2"), 404, "not_found")
    error_of(admin.post("/api/v1/messages/a%00b", json={}), 404, "not_found")
    error_of(admin.post("/api/v1/cases/1/messages/a%00b", json={}), 404, "not_found")


def test_nul_characters_in_an_uploaded_file_name_are_422(staff):
    boundary, body = encode_multipart(MultiDict([("files", FileStorage(
        BytesIO(bpmn("two_lanes.bpmn")), filename="a\x00.bpmn",
        content_type="application/xml"))]))
    response = staff["designer"].post("/api/v1/process-models", data=body,
                                      content_type=f"multipart/form-data; boundary={boundary}")
    error_of(response, 422, "invalid")
    error_of(staff["designer"].post("/api/v1/process-models?filename=a%00.bpmn",
                                    data=bpmn("two_lanes.bpmn"), content_type="application/xml"),
             422, "invalid")
    assert db.session.query(ProcessModel).count() == 0


def test_every_api_schema_derives_from_the_bounded_base():
    seen, todo = set(), [s for ep in ENDPOINTS for s in (ep.body, ep.query, ep.response) if s]
    while todo:
        schema = todo.pop()
        if type(schema) in seen:
            continue
        seen.add(type(schema))
        assert isinstance(schema, schemas.Schema), type(schema).__name__
        for field in schema.fields.values():
            for each in (field, getattr(field, "inner", None)):
                if hasattr(each, "schema"):
                    todo.append(each.schema)
    assert len(seen) > 20


# --- the unexpected -------------------------------------------------------------------------

def _boom(*_args, **_kwargs):
    raise RuntimeError("the unexpected happened")


def test_an_unexpected_error_is_json_500_with_a_logged_request_id(staff, monkeypatch, caplog):
    monkeypatch.setattr(companies, "create_company", _boom)
    with caplog.at_level(logging.ERROR):
        response = staff["cw"].post("/api/v1/companies",
                                    json={"legal_name": "Acme", "entity_type": "importer"})

    body = error_of(response, 500, "internal")
    request_id = response.headers["X-Request-Id"]
    assert body["details"] == {"request_id": request_id}
    assert "the unexpected happened" not in response.get_data(as_text=True)
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert logged and logged[0].exc_info[0] is RuntimeError


def test_a_sane_incoming_request_id_is_kept_and_others_replaced(staff, monkeypatch):
    monkeypatch.setattr(companies, "create_company", _boom)
    api = staff["cw"]
    payload = {"legal_name": "Acme", "entity_type": "importer"}
    for given, kept in (("req-42.abc:7", True), ("bad id; X-Evil: 1", False),
                        ("x" * 200, False), ("", False)):
        response = api.client.post("/api/v1/companies", json=payload, headers={
            "Authorization": f"Bearer {api.token}", "X-Request-Id": given})
        request_id = error_of(response, 500, "internal")["details"]["request_id"]
        assert response.headers["X-Request-Id"] == request_id
        assert (request_id == given) is kept
    assert api.get("/api/v1/cases").headers["X-Request-Id"]  # on every answer


def test_an_unexpected_error_on_a_page_is_an_html_500_with_the_request_id(client, monkeypatch):
    monkeypatch.setattr("app.web.auth.render_template", _boom)
    response = client.get("/login")

    assert response.status_code == 500
    assert response.mimetype == "text/html"
    request_id = response.headers["X-Request-Id"]
    page = response.get_data(as_text=True)
    assert request_id in page and "the unexpected happened" not in page


# --- roles before input; methods ---------------------------------------------------------------

def test_a_non_admin_posting_a_bad_body_to_users_is_403_not_422(staff):
    for name in ("cw", "spec", "designer"):
        error_of(staff[name].post("/api/v1/users", json={"username": 7}), 403, "forbidden")
        error_of(staff[name].post("/api/v1/users", data="x", content_type="text/plain"), 403,
                 "forbidden")
    error_of(staff["admin"].post("/api/v1/users", json={"username": 7}), 422, "invalid")


def test_roles_are_checked_before_the_query_and_path(staff):
    error_of(staff["spec"].get(f"/api/v1/process-models/p/compare?from={HUGE}"), 403,
             "forbidden")
    error_of(staff["designer"].post(f"/api/v1/cases/{HUGE}/retry", json={"data": 1}), 403,
             "forbidden")


def test_405_answers_carry_allow(staff):
    response = staff["cw"].client.delete("/api/v1/users")
    error_of(response, 405, "method_not_allowed")
    assert "POST" in {m.strip() for m in response.headers["Allow"].split(",")}
    response = staff["cw"].client.put("/api/v1/process-models")
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}


# --- openapi.json ------------------------------------------------------------------------------

@pytest.fixture
def spec(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()


def test_openapi_types_integer_path_parameters_as_integers(spec):
    params = {p["name"]: p["schema"] for p in
              spec["paths"]["/api/v1/cases/{case_id}/messages/{name}"]["post"]["parameters"]
              if p["in"] == "path"}
    assert params["case_id"]["type"] == "integer"
    assert params["case_id"]["maximum"] == schemas.INT_MAX
    assert params["name"] == {"type": "string"}
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            for param in operation.get("parameters", []):
                if param["in"] == "path" and param["name"].endswith("_id") \
                        and param["name"] != "process_id":
                    assert param["schema"]["type"] == "integer", (path, param)


def test_openapi_describes_multipart_and_xml_uploads(spec):
    for path in ("/api/v1/process-models", "/api/v1/process-models/validate"):
        operation = spec["paths"][path]["post"]
        content = operation["requestBody"]["content"]
        files = content["multipart/form-data"]["schema"]["properties"]["files"]
        assert files["type"] == "array" and files["items"]["format"] == "binary"
        assert content["application/xml"]["schema"] == {"type": "string"}
        assert any(p["name"] == "filename" for p in operation["parameters"])
        assert "413" in operation["responses"]


def test_openapi_describes_every_request_body_and_the_roles(spec):
    for ep in ENDPOINTS:
        rule = "/api/v1" + ep.rule.replace("<int:", "<").replace("<", "{").replace(">", "}")
        operation = spec["paths"][rule][ep.method.lower()]
        assert ("requestBody" in operation) == (ep.body is not None or ep.upload is not None)
        assert operation.get("x-roles", []) == list(ep.roles)
    assert spec["paths"]["/api/v1/users"]["post"]["x-roles"] == ["admin"]
    assert "admin" in spec["paths"]["/api/v1/users"]["post"]["description"]
    assert json.dumps(spec)  # serialisable as is


# --- a call activity whose process is not executable ------------------------------------------

def _not_executable(name: str) -> bytes:
    return bpmn(name).replace(b'isExecutable="true"', b'isExecutable="false"')


def _deploy_files(api, files: dict[str, bytes]):
    return api.post("/api/v1/process-models", data={"files": [
        (BytesIO(data), name) for name, data in files.items()]},
        content_type="multipart/form-data")


def test_a_call_activity_whose_process_is_not_executable_is_refused_by_name(staff):
    response = _deploy_files(staff["designer"], {"call_main.bpmn": bpmn("call_main.bpmn"),
                                                 "call_sub.bpmn": _not_executable("call_sub.bpmn")})

    problems = error_of(response, 422, "invalid")["details"]
    assert len(problems) == 1, problems
    assert problems[0]["element_id"] == "stage" and problems[0]["file"] == "call_main.bpmn"
    assert "'call_sub'" in problems[0]["message"] and "not executable" in problems[0]["message"]
    assert db.session.query(ProcessVersion).count() == 0
    validated = staff["designer"].post(
        "/api/v1/process-models/validate", data={"files": [
            (BytesIO(bpmn("call_main.bpmn")), "call_main.bpmn"),
            (BytesIO(_not_executable("call_sub.bpmn")), "call_sub.bpmn")]},
        content_type="multipart/form-data")
    assert error_of(validated, 422, "invalid")["details"] == problems


def test_a_process_reaching_a_non_executable_one_through_another_is_refused(staff):
    middle = bpmn("call_sub.bpmn").replace(
        b'<bpmn:userTask id="sub_task" name="Task in the called stage" />',
        b'<bpmn:callActivity id="sub_task" calledElement="leaf" />')
    leaf = (b'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn='
            b'"http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">'
            b'<bpmn:process id="leaf" isExecutable="false"><bpmn:startEvent id="s" />'
            b'</bpmn:process></bpmn:definitions>')
    response = _deploy_files(staff["designer"], {"call_main.bpmn": bpmn("call_main.bpmn"),
                                                 "call_sub.bpmn": middle, "leaf.bpmn": leaf})

    problems = error_of(response, 422, "invalid")["details"]
    assert [(p["element_id"], p["file"]) for p in problems] == [("sub_task", "call_sub.bpmn")]
    assert "'leaf'" in problems[0]["message"]


def test_a_case_start_on_a_call_activity_without_its_process_cannot_500(staff):
    refused = _deploy_files(staff["designer"], {
        "call_main.bpmn": bpmn("call_main.bpmn"), "call_sub.bpmn": _not_executable(
            "call_sub.bpmn")})
    assert refused.status_code == 422
    company = staff["cw"].post("/api/v1/companies", json={
        "legal_name": "Acme", "entity_type": "importer"}).get_json()["id"]
    error_of(staff["cw"].post("/api/v1/cases", json={"company_id": company,
                                                      "process_id": "call_main"}),
             404, "not_found")

    # a version stored without its called process (as an older SafePort could have) errs the
    # case instead of failing the request
    deployed = deploy(staff["designer"], "call_main.bpmn", "call_sub.bpmn").get_json()
    main = next(p["version"]["id"] for p in deployed["processes"]
                if p["version"]["process_id"] == "call_main")
    version = db.session.get(ProcessVersion, main)
    stored = json.loads(version.spec_json)
    stored["subprocess_specs"] = {}
    version.spec_json = json.dumps(stored)
    db.session.commit()
    response = staff["cw"].post("/api/v1/cases", json={"company_id": company,
                                                        "process_id": "call_main"})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["status"] == "error"
    assert "call_sub" in response.get_json()["error_message"]

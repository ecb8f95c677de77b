"""Deploying BPMN through POST /api/v1/process-models: versions, validation, hostile XML,
roles and the audit trail."""
import re
import time
from io import BytesIO

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app.extensions import db
from app.models import AuditEvent, ProcessModel, ProcessVersion
from tests.helpers import bpmn, deploy, start

URL = "/api/v1/process-models"
HEX64 = re.compile(r"^[0-9a-f]{64}$")


@pytest.fixture
def staff(lazy_staff):
    """Only the roles a test uses are created (password hashing is not free)."""
    return lazy_staff


def deploy_xml(api, body: bytes, filename: str | None = "x.bpmn"):
    """Deploy one diagram as a raw XML body."""
    url = f"{URL}?filename={filename}" if filename else URL
    return api.post(url, data=body, content_type="application/xml")


def deploy_files(api, files: dict[str, bytes]):
    """Deploy named byte strings as multipart files (encoded in memory: the test client would
    spool a large body to a temporary file it never closes)."""
    boundary, body = encode_multipart(MultiDict([
        ("files", FileStorage(BytesIO(data), filename=name, content_type="application/xml"))
        for name, data in files.items()]))
    return api.post(URL, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def committed(model) -> int:
    """Rows of a table that are committed, read on a connection of its own."""
    with db.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(model.__table__))


def deployment_events() -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.kind == "deployment").order_by(AuditEvent.id)))


def assert_nothing_stored():
    assert committed(ProcessModel) == 0
    assert committed(ProcessVersion) == 0
    assert deployment_events() == []


def assert_error_shape(response, status: int, error: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body is not None, response.get_data(as_text=True)
    assert set(body) == {"error", "message", "details"}
    assert body["error"] == error
    assert "Traceback" not in response.get_data(as_text=True)
    return body


def problems(response) -> list[dict]:
    """The details of a 422 deploy refusal: a non-empty list of problems with messages."""
    body = assert_error_shape(response, 422, "invalid")
    assert body["message"]
    assert isinstance(body["details"], list) and body["details"], body
    for problem in body["details"]:
        assert isinstance(problem.get("message"), str) and problem["message"], problem
    return body["details"]


def only_problem(response) -> dict:
    found = problems(response)
    assert len(found) == 1, found
    return found[0]


@pytest.fixture
def company(staff) -> int:
    response = staff["cw"].post("/api/v1/companies",
                                json={"legal_name": "Acme", "entity_type": "importer"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


# --- valid deployments -------------------------------------------------------------------------

def test_multipart_deploy_creates_version_1(staff):
    response = deploy(staff["designer"], "two_lanes.bpmn")

    assert response.status_code == 201, response.get_json()
    [deployed] = response.get_json()["processes"]
    assert deployed["created"] is True
    version = deployed["version"]
    assert version["process_id"] == "two_lanes"
    assert version["version"] == 1
    assert HEX64.match(version["content_hash"])
    assert version["default_role"] == "case_worker"
    row = db.session.get(ProcessVersion, version["id"])
    assert row.version == 1 and row.content_hash == version["content_hash"]
    assert row.process_model.process_id == "two_lanes"
    assert row.process_model.name == "Two lanes"
    assert list(row.files) == ["two_lanes.bpmn"]
    # the file as sent, and a drawing after its process: it came without one
    stored, sent = row.files["two_lanes.bpmn"], bpmn("two_lanes.bpmn").decode()
    assert stored.startswith(sent[:sent.rindex("</bpmn:definitions>")])
    assert stored.count("<bpmndi:BPMNShape") == 5 and stored.count("<bpmndi:BPMNEdge") == 4
    assert "review_form" in row.forms
    assert row.deployed_by_id == version["deployed_by_id"] is not None


def test_multipart_deploy_of_a_call_activity_with_its_called_process(staff):
    response = deploy(staff["designer"], "call_main.bpmn", "call_sub.bpmn")

    assert response.status_code == 201, response.get_json()
    by_id = {p["version"]["process_id"]: p for p in response.get_json()["processes"]}
    assert set(by_id) == {"call_main", "call_sub"}
    assert all(p["created"] and p["version"]["version"] == 1 for p in by_id.values())
    assert by_id["call_sub"]["version"]["default_role"] == "specialist"
    main = db.session.get(ProcessVersion, by_id["call_main"]["version"]["id"])
    assert sorted(main.files) == ["call_main.bpmn", "call_sub.bpmn"]
    assert committed(ProcessVersion) == 2


def test_raw_xml_body_deploys_under_the_given_filename(staff):
    response = deploy_xml(staff["designer"], bpmn("loop.bpmn"), "loop.bpmn")

    assert response.status_code == 201, response.get_json()
    [deployed] = response.get_json()["processes"]
    assert deployed["created"] is True
    assert deployed["version"]["process_id"] == "loop"
    assert deployed["version"]["version"] == 1
    assert HEX64.match(deployed["version"]["content_hash"])
    row = db.session.get(ProcessVersion, deployed["version"]["id"])
    assert list(row.files) == ["loop.bpmn"]


def test_raw_xml_body_without_filename_is_stored_as_diagram_bpmn(staff):
    response = deploy_xml(staff["designer"], bpmn("six_tasks.bpmn"), filename=None)

    assert response.status_code == 201, response.get_json()
    row = db.session.get(ProcessVersion, response.get_json()["processes"][0]["version"]["id"])
    assert list(row.files) == ["diagram.bpmn"]


def test_process_models_lists_versions_and_case_counts(staff, company):
    designer, cw = staff["designer"], staff["cw"]
    assert deploy(designer, "two_lanes.bpmn").status_code == 201
    assert deploy_xml(designer, bpmn("six_tasks.bpmn"), "six_tasks.bpmn").status_code == 201
    start(cw, company, "two_lanes")
    start(cw, company, "two_lanes")

    for viewer in ("designer", "cw", "spec", "admin"):
        response = staff[viewer].get(URL)
        assert response.status_code == 200, (viewer, response.get_json())
    items = response.get_json()["items"]
    assert [m["process_id"] for m in items] == ["six_tasks", "two_lanes"]
    six, two = items
    assert six["name"] == "Six tasks" and six["latest_version"] == 1
    assert [(v["version"], v["cases"]) for v in six["versions"]] == [(1, 0)]
    assert [(v["version"], v["cases"]) for v in two["versions"]] == [(1, 2)]
    assert HEX64.match(two["versions"][0]["content_hash"])
    assert two["versions"][0]["process_id"] == "two_lanes"


def test_process_models_are_not_for_applicants(staff, company, make_user, login):
    make_user("acme", "applicant", company)
    assert_error_shape(login("acme").get(URL), 403, "forbidden")


# --- versions ----------------------------------------------------------------------------------

def test_redeploying_identical_content_creates_no_version(staff):
    designer = staff["designer"]
    first = deploy(designer, "two_lanes.bpmn").get_json()["processes"][0]["version"]

    again = deploy(designer, "two_lanes.bpmn")
    assert again.status_code == 201, again.get_json()
    [deployed] = again.get_json()["processes"]
    assert deployed["created"] is False
    assert deployed["version"]["version"] == 1
    assert deployed["version"]["id"] == first["id"]
    assert deployed["version"]["content_hash"] == first["content_hash"]

    # the same bytes as an XML body under the same file name are the same content too
    raw = deploy_xml(designer, bpmn("two_lanes.bpmn"), "two_lanes.bpmn")
    assert raw.status_code == 201, raw.get_json()
    assert raw.get_json()["processes"][0]["created"] is False
    assert raw.get_json()["processes"][0]["version"]["id"] == first["id"]

    assert committed(ProcessVersion) == 1
    assert len(deployment_events()) == 1


def test_changed_diagram_is_version_2_and_running_cases_keep_version_1(staff, company):
    designer, cw = staff["designer"], staff["cw"]
    assert deploy(designer, "two_lanes.bpmn").status_code == 201
    old_case = start(cw, company, "two_lanes")
    assert old_case["process_version"] == 1

    changed = bpmn("two_lanes.bpmn").replace(b'name="Review request"',
                                             b'name="Review the request"')
    response = deploy_xml(designer, changed, "two_lanes.bpmn")
    assert response.status_code == 201, response.get_json()
    [deployed] = response.get_json()["processes"]
    assert deployed["created"] is True
    assert deployed["version"]["version"] == 2
    assert committed(ProcessVersion) == 2

    new_case = start(cw, company, "two_lanes")
    assert new_case["process_version"] == 2
    assert [t["title"] for t in new_case["open_tasks"]] == ["Review the request"]

    old = cw.get(f"/api/v1/cases/{old_case['id']}").get_json()
    assert old["process_version"] == 1
    assert [t["title"] for t in old["open_tasks"]] == ["Review request"]
    # the old case keeps running on version 1
    review = old["open_tasks"][0]
    done = cw.post(f"/api/v1/tasks/{review['id']}/complete", json={"data": {"decision": "accept"}})
    assert done.status_code == 200, done.get_json()
    old = cw.get(f"/api/v1/cases/{old_case['id']}").get_json()
    assert old["process_version"] == 1
    assert [t["title"] for t in old["open_tasks"]] == ["Answer questions"]

    [model] = cw.get(URL).get_json()["items"]
    assert model["latest_version"] == 2
    assert [(v["version"], v["cases"]) for v in model["versions"]] == [(1, 1), (2, 1)]


# --- invalid diagrams --------------------------------------------------------------------------

def _replaced(name: str, old: bytes, new: bytes) -> bytes:
    data = bpmn(name)
    assert old in data, f"{old!r} not in {name}"
    return data.replace(old, new)


def test_xml_syntax_error_names_the_line(staff):
    data = _replaced("two_lanes.bpmn", b'<bpmn:userTask id="answer" name="Answer questions" />',
                     b'<bpmn:userTask id="answer" name=Answer />')
    line = data[:data.index(b"name=Answer")].count(b"\n") + 1

    problem = only_problem(deploy_xml(staff["designer"], data, "broken.bpmn"))

    assert problem["file"] == "broken.bpmn"
    assert f"line {line}" in problem["message"]
    assert "syntax error" in problem["message"].lower()
    assert_nothing_stored()


def test_unknown_call_activity_target_is_named(staff):
    problem = only_problem(deploy(staff["designer"], "call_main.bpmn"))

    assert "call_sub" in problem["message"]
    assert problem["element_id"] == "stage"
    assert problem["file"] == "call_main.bpmn"
    assert_nothing_stored()


def test_user_task_in_unknown_lane_names_lane_and_known_roles(staff):
    data = _replaced("two_lanes.bpmn", b'name="Applicant"', b'name="Purchasing"')

    problem = only_problem(deploy_xml(staff["designer"], data, "lanes.bpmn"))

    assert problem["element_id"] == "answer"
    assert "'Purchasing'" in problem["message"]
    for role in ("applicant", "case_worker", "specialist"):
        assert role in problem["message"]
    assert_nothing_stored()


@pytest.mark.parametrize("script, expected", [
    ("import os", "import"),
    ("quotient = = 1", "SyntaxError"),
    ("quotient = divisor.__class__", "__class__"),
], ids=["import", "syntax", "dunder"])
def test_script_that_does_not_compile_names_the_element(staff, script, expected):
    data = _replaced("failing_script.bpmn", b"quotient = 100 / divisor", script.encode())

    problem = only_problem(deploy_xml(staff["designer"], data, "script.bpmn"))

    assert problem["element_id"] == "divide"
    assert "'divide'" in problem["message"]
    assert expected in problem["message"]
    assert_nothing_stored()


def test_gateway_condition_with_syntax_error_names_the_gateway(staff):
    data = _replaced("loop.bpmn", b"done == True", b"done == = True")

    problem = only_problem(deploy_xml(staff["designer"], data, "loop.bpmn"))

    assert problem["element_id"] == "again"
    assert "condition" in problem["message"] and "SyntaxError" in problem["message"]
    assert_nothing_stored()


def test_timer_string_that_is_no_duration_is_refused(staff):
    data = _replaced("timer_wait.bpmn", b">wait<", b'>"not-a-duration"<')

    problem = only_problem(deploy_xml(staff["designer"], data, "timer.bpmn"))

    assert problem["element_id"] == "cooling_off"
    assert "timer" in problem["message"] and "not-a-duration" in problem["message"]
    assert_nothing_stored()


@pytest.mark.parametrize("expression", [b'"PT1S"', b"PT1S", b"wait"],
                         ids=["quoted", "unquoted-name", "variable"])
def test_timer_expressions_that_may_depend_on_data_are_accepted(staff, expression):
    # An unquoted PT1S is a (missing) variable name at deploy time, like `wait`: only the
    # running case can tell, so the deployment accepts it.
    data = _replaced("timer_wait.bpmn", b">wait<", b">" + expression + b"<")

    response = deploy_xml(staff["designer"], data, "timer.bpmn")

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["processes"][0]["version"]["process_id"] == "timer_wait"


def test_explicit_form_key_naming_a_missing_form_is_refused(staff):
    data = _replaced("two_lanes.bpmn", b'value="review_form"', b'value="no_such_form"')

    problem = only_problem(deploy_xml(staff["designer"], data, "forms.bpmn"))

    assert problem["element_id"] == "review"
    assert "no_such_form" in problem["message"] and "does not exist" in problem["message"]
    assert_nothing_stored()


def test_empty_multipart_file_is_refused(staff):
    problem = only_problem(deploy_files(staff["designer"], {"empty.bpmn": b""}))

    assert problem["file"] == "empty.bpmn"
    assert "empty" in problem["message"].lower()
    assert_nothing_stored()


def test_empty_xml_body_is_refused(staff):
    problem = only_problem(deploy_xml(staff["designer"], b"", "empty.bpmn"))

    assert "empty" in problem["message"].lower()
    assert_nothing_stored()


def test_multipart_without_files_is_refused(staff):
    response = staff["designer"].post(URL, data={"note": "no file"},
                                      content_type="multipart/form-data")

    problem = only_problem(response)
    assert "multipart" in response.get_json()["message"]
    assert "content type" in problem["message"]
    assert_nothing_stored()


def test_json_body_is_refused_as_unsupported(staff):
    response = staff["designer"].post(URL, json={"xml": "<definitions/>"})

    only_problem(response)
    assert "application/json" in response.get_json()["details"][0]["message"]
    assert_nothing_stored()


def test_file_without_executable_process_is_refused(staff):
    data = _replaced("six_tasks.bpmn", b'isExecutable="true"', b'isExecutable="false"')

    problem = only_problem(deploy_xml(staff["designer"], data, "draft.bpmn"))

    assert "no executable process" in problem["message"]
    assert_nothing_stored()


def test_not_utf8_file_is_refused_not_crashing(staff):
    data = bpmn("two_lanes.bpmn").replace(b'encoding="UTF-8"', b'encoding="UTF-16"')
    utf16 = data.decode().encode("utf-16")

    problem = only_problem(deploy_xml(staff["designer"], utf16, "utf16.bpmn"))

    assert "UTF-8" in problem["message"]
    assert_nothing_stored()


def test_every_problem_is_reported_and_valid_files_are_not_stored_either(staff):
    lanes = _replaced("two_lanes.bpmn", b'name="Applicant"', b'name="Purchasing"')
    script = _replaced("failing_script.bpmn", b"quotient = 100 / divisor", b"import os")

    found = problems(deploy_files(staff["designer"], {
        "six_tasks.bpmn": bpmn("six_tasks.bpmn"), "lanes.bpmn": lanes, "script.bpmn": script}))

    assert {(p.get("file"), p.get("element_id")) for p in found} == {
        ("lanes.bpmn", "answer"), ("script.bpmn", "divide")}
    assert_nothing_stored()


def test_invalid_new_version_leaves_the_current_one(staff):
    designer = staff["designer"]
    assert deploy(designer, "loop.bpmn").status_code == 201
    broken = _replaced("loop.bpmn", b"done == True", b"done ==")

    problems(deploy_files(designer, {"loop.bpmn": broken}))

    [model] = designer.get(URL).get_json()["items"]
    assert model["latest_version"] == 1
    assert committed(ProcessVersion) == 1


# --- hostile XML -------------------------------------------------------------------------------

XXE = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
       b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
       + bpmn("two_lanes.bpmn").split(b"\n", 1)[1].replace(b'name="Two lanes"', b'name="&xxe;"'))

LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
          + b"".join(b'<!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;")
                                                   * 10) for i in range(1, 10))
          + b']>\n<lolz>&lol9;</lolz>\n')


@pytest.mark.parametrize("send", ["xml", "multipart"])
def test_xxe_is_refused_and_leaks_nothing(staff, send):
    api = staff["designer"]
    if send == "xml":
        response = deploy_xml(api, XXE, "xxe.bpmn")
    else:
        response = deploy_files(api, {"xxe.bpmn": XXE})

    problem = only_problem(response)
    assert "root:" not in response.get_data(as_text=True)
    assert "DOCTYPE" in problem["message"]
    assert problem["message"].startswith("line 2:")
    assert_nothing_stored()


def test_utf16_xxe_that_hides_the_doctype_from_byte_checks_is_refused(staff):
    hidden = XXE.replace(b'encoding="UTF-8"', b'encoding="UTF-16"').decode().encode("utf-16")
    assert b"<!DOCTYPE" not in hidden

    response = deploy_xml(staff["designer"], hidden, "xxe16.bpmn")

    only_problem(response)
    assert "root:" not in response.get_data(as_text=True)
    assert_nothing_stored()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_billion_laughs_is_refused_quickly(staff, encoding):
    data = LAUGHS if encoding == "utf-8" else LAUGHS.replace(
        b'version="1.0"', b'version="1.0" encoding="UTF-16"').decode().encode("utf-16")
    began = time.monotonic()

    response = deploy_xml(staff["designer"], data, "lol.bpmn")

    assert time.monotonic() - began < 2
    only_problem(response)
    assert "lollollol" not in response.get_data(as_text=True)
    assert_nothing_stored()


def _padded(size: int) -> bytes:
    data = bpmn("two_lanes.bpmn")
    return data.replace(b"</bpmn:definitions>",
                        b"<!--" + b"x" * (size - len(data)) + b"--></bpmn:definitions>")


@pytest.mark.parametrize("send", ["xml", "multipart"])
def test_ten_megabyte_diagram_is_over_the_diagram_size_limit(staff, app, send):
    data = _padded(10 * 1024 * 1024)
    assert app.config["MAX_DIAGRAM_BYTES"] < len(data) < app.config["MAX_CONTENT_LENGTH"]
    api = staff["designer"]

    response = (deploy_xml(api, data, "big.bpmn") if send == "xml"
                else deploy_files(api, {"big.bpmn": data}))

    problem = only_problem(response)
    assert problem["file"] == "big.bpmn"
    assert f"the limit is {app.config['MAX_DIAGRAM_BYTES']:,} bytes" in problem["message"]
    assert_nothing_stored()


def test_request_over_the_request_limit_is_413(staff, app):
    data = _padded(app.config["MAX_CONTENT_LENGTH"] + 1024)

    response = deploy_xml(staff["designer"], data, "huge.bpmn")

    body = assert_error_shape(response, 413, "too_large")
    assert body["details"] == []
    assert_nothing_stored()


# --- who may deploy ----------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["cw", "spec"])
def test_staff_without_designer_role_get_403(staff, username):
    response = deploy(staff[username], "two_lanes.bpmn")

    body = assert_error_shape(response, 403, "forbidden")
    assert "designer" in body["message"]
    assert_nothing_stored()


def test_applicant_gets_403(staff, company, make_user, login):
    make_user("acme", "applicant", company)
    assert_error_shape(deploy(login("acme"), "two_lanes.bpmn"), 403, "forbidden")
    assert_nothing_stored()


def test_admin_may_deploy(staff):
    response = deploy(staff["admin"], "two_lanes.bpmn")
    assert response.status_code == 201, response.get_json()


def test_no_token_is_401_with_www_authenticate(client):
    response = client.post(URL, data=bpmn("two_lanes.bpmn"), content_type="application/xml")

    assert_error_shape(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert_nothing_stored()


@pytest.mark.parametrize("header", ["Bearer garbage", "Bearer ", "Basic YWRtaW46cGFzc3dvcmQ="])
def test_bad_token_is_401(client, staff, header):
    response = client.post(URL, data=bpmn("two_lanes.bpmn"), content_type="application/xml",
                           headers={"Authorization": header})

    assert_error_shape(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert_nothing_stored()


# --- audit trail -------------------------------------------------------------------------------

def test_deployments_are_audited(staff):
    designer = staff["designer"]
    first = deploy(designer, "two_lanes.bpmn").get_json()["processes"][0]["version"]
    deploy(designer, "two_lanes.bpmn")  # identical: nothing new to record
    changed = bpmn("two_lanes.bpmn").replace(b"Answer questions", b"Answer the questions")
    second = deploy_files(designer, {"two_lanes.bpmn": changed}).get_json()

    events = deployment_events()
    assert len(events) == 2
    assert [(e.details["process_id"], e.details["version"]) for e in events] == [
        ("two_lanes", 1), ("two_lanes", 2)]
    assert events[0].details["content_hash"] == first["content_hash"]
    assert events[1].details["content_hash"] == \
        second["processes"][0]["version"]["content_hash"]
    assert all(e.actor_id == first["deployed_by_id"] and e.case_id is None for e in events)
    assert events[0].actor.username == "designer"


# --- versions by meaning -----------------------------------------------------------------------

def _moved(data: bytes, dx: int) -> bytes:
    """The diagram with every shape, waypoint and label moved `dx` to the right."""
    def shift(match):
        return match.group(1) + str(float(match.group(2)) + dx).encode()
    return re.sub(rb'((?:<dc:Bounds|<di:waypoint) x=")([0-9.]+)', shift, data)


def test_a_layout_only_change_keeps_the_version_and_its_new_drawing(staff):
    designer = staff["designer"]
    original = bpmn("web_review.bpmn")
    first = deploy_xml(designer, original, "web_review.bpmn").get_json()["processes"][0]
    moved = _moved(original, 40)
    assert moved != original

    again = deploy_xml(designer, moved, "web_review.bpmn")
    assert again.status_code == 201, again.get_json()
    [deployed] = again.get_json()["processes"]
    assert (deployed["created"], deployed["layout_updated"]) == (False, True)
    assert deployed["version"]["id"] == first["version"]["id"]
    assert committed(ProcessVersion) == 1
    stored = db.session.get(ProcessVersion, first["version"]["id"])
    db.session.refresh(stored)
    assert stored.files["web_review.bpmn"].encode() == moved  # the new drawing is kept
    assert deployment_events()[-1].details["layout_only"] is True

    # attributes in another order are the same process too
    reordered = moved.replace(b'id="web_review" name="Web review" isExecutable="true"',
                              b'isExecutable="true" name="Web review" id="web_review"')
    assert reordered != moved
    same = deploy_xml(designer, reordered, "web_review.bpmn").get_json()["processes"][0]
    assert same["created"] is False and same["version"]["version"] == 1

    # while a renamed event is new behaviour (people read it): version 2
    asked = _replaced("web_review.bpmn", b'name="Requested"', b'name="Asked for"')
    renamed = deploy_xml(designer, asked, "web_review.bpmn").get_json()["processes"][0]
    assert renamed["created"] is True and renamed["version"]["version"] == 2



def test_a_copy_without_drawing_leaves_the_drawing_as_it_is(staff):
    """The same process sent again without BPMN DI (an export) behaves the same and is drawn
    automatically; the version keeps the designer's drawing, not the automatic one."""
    designer = staff["designer"]
    drawn = bpmn("web_review.bpmn")
    first = deploy_xml(designer, drawn, "web_review.bpmn").get_json()["processes"][0]
    bare = re.sub(rb"<bpmndi:BPMNDiagram.*</bpmndi:BPMNDiagram>", b"", drawn, flags=re.S)
    assert b"BPMNShape" not in bare
    again = deploy_xml(designer, bare, "web_review.bpmn").get_json()["processes"][0]
    assert (again["created"], again["layout_updated"]) == (False, False)
    stored = db.session.get(ProcessVersion, first["version"]["id"])
    db.session.refresh(stored)
    assert stored.files["web_review.bpmn"].encode() == drawn

def test_two_files_of_the_same_name_in_one_deployment_are_refused(staff):
    boundary, body = encode_multipart(MultiDict([
        ("files", FileStorage(BytesIO(bpmn(name)), filename="process.bpmn",
                              content_type="application/xml"))
        for name in ("two_lanes.bpmn", "web_review.bpmn")]))
    response = staff["designer"].post(URL, data=body,
                                      content_type=f"multipart/form-data; boundary={boundary}")
    body = assert_error_shape(response, 422, "invalid")
    assert body["details"]["files"] == [
        "'process.bpmn' was sent 2 times: give each file its own name"]
    assert_nothing_stored()


def test_a_task_without_flows_is_not_ready_to_deploy(staff):
    """A task dropped on the canvas and never connected would never run: say so."""
    stray = _replaced("two_lanes.bpmn", b"</bpmn:process>",
                      b'<bpmn:userTask id="stray" name="Check the seal log" /></bpmn:process>')
    response = deploy_xml(staff["designer"], stray, "two_lanes.bpmn")
    problem = only_problem(response)
    assert problem["element_id"] == "stray"
    assert problem["message"] == ("'Check the seal log' is not connected: no sequence flow "
                                  "leads to it, so no case can reach it")
    assert_nothing_stored()

    dead_end = _replaced("two_lanes.bpmn", b'targetRef="end"', b'targetRef="stray"').replace(
        b"</bpmn:process>", b'<bpmn:userTask id="stray" name="Seal log" /></bpmn:process>')
    found = {p["element_id"]: p["message"]
             for p in problems(deploy_xml(staff["designer"], dead_end, "two_lanes.bpmn"))}
    assert found == {
        "stray": "'Seal log' is not connected: no sequence flow leaves it, so a case that "
                 "reaches it can never go on (end the path with an end event)",
        "end": "'end' is not connected: no sequence flow leads to it, so no case can reach it"}

"""Tokens, users, companies, the error shape, openapi.json and /healthz through the API."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Company, User
from app.models.user import ROLES
from tests.conftest import Api

ERROR_KEYS = {"error", "message", "details"}


@pytest.fixture
def staff(lazy_staff):
    """Only the roles a test uses are created (password hashing is not free)."""
    return lazy_staff


def error_of(response, status: int, error: str) -> dict:
    """The JSON error body of a response, checking its status and exact shape."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body is not None, response.get_data(as_text=True)
    assert set(body) == ERROR_KEYS, body
    assert body["error"] == error
    assert isinstance(body["message"], str) and body["message"]
    assert "Traceback" not in response.get_data(as_text=True)
    return body


@pytest.fixture
def acme(staff) -> int:
    response = staff["cw"].post("/api/v1/companies",
                                json={"legal_name": "Acme Imports LLC", "entity_type": "importer"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


# --- tokens ------------------------------------------------------------------------------------

def test_good_credentials_give_a_token_that_works(client, make_user, app):
    make_user("carla", "case_worker")

    response = client.post("/api/v1/auth/token",
                           json={"username": "carla", "password": "password-1"})

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"token", "expires_in"}
    assert body["expires_in"] == app.config["API_TOKEN_MAX_AGE"]
    tasks = Api(client, body["token"]).get("/api/v1/tasks")
    assert tasks.status_code == 200, tasks.get_json()
    assert tasks.get_json() == {"items": [], "total": 0, "page": 1, "per_page": 50}


@pytest.mark.parametrize("username, password", [
    ("carla", "wrong-password"), ("nobody", "password-1"), ("carla", "")])
def test_bad_credentials_get_401(client, make_user, username, password):
    make_user("carla", "case_worker")

    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})

    body = error_of(response, 401, "unauthorized")
    assert "wrong password" in body["message"]
    assert "token" not in body
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_token_request_needs_a_json_body_with_both_fields(client):
    missing = error_of(client.post("/api/v1/auth/token", json={}), 422, "invalid")
    assert set(missing["details"]) == {"username", "password"}
    not_json = error_of(client.post("/api/v1/auth/token", data="username=x",
                                    content_type="application/x-www-form-urlencoded"),
                        422, "invalid")
    assert "_body" in not_json["details"]


def test_token_of_a_deactivated_user_stops_working(client, make_user, login):
    user = make_user("carla", "case_worker")
    api = login("carla")
    user.active = False
    db.session.commit()

    error_of(api.get("/api/v1/tasks"), 401, "unauthorized")
    error_of(client.post("/api/v1/auth/token",
                         json={"username": "carla", "password": "password-1"}),
             401, "unauthorized")


def test_changing_the_password_invalidates_old_tokens(make_user, login):
    user = make_user("carla", "case_worker")
    api = login("carla")
    user.set_password("another-password")
    db.session.commit()

    error_of(api.get("/api/v1/tasks"), 401, "unauthorized")
    assert login("carla", "another-password").get("/api/v1/tasks").status_code == 200


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Token abc"}])
def test_tasks_without_a_valid_token_get_401(client, headers):
    response = client.get("/api/v1/tasks", headers=headers)

    error_of(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="safeport"'


def test_token_signed_with_another_secret_is_refused(client, make_user, app):
    from itsdangerous import URLSafeTimedSerializer

    user = make_user("carla", "admin")
    forged = URLSafeTimedSerializer("not-the-secret", salt="safeport-api-token").dumps(
        {"uid": user.id, "pw": user.password_hash[-12:]})

    error_of(Api(client, forged).get("/api/v1/tasks"), 401, "unauthorized")


# --- users -------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_admin_creates_every_role(staff, acme, client, role):
    company_id = acme if role in ("applicant", "supplier") else None
    response = staff["admin"].post("/api/v1/users", json={
        "username": f"new_{role}", "password": "s3cret-pass", "role": role,
        "email": f"{role}@example.test", "company_id": company_id})

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == {"id", "username", "role", "email", "company_id"}
    assert body["username"] == f"new_{role}" and body["role"] == role
    assert body["company_id"] == company_id
    user = db.session.scalar(select(User).where(User.username == f"new_{role}"))
    assert user.id == body["id"] and user.role == role and user.company_id == company_id
    assert user.password_hash != "s3cret-pass" and user.check_password("s3cret-pass")
    token = client.post("/api/v1/auth/token",
                        json={"username": f"new_{role}", "password": "s3cret-pass"})
    assert token.status_code == 200


@pytest.mark.parametrize("payload, field, words", [
    ({"role": "applicant"}, "company_id", "must belong to a company"),
    ({"role": "applicant", "company_id": 999999}, "company_id", "does not exist"),
    ({"role": "case_worker", "company_id": "ACME"}, "company_id", "Not a valid integer"),
    ({"role": "overlord"}, "role", "Must be one of"),
    ({"role": "admin", "password": "short"}, "password", "minimum length 8"),
    ({"role": "admin", "username": "has space"}, "username", "letters, digits"),
    ({"role": "admin", "email": "not-an-email"}, "email", "email"),
], ids=["applicant-no-company", "unknown-company", "company-not-int", "bad-role",
        "short-password", "bad-username", "bad-email"])
def test_invalid_user_gets_a_field_error(staff, payload, field, words):
    body = {"username": "newbie", "password": "s3cret-pass", **payload}

    error = error_of(staff["admin"].post("/api/v1/users", json=body), 422, "invalid")

    assert list(error["details"]) == [field]
    assert any(words in message for message in error["details"][field]), error
    assert db.session.scalar(select(User).where(User.username == body["username"])) is None


def test_staff_user_with_a_company_is_refused(staff, acme):
    error = error_of(staff["admin"].post("/api/v1/users", json={
        "username": "newbie", "password": "s3cret-pass", "role": "case_worker",
        "company_id": acme}), 422, "invalid")

    assert error["details"] == {
        "company_id": ["only applicants and supplier contacts belong to a company"]}


def test_duplicate_username_is_refused(staff):
    assert staff["cw"]  # the case worker "cw" exists
    before = db.session.scalar(select(User).where(User.username == "cw"))

    error = error_of(staff["admin"].post("/api/v1/users", json={
        "username": "cw", "password": "s3cret-pass", "role": "specialist"}), 422, "invalid")

    assert error["details"] == {"username": ["is already taken"]}
    db.session.expire_all()
    after = db.session.scalars(select(User).where(User.username == "cw")).all()
    assert [u.id for u in after] == [before.id] and after[0].role == "case_worker"


def test_missing_fields_are_each_named(staff):
    error = error_of(staff["admin"].post("/api/v1/users", json={}), 422, "invalid")

    assert set(error["details"]) == {"username", "password", "role"}
    for messages in error["details"].values():
        assert messages == ["Missing data for required field."]


def test_password_is_never_returned(staff):
    response = staff["admin"].post("/api/v1/users", json={
        "username": "newbie", "password": "s3cret-pass", "role": "specialist"})

    assert response.status_code == 201
    assert "s3cret-pass" not in response.get_data(as_text=True)
    assert "password" not in response.get_json()


@pytest.mark.parametrize("who", ["cw", "spec", "designer", "applicant"])
def test_only_admins_create_users(staff, acme, make_user, login, who):
    if who == "applicant":
        make_user("acme", "applicant", acme)
        api = login("acme")
    else:
        api = staff[who]

    error = error_of(api.post("/api/v1/users", json={
        "username": "intruder", "password": "s3cret-pass", "role": "admin"}), 403, "forbidden")

    assert "admin" in error["message"]
    assert db.session.scalar(select(User).where(User.username == "intruder")) is None


def test_creating_a_user_needs_a_token(client):
    error_of(client.post("/api/v1/users", json={
        "username": "intruder", "password": "s3cret-pass", "role": "admin"}), 401, "unauthorized")
    assert db.session.scalar(select(User).where(User.username == "intruder")) is None


# --- companies ---------------------------------------------------------------------------------

def test_case_worker_registers_a_company(staff):
    response = staff["cw"].post("/api/v1/companies", json={
        "legal_name": "Acme Imports LLC", "trade_name": "Acme", "entity_type": "customs_broker"})

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["legal_name"] == "Acme Imports LLC" and body["trade_name"] == "Acme"
    assert body["entity_type"] == "customs_broker" and body["created_at"]
    company = db.session.get(Company, body["id"])
    assert (company.legal_name, company.entity_type) == ("Acme Imports LLC", "customs_broker")
    fetched = staff["spec"].get(f"/api/v1/companies/{body['id']}")
    assert fetched.status_code == 200 and fetched.get_json() == body


def test_admin_registers_a_company_too(staff):
    assert staff["admin"].post("/api/v1/companies", json={
        "legal_name": "Admin Co", "entity_type": "exporter"}).status_code == 201


def test_bad_entity_type_is_a_field_error(staff):
    error = error_of(staff["cw"].post("/api/v1/companies", json={
        "legal_name": "Acme", "entity_type": "spaceport"}), 422, "invalid")

    assert list(error["details"]) == ["entity_type"]
    assert "importer" in error["details"]["entity_type"][0]
    assert db.session.scalar(select(Company.id)) is None


def test_company_needs_its_required_fields(staff):
    error = error_of(staff["cw"].post("/api/v1/companies", json={"trade_name": "x"}),
                     422, "invalid")

    assert set(error["details"]) == {"legal_name", "entity_type"}


@pytest.mark.parametrize("who", ["spec", "designer"])
def test_other_roles_cannot_register_companies(staff, who):
    error_of(staff[who].post("/api/v1/companies", json={
        "legal_name": "Acme", "entity_type": "importer"}), 403, "forbidden")
    assert db.session.scalar(select(Company.id)) is None


def test_applicant_sees_only_its_own_company(staff, acme, make_user, login):
    other = staff["cw"].post("/api/v1/companies", json={
        "legal_name": "Bolt Freight", "entity_type": "sea_carrier"}).get_json()["id"]
    make_user("acme", "applicant", acme)
    applicant = login("acme")

    own = applicant.get(f"/api/v1/companies/{acme}")
    assert own.status_code == 200 and own.get_json()["legal_name"] == "Acme Imports LLC"
    hidden = error_of(applicant.get(f"/api/v1/companies/{other}"), 404, "not_found")
    missing = error_of(applicant.get("/api/v1/companies/999999"), 404, "not_found")
    assert "Bolt" not in hidden["message"]
    # another company's id answers exactly like one that does not exist (ids leak nothing)
    assert hidden["message"].replace(str(other), "N") == missing["message"].replace("999999", "N")
    assert error_of(applicant.post("/api/v1/companies", json={
        "legal_name": "Mine", "entity_type": "importer"}), 403, "forbidden")


def test_unknown_company_is_404_for_staff(staff):
    error_of(staff["cw"].get("/api/v1/companies/424242"), 404, "not_found")


# --- errors, openapi, health -------------------------------------------------------------------

@pytest.mark.parametrize("method, url", [
    ("get", "/api/v1/no-such-thing"), ("get", "/api/v1"), ("post", "/api/v1/tasks/1/nothing"),
    ("get", "/api/v1/companies/not-a-number")])
def test_unknown_api_url_is_json_404(client, staff, method, url):
    for api in (client, staff["cw"]):
        response = getattr(api, method)(url)
        body = error_of(response, 404, "not_found")
        assert response.mimetype == "application/json"
        assert body["details"] == []


def test_wrong_method_on_api_url_is_json_405(staff):
    response = staff["cw"].client.delete("/api/v1/process-models")

    error_of(response, 405, "method_not_allowed")


def test_unknown_url_outside_the_api_is_not_json(client):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert response.mimetype != "application/json"


def test_every_error_response_has_exactly_error_message_details(client, staff, acme):
    cw = staff["cw"]
    responses = [
        client.post("/api/v1/auth/token", json={"username": "cw", "password": "nope"}),  # 401
        client.get("/api/v1/cases"),  # 401 without token
        cw.post("/api/v1/users", json={"username": "x1", "password": "s3cret-pass",
                                       "role": "admin"}),  # 403
        cw.get("/api/v1/cases/999999"),  # 404
        cw.get("/api/v1/nothing-here"),  # 404 routing
        cw.post("/api/v1/companies", json={"legal_name": ""}),  # 422 fields
        cw.post("/api/v1/companies", data="x", content_type="text/plain"),  # 422 not JSON
        cw.get("/api/v1/tasks?per_page=1000"),  # 422 query
        staff["designer"].post("/api/v1/process-models", data=b"<x", content_type="text/xml"),
    ]
    statuses = []
    for response in responses:
        assert response.status_code >= 400
        assert set(response.get_json()) == ERROR_KEYS, response.get_json()
        statuses.append(response.status_code)
    assert statuses == [401, 401, 403, 404, 404, 422, 422, 422, 422]


def test_openapi_json_describes_the_api_without_a_token(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.1")
    paths = spec["paths"]
    complete = paths["/api/v1/tasks/{task_id}/complete"]["post"]
    assert set(paths["/api/v1/process-models"]) >= {"get", "post"}
    assert "get" in paths["/api/v1/cases/{case_id}/events"]
    assert "/api/v1/auth/token" in paths and "/api/v1/users" in paths

    schemas = spec["components"]["schemas"]
    body_ref = complete["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body_ref == "#/components/schemas/CompleteRequest"
    assert "data" in schemas["CompleteRequest"]["properties"]
    user_create = schemas["UserCreate"]
    assert set(user_create["required"]) == {"username", "password", "role"}
    assert set(user_create["properties"]["role"]["enum"]) == set(ROLES)
    assert "importer" in schemas["CompanyCreate"]["properties"]["entity_type"]["enum"]
    assert set(schemas["Error"]["properties"]) == ERROR_KEYS
    assert complete["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}
    assert complete["security"] == [{"bearer": []}]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    # every $ref points at a schema that exists
    import json
    import re
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(spec)))
    assert refs and refs <= set(schemas)
    # the token endpoint is public, the others need a token
    assert "security" not in paths["/api/v1/auth/token"]["post"]
    events = paths["/api/v1/cases/{case_id}/events"]["get"]
    assert events["parameters"][0]["name"] == "case_id"
    assert events["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/EventList"}


def test_healthz_reports_the_database(client, is_postgres):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["dialect"] == ("postgresql" if is_postgres else "sqlite")

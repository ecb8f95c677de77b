"""schemathesis against /api/v1/openapi.json, in process (WSGI), as a signed-in admin with a few
rows to find: no answer may be a 5xx or break the schema the API publishes.

Bounded and deterministic: few examples per operation (about 10 s on SQLite, 20 s on
PostgreSQL for every operation), the same ones on every run. Each operation starts from the same
seeded rows. Raise MAX_EXAMPLES locally to search harder.
"""
import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from app.api.openapi import build_spec
from app.extensions import db
from app.models import Company
from app.services.jobs import notifications
from app.services.repository import deployments
from app.services.runtime import cases
from tests.helpers import bpmn

MAX_EXAMPLES = 25
CONFIG = {
    "seed": 15,
    "generation": {"deterministic": True, "max-examples": MAX_EXAMPLES},
    "phases": {"stateful": {"enabled": False}},
    "checks": {
        "enabled": False,
        "not_a_server_error": {"enabled": True},
        "status_code_conformance": {"enabled": True},
        "content_type_conformance": {"enabled": True},
        "response_schema_conformance": {"enabled": True},
    },
}


@pytest.fixture
def admin_token(make_user, login):
    """An admin's token, and rows for the ids the fuzzer tries (1, 2, ...) to find."""
    admin = make_user("admin", "admin")
    company = Company(legal_name="Fuzz Imports", entity_type="importer")
    db.session.add(company)
    db.session.commit()
    make_user("applicant", "applicant", company.id)
    deployments.deploy(None, {name: bpmn(name) for name in ("two_lanes.bpmn",
                                                              "message_wait.bpmn")})
    case = cases.start_case(admin, company_id=company.id, process_id="two_lanes")
    cases.start_case(admin, company_id=company.id, process_id="message_wait")
    notifications.notify(admin, "info", "fuzzing starts", case_id=case.id)
    db.session.commit()
    return login("admin").token


# what GET /api/v1/openapi.json serves (it needs no app: it is built from the declarations)
schema = schemathesis.openapi.from_dict(build_spec(), config=schemathesis.Config.from_dict(CONFIG))


def test_the_fuzzed_description_is_the_one_served(client):
    assert client.get("/api/v1/openapi.json").get_json() == json.loads(json.dumps(build_spec()))


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_answers_conform_to_openapi(case, app, admin_token):
    case.call_and_validate(app=app, headers={"Authorization": f"Bearer {admin_token}"})

"""Fixtures for partner audits: the real diagrams and forms, the sample catalogue, shrunken
periods, a client with an applicant, a supplier with a contact, two auditors and a reviewer."""
from dataclasses import dataclass

import pytest

from app.services.membership.catalogue import SAMPLE_CATALOGUE, import_catalogue, read_rows
from tests.conftest import Api
from tests.lifecycle.conftest import deploy_lifecycle

AUDIT_PERIODS = {"SAFEPORT_QUOTE_PERIOD": "P14D", "SAFEPORT_SELF_ASSESSMENT_PERIOD": "P30D",
                 "SAFEPORT_CORRECTIVE_PLAN_PERIOD": "P30D", "SAFEPORT_REAUDIT_HIGH_RISK": "PT4S",
                 "SAFEPORT_REAUDIT_MEDIUM_RISK": "PT600S", "SAFEPORT_REAUDIT_LOW_RISK": "PT900S",
                 "SAFEPORT_REAUDIT_REMINDER_LEAD": "PT2S"}


@dataclass
class AuditWorld:
    """Everyone an audit needs, signed in to the API."""

    cw: Api
    client: Api
    client_id: int
    supplier: Api
    supplier_id: int
    auditor: Api
    auditor2: Api
    reviewer: Api


@pytest.fixture(autouse=True)
def _uploads(app, tmp_path, monkeypatch):
    """Reports and uploads go to a fresh folder."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))


@pytest.fixture
def web_as(app):
    """A web test client signed in through the login form as `username`."""

    def sign_in(username: str):
        client = app.test_client()
        response = client.post("/login", data={"username": username, "password": "password-1"})
        assert response.status_code == 302, response.data[:300]
        return client

    return sign_in


@pytest.fixture
def audit_world(app, staff, make_user, login):
    """Deployed diagrams, the sample catalogue, a client (Acme) with a supplier (a Mexican
    foreign manufacturer) and everyone signed in."""
    saved = dict(app.config["PERIODS"])
    app.config["PERIODS"].update(AUDIT_PERIODS)
    response = deploy_lifecycle(staff["designer"])
    assert response.status_code == 201, response.get_json()
    import_catalogue(None, read_rows(SAMPLE_CATALOGUE))
    created = staff["cw"].post("/api/v1/companies", json={"legal_name": "Acme Imports LLC",
                                                          "entity_type": "importer"})
    client_id = created.get_json()["id"]
    make_user("acme", "applicant", client_id)
    client = login("acme")
    added = client.post("/api/v1/suppliers", json={
        "legal_name": "Textiles del Norte SA de CV", "entity_type": "foreign_manufacturer",
        "country": "MX", "address": "Av. Industrial 100, Monterrey", "program": "none"})
    assert added.status_code == 201, added.get_json()
    supplier_id = added.get_json()["supplier_id"]
    make_user("norte", "supplier", supplier_id)
    for name, role in (("ana", "auditor"), ("bruno", "auditor"), ("rita", "reviewer")):
        make_user(name, role)
    yield AuditWorld(staff["cw"], client, client_id, login("norte"), supplier_id, login("ana"),
                     login("bruno"), login("rita"))
    app.config["PERIODS"].clear()
    app.config["PERIODS"].update(saved)

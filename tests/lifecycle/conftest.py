"""Fixtures for the lifecycle tests: the real diagrams and forms, the sample catalogue,
shrunken periods and a company with an applicant."""
from io import BytesIO
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app.services.membership.catalogue import SAMPLE_CATALOGUE, import_catalogue, read_rows

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
#: generous defaults: nothing fires unless a test shrinks the period it exercises
SLOW = {"SAFEPORT_PROFILE_COMPLETION_PERIOD": "PT60S", "SAFEPORT_CERTIFICATION_TARGET": "PT60S",
        "SAFEPORT_VALIDATION_PERIOD": "PT60S", "SAFEPORT_ANNUAL_REVIEW_PERIOD": "PT60S",
        "SAFEPORT_ANNUAL_REVIEW_WINDOW": "PT30S", "SAFEPORT_REVALIDATION_PERIOD": "PT600S",
        "SAFEPORT_REMINDER_LEAD_TIMES": "PT10S"}


@pytest.fixture
def periods(app):
    """Set lifecycle periods for one test: `periods(SAFEPORT_..="PT1S")`; restored after."""
    saved = dict(app.config["PERIODS"])
    app.config["PERIODS"].update(SLOW)

    def shrink(**values: str) -> None:
        app.config["PERIODS"].update(values)

    yield shrink
    app.config["PERIODS"].clear()
    app.config["PERIODS"].update(saved)


def deploy_lifecycle(api):
    """Deploy every diagram and decision table in bpmn/ through the API."""
    boundary, body = encode_multipart(MultiDict([
        ("files", FileStorage(BytesIO(p.read_bytes()), filename=p.name,
                              content_type="application/xml"))
        for p in sorted([*BPMN_DIR.glob("*.bpmn"), *BPMN_DIR.glob("*.dmn")])]))
    return api.post("/api/v1/process-models", data=body,
                    content_type=f"multipart/form-data; boundary={boundary}")


@pytest.fixture
def lifecycle(staff, periods, make_user, login):
    """Deployed lifecycle, sample catalogue, and `company(entity_type)` -> (id, applicant api)."""
    response = deploy_lifecycle(staff["designer"])
    assert response.status_code == 201, response.get_json()
    import_catalogue(None, read_rows(SAMPLE_CATALOGUE))
    counter = iter(range(1, 100))

    def company(entity_type: str = "importer", name: str = "Acme Imports LLC"):
        created = staff["cw"].post("/api/v1/companies", json={"legal_name": name,
                                                              "entity_type": entity_type})
        assert created.status_code == 201, created.get_json()
        company_id = created.get_json()["id"]
        username = f"applicant{next(counter)}"
        make_user(username, "applicant", company_id)
        return company_id, login(username)

    return company

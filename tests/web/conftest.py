"""Web UI fixtures: a deployed two-lane process, companies, users of every role, sign-in."""
import pytest

from app.extensions import db
from app.models import Company
from app.services.repository import deployments
from app.services.runtime import cases
from tests.helpers import bpmn

PASSWORD = "password-1"


@pytest.fixture(autouse=True)
def _web_isolation(app, tmp_path, monkeypatch):
    """Uploads go to a fresh folder."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))


@pytest.fixture
def world(make_user):
    """Two companies, a user per role, the two-lane process deployed and one case started."""
    acme = Company(legal_name="Acme Imports", entity_type="importer")
    globex = Company(legal_name="Globex Freight", entity_type="sea_carrier")
    db.session.add_all([acme, globex])
    db.session.commit()
    users = {
        "admin": make_user("admin", "admin"), "cw": make_user("cw", "case_worker"),
        "cw2": make_user("cw2", "case_worker"), "spec": make_user("spec", "specialist"),
        "designer": make_user("designer", "designer"),
        "acme": make_user("acme", "applicant", acme.id),
        "globex": make_user("globex", "applicant", globex.id),
    }
    deployments.deploy(None, {"two_lanes.bpmn": bpmn("two_lanes.bpmn")})
    case = cases.start_case(users["cw"], company_id=acme.id, process_id="two_lanes")
    other = cases.start_case(users["cw"], company_id=globex.id, process_id="two_lanes")
    return {"users": users, "acme": acme, "globex": globex, "case": case, "other": other}


@pytest.fixture
def sign_in(client):
    """Sign the test client in through the login form; returns the response."""

    def sign(username: str, password: str = PASSWORD, follow: bool = False):
        return client.post("/login", data={"username": username, "password": password},
                           follow_redirects=follow)

    return sign

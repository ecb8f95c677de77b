"""The case page's diagram data: the case's own process, and a called stage's diagram with the
steps of its run marked (`/cases/<id>/diagram?process=<called process>`)."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import HumanTask
from app.models.enums import TaskState
from app.services.repository import deployments
from app.services.runtime import cases
from app.services.tasks import actions as tasks
from tests.helpers import bpmn


def complete_ready(user, case_id: int, bpmn_id: str) -> None:
    task = db.session.scalar(select(HumanTask).where(
        HumanTask.case_id == case_id, HumanTask.bpmn_id == bpmn_id,
        HumanTask.state == TaskState.READY))
    tasks.complete(user, task.id, {})


@pytest.fixture
def staged(world):
    """A case of a process that calls a stage, run to the stage's second step."""
    deployments.deploy(None, {"web_call_main.bpmn": bpmn("web_call_main.bpmn"),
                              "web_call_sub.bpmn": bpmn("web_call_sub.bpmn")})
    cw = world["users"]["cw"]
    case = cases.start_case(cw, company_id=world["acme"].id, process_id="web_call_main")
    complete_ready(cw, case.id, "intake")
    complete_ready(cw, case.id, "first_step")
    return case.id


def test_the_case_diagram_names_the_stages_it_can_open(staged, client, sign_in):
    sign_in("cw")
    data = client.get(f"/cases/{staged}/diagram").get_json()
    assert 'id="web_call_main"' in data["xml"] and data["has_layout"] is True
    assert data["process_id"] == "web_call_main" and data["name"] == "Staged case"
    assert data["called"] == ["web_call_sub"]
    assert data["states"]["intake"] == "COMPLETED"
    assert data["states"]["review_stage"] in ("STARTED", "WAITING", "READY")
    # the stage's own steps are not marked on the top diagram
    assert "first_step" not in data["states"] and "second_step" not in data["states"]


def test_a_called_stage_is_served_with_its_completed_and_active_steps(staged, client, sign_in):
    sign_in("acme")  # the applicant sees their own case's stages too
    data = client.get(f"/cases/{staged}/diagram?process=web_call_sub").get_json()
    assert 'id="web_call_sub"' in data["xml"] and 'id="web_call_main"' not in data["xml"]
    assert data["process_id"] == "web_call_sub" and data["name"] == "Review stage"
    assert data["has_layout"] is True and data["called"] == []
    assert data["states"]["sub_start"] == "COMPLETED"
    assert data["states"]["first_step"] == "COMPLETED"
    assert data["states"]["second_step"] == "READY"
    assert "intake" not in data["states"]


def test_a_stage_the_case_does_not_have_is_not_found(staged, world, client, sign_in):
    sign_in("cw")
    assert client.get(f"/cases/{staged}/diagram?process=two_lanes").status_code == 404
    assert client.get(f"/cases/{staged}/diagram?process=nope").status_code == 404
    client.post("/logout")
    sign_in("globex")  # another company's case stays hidden, stage or not
    response = client.get(f"/cases/{staged}/diagram?process=web_call_sub")
    assert response.status_code == 404 and "Second step" not in response.text


def test_a_finished_stage_keeps_its_steps_marked(staged, world, client, sign_in):
    complete_ready(world["users"]["cw"], staged, "second_step")
    sign_in("cw")
    top = client.get(f"/cases/{staged}/diagram").get_json()
    assert top["states"]["review_stage"] == "COMPLETED"
    assert top["states"]["main_end"] == "COMPLETED"
    stage = client.get(f"/cases/{staged}/diagram?process=web_call_sub").get_json()
    assert {stage["states"][k] for k in ("first_step", "second_step", "sub_end")} == {"COMPLETED"}


def test_the_case_page_has_the_diagram_toolbar(staged, client, sign_in):
    sign_in("cw")
    page = client.get(f"/cases/{staged}").text
    for text in ('aria-label="Zoom in"', 'aria-label="Zoom out"', ">Fit<", 'data-diagram="back"',
                 "js/diagram.js"):
        assert text in page

"""The designer area through the test client: the process list, drafts, validate, deploy."""
from sqlalchemy import select

from app.extensions import db
from app.models import ProcessVersion
from app.models.designer import DiagramDraft
from tests.helpers import drawn_bpmn

V1 = drawn_bpmn("two_lanes.bpmn")  # as deployed: drawn


def _post_json(client, url, xml):
    return client.post(url, json={"xml": xml})


def test_process_list_shows_versions_deployer_hash_and_cases(world, client, sign_in):
    from app.services.repository import deployments

    deployments.deploy(world["users"]["designer"],
                       {"two_lanes.bpmn": V1.replace("Review request", "Review it").encode()})
    sign_in("designer")
    page = client.get("/processes")
    assert page.status_code == 200
    html = page.text
    assert "Deployed processes" in html and "two_lanes" in html
    assert 'data-version="2"' in html and 'data-version="1"' in html
    assert "command line" in html and ">designer<" in html  # who deployed v1 and v2
    v1 = db.session.scalar(select(ProcessVersion).where(ProcessVersion.version == 1))
    assert v1.content_hash[:12] in html
    assert '<td class="cases" data-label="Cases">2</td>' in html
    assert '<td class="cases" data-label="Cases">0</td>' in html
    assert "Edit diagram" in html


def test_staff_see_the_list_without_edit_links_and_may_not_edit(world, client, sign_in):
    sign_in("cw")
    page = client.get("/processes")
    assert page.status_code == 200 and "two_lanes" in page.text
    assert "Edit diagram" not in page.text
    assert client.get("/designer/two_lanes").status_code == 403
    assert _post_json(client, "/designer/two_lanes/draft", V1).status_code == 403


def test_open_edit_save_reopen_download_and_discard_a_draft(world, client, sign_in):
    sign_in("designer")
    page = client.get("/designer/two_lanes")
    assert page.status_code == 200 and "Version 1, as deployed." in page.text
    assert 'id="modeler"' in page.text and "<script>" not in page.text
    opened = client.get("/designer/two_lanes/draft").get_json()
    assert opened["xml"] == V1 and opened["base_version"] == 1 and opened["saved_at"] is None
    assert opened["filename"] == "two_lanes.bpmn"

    edited = V1.replace("Review request", "Review the request")
    saved = _post_json(client, "/designer/two_lanes/draft", edited)
    assert saved.status_code == 200 and saved.get_json()["saved_at"]
    again = client.get("/designer/two_lanes/draft").get_json()
    assert again["xml"] == edited and again["saved_at"]
    assert "Your draft, saved" in client.get("/designer/two_lanes").text
    assert "Continue your draft" in client.get("/processes").text
    download = client.get("/designer/two_lanes/draft.bpmn")
    assert download.headers["Content-Disposition"] == "attachment; filename=two_lanes.bpmn"
    assert download.text == edited

    # another designer does not see this draft
    from app.services.identity.users import create_user
    create_user(None, username="other", password="password-1", role="designer",
                email="other@example.test")
    assert db.session.scalar(select(DiagramDraft.user_id)) == world["users"]["designer"].id

    client.post("/designer/two_lanes/discard")
    assert client.get("/designer/two_lanes/draft").get_json()["xml"] == V1
    assert db.session.query(DiagramDraft).count() == 0


def test_validate_lists_problems_by_element_and_deploy_refuses_an_invalid_draft(
        world, client, sign_in):
    sign_in("designer")
    bad = V1.replace('value="review_form"', 'value="no_such_form"').replace(
        'name="Applicant"', 'name="Purchasing"')
    check = _post_json(client, "/designer/two_lanes/validate", bad).get_json()
    assert check["valid"] is False
    messages = " ".join(p["message"] for p in check["problems"])
    assert "no_such_form" in messages and "Purchasing" in messages
    assert {"review", "answer"} <= {p["element_id"] for p in check["problems"]}
    refused = _post_json(client, "/designer/two_lanes/deploy", bad)
    assert refused.status_code == 422 and refused.get_json()["problems"]
    assert db.session.query(ProcessVersion).count() == 1
    assert db.session.query(DiagramDraft).count() == 1  # the draft is kept

    good = bad.replace("no_such_form", "review_form").replace("Purchasing", "Applicant")
    good = good.replace("Answer questions", "Answer the questions")
    checked = _post_json(client, "/designer/two_lanes/validate", good).get_json()
    assert checked["saved_at"] == db.session.scalar(select(DiagramDraft.updated_at)).isoformat()
    assert {k: checked[k] for k in ("valid", "processes", "problems")} == {
        "valid": True, "processes": ["two_lanes"], "problems": []}
    # what deploying would do, before it does: the changed task, the cases staying on v1
    preview = _post_json(client, "/designer/two_lanes/preview", good).get_json()
    [process] = preview["processes"]
    assert (process["process_id"], process["latest_version"], process["new_version"]) == (
        "two_lanes", 1, 2)
    assert "answer" in process["changes"]["changed"]["two_lanes"]
    assert process["running"] == {"1": 2}
    assert db.session.query(ProcessVersion).count() == 1  # nothing deployed yet
    deployed = _post_json(client, "/designer/two_lanes/deploy", good)
    assert deployed.status_code == 200
    assert deployed.get_json()["deployed"][0]["version"] == 2
    assert deployed.get_json()["deployed"][0]["created"] is True
    assert db.session.query(DiagramDraft).count() == 0  # deploying ends the draft
    assert 'data-version="2"' in client.get("/processes").text


def test_deploy_refuses_a_draft_that_renamed_the_process(world, client, sign_in):
    sign_in("designer")
    renamed = V1.replace('id="two_lanes"', 'id="renamed"').replace(
        'processRef="two_lanes"', 'processRef="renamed"')
    answer = _post_json(client, "/designer/two_lanes/deploy", renamed)
    assert answer.status_code == 422
    assert "no process with the id 'two_lanes'" in answer.get_json()["problems"][0]["message"]
    assert db.session.query(ProcessVersion).count() == 1


def test_new_process_starts_from_a_blank_diagram_and_deploys(world, client, sign_in):
    sign_in("designer")
    assert client.get("/designer/new").status_code == 200
    invalid = client.post("/designer/new", data={"process_id": "1 bad", "name": "x"})
    assert invalid.status_code == 422 and "Use letters" in invalid.text
    taken = client.post("/designer/new", data={"process_id": "two_lanes", "name": "x"})
    assert taken.status_code == 422 and "already exists" in taken.text
    created = client.post("/designer/new", data={"process_id": "export_check",
                                                 "name": "Export check"})
    assert created.status_code == 302 and created.headers["Location"].endswith(
        "/designer/export_check")
    assert "export_check" in client.get("/processes").text
    xml = client.get("/designer/export_check/draft").get_json()["xml"]
    assert _post_json(client, "/designer/export_check/validate", xml).get_json()["valid"]
    deployed = _post_json(client, "/designer/export_check/deploy", xml).get_json()
    assert deployed["deployed"][0] == {"process_id": "export_check", "version": 1,
                                       "created": True, "layout_updated": False,
                                       "content_hash": deployed["deployed"][0]["content_hash"]}


def test_unknown_process_and_oversized_draft(world, client, sign_in, app, monkeypatch):
    sign_in("designer")
    assert client.get("/designer/nothing").status_code == 404
    monkeypatch.setitem(app.config, "MAX_DIAGRAM_BYTES", 100)
    too_big = client.post("/designer/two_lanes/draft", json={"xml": V1},
                          headers={"Accept": "application/json"})
    assert too_big.status_code == 422
    assert too_big.get_json()["details"] == {"xml": ["The diagram is larger than 0 KiB."]}
    assert _post_json(client, "/designer/two_lanes/draft", "").status_code == 422
    assert "<h1>Not found</h1>" in client.get("/designer/nothing").text  # pages stay HTML


def test_a_draft_older_than_the_newest_version_is_flagged(world, client, sign_in):
    from app.services.repository import deployments

    sign_in("designer")
    client.post("/designer/two_lanes/draft", json={"xml": V1.replace("Review", "Check")})
    assert 'id="stale-draft"' not in client.get("/designer/two_lanes").text
    deployments.deploy(world["users"]["designer"],
                       {"two_lanes.bpmn": V1.replace("Answer", "Reply").encode()})
    page = client.get("/designer/two_lanes").text
    assert 'id="stale-draft"' in page and "/designer/two_lanes/compare?from=1&amp;to=2" in page

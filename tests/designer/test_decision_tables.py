"""Decision tables in the designer: listed on the process's page, opened, saved in the draft
(safe XML, DMN only) and deployed with the diagram, which starts cases on the edited table."""
from app.extensions import db
from app.models import ProcessVersion
from app.models.designer import DiagramDraft
from app.services.repository import deployments
from tests.helpers import bpmn

TABLE = bpmn("triage_route.dmn").decode()
URL = "/designer/triage/decisions/triage_route.dmn"


def _deploy_triage():
    deployments.deploy(None, {"triage.bpmn": bpmn("triage.bpmn"),
                              "triage_route.dmn": TABLE.encode()})
    db.session.commit()


def test_the_process_page_lists_its_tables_and_the_editor_opens_them(world, client, sign_in):
    _deploy_triage()
    sign_in("designer")
    page = client.get("/designer/triage").text
    assert f'href="{URL}"' in page
    editor = client.get(URL)
    assert editor.status_code == 200 and "As deployed with the newest version" in editor.text
    assert "vendor/dmn-modeler.production.min.js" in editor.text and "<script>" not in editor.text
    assert client.get(f"{URL}/xml").get_json() == {"filename": "triage_route.dmn",
                                                   "xml": TABLE, "source": "deployed"}
    assert client.get("/designer/triage/decisions/other.dmn").status_code == 404
    assert client.get("/designer/triage/decisions/x.bpmn").status_code == 404
    assert "This process deploys no decision table" in client.get("/designer/two_lanes").text


def test_a_saved_table_stays_in_the_draft_and_deploys_with_the_diagram(world, client, sign_in):
    _deploy_triage()
    sign_in("designer")
    edited = TABLE.replace('<text>"importer"</text>', '<text>"exporter"</text>')
    saved = client.post(URL, json={"xml": edited})
    assert saved.status_code == 200, saved.get_json()
    draft = db.session.query(DiagramDraft).one()
    assert draft.forms == {"dmn:triage_route.dmn": edited}
    assert client.get(f"{URL}/xml").get_json()["source"] == "draft"

    xml = client.get("/designer/triage/draft").get_json()["xml"]
    deployed = client.post("/designer/triage/deploy", json={"xml": xml})
    assert deployed.status_code == 200, deployed.get_json()
    assert deployed.get_json()["deployed"][0]["version"] == 2
    version = db.session.query(ProcessVersion).filter_by(version=2).one()
    assert version.files["triage_route.dmn"] == edited and version.forms == {
        "review_form": version.forms["review_form"]}  # the table is no form


def test_what_is_not_a_safe_dmn_file_is_not_saved(world, client, sign_in):
    _deploy_triage()
    sign_in("designer")
    for xml, words in [
        ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]><d/>', "DOCTYPE"),
        (bpmn("two_lanes.bpmn").decode(), "not a DMN file"),
        ("<definitions", "XML syntax error"),
    ]:
        refused = client.post(URL, json={"xml": xml}, headers={"Accept": "application/json"})
        assert refused.status_code == 422
        assert words in " ".join(refused.get_json()["details"]["xml"])
    assert db.session.query(DiagramDraft).count() == 0


def test_a_broken_table_in_the_draft_is_reported_by_validate(world, client, sign_in):
    _deploy_triage()
    sign_in("designer")
    assert client.post(URL, json={"xml": TABLE.replace("<text>entity_type</text>",
                                                       "<text>entity_kind</text>")}
                       ).status_code == 200
    xml = client.get("/designer/triage/draft").get_json()["xml"]
    check = client.post("/designer/triage/validate", json={"xml": xml}).get_json()
    assert check["valid"] is False
    assert [(p["file"], p["element_id"]) for p in check["problems"]] == [
        ("triage_route.dmn", "input_entity_type")]


def _preview(client) -> dict:
    xml = client.get("/designer/triage/draft").get_json()["xml"]
    [process] = client.post("/designer/triage/preview", json={"xml": xml}).get_json()["processes"]
    return process


def test_the_deploy_preview_names_the_rules_a_saved_table_changes(world, client, sign_in):
    _deploy_triage()
    sign_in("designer")
    unchanged = _preview(client)
    assert unchanged["new_version"] is None and unchanged["changes"]["decisions_changed"] == {}
    added = ('<rule id="rule_carrier"><inputEntry id="rule_carrier_entity_type"><text>'
             '"sea_carrier"</text></inputEntry><outputEntry id="rule_carrier_route"><text>'
             '"fast"</text></outputEntry></rule>\n      <rule id="rule_other">')
    edited = TABLE.replace('<text>"importer"</text>', '<text>"exporter"</text>') \
        .replace('<rule id="rule_other">', added)
    assert client.post(URL, json={"xml": edited}).status_code == 200
    process = _preview(client)
    assert (process["latest_version"], process["new_version"]) == (1, 2)
    assert process["changes"]["decisions_changed"] == {"triage_route": {
        "rules_added": ["rule_carrier"], "rules_removed": [], "rules_changed": ["rule_importer"],
        "rules_reordered": False, "columns_changed": False}}

"""The form editor: open a form, preview it, save it in the draft, deploy it with the diagram."""
import json

from app.extensions import db
from app.models import ProcessVersion
from app.models.designer import DiagramDraft
from tests.helpers import bpmn

FORM = {"type": "default", "id": "review_form", "components": [
    {"type": "textfield", "key": "reference", "label": "Reference number",
     "validate": {"required": True}}]}


def test_open_preview_save_and_deploy_a_form(world, client, sign_in):
    sign_in("designer")
    modeler = client.get("/designer/two_lanes").text
    assert "/designer/two_lanes/forms/review_form" in modeler
    page = client.get("/designer/two_lanes/forms/review_form")
    assert page.status_code == 200 and "As deployed with the newest version" in page.text
    assert "hx-post=\"/designer/two_lanes/forms/review_form/preview\"" in page.text

    preview = client.post("/designer/two_lanes/forms/review_form/preview",
                          data={"definition": json.dumps(FORM)})
    assert preview.status_code == 200
    assert 'name="reference"' in preview.text and "Reference number" in preview.text
    broken = client.post("/designer/two_lanes/forms/review_form/preview",
                         data={"definition": '{"type": "default", "components": [{"type": '
                                             '"rocket", "key": "x"}]}'})
    assert 'id="preview-problems"' in broken.text and "rocket" in broken.text
    not_json = client.post("/designer/two_lanes/forms/review_form/preview",
                           data={"definition": "{"})
    assert "not valid JSON" in not_json.text

    refused = client.post("/designer/two_lanes/forms/review_form", data={"definition": "{"})
    assert refused.status_code == 422 and "Not saved" in refused.text
    assert db.session.query(DiagramDraft).count() == 0
    saved = client.post("/designer/two_lanes/forms/review_form",
                        data={"definition": json.dumps(FORM)}, follow_redirects=True)
    assert "saved in your draft" in saved.text and "From your draft" in saved.text
    assert db.session.query(DiagramDraft).one().forms == {"review_form": FORM}
    assert "edited in draft" in client.get("/designer/two_lanes").text

    xml = client.get("/designer/two_lanes/draft").get_json()["xml"]
    deployed = client.post("/designer/two_lanes/deploy", json={"xml": xml})
    assert deployed.status_code == 200 and deployed.get_json()["deployed"][0]["version"] == 2
    version = db.session.query(ProcessVersion).filter_by(version=2).one()
    assert version.forms["review_form"] == FORM


def test_a_new_form_key_used_by_the_draft_validates_once_saved(world, client, sign_in):
    sign_in("designer")
    xml = bpmn("two_lanes.bpmn").decode().replace('value="review_form"',
                                                   'value="brand_new_form"')
    check = client.post("/designer/two_lanes/validate", json={"xml": xml}).get_json()
    assert not check["valid"] and "brand_new_form" in check["problems"][0]["message"]
    opened = client.get("/designer/two_lanes/forms?key=brand_new_form", follow_redirects=True)
    assert "A new form." in opened.text
    form = dict(FORM, id="brand_new_form")
    client.post("/designer/two_lanes/forms/brand_new_form", data={"definition": json.dumps(form)})
    assert client.post("/designer/two_lanes/validate", json={"xml": xml}).get_json()["valid"]
    assert client.get("/designer/two_lanes/forms/../x").status_code == 404
    assert client.post("/designer/two_lanes/forms/bad key/preview",
                       data={"definition": "{}"}).status_code == 200  # the problem is shown

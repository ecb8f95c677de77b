"""Documents through the API (the pages' access rules) and what a completed task shows."""
import io

import pytest

from tests.helpers import deploy, start

PDF = b"%PDF-1.4\n% test evidence\n"


@pytest.fixture
def world(app, staff, make_user, login, tmp_path, monkeypatch):
    """Two companies with an applicant each and a two-lane case each."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    cw = staff["cw"]
    assert deploy(staff["designer"], "two_lanes.bpmn").status_code == 201
    found = {}
    for name in ("acme", "globex"):
        company = cw.post("/api/v1/companies", json={"legal_name": name.title(),
                                                     "entity_type": "importer"}).get_json()
        make_user(name, "applicant", company["id"])
        found[name] = (start(cw, company["id"], "two_lanes")["id"], login(name))
    return found


def upload(api, case_id, name="proof.pdf", content=PDF, **fields):
    return api.post(f"/api/v1/cases/{case_id}/documents", content_type="multipart/form-data",
                    data={"file": (io.BytesIO(content), name), **fields})


def test_documents_are_listed_uploaded_and_downloaded_with_the_case_rules(world, staff):
    acme_case, acme = world["acme"]
    globex_case, globex = world["globex"]
    response = upload(acme, acme_case, "../evidence.pdf", criterion="4.1")
    assert response.status_code == 201, response.get_json()
    document = response.get_json()
    assert document["name"] == "evidence.pdf" and document["criterion"] == "4.1"
    assert document["uploaded_by"] == "acme" and document["size"] == len(PDF)
    assert document["download_url"] == f"/api/v1/documents/{document['id']}"
    listed = staff["cw"].get(f"/api/v1/cases/{acme_case}/documents").get_json()["items"]
    assert [d["id"] for d in listed] == [document["id"]]
    download = acme.get(document["download_url"])
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    download.close()
    # another company's case and documents are not found; designers do not see cases
    assert globex.get(document["download_url"]).status_code == 404
    assert globex.get(f"/api/v1/cases/{acme_case}/documents").status_code == 404
    assert upload(globex, acme_case).status_code == 404
    assert staff["designer"].get(f"/api/v1/cases/{acme_case}/documents").status_code == 403
    assert staff["designer"].get(document["download_url"]).status_code == 403
    assert globex.get(f"/api/v1/cases/{globex_case}/documents").get_json() == {"items": []}
    assert staff["cw"].get("/api/v1/documents/999").status_code == 404


def test_uploads_are_checked(world):
    case_id, acme = world["acme"]
    bad = upload(acme, case_id, "evil.exe", b"MZ")
    assert bad.status_code == 422 and "file" in bad.get_json()["details"]
    fake = upload(acme, case_id, "fake.pdf", b"not a pdf")
    assert fake.status_code == 422
    missing = acme.post(f"/api/v1/cases/{case_id}/documents", data={"criterion": "1.1"},
                        content_type="multipart/form-data")
    assert missing.get_json()["details"] == {"file": ["Missing data for required field."]}
    as_json = acme.post(f"/api/v1/cases/{case_id}/documents", json={"file": "x"})
    assert as_json.status_code == 422
    assert as_json.get_json()["details"] == {"_body": ["expected multipart/form-data"]}
    assert acme.get(f"/api/v1/cases/{case_id}/documents").get_json() == {"items": []}


def test_openapi_describes_the_document_endpoints(world):
    spec = world["acme"][1].get("/api/v1/openapi.json").get_json()
    upload_op = spec["paths"]["/api/v1/cases/{case_id}/documents"]["post"]
    body = upload_op["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body == {"$ref": "#/components/schemas/DocumentUpload"}
    upload_schema = spec["components"]["schemas"]["DocumentUpload"]
    assert upload_schema["properties"]["file"] == {"type": "string", "format": "binary"}
    assert "download_url" in spec["components"]["schemas"]["DocumentOut"]["properties"]
    assert "get" in spec["paths"]["/api/v1/documents/{document_id}"]
    detail = spec["components"]["schemas"]["TaskDetailOut"]["properties"]
    assert {"completed_by", "completed_at", "submitted_data"} <= set(detail)


def test_a_completed_task_shows_what_was_submitted_by_whom(world, staff):
    case_id, acme = world["acme"]
    cw = staff["cw"]
    review = cw.get(f"/api/v1/cases/{case_id}").get_json()["open_tasks"][0]
    url = f"/api/v1/tasks/{review['id']}"
    ready = cw.get(url).get_json()
    assert ready["completed_by"] is None and ready["submitted_data"] is None
    assert ready["form"]["resolved"] is True
    done = cw.post(f"{url}/complete", json={"data": {"decision": "accept"}})
    assert done.status_code == 200, done.get_json()
    detail = staff["cw2"].get(url).get_json()
    assert detail["task"]["state"] == "completed"
    assert detail["completed_by"] == "cw" and detail["completed_at"] is not None
    assert detail["submitted_data"] == {"decision": "accept"}
    assert detail["data"] == {} and detail["form"]["resolved"] is False
    # the applicant never opens the case worker's task, done or not
    assert acme.get(url).status_code == 404
    answer = acme.get(f"/api/v1/cases/{case_id}").get_json()["open_tasks"][0]
    assert acme.post(f"/api/v1/tasks/{answer['id']}/complete",
                     json={"data": {"note": "ok"}}).status_code == 200
    mine = acme.get(f"/api/v1/tasks/{answer['id']}").get_json()
    assert mine["completed_by"] == "acme" and mine["submitted_data"] == {"note": "ok"}
    assert world["globex"][1].get(f"/api/v1/tasks/{answer['id']}").status_code == 404

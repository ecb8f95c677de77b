"""Who sees what in a partner audit: a supplier contact only its own site's audits and only
its own tasks, a client only its own audits and suppliers, and the four-eyes rule on
assignment as well as completion."""
from app.extensions import db
from tests.audits.walk import (
    in_days,
    quote_accepted,
    request_audit,
    self_assessed,
    to_report_review,
)
from tests.lifecycle.flow import do, open_tasks, task_view


def _other_supplier(w, make_user, login, name="Other Plant SA"):
    added = w.client.post("/api/v1/suppliers", json={"legal_name": name,
                                                     "entity_type": "foreign_manufacturer",
                                                     "country": "GT"})
    supplier_id = added.get_json()["supplier_id"]
    make_user("other_contact", "supplier", supplier_id)
    return supplier_id, login("other_contact")


def test_a_supplier_contact_sees_only_its_own_sites_audits(audit_world, make_user, login):
    w = audit_world
    case_id = request_audit(w)
    quote_accepted(w, case_id)
    _, other = _other_supplier(w, make_user, login)

    mine = w.supplier.get("/api/v1/tasks?scope=role").get_json()["items"]
    assert [t["bpmn_id"] for t in mine] == ["self_assessment"]
    assert other.get("/api/v1/tasks?scope=role").get_json()["items"] == []
    assert other.get(f"/api/v1/cases/{case_id}").status_code == 404
    assert other.get(f"/api/v1/tasks/{mine[0]['id']}").status_code == 404
    assert other.get(f"/api/v1/cases/{case_id}/documents").status_code == 404
    assert [c["id"] for c in w.supplier.get("/api/v1/cases").get_json()["items"]] == [case_id]
    assert other.get("/api/v1/cases").get_json()["items"] == []
    # the client's tasks are not the supplier's to see, nor the client's suppliers
    quote = next(e for e in w.cw.get(f"/api/v1/cases/{case_id}/events").get_json()["items"]
                 if e["kind"] == "task_completed")
    assert w.supplier.get(f"/api/v1/tasks/{quote['task_id']}").status_code == 404
    assert w.supplier.get("/api/v1/suppliers").status_code == 403


def test_a_client_sees_only_its_own_audits_and_suppliers(audit_world, staff, make_user, login):
    w = audit_world
    case_id = request_audit(w)
    created = staff["cw"].post("/api/v1/companies", json={"legal_name": "Beta Retail Inc",
                                                          "entity_type": "importer"})
    beta_id = created.get_json()["id"]
    make_user("beta", "applicant", beta_id)
    beta = login("beta")
    assert beta.get(f"/api/v1/cases/{case_id}").status_code == 404
    assert beta.get("/api/v1/suppliers").get_json()["items"] == []
    # Beta cannot start an audit of Acme's supplier: it is not Beta's supplier
    response = beta.post("/api/v1/cases", json={"process_id": "partner_audit",
                                                "company_id": beta_id,
                                                "data": {"supplier_id": w.supplier_id}})
    assert response.status_code == 422
    assert "supplier_id" in response.get_json()["details"]
    # nor for Acme
    response = beta.post("/api/v1/cases", json={"process_id": "partner_audit",
                                                "company_id": w.client_id,
                                                "data": {"supplier_id": w.supplier_id}})
    assert response.status_code == 404


def test_the_auditor_may_not_be_given_the_review_of_their_own_audit(audit_world):
    w = audit_world
    case_id = to_report_review(w)
    review = open_tasks(w.cw, case_id)["report_review"]
    refused = w.cw.post(f"/api/v1/tasks/{review['id']}/assign", json={"username": "ana"})
    assert refused.status_code == 422
    assert "four eyes" in refused.get_json()["details"]["username"][0]
    assert w.auditor.post(f"/api/v1/tasks/{review['id']}/claim").status_code == 403
    assert w.cw.post(f"/api/v1/tasks/{review['id']}/assign",
                     json={"username": "bruno"}).status_code == 200
    # the supplier sees where the audit stands, never the report under review itself
    assert w.supplier.get(f"/api/v1/tasks/{review['id']}").status_code == 404
    do(w.auditor2, case_id, "report_review", {"review_decision": "approve"})
    assert set(open_tasks(w.supplier, case_id)) == {"corrective_action_plan"}


def test_the_auditor_is_picked_from_the_active_auditors(audit_world, make_user):
    """The schedule form offers the directory's auditors (not reviewers, not the inactive) and
    the server refuses any other name, as the schema says."""
    w = audit_world
    make_user("gone", "auditor").active = False
    db.session.commit()
    case_id = request_audit(w)
    quote_accepted(w, case_id)
    self_assessed(w, case_id)
    view = task_view(w.cw, case_id, "schedule_audit")
    auditor = view["form"]["schema"]["properties"]["auditor"]
    assert auditor["enum"] == ["ana", "bruno"]
    assert {o["value"] for o in view["data"]["auditors"]} == {"ana", "bruno"}
    data = {"audit_date": in_days(3), "agenda": "Opening meeting"}
    refused = do(w.cw, case_id, "schedule_audit", {**data, "auditor": "rita"}, status=422)
    assert "auditor" in refused["details"]
    do(w.cw, case_id, "schedule_audit", {**data, "auditor": "bruno"})

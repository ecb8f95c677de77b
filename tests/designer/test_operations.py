"""Compare and migrate pages, and the case actions (suspend, resume, terminate, retry)."""
from app.extensions import db
from app.models import AuditEvent, Case, Company
from app.services.repository import deployments
from app.services.runtime import cases
from tests.helpers import bpmn

V1 = bpmn("two_lanes.bpmn")
V2 = V1.replace(b'name="Review request"', b'name="Review the request"')
V3 = bpmn("two_lanes_reworked.bpmn")


def test_compare_page_names_added_removed_and_changed_elements(world, client, sign_in):
    deployments.deploy(world["users"]["designer"], {"two_lanes.bpmn": V3})
    sign_in("designer")
    listing = client.get("/processes").text
    assert "/designer/two_lanes/compare?from=1&amp;to=2" in listing
    page = client.get("/designer/two_lanes/compare?from=1&to=2")
    assert page.status_code == 200
    assert '<dd class="added">double_check</dd>' in page.text
    assert '<dd class="removed">review</dd>' in page.text
    same = client.get("/designer/two_lanes/compare?from=1&to=1")
    assert 'id="no-changes"' in same.text
    assert client.get("/designer/two_lanes/compare?from=1&to=9").status_code == 404
    assert client.get("/designer/two_lanes/compare?from=1").status_code == 302
    sign_in("cw")
    assert client.get("/designer/two_lanes/compare?from=1&to=2").status_code == 403


def test_migrate_dry_run_per_case_then_migrate(world, client, sign_in):
    deployments.deploy(world["users"]["designer"], {"two_lanes.bpmn": V2})
    sign_in("designer")
    form = client.get("/designer/two_lanes/migrate?from=1&to=2")
    assert form.status_code == 200 and 'value="1"' in form.text
    dry = client.post("/designer/two_lanes/migrate",
                      data={"from": "1", "to": "2", "action": "dry_run"})
    assert dry.status_code == 200
    for case in (world["case"], world["other"]):
        assert f'data-case-id="{case.id}" class="safe"' in dry.text
    assert "Reset: review." in dry.text and 'id="migrate-all"' in dry.text
    assert {c.process_version.version for c in db.session.query(Case)} == {1}

    one = client.post(f"/designer/two_lanes/cases/{world['case'].id}/migrate",
                      data={"from": "1", "to": "2"}, follow_redirects=True)
    assert f"Case {world['case'].id} now runs on version 2." in one.text
    done = client.post("/designer/two_lanes/migrate",
                       data={"from": "1", "to": "2", "action": "migrate"})
    assert "Migration: 1 case(s)" in done.text and "migrated" in done.text
    db.session.expire_all()
    assert {c.process_version.version for c in db.session.query(Case)} == {2}
    assert db.session.query(AuditEvent).filter_by(kind="case_migrated").count() == 2


def test_unsafe_migration_is_refused_with_the_reason(world, client, sign_in):
    deployments.deploy(world["users"]["designer"], {"two_lanes.bpmn": V3})
    sign_in("designer")
    done = client.post("/designer/two_lanes/migrate",
                       data={"from": "1", "to": "2", "action": "migrate"})
    assert 'class="unsafe"' in done.text and "&#39;review&#39;" in done.text
    refused = client.post(f"/designer/two_lanes/cases/{world['case'].id}/migrate",
                          data={"from": "1", "to": "2"}, follow_redirects=True)
    assert "was not migrated" in refused.text
    assert {c.process_version.version for c in db.session.query(Case)} == {1}


def test_suspend_resume_and_terminate_from_the_case_page(world, client, sign_in):
    case_id = world["case"].id
    sign_in("cw")
    page = client.get(f"/cases/{case_id}").text
    assert 'id="suspend-case"' in page and 'id="retry-case"' not in page
    missing = client.post(f"/cases/{case_id}/suspend", data={"reason": ""},
                          follow_redirects=True)
    assert "Say why the case is suspended." in missing.text
    done = client.post(f"/cases/{case_id}/suspend", data={"reason": "awaiting CBP"},
                       follow_redirects=True)
    assert f"Case {case_id} is suspended." in done.text and 'id="resume-case"' in done.text
    again = client.post(f"/cases/{case_id}/suspend", data={"reason": "twice"},
                        follow_redirects=True)
    assert "was not suspended" in again.text
    resumed = client.post(f"/cases/{case_id}/resume", follow_redirects=True)
    assert f"Case {case_id} is resumed." in resumed.text
    ended = client.post(f"/cases/{case_id}/terminate", data={"reason": "withdrawn"},
                        follow_redirects=True)
    assert f"Case {case_id} is terminated." in ended.text
    assert 'id="case-actions"' not in ended.text
    kinds = {e.kind for e in db.session.query(AuditEvent).filter_by(case_id=case_id)}
    assert {"case_suspended", "case_resumed", "case_terminated"} <= kinds
    sign_in("spec")
    assert client.post(f"/cases/{world['other'].id}/suspend",
                       data={"reason": "x"}).status_code == 403


def test_admin_retries_a_case_in_error_with_corrected_data(world, client, sign_in):
    from app.models import HumanTask
    from app.services.tasks import actions as tasks

    deployments.deploy(None, {"failing_script.bpmn": bpmn("failing_script.bpmn")})
    company = db.session.query(Company).first()
    case = cases.start_case(world["users"]["cw"], company_id=company.id,
                            process_id="failing_script")
    task = db.session.query(HumanTask).filter_by(case_id=case.id).one()
    tasks.complete(world["users"]["cw"], task.id, {"divisor": 0})
    case_id = case.id
    assert db.session.get(Case, case_id).status == "error"
    sign_in("cw")
    assert 'id="retry-case"' not in client.get(f"/cases/{case_id}").text
    assert client.post(f"/cases/{case_id}/retry").status_code == 403
    sign_in("admin")
    assert 'id="retry-case"' in client.get(f"/cases/{case_id}").text
    again = client.post(f"/cases/{case_id}/retry", follow_redirects=True)
    assert "retried and failed again" in again.text
    bad = client.post(f"/cases/{case_id}/retry", data={"data": "[1]"}, follow_redirects=True)
    assert "was not retried: the corrected data must be a JSON object" in bad.text
    fixed = client.post(f"/cases/{case_id}/retry", data={"data": '{"divisor": 4}'},
                        follow_redirects=True)
    assert f"Case {case_id} is retried." in fixed.text
    db.session.expire_all()
    assert db.session.get(Case, case_id).status == "running"

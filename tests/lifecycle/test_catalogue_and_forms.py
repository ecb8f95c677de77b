"""The criteria catalogue: import with validation, per-type questionnaires, profile checks."""
import csv

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Criterion
from app.models.user import ENTITY_TYPES
from app.services.membership.catalogue import SAMPLE_CATALOGUE
from tests.lifecycle.flow import (
    PROFILE,
    do,
    eligibility,
    membership,
    risk_assessment,
    start_membership,
    task_view,
)


def put(api, url, body):
    """PUT JSON with the client's token."""
    return api.client.put(url, json=body, headers=api._headers())


def _count(**where) -> int:
    query = select(func.count()).select_from(Criterion)
    for name, value in where.items():
        query = query.where(getattr(Criterion, name) == value)
    return db.session.scalar(query)


def _write(path, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_sample_catalogue_covers_every_entity_type(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["catalogue", "import", str(SAMPLE_CATALOGUE)])
    assert result.exit_code == 0, result.output
    assert "importer: 93 criteria" in result.output
    assert _count(entity_type="importer") == 93
    assert _count(entity_type="foreign_manufacturer") == 92
    assert _count(entity_type="highway_carrier_us_mexico") == 91
    assert {t for t in ENTITY_TYPES if _count(entity_type=t)} == set(ENTITY_TYPES)
    ids = {c.criterion_id for c in db.session.scalars(select(Criterion))}
    assert {c.split(".")[0] for c in ids} == {str(n) for n in range(1, 13)}
    first = db.session.scalar(select(Criterion).where(Criterion.criterion_id == "1.1",
                                                      Criterion.entity_type == "importer"))
    assert first.designation == "Should" and first.sample_wording and first.focus_area == (
        "Corporate Security")


def test_bad_catalogue_is_refused_with_line_numbers_and_changes_nothing(app, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["catalogue", "import", str(SAMPLE_CATALOGUE)]).exit_code == 0
    before = _count()
    with open(SAMPLE_CATALOGUE, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))[:5]
    rows[1] = {**rows[1], "designation": "Could"}
    rows[3] = {**rows[3], "criterion_id": "7.1", "category": "1"}
    rows.append(dict(rows[0]))
    bad = tmp_path / "bad.csv"
    _write(bad, rows)
    result = runner.invoke(args=["catalogue", "import", str(bad)])
    assert result.exit_code == 1
    assert "line 3: designation must be Must or Should" in result.output
    assert "line 5: criterion 7.1 is not in category 1" in result.output
    assert "line 7: duplicate of line 2" in result.output
    assert _count() == before

    bad_json = tmp_path / "bad.json"
    bad_json.write_text('[{"entity_type": "exporter", "criterion_id": "4.1", "category": 4, '
                        '"focus_area": "Transportation Security", "designation": "Must", '
                        '"text": "x"}, "not an object"]')
    result = runner.invoke(args=["catalogue", "import", str(bad_json)])
    assert result.exit_code == 1
    assert "entry 1: focus_area 'Transportation Security' does not hold category 4" in (
        result.output)
    assert "entry 2: each entry must be an object" in result.output
    assert _count() == before

    good = tmp_path / "good.json"
    good.write_text('[{"entity_type": "exporter", "criterion_id": "4.1", "category": 4, '
                    '"focus_area": "Corporate Security", "designation": "Must", '
                    '"text": "Written cybersecurity policies."}]')
    result = runner.invoke(args=["catalogue", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert _count() == 1 and _count(entity_type="exporter") == 1
    kinds = db.session.scalars(select(AuditEvent.kind)).all()
    assert kinds.count("catalogue_imported") == 2


def test_questionnaires_are_generated_for_the_company_entity_type(lifecycle, staff):
    cw = staff["cw"]
    importer, importer_user = lifecycle("importer")
    carrier, carrier_user = lifecycle("highway_carrier_us_mexico", "Frontera Freight")
    schemas = {}
    for company_id, user in ((importer, importer_user), (carrier, carrier_user)):
        case_id = start_membership(cw, company_id)
        eligibility_form = task_view(cw, case_id, "eligibility_review")["form"]
        eligibility(cw, case_id)
        response = do(user, case_id, "risk_cargo_flow",
                      {"cargo_flow": "Laredo crossing", "partners": []}, status=422)
        assert response["details"] == {"partners": ["Missing data for required field."]}
        do(user, case_id, "risk_cargo_flow", {"cargo_flow": "Laredo crossing", "partners": [
            {"name": "Frontera Freight", "role": "carrier", "security_program": "ctpat",
             "program_number": "SVI-12345", "screened": "yes"}]})
        do(user, case_id, "risk_threats", {"threats": [
            {"country_or_route": "MX-US Laredo crossing", "threat_type": "contraband",
             "rating": "high"}]})
        schemas[company_id] = (eligibility_form, task_view(user, case_id, "risk_vulnerabilities"))
    importer_view, carrier_view = schemas[importer][1], schemas[carrier][1]
    must = importer_view["form"]["schema"]["properties"]["vulnerabilities"]["properties"]["must"]
    carrier_must = carrier_view["form"]["schema"]["properties"]["vulnerabilities"][
        "properties"]["must"]
    assert "c3_9" in must["properties"] and "c3_9" not in carrier_must["properties"]
    assert set(must["required"]) >= {"c1_3", "c6_2"}
    assert must["properties"]["c6_2"]["properties"]["rating"]["enum"] == [
        "high", "medium", "low"]
    texts = [c["text"] for g in importer_view["form"]["definition"]["components"][1][
        "components"] for c in g.get("components", []) for c in c.get("components", [])
        if c["type"] == "text"]
    assert any(t.startswith("**6.2** (Must)") for t in texts)
    importer_rules = schemas[importer][0]["schema"]["properties"]["requirements"]["properties"]
    carrier_rules = schemas[carrier][0]["schema"]["properties"]["requirements"]["properties"]
    assert "continuous_import_bond" in importer_rules and "usdot" in carrier_rules


def test_company_profile_identifiers_are_checked_by_entity_type(lifecycle, staff):
    cw = staff["cw"]
    company_id, applicant = lifecycle("importer")
    case_id = start_membership(cw, company_id)
    eligibility(cw, case_id)
    risk_assessment(applicant, case_id)
    view = task_view(applicant, case_id, "company_profile")
    # resolved for the importer: its identifier is required, the others are not asked for
    identifiers = view["form"]["schema"]["properties"]["identifiers"]
    assert view["form"]["resolved"] is True
    assert set(identifiers["properties"]) == {"ior", "bond", "duns"}
    assert identifiers["required"] == ["ior", "bond"]
    contacts = view["form"]["schema"]["properties"]["contacts"]
    assert contacts["minItems"] == 2 and "contacts" in view["form"]["schema"]["required"]
    assert contacts["contains"] == {"required": ["is_officer"],
                                    "properties": {"is_officer": {"const": True}}}
    unresolved = applicant.get(f"/api/v1/tasks/{view['task']['id']}?resolved=0").get_json()
    scac = unresolved["form"]["schema"]["properties"]["identifiers"]["properties"]["scac"]
    assert scac["x-hide"].startswith("=not(") and unresolved["form"]["resolved"] is False
    bad = {**PROFILE, "identifiers": {"ior": "123"}}
    response = do(applicant, case_id, "company_profile", bad, status=422)
    assert "identifiers.ior" in response["details"]
    one_contact = {**PROFILE, "contacts": PROFILE["contacts"][:1]}
    response = do(applicant, case_id, "company_profile", one_contact, status=422)
    assert response["details"]["contacts"] == ["At least 2 entries are needed."]
    no_officer = {**PROFILE, "contacts": [{**c, "is_officer": False} for c in PROFILE["contacts"]]}
    response = do(applicant, case_id, "company_profile", no_officer, status=422)
    assert response["details"]["contacts"] == ["One contact must be the company officer."]
    assert membership(applicant, company_id)["status"] == "pre_applicant"
    do(applicant, case_id, "company_profile", PROFILE)
    assert membership(applicant, company_id)["status"] == "applicant"


def test_profile_api_validates_identifiers_for_the_company_type(lifecycle, staff):
    cw = staff["cw"]
    company_id, applicant = lifecycle("highway_carrier_us_mexico", "Frontera Freight")
    url = f"/api/v1/companies/{company_id}/profile"
    contacts = [{"name": "Ana", "email": "ana@frontera.test", "is_officer": True},
                {"name": "Luis", "email": "luis@frontera.test"}]
    bad = put(applicant, url, {"profile": {"identifiers": {"scac": "ab1"},
                                               "contacts": contacts}})
    assert bad.status_code == 422
    details = bad.get_json()["details"]
    assert "identifiers.scac" in details and "identifiers.usdot" in details
    ok = put(applicant, url, {"profile": {
        "identifiers": {"scac": "FRNT", "usdot": "1234567", "rfc": "FRO0101019A1"},
        "contacts": contacts,
        "facilities": [{"name": "Laredo yard", "kind": "yard", "city": "Laredo",
                        "country": "US"}]}})
    assert ok.status_code == 200, ok.get_json()
    view = cw.get(f"/api/v1/companies/{company_id}/membership").get_json()
    assert view["identifiers"] == {"rfc": "FRO0101019A1", "scac": "FRNT", "usdot": "1234567"}
    assert view["required_identifiers"] == ["scac", "usdot"]
    assert view["facilities"][0]["name"] == "Laredo yard" and view["membership"] is None
    other, _ = lifecycle("importer", "Other Co")
    assert applicant.get(f"/api/v1/companies/{other}/membership").status_code == 404
    assert put(staff["spec"], url, {"profile": {}}).status_code == 403
    catalogue = applicant.get("/api/v1/catalogue/highway_carrier_us_mexico").get_json()
    assert len(catalogue["items"]) == 91
    assert applicant.get("/api/v1/catalogue/pirate").status_code == 404
    paths = applicant.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/companies/{company_id}/membership", "/api/v1/companies/{company_id}/profile",
            "/api/v1/memberships", "/api/v1/catalogue/{entity_type}"} <= set(paths)
    listed = cw.get("/api/v1/memberships").get_json()["items"]
    assert listed == []  # a record exists once the process has set it
    assert applicant.get("/api/v1/memberships").status_code == 403


def test_profile_values_longer_than_their_columns_are_refused_not_crashed(lifecycle, staff):
    company_id, applicant = lifecycle("importer")
    url = f"/api/v1/companies/{company_id}/profile"
    contacts = [{"name": "Ann", "email": "ann@acme.test", "is_officer": True,
                 "phone": "+1" * 20}, {"name": "Bo", "email": "bo@acme.test"}]
    response = put(applicant, url, {"profile": {
        "trade_name": "T" * 201, "identifiers": {"ior": "12-3456789"}, "contacts": contacts,
        "addresses": [{"line1": "1 Way", "city": "X", "country": "US\n",
                       "postal_code": "9" * 21, "region": "R" * 101}]}})
    assert response.status_code == 422, response.get_json()
    assert set(response.get_json()["details"]) == {"trade_name", "contacts", "addresses"}
    assert set(response.get_json()["details"]["addresses"]["0"]) == {
        "country", "postal_code", "region"}

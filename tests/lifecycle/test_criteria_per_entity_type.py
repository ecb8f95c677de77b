"""Criteria for all thirteen entity types: the sample catalogue against the recorded ID lists
(app/catalogue/entity_criteria.json), per-type designations of the mixed criteria, the catalogue
API for every type, and the guard that an entity type without criteria cannot be certified."""
import csv

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Criterion
from app.models.user import ENTITY_TYPES
from app.services.membership.catalogue import (
    NO_CATALOGUE,
    SAMPLE_CATALOGUE,
    import_catalogue,
    read_rows,
)
from app.services.membership.catalogue_sources import entity_sources, sample_rows, wording
from tests.lifecycle.flow import (
    do,
    events,
    membership,
    open_tasks,
    start_membership,
    statuses,
    task_view,
)

#: criteria the index marks Mixed: Must for some entity types, Should for others
MIXED = ("2.2", "3.1", "9.4", "9.13", "10.2", "10.4", "12.1")
RECORDED = entity_sources()["entity_types"]


def _sample() -> list[dict[str, str]]:
    with open(SAMPLE_CATALOGUE, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _imported(entity_type: str) -> dict[str, str]:
    rows = db.session.scalars(select(Criterion).where(Criterion.entity_type == entity_type))
    return {c.criterion_id: c.designation for c in rows}


def test_every_entity_type_has_a_recorded_id_list_and_the_sample_file_is_built_from_it():
    assert list(RECORDED) == list(ENTITY_TYPES)
    assert _sample() == sample_rows(), "run `flask catalogue build-sample`"
    for entity_type, entry in RECORDED.items():
        assert entry["criteria"], entity_type
        assert set(entry["criteria"]) <= set(wording()), entity_type
        assert entry["document"] or entry["inferred_from"], entity_type
        assert set(entry["seen_in_document"]) <= set(entry["criteria"])
        if not entry["document"]:
            assert entry["inferred_from"] in RECORDED and not entry["seen_in_document"]


def test_imported_counts_and_designations_per_type_match_the_recorded_lists(app):
    result = app.test_cli_runner().invoke(args=["catalogue", "import", str(SAMPLE_CATALOGUE)])
    assert result.exit_code == 0, result.output
    for entity_type, entry in RECORDED.items():
        assert f"{entity_type}: {len(entry['criteria'])} criteria" in result.output
        assert _imported(entity_type) == entry["criteria"], entity_type
    counts = {t: len(e["criteria"]) for t, e in RECORDED.items()}
    assert counts == {
        "importer": 93, "exporter": 93, "customs_broker": 49, "consolidator": 92,
        "third_party_logistics": 92, "air_carrier": 87, "sea_carrier": 83, "rail_carrier": 90,
        "highway_carrier_us_canada": 91, "highway_carrier_us_mexico": 91,
        "mexican_long_haul_carrier": 91, "marine_port_terminal_operator": 88,
        "foreign_manufacturer": 92}


def test_mixed_criteria_carry_the_designation_for_each_type_not_a_flattened_must(app):
    import_catalogue(None, read_rows(SAMPLE_CATALOGUE))
    for criterion_id in MIXED:
        assert wording()[criterion_id]["index_designation"] == "Mixed"
        recorded = {t: e["criteria"][criterion_id] for t, e in RECORDED.items()
                    if criterion_id in e["criteria"]}
        assert set(recorded.values()) == {"Must", "Should"}, criterion_id
        assert entity_sources()["mixed_designations"][criterion_id]  # the reason is recorded
        for entity_type, designation in recorded.items():
            assert _imported(entity_type)[criterion_id] == designation
    assert _imported("sea_carrier")["2.2"] == "Should" and _imported("importer")["2.2"] == "Must"
    assert _imported("customs_broker")["12.1"] == "Should"
    # every criterion that is not mixed keeps the index's designation for every type
    for entry in RECORDED.values():
        for criterion_id, designation in entry["criteria"].items():
            index = wording()[criterion_id]["index_designation"]
            assert index == "Mixed" or designation == index, criterion_id


def test_every_row_says_where_it_comes_from_and_inferred_rows_say_so():
    everyone = entity_sources()["all_entities"]
    for row in _sample():
        entry, source = RECORDED[row["entity_type"]], row["source"]
        assert source and "http" in source, row
        if row["criterion_id"] in entry["seen_in_document"]:
            assert source.startswith(entry["document"]["title"]) and entry["document"]["url"] in (
                source)
        elif row["criterion_id"] in everyone["ids"]:
            assert everyone["url"] in source
        elif row["criterion_id"] not in entry["confirmed_by_index"]:
            assert source.startswith("inferred from"), row
        if entry["inferred_from"] and row["criterion_id"] not in set(everyone["ids"]) | set(
                entry["seen_in_document"]):
            assert source.startswith(f"inferred from the {entry['inferred_from']} list"), row
            found = "was found" if entry["document"] else f"no {row['entity_type']} document"
            assert found in source, row
        assert row["text"].startswith(f"The company {row['designation'].lower()} ")
    sources = {r["source"] for r in _sample() if r["entity_type"] == "exporter"}
    assert any("no exporter document found" in s for s in sources)


@pytest.mark.parametrize("entity_type", ENTITY_TYPES)
def test_catalogue_api_lists_each_type_with_its_own_designations(app, lazy_staff, entity_type):
    import_catalogue(None, read_rows(SAMPLE_CATALOGUE))
    response = lazy_staff["cw"].get(f"/api/v1/catalogue/{entity_type}")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["entity_type"] == entity_type
    recorded = RECORDED[entity_type]["criteria"]
    assert {i["criterion_id"]: i["designation"] for i in body["items"]} == recorded
    assert [i["criterion_id"] for i in body["items"]] == list(recorded)  # catalogue order
    assert all(i["sample_wording"] and i["text"] for i in body["items"])


def test_unknown_entity_type_is_a_404_in_the_api_error_shape(app, lazy_staff):
    response = lazy_staff["cw"].get("/api/v1/catalogue/pirate_ship")
    assert response.status_code == 404
    body = response.get_json()
    assert set(body) == {"error", "message", "details"} and body["error"] == "not_found"
    assert "customs_broker" in body["details"]["entity_type"][0]


def _without(entity_type: str) -> list:
    return [(where, row) for where, row in read_rows(SAMPLE_CATALOGUE)
            if row["entity_type"] != entity_type]


def test_entity_type_without_criteria_is_found_ineligible_at_eligibility(
        app, lifecycle, staff, client):
    import_catalogue(None, _without("customs_broker"))
    company_id, applicant = lifecycle("customs_broker", "Border Brokers Inc")
    cw = staff["cw"]
    case_id = start_membership(cw, company_id)
    view = task_view(cw, case_id, "eligibility_review")
    texts = [c.get("text", "") for c in view["form"]["definition"]["components"][1]["components"]]
    assert any("No criteria catalogue for customs broker" in t for t in texts)
    requirement = view["form"]["schema"]["properties"]["requirements"]["properties"][NO_CATALOGUE]
    assert requirement["enum"] == ["no"]
    # the case worker sees it on the task page too
    signed_in = client.post("/login", data={"username": "cw", "password": "password-1"})
    assert signed_in.status_code == 302
    page = client.get(f"/tasks/{view['task']['id']}")
    assert page.status_code == 200 and "No criteria catalogue for customs broker" in page.text

    answers = {key: "yes" for key in view["form"]["schema"]["properties"]["requirements"][
        "properties"]}
    refused = do(cw, case_id, "eligibility_review", {"requirements": answers,
                                                     "eligibility_notes": "All met."}, status=422)
    assert "requirements" in str(refused["details"])
    do(cw, case_id, "eligibility_review", {"requirements": {**answers, NO_CATALOGUE: "no"},
                                           "eligibility_notes": "Broker licence checked."})
    case = cw.get(f"/api/v1/cases/{case_id}").get_json()
    assert case["status"] == "completed" and case["open_tasks"] == []
    record = membership(applicant, company_id)
    assert record["status"] == "ineligible" and record["certified_at"] is None
    assert "criteria catalogue for entity type" in record["status_reason"]
    assert statuses(cw, case_id) == ["pre_applicant", "ineligible"]  # never certified
    assert [e["kind"] for e in events(cw, case_id)][-1] == "case_completed"


def test_once_the_type_has_criteria_the_guard_is_gone(app, lifecycle, staff):
    import_catalogue(None, _without("rail_carrier"))
    company_id, _ = lifecycle("rail_carrier", "Northern Rail")
    cw = staff["cw"]
    first = start_membership(cw, company_id)
    rules = task_view(cw, first, "eligibility_review")["form"]["schema"]["properties"][
        "requirements"]["properties"]
    assert NO_CATALOGUE in rules
    import_catalogue(None, read_rows(SAMPLE_CATALOGUE))
    rules = task_view(cw, first, "eligibility_review")["form"]["schema"]["properties"][
        "requirements"]["properties"]
    assert NO_CATALOGUE not in rules and set(rules) == {"scac", "common_carrier_bond"}
    do(cw, first, "eligibility_review", {"requirements": {k: "yes" for k in rules},
                                         "eligibility_notes": "Checked."})
    assert "risk_cargo_flow" in open_tasks(cw, first)
    assert membership(cw, company_id)["status"] != "ineligible"


def test_build_sample_check_says_the_committed_file_is_current(app):
    result = app.test_cli_runner().invoke(args=["catalogue", "build-sample", "--check"])
    assert result.exit_code == 0 and "is up to date" in result.output, result.output

"""A date field's `notBefore` (task-data dates it may not precede): the server refuses an
earlier date with the field's message and the resolved JSON Schema says the same; and the
tier rule the membership record follows."""
from datetime import date, timedelta

import pytest
from jsonschema import Draft202012Validator

from app.services.forms.schema import to_json_schema
from app.services.forms.validation import validate_submission
from app.services.membership.records import award_tier, tiered_entity_types
from app.services.runtime.state import runtime

FORM = {"type": "default", "id": "visit", "components": [{
    "type": "datetime", "key": "visit_date", "subtype": "date", "dateLabel": "Visit",
    "validate": {"required": True},
    "properties": {"notBefore": "notice_sent_at, certified_at",
                   "notBeforeMessage": "Not before the notice or the certification"}}]}


def _day(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


@pytest.mark.parametrize("context, first", [
    ({"notice_sent_at": "2031-05-10T23:30:00+00:00", "certified_at": "2031-01-02T08:00:00Z"},
     "2031-05-10"),
    ({"notice_sent_at": "2031-05-10", "certified_at": "2031-06-01T00:00:00+02:00"},
     "2031-05-31"),  # a date-time counts by its UTC day
    ({"certified_at": "2031-03-01T10:00:00+00:00"}, "2031-03-01"),  # a name not set: ignored
])
def test_a_date_before_the_latest_bound_is_refused_by_server_and_schema(context, first):
    schema = Draft202012Validator(to_json_schema(FORM, context))
    before = (date.fromisoformat(first) - timedelta(days=1)).isoformat()
    _, errors = validate_submission(FORM, {"visit_date": before}, context)
    assert errors == {"visit_date": [f"Not before the notice or the certification ({first})."]}
    assert not schema.is_valid({"visit_date": before})
    for ok in (first, (date.fromisoformat(first) + timedelta(days=400)).isoformat()):
        assert validate_submission(FORM, {"visit_date": ok}, context)[1] == {}
        assert schema.is_valid({"visit_date": ok})


def test_without_the_bounds_in_the_data_any_date_goes_and_the_schema_names_them():
    assert validate_submission(FORM, {"visit_date": "2001-01-01"}, {})[1] == {}
    assert Draft202012Validator(to_json_schema(FORM, {})).is_valid({"visit_date": "2001-01-01"})
    unresolved = to_json_schema(FORM)["properties"]["visit_date"]
    assert unresolved["x-notBefore"] == ["notice_sent_at", "certified_at"]


def test_not_in_the_past_and_not_before_combine_to_the_later_bound():
    form = {**FORM, "components": [{**FORM["components"][0], "disallowPassedDates": True}]}
    context = {"notice_sent_at": "2001-01-01"}
    schema = Draft202012Validator(to_json_schema(form, context))
    assert validate_submission(form, {"visit_date": _day(-1)}, context)[1]
    assert not schema.is_valid({"visit_date": _day(-1)})
    assert validate_submission(form, {"visit_date": _day(0)}, context)[1] == {}
    assert schema.is_valid({"visit_date": _day(0)})


def test_tiers_follow_the_status_the_findings_and_the_entity_type():
    assert {"importer", "exporter"} <= tiered_entity_types()
    assert award_tier("importer", "approved") is None
    assert award_tier("importer", "suspended") is None
    assert award_tier("importer", "certified", best_practices=3) == 1
    assert award_tier("importer", "validated") == 2
    assert award_tier("exporter", "validated", best_practices=1) == 3
    assert award_tier("importer", "validated", open_required_actions=1, best_practices=1) == 1
    assert award_tier("sea_carrier", "validated", best_practices=2) == 1
    assert award_tier("customs_broker", "validated") == 1


def test_a_script_cannot_set_the_tier_or_counts_without_a_status(app):
    effects = runtime().effects
    with pytest.raises(ValueError, match="the tier follows from the status by rule"):
        effects.check("membership", {"status": "validated", "tier": 3})
    with pytest.raises(ValueError, match="best_practices goes with a status"):
        effects.check("membership", {"best_practices": 1})
    with pytest.raises(ValueError, match="must be a count"):
        effects.check("membership", {"status": "validated", "open_required_actions": -1})
    effects.check("membership", {"status": "validated", "best_practices": 2})

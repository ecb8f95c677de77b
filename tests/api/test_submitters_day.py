"""A date that must not be past (`disallowPassedDates`) is judged against the submitter's own
day, where they live: the JSON Schema the task serves and the server that checks the answer
agree on it, so a user whose today is the server's yesterday (or tomorrow) is not refused."""
from datetime import datetime, timedelta

from jsonschema import Draft202012Validator

from tests.helpers import deploy, start
from tests.web.test_inbox_days import far_zone, lives_in


def test_the_served_schema_and_the_server_take_the_users_today(lazy_staff):
    cw = lazy_staff["cw"]
    assert deploy(lazy_staff["designer"], "visit_date.bpmn").status_code == 201
    company = cw.post("/api/v1/companies", json={"legal_name": "Acme",
                                                 "entity_type": "importer"}).get_json()["id"]
    task = start(cw, company, "visit_date")["open_tasks"][0]
    today = datetime.now(lives_in("cw", far_zone())).date()  # not the server's (UTC) day
    yesterday = today - timedelta(days=1)

    served = cw.get(f"/api/v1/tasks/{task['id']}").get_json()
    schema = Draft202012Validator(served["form"]["schema"])
    assert schema.is_valid({"visit_on": today.isoformat()})
    assert not schema.is_valid({"visit_on": yesterday.isoformat()})

    refused = cw.post(f"/api/v1/tasks/{task['id']}/complete",
                      json={"data": {"visit_on": yesterday.isoformat()}})
    assert refused.status_code == 422
    assert refused.get_json()["details"] == {"visit_on": ["Must not be in the past."]}
    done = cw.post(f"/api/v1/tasks/{task['id']}/complete",
                   json={"data": {"visit_on": today.isoformat()}})
    assert done.status_code == 200, done.get_json()

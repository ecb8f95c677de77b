"""Walking a partner audit through the API, one step at a time."""
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import OutboxEmail
from tests.lifecycle.flow import do, fill, open_tasks, task_view, wait_until

#: the checklist's non-compliant items: criterion -> severity
NON_COMPLIANT = {"3.1": "major", "9.2": "critical"}


def in_days(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def request_audit(w, supplier_id: int | None = None) -> int:
    """The client asks for an audit of its supplier; the case id."""
    response = w.client.post("/api/v1/cases", json={
        "process_id": "partner_audit", "company_id": w.client_id,
        "data": {"supplier_id": supplier_id or w.supplier_id,
                 "scope_notes": "Seal and container security"}})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def quote_accepted(w, case_id: int) -> None:
    do(w.cw, case_id, "prepare_quote", {"sites": 1, "audit_days": 2, "price": 4500,
                                        "currency": "USD", "quote_valid_until": in_days(14),
                                        "quote_terms": "Full MSC, one site"})
    do(w.client, case_id, "quote_decision", {"quote_accepted": "yes"})


def self_assessed(w, case_id: int) -> None:
    view = task_view(w.supplier, case_id, "self_assessment")
    schema = (view.get("form") or {}).get("schema")
    do(w.supplier, case_id, "self_assessment", fill(schema) if schema else {})


def scheduled_for_today(w, case_id: int, auditor: str = "ana") -> None:
    do(w.cw, case_id, "schedule_audit", {"auditor": auditor, "audit_date": date.today()
                                         .isoformat(), "agenda": "08:00 opening meeting"})
    wait_until(None)  # the audit day has come (at once when its timer is already due)


def checklist(api, entity_type: str = "foreign_manufacturer") -> dict:
    """Every criterion answered: compliant, but NON_COMPLIANT's and one observation."""
    criteria = api.get(f"/api/v1/catalogue/{entity_type}").get_json()["items"]
    answers = {}
    for c in criteria:
        key = "c" + c["criterion_id"].replace(".", "_")
        if c["criterion_id"] in NON_COMPLIANT:
            answers[key] = {"result": "non_compliant",
                            "severity": NON_COMPLIANT[c["criterion_id"]],
                            "notes": f"Finding on {c['criterion_id']}"}
        elif c["criterion_id"] == "12.1":
            answers[key] = {"result": "observation", "notes": "Training records late"}
        else:
            answers[key] = {"result": "compliant", "notes": ""}
    return answers


def audited(w, case_id: int) -> None:
    """The auditor's checklist and report; the report waits for the reviewer."""
    tasks = open_tasks(w.auditor, case_id)
    assert tasks["audit_checklist"]["assignee"] == "ana"
    do(w.auditor, case_id, "audit_checklist", {"checklist": checklist(w.auditor)})
    do(w.auditor, case_id, "audit_report", {"summary": "Good site; seals weak",
                                            "risk_rating": "medium"})


def actions_of(api, case_id: int, bpmn_id: str) -> list[dict]:
    """The task's prefilled `actions`, each narrowed to the fields its form has (as a client
    filling from the JSON Schema sends them)."""
    view = task_view(api, case_id, bpmn_id)
    fields = view["form"]["schema"]["properties"]["actions"]["items"]["properties"]
    return [{k: v for k, v in a.items() if k in fields} for a in view["data"]["actions"]]


def to_report_review(w) -> int:
    """A new audit walked to the reviewer's sign-off of its report; the case id."""
    case_id = request_audit(w)
    quote_accepted(w, case_id)
    self_assessed(w, case_id)
    scheduled_for_today(w, case_id)
    audited(w, case_id)
    return case_id


def plan(w, case_id: int) -> list[dict]:
    """The supplier's corrective action plan for every finding."""
    return [{**a, "root_cause": "No procedure", "action": f"Fix {a['criterion_id']}",
             "owner": "Plant manager", "due_date": in_days(20)}
            for a in actions_of(w.supplier, case_id, "corrective_action_plan")]


def outbox(to: str | None = None) -> list[OutboxEmail]:
    query = select(OutboxEmail).order_by(OutboxEmail.id)
    if to:
        query = query.where(OutboxEmail.to_addr == to)
    return list(db.session.scalars(query))


def moment(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(UTC).isoformat()

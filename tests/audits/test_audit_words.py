"""A partner audit's pages in words: no coded value (entity types, severities, action states,
risk ratings, document kinds) shows as its code to the people on the audit."""
import re

from tests.audits.walk import plan, to_report_review
from tests.lifecycle.flow import do

CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


def _codes(html: str) -> set[str]:
    """Coded words in the page's visible text (main only; tags and attributes left out)."""
    text = re.sub(r"<[^>]+>", "\n", html.split("<main", 1)[1])
    text = re.sub(r"audit-report-PA-\S+", "", text)  # the report's file name
    return set(CODE.findall(text))


def test_the_audit_case_page_shows_words_not_codes(audit_world, web_as):
    w = audit_world
    case_id = to_report_review(w)
    do(w.reviewer, case_id, "report_review", {"review_decision": "approve"})
    do(w.supplier, case_id, "corrective_action_plan", {"actions": plan(w, case_id)})
    for user in ("norte", "ana"):
        page = web_as(user).get(f"/cases/{case_id}").get_data(as_text=True)
        assert _codes(page) == set(), user
    page = web_as("ana").get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Foreign manufacturer" in page  # the audited site's entity type
    assert re.search(r">(Critical|Major|Minor)</span>", page)  # finding severities
    assert re.search(r"<td data-label=\"State\">(Proposed|Accepted|Closed)</td>", page)

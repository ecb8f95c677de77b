"""The partner-audit questionnaires generated from the criteria catalogue: the auditor's on-site
checklist ("audit") and the supplier's self-assessment ("self_assessment").

Each criterion is a group whose path is its key (3.1 -> `c3_1`), inside one path-less group per
criteria category, so the data is `{"c3_1": {...}, ...}` under the form's own group path.
"""
from typing import Any

from app.models import Criterion
from app.models.criteria import CATEGORIES
from app.models.partners import CHECKLIST_RESULTS, SEVERITIES

KINDS = ("audit", "self_assessment")
RESULT_LABELS = {"compliant": "Compliant", "non_compliant": "Non-compliant",
                 "not_applicable": "Not applicable", "observation": "Observation"}
#: the checklist's answers besides the result, and the results that ask for them (hidden and
#: not kept otherwise); the form's conditions are written from this, and the page follows it
SHOWN_FOR = {"severity": ("non_compliant",), "notes": ("non_compliant", "observation")}
NOTES_MAX = 4000


def _shown_for(results: tuple[str, ...]) -> dict[str, Any]:
    hide = " and ".join(f'result != "{result}"' for result in results)
    return {"hide": "=" + hide}


def audit_fields() -> list[dict[str, Any]]:
    """One checklist item's inputs: the result, a severity for a non-compliance, notes for a
    non-compliance or an observation."""
    return [
        {"type": "radio", "key": "result", "label": "Result",
         "values": [{"label": RESULT_LABELS[r], "value": r} for r in CHECKLIST_RESULTS],
         "validate": {"required": True}},
        {"type": "select", "key": "severity", "label": "Severity",
         "values": [{"label": s.title(), "value": s} for s in SEVERITIES],
         "validate": {"required": True}, "conditional": _shown_for(SHOWN_FOR["severity"])},
        {"type": "textarea", "key": "notes", "label": "Notes (what was seen)",
         "validate": {"required": True, "maxLength": NOTES_MAX},
         "conditional": _shown_for(SHOWN_FOR["notes"])}]


def self_assessment_fields() -> list[dict[str, Any]]:
    """The supplier's answer to one criterion before the audit."""
    return [
        {"type": "radio", "key": "meets", "label": "Does the site meet it today?",
         "values": [{"label": "Yes", "value": "yes"}, {"label": "Partly", "value": "partly"},
                    {"label": "No", "value": "no"}],
         "validate": {"required": True}},
        {"type": "textarea", "key": "how", "label": "How (procedures, records, equipment)",
         "validate": {"required": True, "maxLength": NOTES_MAX}}]


def _intro(c: Criterion) -> dict[str, Any]:
    sample = " _(sample wording)_" if c.sample_wording else ""
    guidance = f"\n\n_{c.guidance}_" if c.guidance else ""
    return {"type": "text", "text": f"**{c.criterion_id}** ({c.designation}) {c.text}"
                                    f"{guidance}{sample}"}


def by_category(kind: str, criteria: list[Criterion]) -> list[dict[str, Any]]:
    """Form components for the criteria: a path-less group per category (its heading), in it
    a group per criterion with the kind's inputs."""
    make = {"audit": audit_fields, "self_assessment": self_assessment_fields}[kind]
    groups: dict[int, list[dict[str, Any]]] = {}
    for c in criteria:
        groups.setdefault(c.category, []).append(
            {"type": "group", "path": c.key, "label": f"{c.criterion_id} {c.category_name}",
             "components": [_intro(c), *make()]})
    return [{"type": "group", "id": f"category_{number}",
             "label": f"{number}. {CATEGORIES.get(number, str(number))}", "components": items}
            for number, items in groups.items()]


def group_path(form: dict[str, Any] | None, kind: str) -> str | None:
    """The path of the form's top-level group generated as `kind`, or None."""
    for comp in (form or {}).get("components", []):
        props = comp.get("properties") if isinstance(comp, dict) else None
        if isinstance(props, dict) and props.get("questionnaire") == kind and comp.get("path"):
            return comp["path"]
    return None

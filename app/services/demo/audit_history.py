"""Recent months for the demo's partner audits: each audit's steps took days (the quote, the
supplier's self-assessment, scheduling and waiting for the audit day, the report, the
corrective action plan), so the dashboard's days per stage and time per task are those of a
working audit firm. The audits are walked as before (`audits.demo`) with a `Clock` ticking
after every step, then their cases are backdated (`Clock.apply_cases`: the client's own
membership case keeps its times). The audit dates in the data stay today (the form takes no
past date): the scheduling step's days stand for the wait until the audit day."""
import random
from datetime import timedelta

from app.models.types import utcnow
from app.services.demo.backdate import Clock

SEED = 2027
#: the audit's steps in the order the demo walks them, and the days each typically takes
AUDIT_STEPS = (("prepare_quote", (1, 4)), ("quote_decision", (2, 9)),
               ("self_assessment", (10, 26)), ("schedule_audit", (12, 30)),
               ("audit_checklist", (1, 2)), ("audit_report", (3, 8)),
               ("report_review", (2, 6)), ("corrective_action_plan", (10, 24)),
               ("cap_review", (3, 9)))
#: per stage the demo stops at: steps walked, and days its open task has waited since
STOPS = {"self_assessment": (2, 6), "checklist": (4, 0), "review": (6, 3),
         "corrective_actions": (9, 35)}


def audit_timelines():
    """`timeline_for(stage)` for `seed_audits`: a Clock whose last step lands the open task's
    wait before now (the audit at its checklist is audited today)."""
    rng = random.Random(SEED)

    def timeline_for(stage: str) -> Clock:
        steps, tail = STOPS[stage]
        days = [rng.uniform(*low_high) for _bpmn_id, low_high in AUDIT_STEPS[:steps]]
        return Clock(utcnow() - timedelta(days=sum(days) + tail), days)

    return timeline_for

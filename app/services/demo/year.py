"""The member's later stages for the demo history: an annual review open for the applicant, a
revalidation waiting for the specialist's site visit, an appeal of a suspension waiting for the
applicant or for its ruling (issue 11: cases at every stage).

The walk is real: the case is validated, its membership year starts and waits for the review
window (a BPMN timer), the runtime's own due-timer processing (`fire_due_timers`) opens the
review, and the tasks after it are completed with the task services. Two period settings are
shrunk while such a case is walked, in `config.PERIODS` as the scripts read them, so the walk
need not wait a year: the review window is as long as the membership year (it opens at the
certification, the timer is due at once), and for a revalidation the revalidation period is one
year (the revalidation falls due at the first anniversary instead of the fourth). The
anniversary, and every due date, keep their statutory periods; the backdating then moves them.
"""
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, timedelta

import isodate
from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Case, HumanTask, Membership
from app.models.enums import AuditKind, CaseStatus
from app.services.demo.walk import STEP_IDS, Walk, walk_to
from app.services.forms.definition import form_variables
from app.services.runtime.messages import send_message
from app.services.runtime.timers import fire_due_timers
from app.services.runtime.unit_of_work import transaction
from app.services.tasks import actions as tasks

#: the open task each later-stage case waits at
YEAR_TARGETS = ("annual_profile_review", "resite_visit", "appeal_request", "appeal_decision")
#: the steps after validation, per target: (BPMN id of the step, days it typically takes)
YEAR_STEPS = {
    "annual_profile_review": (("review_window", None),),
    "resite_visit": (("review_window", None), ("annual_profile_review", (10, 60)),
                     ("annual_review_acceptance", (3, 15)), ("revalidation_notice", (5, 20)),
                     ("revalidation_documents", (5, 25))),
    "appeal_request": (("security_incident", (30, 200)), ("suspension_review", (2, 14))),
    "appeal_decision": (("security_incident", (30, 200)), ("suspension_review", (2, 14)),
                        ("appeal_request", (10, 60))),
}
#: the validation's last steps, after the certification (vetting)
AFTER_CERTIFICATION = STEP_IDS[STEP_IDS.index("vetting") + 1:]


def until_window(step_days: list[float]) -> float:
    """Days from validation to the review window's opening: the window opens one window
    before the anniversary, a year after the certification (settings, in days)."""
    periods = current_app.config["PERIODS"]
    year = _days(periods["SAFEPORT_ANNUAL_REVIEW_PERIOD"])
    window = _days(periods["SAFEPORT_ANNUAL_REVIEW_WINDOW"])
    validation = sum(step_days[STEP_IDS.index("vetting") + 1:len(STEP_IDS)])
    return max(1.0, year - window - validation)


def _days(iso: str) -> float:
    return isodate.parse_duration(iso).total_seconds() / 86400


@contextmanager
def year_periods(target: str) -> Iterator[None]:
    """The period settings shrunk while the case for `target` is started and walked (a case
    reads the settings when it is loaded: start it inside); none for other targets."""
    periods = current_app.config["PERIODS"]
    shrink = {}
    if target in ("annual_profile_review", "resite_visit"):
        shrink["SAFEPORT_ANNUAL_REVIEW_WINDOW"] = periods["SAFEPORT_ANNUAL_REVIEW_PERIOD"]
    if target == "resite_visit":
        shrink["SAFEPORT_REVALIDATION_PERIOD"] = periods["SAFEPORT_ANNUAL_REVIEW_PERIOD"]
    saved = {name: periods[name] for name in shrink}
    periods.update(shrink)
    try:
        yield
    finally:
        periods.update(saved)


def walk_year(walk: Walk, target: str) -> None:
    """Validate the case, then walk its membership year to `target` (in YEAR_TARGETS); inside
    `year_periods(target)`."""
    walk_to(walk, "validated")
    year = replace(walk, case_id=_year_of(walk))
    for bpmn_id, _days_range in YEAR_STEPS[target]:
        STEP_DO[bpmn_id](year)


def _year_of(walk: Walk) -> int:
    """The company's running membership year (the case the validation continued as)."""
    return db.session.scalar(select(Case.id).where(
        Case.company_id == walk.company.id, Case.status == CaseStatus.RUNNING,
        Case.id != walk.case_id).order_by(Case.id.desc()).limit(1))


def _tick(walk: Walk, bpmn_id: str) -> None:
    if walk.after_step:
        walk.after_step(bpmn_id)


def _review_window(walk: Walk) -> None:
    """The review window's timer is due: the scheduler's own processing fires it."""
    fire_due_timers()
    tasks.open_task(walk.case_id, "annual_profile_review")  # NotFound if it did not open
    _tick(walk, "review_window")


def _annual_review(walk: Walk) -> None:
    """The applicant confirms last year's record, unchanged but for the plan's follow-up."""
    view = tasks.task_detail(walk.actor("applicant"),
                             tasks.open_task(walk.case_id, "annual_profile_review").id)
    shown = form_variables(view.form)  # what the applicant's form holds, not the process's
    opened = {key: value for key, value in view.data.items() if key in shown}
    plan = [item if item.get("status") == "done" else {"follow_up": "On track", **item}
            for item in opened.get("action_plan", [])]
    answers = {**opened, "action_plan": plan, "risk_assessment_updated": True,
               "profile_changes": "none", "officer_name": "Dana Officer",
               "officer_confirms": True}
    answers.pop("annual_review_comments", None)
    walk.complete("applicant", "annual_profile_review", answers)


def _accept_review(walk: Walk) -> None:
    walk.complete("specialist", "annual_review_acceptance", {"annual_review_decision": "accept"})


def _revalidation_notice(walk: Walk) -> None:
    visit = (date.today() + timedelta(days=45)).isoformat()
    walk.complete("caseworker", "revalidation_notice", {
        "visit_planned_for": visit,
        "notice_text": f"The revalidation visit of your main site is planned for {visit}.",
        "validation_sites": [{"site": "Main site", "country": "US", "risk_level": "medium",
                              "selection_reason": "Where U.S.-bound cargo is stuffed."}],
        "documents_requested": [{"document": "Seal log, last three months"}]})


def _revalidation_documents(walk: Walk) -> None:
    walk.complete("applicant", "revalidation_documents", {"documents_provided": [
        {"document": "Seal log, last three months",
         "description": "Uploaded seal-log.pdf (criterion 6.2)."}]})


def _incident(walk: Walk) -> None:
    """A security incident reported on the membership year (the case worker sends it)."""
    send_message(walk.people["caseworker"], walk.case_id, "security_incident", {
        "kind": "cargo theft", "date": date.today().isoformat(),
        "description": "A trailer left the yard with a broken seal and was found emptied."})
    _tick(walk, "security_incident")


def _suspend(walk: Walk) -> None:
    walk.complete("caseworker", "suspension_review", {
        "suspension_decision": "suspend",
        "suspension_note": "Seal controls failed at the yard gate."})


def _appeal(walk: Walk) -> None:
    walk.complete("applicant", "appeal_request", {
        "appeal_choice": "appeal",
        "appeal_grounds": "The seal was broken after the carrier took the trailer over."})


STEP_DO = {"review_window": _review_window, "annual_profile_review": _annual_review,
           "annual_review_acceptance": _accept_review,
           "revalidation_notice": _revalidation_notice,
           "revalidation_documents": _revalidation_documents,
           "security_incident": _incident, "suspension_review": _suspend,
           "appeal_request": _appeal}


def settle(company_id: int, target: str) -> None:
    """After the backdating: the review window opened one statutory window before the
    anniversary (the walk shrank it), and the annual review was opened then, not at the
    validation the shrunken window made it follow at once."""
    if target not in ("annual_profile_review", "resite_visit"):
        return
    window = isodate.parse_duration(current_app.config["PERIODS"]["SAFEPORT_ANNUAL_REVIEW_WINDOW"])
    with transaction():
        record = db.session.scalar(select(Membership).where(Membership.company_id == company_id))
        opens = record.anniversary_at - window
        record.review_window_opens_at = opens
        review = db.session.scalar(
            select(HumanTask).join(Case, Case.id == HumanTask.case_id)
            .where(Case.company_id == company_id, HumanTask.bpmn_id == "annual_profile_review"))
        if review.created_at < opens:
            review.created_at = opens
            for event in db.session.scalars(select(AuditEvent).where(
                    AuditEvent.case_id == review.case_id, AuditEvent.at < opens,
                    AuditEvent.kind.in_((AuditKind.TASK_CREATED, AuditKind.TIMER_FIRED)))):
                event.at = opens

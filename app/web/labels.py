"""Coded values as people read them, in their language.

A coded value ("customs_broker", "task_completed") reads in English as its words
("Customs broker"), or as the words in `ENGLISH` where plain words read badly
("highway_carrier_us_mexico": "Highway carrier (U.S.–Mexico)"); that English text is the
message id, so any language's catalogue translates it. The values below are marked (`N_`) so
`make translations` extracts them; a value not listed still reads as its English words.
"""
from flask_babel import gettext


def N_(text: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a string for extraction without translating it here."""
    return text


#: codes whose words alone read badly, with the English people read
ENGLISH = {
    "case_worker": N_("Case worker"),
    "third_party_logistics": N_("Third-party logistics provider (3PL)"),
    "highway_carrier_us_canada": N_("Highway carrier (U.S.–Canada)"),
    "highway_carrier_us_mexico": N_("Highway carrier (U.S.–Mexico)"),
    "pre_applicant": N_("Pre-applicant"),
    "ctpat_membership": N_("CTPAT membership"),
    "partner_audit": N_("Partner audit"),
    "catalogue_imported": N_("Criteria catalogue imported"),
    "case_continued": N_("Continued in a new case"),
    "retried": N_("Retried after an error"),
    "mail_sent": N_("Email sent"),
}

#: the English words of every other coded value the pages show (the extractor reads these)
KNOWN = (
    # roles
    N_("Applicant"), N_("Specialist"), N_("Designer"), N_("Admin"),
    N_("Auditor"), N_("Reviewer"), N_("Report reviewer"), N_("Supplier"),
    # entity types
    N_("Importer"), N_("Exporter"), N_("Customs broker"), N_("Consolidator"),
    N_("Air carrier"), N_("Sea carrier"), N_("Rail carrier"),
    N_("Mexican long haul carrier"), N_("Marine port terminal operator"),
    N_("Foreign manufacturer"),
    # case statuses and task states
    N_("Running"), N_("Completed"), N_("Error"), N_("Suspended"), N_("Terminated"),
    N_("Ready"), N_("Cancelled"),
    # membership statuses
    N_("Approved"), N_("Certified"), N_("Validated"), N_("Removed"),
    N_("Rejected"), N_("Withdrawn"), N_("Ineligible"),
    # audit events
    N_("Deployment"), N_("Case started"),
    N_("Case completed"), N_("Case suspended"), N_("Case resumed"), N_("Case terminated"),
    N_("Case migrated"), N_("Task created"), N_("Task claimed"), N_("Task unclaimed"),
    N_("Task assigned"), N_("Task completed"), N_("Task cancelled"), N_("Timer fired"),
    N_("Message received"), N_("Membership changed"),
    N_("Company profile saved"), N_("Company record saved"), N_("Company record accepted"),
    N_("Notice"), N_("Reminder sent"), N_("Deadline escalated"), N_("Document uploaded"),
    N_("Comment added"), N_("Corrective action overdue"), N_("Audit report issued"),
    N_("Corrective actions recorded"), N_("Audit closed"),
    # company record parts and action-plan item statuses
    N_("Security profile"), N_("Risk assessment"), N_("Open"), N_("In progress"), N_("Done"),
    # partner audits: finding severities, corrective-action states, risk ratings
    N_("Critical"), N_("Major"), N_("Minor"), N_("Proposed"), N_("Accepted"), N_("Closed"),
    N_("Low"), N_("Medium"), N_("High"),
    # outbox email statuses
    N_("Pending"), N_("Sent"), N_("Failed"),
)


def words(value: object) -> str:
    """A coded value's English words: "customs_broker" -> "Customs broker"."""
    code = str(value or "").strip()
    if code in ENGLISH:
        return ENGLISH[code]
    text = code.replace("_", " ")
    return text[:1].upper() + text[1:]


def label(value: object) -> str:
    """A coded value for people, in the page's language ("Agente aduanal")."""
    english = words(value)
    return gettext(english) if english else english


def term(value: object) -> str:
    """A coded value inside a sentence: lower-case words in English, as `label` otherwise
    ("customs broker"; "Agente aduanal")."""
    english = words(value)
    translated = gettext(english) if english else english
    if translated != english:
        return translated
    # "Highway carrier (U.S.–Mexico)" keeps its capitals after the first word
    return english[:1].lower() + english[1:] if "(" in english else english.lower()

"""Coded values as people read them, in their language.

A coded value ("customs_broker", "task_completed") reads in English as its words
("Customs broker"); that English text is the message id, so any language's catalogue
translates it. The values below are marked (`N_`) so `make translations` extracts them; a
value not listed still reads as its English words.
"""
from flask_babel import gettext


def N_(text: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a string for extraction without translating it here."""
    return text


#: the English words of every coded value the pages show (the extractor reads these)
KNOWN = (
    # roles
    N_("Applicant"), N_("Case worker"), N_("Specialist"), N_("Designer"), N_("Admin"),
    N_("Auditor"), N_("Reviewer"), N_("Report reviewer"), N_("Supplier"),
    # entity types
    N_("Importer"), N_("Exporter"), N_("Customs broker"), N_("Consolidator"),
    N_("Third party logistics"), N_("Air carrier"), N_("Sea carrier"), N_("Rail carrier"),
    N_("Highway carrier us canada"), N_("Highway carrier us mexico"),
    N_("Mexican long haul carrier"), N_("Marine port terminal operator"),
    N_("Foreign manufacturer"),
    # case statuses and task states
    N_("Running"), N_("Completed"), N_("Error"), N_("Suspended"), N_("Terminated"),
    N_("Ready"), N_("Cancelled"),
    # membership statuses
    N_("Pre applicant"), N_("Approved"), N_("Certified"), N_("Validated"), N_("Removed"),
    N_("Rejected"), N_("Withdrawn"), N_("Ineligible"),
    # audit events
    N_("Deployment"), N_("Catalogue imported"), N_("Case started"), N_("Case continued"),
    N_("Case completed"), N_("Case suspended"), N_("Case resumed"), N_("Case terminated"),
    N_("Case migrated"), N_("Task created"), N_("Task claimed"), N_("Task unclaimed"),
    N_("Task assigned"), N_("Task completed"), N_("Task cancelled"), N_("Timer fired"),
    N_("Message received"), N_("Retried"), N_("Membership changed"),
    N_("Company profile saved"), N_("Company record saved"), N_("Company record accepted"),
    N_("Notice"), N_("Reminder sent"), N_("Deadline escalated"), N_("Document uploaded"),
    N_("Comment added"),
    # company record parts and action-plan item statuses
    N_("Security profile"), N_("Risk assessment"), N_("Open"), N_("In progress"), N_("Done"),
)


def words(value: object) -> str:
    """A coded value's English words: "customs_broker" -> "Customs broker"."""
    text = str(value or "").replace("_", " ").strip()
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
    return english.lower() if translated == english else translated

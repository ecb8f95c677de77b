"""What services say to people (errors, field messages), in the page's language.

Services speak English; a message is translated when the catalogue has it as it stands, or
when it matches one of the worded patterns below (a number or a name inside it). Anything
else is shown as the service said it.
"""
import re

from flask_babel import gettext

from app.web.labels import N_

#: messages services send as they stand (the extractor reads these)
KNOWN = (
    # sign-in and password
    N_("unknown username or wrong password"), N_("the password was not changed"),
    N_("is not your current password"), N_("must differ from the current password"),
    N_("does not match the new password"),
    N_("Please sign in to see that page."),
    # access
    N_("only the person holding a task (or an admin) can release it"),
    N_("only applicants have a company page"),
    # form fields
    N_("Missing data for required field."), N_("Field may not be null."),
    N_("Not a valid string."), N_("Not a valid integer."), N_("Not a valid number."),
    N_("Not a valid date."), N_("Not a valid time."), N_("Not a valid datetime."),
    N_("Not a valid boolean."), N_("Not a valid list."), N_("Not a valid choice."),
    N_("Not a valid email address."), N_("Not a valid phone number."),
    N_("String does not match expected pattern."), N_("Values must be unique."),
    N_("Must not be in the past."), N_("Invalid value."), N_("Invalid input type."),
    N_("Invalid type."), N_("Unknown field."),
    N_("Something went wrong on our side. If it keeps happening, report it with the "
       "request id."),
    N_("This form has expired or did not come from SafePort. Go back, reload the page and "
       "try again."),
    N_("That file is larger than the server accepts."),
    # documents, comments, inbox
    N_("this type of file is not accepted"), N_("the file is empty"),
    N_("choose a file with content"), N_("the file is too large"),
    N_("the file's content does not match its type"),
    N_("a text file must not contain binary data"), N_("the comment is empty"),
    N_("write something first"), N_("the comment is too long"),
    N_("must be a date (YYYY-MM-DD)"), N_("Due date"), N_("Priority"), N_("Newest"),
    # the membership record beside a case
    N_("Membership"), N_("Reason"), N_("Tier"), N_("Applied"), N_("Certified"),
    N_("Validated"), N_("Validation due"), N_("Next annual review"),
    N_("Review window opens"), N_("Next revalidation"), N_("pre applicant"), N_("applicant"),
    N_("approved"), N_("certified"), N_("validated"), N_("suspended"), N_("removed"),
    N_("rejected"), N_("withdrawn"), N_("ineligible"), N_("ready"), N_("completed"),
    N_("cancelled"),
)

#: worded messages with a value inside: (pattern, message id with the same named values)
PATTERNS = (
    (re.compile(r"Longer than maximum length (?P<n>\d+)\."),
     N_("Longer than the maximum of %(n)s characters.")),
    (re.compile(r"Shorter than minimum length (?P<n>\d+)\."),
     N_("Shorter than the minimum of %(n)s characters.")),
    (re.compile(r"At least (?P<n>\d+) entr(y is|ies are) needed\."),
     N_("At least %(n)s entries are needed.")),
    (re.compile(r"At most (?P<n>\d+) entr(y is|ies are) allowed\."),
     N_("At most %(n)s entries are allowed.")),
    (re.compile(r"Must be one of: (?P<choices>.*)\."), N_("Must be one of: %(choices)s.")),
    (re.compile(r"must be at least (?P<n>\d+) characters"),
     N_("must be at least %(n)s characters")),
    (re.compile(r"Too many failed sign-ins for this username\. Wait (?P<n>\d+) seconds? and "
                r"try again\."),
     N_("Too many failed sign-ins for this username. Wait %(n)s seconds and try again.")),
    (re.compile(r"(?P<thing>task|case|document|company|saved view) (?P<n>\d+) not found"),
     N_("%(thing)s %(n)s was not found")),
    (re.compile(r"Must not be before \((?P<date>[0-9-]+)\)\."),
     N_("Must not be before %(date)s.")),
    (re.compile(r"allowed: (?P<kinds>.*)"), N_("allowed: %(kinds)s")),
    (re.compile(r"at most (?P<n>\d+) KiB"), N_("at most %(n)s KiB")),
    (re.compile(r"at most (?P<n>\d+) characters"), N_("at most %(n)s characters")),
    (re.compile(r"this is not a (?P<kind>\w+) file"), N_("this is not a %(kind)s file")),
    (re.compile(r"task (?P<n>\d+) is already (?P<state>\w+)"),
     N_("task %(n)s is already %(state)s")),
)

_THINGS = {"task": N_("task"), "case": N_("case"), "document": N_("document"),
           "company": N_("company"), "saved view": N_("saved view")}


def localize(message: object) -> str:
    """A service's message in the page's language (as it was when the catalogue lacks it)."""
    text = str(message or "")
    if not text:
        return text
    translated = gettext(text)
    if translated != text:
        return translated
    for pattern, wording in PATTERNS:
        found = pattern.fullmatch(text)
        if found and gettext(wording) != wording:  # English keeps the service's own words
            values = dict(found.groupdict())
            state, thing = values.get("state"), _THINGS.get(values.get("thing"))
            if state:
                values["state"] = gettext(state)
            if thing:
                values["thing"] = gettext(thing).capitalize()
            return gettext(wording, **values)
    return text


def localize_errors(errors: dict[str, list[str]],
                    own: dict[str, str] | None = None) -> dict[str, list[str]]:
    """Field errors in the page's language; `own` holds the form's own messages translated
    (English -> the language), which win."""
    own = own or {}
    return {key: [_own(m, own) or localize(m) for m in messages]
            for key, messages in errors.items()}


def _own(message: str, own: dict[str, str]) -> str | None:
    if message in own:
        return own[message]
    for english, translated in own.items():  # "<notBeforeMessage> (2025-01-31)."
        if message.startswith(english + " ("):
            return translated + message[len(english):]
    return None

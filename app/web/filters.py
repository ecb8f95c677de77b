"""Template filters: Markdown made safe, dates in words and in the reader's time zone, and human
labels for coded values, in the page's language."""
import re
from datetime import date, datetime

import nh3
from flask_babel import format_date, format_datetime, get_timezone, gettext, ngettext
from markdown_it import MarkdownIt
from markupsafe import Markup

from app.models.types import utcnow
from app.web import labels, messages

_MARKDOWN = MarkdownIt("commonmark", {"html": False})
_ALLOWED_TAGS = {"p", "strong", "em", "code", "pre", "ul", "ol", "li", "a", "br", "h3", "h4",
                 "blockquote"}
#: a moment as people read it, with the zone it is shown in ("2 Dec 2026, 00:03 CST")
MOMENT_FORMAT = "d MMM y, HH:mm z"
DAY_FORMAT = "d MMM y"


def markdown(text: str | None) -> Markup:
    """Render a form's text as Markdown, then keep only harmless tags (no scripts, no styles)."""
    html = _MARKDOWN.render(text or "")
    return Markup(nh3.clean(html, tags=_ALLOWED_TAGS, attributes={"a": {"href", "title"}},
                            link_rel="noopener noreferrer"))


def _moment(value: object) -> datetime | date | None:
    """A datetime (or date) from a value that may be an ISO-8601 string; None when empty."""
    if isinstance(value, str):
        try:
            if len(value) == 10:  # a calendar day ("2026-12-02") stays that day
                return date.fromisoformat(value)
            return datetime.fromisoformat(value) if value else None
        except ValueError:
            return None
    return value if isinstance(value, date) else None


def when(value: object) -> str:
    """A moment in the reader's time zone and language, with the zone: "2 Dec 2026, 00:03 CST".
    Strings that are not ISO-8601 pass through; None is empty."""
    moment = _moment(value)
    if moment is None:
        return "" if value is None else str(value)
    if not isinstance(moment, datetime):
        return format_date(moment, DAY_FORMAT)
    return format_datetime(moment, MOMENT_FORMAT)


def day(value: object) -> str:
    """The calendar day of a moment in the reader's time zone: "2 Dec 2026"."""
    moment = _moment(value)
    if moment is None:
        return "" if value is None else str(value)
    return format_date(moment, DAY_FORMAT)


_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


def plain(message: object) -> str:
    """A service's message in the page's language with coded words as people read them
    ("this needs the role case_worker or admin" -> "This needs the role case worker or
    admin."): for error pages."""
    text = _CODE.sub(lambda m: labels.term(m.group(0)), messages.localize(str(message or "")))
    text = text[:1].upper() + text[1:]
    return text if not text or text[-1] in ".!?" else text + "."


def zone_name() -> str:
    """The reader's time zone as an IANA name ("America/Mexico_City"; "UTC")."""
    return str(get_timezone())


def in_words(moment: datetime | None, now: datetime | None = None) -> str:
    """"in 3 days", "overdue by 2 days", "today": how far a date is from now."""
    if moment is None:
        return ""
    delta = moment - (now or utcnow())
    seconds = delta.total_seconds()
    days = abs(delta).days
    if abs(seconds) < 86400:
        hours = int(abs(seconds) // 3600)
        amount = (ngettext("%(num)d hour", "%(num)d hours", hours) if hours
                  else gettext("less than an hour"))
    else:
        amount = ngettext("%(num)d day", "%(num)d days", days)
    if seconds >= 0:
        return gettext("in %(amount)s", amount=amount)
    return gettext("overdue by %(amount)s", amount=amount)


def init_app(app) -> None:
    """Register the filters."""
    app.add_template_filter(markdown, "markdown")
    app.add_template_filter(in_words, "in_words")
    app.add_template_filter(when, "when")
    app.add_template_filter(day, "day")
    app.add_template_filter(plain, "plain")
    app.add_template_filter(labels.label, "label")
    app.add_template_filter(labels.term, "term")
    # text from a diagram (a task's title, a stage's name) or a service's message, in the
    # page's language when the catalogue has it
    app.add_template_filter(messages.localize, "tr")
    app.add_template_global(zone_name, "zone_name")

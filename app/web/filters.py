"""Template filters: Markdown made safe, dates in words, and human labels for coded values,
in the page's language."""
from datetime import datetime

import nh3
from flask_babel import gettext, ngettext
from markdown_it import MarkdownIt
from markupsafe import Markup

from app.models.types import utcnow
from app.web import labels, messages

_MARKDOWN = MarkdownIt("commonmark", {"html": False})
_ALLOWED_TAGS = {"p", "strong", "em", "code", "pre", "ul", "ol", "li", "a", "br", "h3", "h4",
                 "blockquote"}


def markdown(text: str | None) -> Markup:
    """Render a form's text as Markdown, then keep only harmless tags (no scripts, no styles)."""
    html = _MARKDOWN.render(text or "")
    return Markup(nh3.clean(html, tags=_ALLOWED_TAGS, attributes={"a": {"href", "title"}},
                            link_rel="noopener noreferrer"))


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
    app.add_template_filter(labels.label, "label")
    app.add_template_filter(labels.term, "term")
    # text from a diagram (a task's title, a stage's name) or a service's message, in the
    # page's language when the catalogue has it
    app.add_template_filter(messages.localize, "tr")

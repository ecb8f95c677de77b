"""Template filters: Markdown made safe, dates in words, and human labels for coded values."""
from datetime import datetime

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

from app.models.types import utcnow

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
        amount = f"{hours} hour{'s' if hours != 1 else ''}" if hours else "less than an hour"
    else:
        amount = f"{days} day{'s' if days != 1 else ''}"
    return f"in {amount}" if seconds >= 0 else f"overdue by {amount}"


def label(value: object) -> str:
    """A coded value for people: "customs_broker" -> "Customs broker"."""
    text = str(value or "").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def init_app(app) -> None:
    """Register the filters."""
    app.add_template_filter(markdown, "markdown")
    app.add_template_filter(in_words, "in_words")
    app.add_template_filter(label, "label")

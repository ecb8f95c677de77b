"""Languages and time zones for people (Flask-Babel): the user's own setting, else what the
browser asks for; English is the source language, Spanish the translation."""
from flask import Flask, has_request_context, request
from flask_babel import Babel
from flask_login import current_user

LANGUAGES = {"en": "English", "es": "Español"}

babel = Babel()


def select_locale() -> str:
    """The signed-in user's language, else the browser's best match, else English (and
    English outside a request: the scheduler's emails pass the recipient's language)."""
    if not has_request_context():
        return "en"
    chosen = getattr(current_user, "language", None)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "en"


def select_timezone() -> str | None:
    """The signed-in user's time zone (IANA name), else UTC."""
    if not has_request_context():
        return None
    return getattr(current_user, "time_zone", None) or None


def init_app(app: Flask) -> None:
    """Bind Flask-Babel: `_()` and `ngettext()` in templates and code, dates formatted for the
    user's language and zone."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)

    @app.context_processor
    def _languages():
        return {"languages": LANGUAGES}

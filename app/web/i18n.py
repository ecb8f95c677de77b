"""Languages and time zones for people (Flask-Babel): the user's own setting, else (signed out)
the choice kept in the session, else what the browser asks for; English is the source
language, Spanish the translation (app/translations/, forms/i18n/)."""
from flask import Flask, g, has_request_context, request, session
from flask_babel import Babel, get_locale
from flask_login import current_user

LANGUAGES = {"en": "English", "es": "Español"}
#: where a signed-out visitor's choice is kept (the sign-in page's switch)
SESSION_KEY = "language"

babel = Babel()


def select_locale() -> str:
    """The signed-in user's language, else the session's, else the browser's best match,
    else English."""
    if not has_request_context():
        return "en"
    chosen = getattr(current_user, "language", None) if current_user else None
    if chosen not in LANGUAGES:
        chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "en"


def select_timezone() -> str | None:
    """The signed-in user's time zone (IANA name), else UTC."""
    if not has_request_context():
        return None
    return getattr(current_user, "time_zone", None) or None


def current_language() -> str:
    """The language of the page being rendered ("en" or "es")."""
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else "en"


def init_app(app: Flask) -> None:
    """Bind Flask-Babel: `_()` and `ngettext()` in templates and code, dates formatted for the
    user's language and zone."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)

    @app.before_request
    def _forget_cached_locale():
        # Flask-Babel caches the locale on `g`, which lives as long as the app context: a
        # caller (a test) that keeps one context across requests must still get each
        # request's own language
        g.pop("_flask_babel", None)

    @app.context_processor
    def _languages():
        return {"languages": LANGUAGES, "language": current_language()}

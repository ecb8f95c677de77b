"""Email text from templates: `app/templates/mail/<name>.txt` rendered with Jinja in the
recipient's language, `_()` marking what is translated (Flask-Babel), the first line the subject.
"""
from flask import current_app
from flask_babel import force_locale

from app.models import User

#: the languages emails are written in (the web's too); anything else reads English
LANGUAGES = ("en", "es")


def language_of(user: User) -> str:
    """The language a user reads their email in."""
    return user.language if user.language in LANGUAGES else "en"


def render(name: str, user: User, **params) -> tuple[str, str]:
    """(subject, body) of the email template `name` for one recipient."""
    with force_locale(language_of(user)):
        template = current_app.jinja_env.get_template(f"mail/{name}.txt")
        text = template.render(user=user, **params)
    subject, _, body = text.lstrip().partition("\n")
    return " ".join(subject.split()), body.strip("\n") + "\n"

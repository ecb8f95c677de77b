"""Emails written from templates, in the recipient's language.

`app/templates/mail/NAME.txt` holds one email: its first line is the subject, the rest the
body; its words are marked with `_()` like the pages', so the catalogue translates them, and
it is rendered under the recipient's language (`User.language`, English when unset).
"""
from typing import Any

from flask import current_app
from flask_babel import force_locale

from app.models import User


def render(name: str, recipient: User, **params: Any) -> tuple[str, str]:
    """(subject, body) of the email `mail/<name>.txt` for one recipient, in their language."""
    with force_locale(recipient.language or "en"):
        text = current_app.jinja_env.get_template(f"mail/{name}.txt").render(
            recipient=recipient, **params)
    subject, _, body = text.partition("\n")
    return " ".join(subject.split()), body.lstrip("\n").rstrip() + "\n"

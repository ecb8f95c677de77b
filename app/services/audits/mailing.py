"""Emails of a partner audit, to the parties of the case, each in the recipient's language.

The text lives in `app/templates/mail/<template>.txt` (`jobs.letters`: first line the
subject), so a Spanish-speaking supplier contact reads it in Spanish.
"""
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import Case, User
from app.services.jobs import letters, notifications

#: who a script may write to, and the users that means for a case
PARTIES = ("client", "supplier", "case_workers")


def recipients(case: Case, party: str) -> list[User]:
    """The active users of one party of the case."""
    if party == "client":
        query = select(User).where(User.role == "applicant", User.company_id == case.company_id)
    elif party == "supplier":
        if case.supplier_id is None:
            return []
        query = select(User).where(User.role == "supplier", User.company_id == case.supplier_id)
    elif party == "case_workers":
        query = select(User).where(User.role == "case_worker")
    else:
        raise ValueError(f"unknown party {party!r} (one of {', '.join(PARTIES)})")
    return list(db.session.scalars(query.where(User.active.is_(True)).order_by(User.id)))


def send(case: Case, party: str, template: str, params: dict[str, Any], *,
         kind: str = "audit_mail") -> int:
    """Notify every user of a party (in-app, and by email through the outbox), in the
    caller's transaction; the number of people written to."""
    people = recipients(case, party)
    for person in people:
        subject, body = letters.render(template, person, case=case, client=case.company,
                                       supplier=case.supplier, **params)
        notifications.notify(person, kind, subject, case_id=case.id, email_body=body)
    return len(people)

"""How a partner audit begins: a public enquiry (no account yet) or a signed-in client's
request. Either way the supplier is linked to the client and a `partner_audit` case starts at
the case worker's quote.

A public enquiry creates, in one transaction, the client company, the supplier company and
their link, an applicant account for the contact (no usable password: the activation email
lets them choose one) and the case; it writes that email to the outbox and tells every case
worker in the app. An enquiry whose honeypot field is filled creates nothing.
"""
import re
from typing import Any

from flask import current_app, has_request_context
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, Company, SupplierLink, User
from app.services.audits.schemas import EnquirySchema, SupplierSchema, load
from app.services.errors import Forbidden
from app.services.identity import activation
from app.services.identity.access import get_company, require_role
from app.services.identity.users import create_user
from app.services.jobs import mail, notifications
from app.services.runtime.cases import start_case
from app.services.runtime.unit_of_work import transaction

PROCESS_ID = "partner_audit"
#: the field people leave empty and form-filling robots do not
HONEYPOT = "website"
LANGUAGES = ("en", "es")
_USERNAME_CHARS = re.compile(r"[^a-z0-9._-]+")
_MAX_USERNAME = 80


def submit_public_enquiry(data: dict[str, Any]) -> Case | None:
    """Record a public audit enquiry and start its case (see the module's docstring).

    Invalid (422, messages by field path such as "supplier.country") when the input does not
    pass `EnquirySchema`; None, having created nothing, when the honeypot field is filled.
    """
    if not isinstance(data, dict) or str(data.get(HONEYPOT) or "").strip():
        current_app.logger.info("audit enquiry with its honeypot filled: nothing created")
        return None
    clean = load(EnquirySchema(), {k: v for k, v in data.items() if k != HONEYPOT},
                 _("the enquiry has errors"))
    with transaction():
        client = Company(**clean["client"])
        supplier = Company(**clean["supplier"])
        db.session.add_all([client, supplier])
        db.session.flush()
        db.session.add(SupplierLink(client_id=client.id, supplier_id=supplier.id))
        contact = _applicant(client, clean["contact"])
        case = start_case(None, company_id=client.id, process_id=PROCESS_ID, data={
            "supplier_id": supplier.id, "channel": "public",
            "enquiry": _enquiry_record(clean, contact)})
        _send_activation(contact, case, supplier)
        _tell_case_workers(case, client, supplier, public=True)
    return case


def request_audit(actor: User, *, supplier_id: int | None = None,
                  supplier: dict[str, Any] | None = None,
                  scope_notes: str | None = None) -> Case:
    """A signed-in client applicant asks for an audit of one of their suppliers (`supplier_id`)
    or of a new one (`supplier`, as `SupplierSchema`; one the client already links under the
    same name and country is reused). Starts the case with the client as the actor, so the
    process's `startableBy` and start form apply."""
    require_role(actor, "applicant")
    if actor.company_id is None:
        raise Forbidden(_("Only a client company's users can request a supplier audit."))
    client = get_company(actor, actor.company_id)
    with transaction():
        if supplier_id is not None:
            target_id = supplier_id  # start_case refuses (422) a supplier the client lacks
        else:
            target_id = _add_supplier(client, load(SupplierSchema(), supplier or {},
                                                   _("the supplier has errors"), "supplier.")).id
        data: dict[str, Any] = {"supplier_id": target_id}
        if scope_notes and scope_notes.strip():
            data["scope_notes"] = scope_notes.strip()
        case = start_case(actor, company_id=client.id, process_id=PROCESS_ID, data=data)
        _tell_case_workers(case, client, db.session.get(Company, target_id), public=False)
    return case


def client_suppliers(actor: User) -> list[Company]:
    """The suppliers the actor's client company links, by name (none for other roles)."""
    if actor.role != "applicant" or actor.company_id is None:
        return []
    return list(db.session.scalars(
        select(Company).join(SupplierLink, SupplierLink.supplier_id == Company.id)
        .where(SupplierLink.client_id == actor.company_id)
        .order_by(func.lower(Company.legal_name), Company.id)))


def _add_supplier(client: Company, fields: dict[str, Any]) -> Company:
    """The client's supplier with this name and country, else a new company linked to it."""
    found = db.session.scalar(
        select(Company).join(SupplierLink, SupplierLink.supplier_id == Company.id)
        .where(SupplierLink.client_id == client.id,
               func.lower(Company.legal_name) == fields["legal_name"].lower(),
               Company.country == fields["country"]).limit(1))
    if found is not None:
        return found
    company = Company(**fields)
    db.session.add(company)
    db.session.flush()
    db.session.add(SupplierLink(client_id=client.id, supplier_id=company.id))
    db.session.flush()
    return company


def _applicant(client: Company, contact: dict[str, str]) -> User:
    """The contact's account: an applicant of the new client, with a password nobody knows."""
    user = create_user(None, username=_free_username(contact["email"]),
                       password=activation.unusable_password(), role="applicant",
                       email=contact["email"], company_id=client.id)
    user.full_name = contact["full_name"]
    user.language = _current_language()
    db.session.flush()
    return user


def _free_username(email: str) -> str:
    """A username from the email's local part ("ana.ruiz"), numbered when taken ("ana.ruiz2")."""
    base = _USERNAME_CHARS.sub("", email.partition("@")[0].lower()).strip("._-")[:60] or "client"
    taken = set(db.session.scalars(select(User.username).where(
        func.lower(User.username).like(f"{base}%"))))
    taken = {name.lower() for name in taken}
    if base not in taken:
        return base
    number = 2
    while f"{base}{number}" in taken:
        number += 1
    return f"{base}{number}"[:_MAX_USERNAME]


def _current_language() -> str | None:
    """The language the enquiry was written in, kept as the new account's language."""
    if not has_request_context():
        return None
    locale = get_locale()
    language = locale.language if locale is not None else None
    return language if language in LANGUAGES else None


def _enquiry_record(clean: dict[str, Any], contact: User) -> dict[str, Any]:
    """What the case keeps of the enquiry as it was sent."""
    return {"client": clean["client"], "supplier": clean["supplier"],
            "contact": {**clean["contact"], "username": contact.username},
            "sites": clean["sites"], "message": clean["message"]}


def _send_activation(contact: User, case: Case, supplier: Company) -> None:
    """The contact's email: the enquiry is in, what happens next, and the activation link."""
    link = activation.activation_link(contact)
    days = current_app.config["ACTIVATION_MAX_AGE"] // 86400
    with force_locale(contact.language or "en"):
        subject = _("Your audit enquiry #%(case)s: choose your SafePort password", case=case.id)
        body = _(
            "Hello %(name)s,\n\n"
            "Thank you for your enquiry about a security audit of %(supplier)s. We have it as "
            "case #%(case)s.\n\n"
            "What happens next: a case worker prepares a quote (sites, audit days, price). You "
            "accept or decline it in SafePort; once accepted, the supplier receives a "
            "self-assessment and we agree the audit date.\n\n"
            "Your SafePort username is %(username)s. Choose your password here (the link works "
            "once, for %(days)s days):\n%(link)s\n\n"
            "If you did not send this enquiry, ignore this email: nothing happens without the "
            "link.\n",
            name=contact.display_name, supplier=supplier.legal_name, case=case.id,
            username=contact.username, days=days, link=link)
    mail.enqueue(contact.email, subject, body, case_id=case.id)


def _tell_case_workers(case: Case, client: Company, supplier: Company, *, public: bool) -> None:
    """An in-app notification to every active case worker, each in their own language."""
    workers = db.session.scalars(select(User).where(
        User.active.is_(True), User.role == "case_worker").order_by(User.id))
    for worker in workers:
        with force_locale(worker.language or "en"):
            text = (_("Audit enquiry from %(client)s: supplier %(supplier)s", client=client
                      .legal_name, supplier=supplier.legal_name) if public else
                    _("Audit requested by %(client)s: supplier %(supplier)s",
                      client=client.legal_name, supplier=supplier.legal_name))
        notifications.notify(worker, "audit_enquiry", text, case_id=case.id)

"""Partner-audit pages: the public enquiry form (no sign-in) and a client's audit request."""
from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from app.services.audits import enquiries
from app.services.audits.countries import country_choices
from app.services.audits.schemas import MAX_SITES, PROGRAMS
from app.services.errors import Invalid
from app.web.session import actor

bp = Blueprint("audits", __name__)

ENTITY_LABELS = {
    "importer": _l("Importer"), "exporter": _l("Exporter"), "customs_broker": _l("Customs broker"),
    "consolidator": _l("Consolidator"), "third_party_logistics": _l("Third-party logistics (3PL)"),
    "air_carrier": _l("Air carrier"), "sea_carrier": _l("Sea carrier"),
    "rail_carrier": _l("Rail carrier"),
    "highway_carrier_us_canada": _l("Highway carrier (U.S. and Canada)"),
    "highway_carrier_us_mexico": _l("Highway carrier (U.S. and Mexico)"),
    "mexican_long_haul_carrier": _l("Mexican long-haul carrier"),
    "marine_port_terminal_operator": _l("Marine port terminal operator"),
    "foreign_manufacturer": _l("Foreign manufacturer"),
}
PROGRAM_LABELS = {"ctpat": _l("CTPAT member"), "aeo": _l("Authorized Economic Operator (AEO)"),
                  "other_mra": _l("Another mutual-recognition program"),
                  "none": _l("None, or not known")}
#: the enquiry's fields by section, as the form names them ("client.legal_name")
COMPANY_FIELDS = ("legal_name", "entity_type", "country")
SUPPLIER_FIELDS = (*COMPANY_FIELDS, "address", "program", "program_number")
SECTIONS = {"client": COMPANY_FIELDS, "contact": ("full_name", "email"),
            "supplier": SUPPLIER_FIELDS}
HONEYPOT = enquiries.HONEYPOT
SUPPLIER_LABELS = {
    "supplier.legal_name": _l("Supplier's legal name"),
    "supplier.entity_type": _l("Supplier's type"), "supplier.country": _l("Supplier's country"),
    "supplier.address": _l("Site address"), "supplier.program": _l("Security program"),
    "supplier.program_number": _l("Program number"),
}
#: every field's label, for the fields and the summary of problems alike
LABELS = {
    "client.legal_name": _l("Your company's legal name"),
    "client.entity_type": _l("Your company's type"), "client.country": _l("Your country"),
    "contact.full_name": _l("Your name"), "contact.email": _l("Your email"),
    **SUPPLIER_LABELS, "sites": _l("Sites to audit"), "message": _l("Message"),
}
REQUEST_LABELS = {"supplier_choice": _l("Supplier"), **SUPPLIER_LABELS,
                  "scope_notes": _l("Notes on the scope")}


def _section(form, prefix: str, names: tuple[str, ...]) -> dict[str, str]:
    return {name: form.get(f"{prefix}.{name}", "") for name in names}


def _choices() -> dict:
    """The options of the form's selects, named in the reader's language."""
    locale = get_locale()
    return {"entity_types": list(ENTITY_LABELS.items()),
            "programs": [(code, PROGRAM_LABELS[code]) for code in PROGRAMS],
            "countries": country_choices(locale.language if locale else "en"),
            "max_sites": MAX_SITES, "entity_labels": ENTITY_LABELS}


def _details(err: Invalid) -> dict[str, list[str]]:
    return err.details if isinstance(err.details, dict) else {"_schema": [err.message]}


@bp.route("/audits/enquiry", methods=["GET", "POST"])
def enquiry():
    """The public enquiry form; a valid one (or one a robot filled) ends on the thank-you page,
    an invalid one comes back with each field's message and what was typed."""
    values: dict = {"sites": "1", "supplier": {"program": "none"}}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {key: _section(request.form, key, names) for key, names in SECTIONS.items()}
        values.update(sites=request.form.get("sites", ""),
                      message=request.form.get("message", ""))
        try:
            enquiries.submit_public_enquiry({**values,
                                             HONEYPOT: request.form.get(HONEYPOT, "")})
        except Invalid as err:
            errors = _details(err)
        else:
            return redirect(url_for("audits.thanks"))
    response = make_response(render_template(
        "audits/enquiry.html", values=values, errors=errors, choices=_choices(), labels=LABELS),
        422 if errors else 200)
    response.headers["Cache-Control"] = "no-store"  # it holds a CSRF token and what was typed
    return response


@bp.get("/audits/enquiry/thanks")
def thanks():
    """What happens after an enquiry."""
    return render_template("audits/thanks.html",
                           days=current_app.config["ACTIVATION_MAX_AGE"] // 86400)


@bp.route("/audits/new", methods=["GET", "POST"])
@login_required
def new():
    """A signed-in client asks for an audit of one of its suppliers or of a new one."""
    suppliers = enquiries.client_suppliers(actor())
    values: dict = {"supplier_choice": str(suppliers[0].id) if suppliers else "new",
                    "supplier": {"program": "none"}, "scope_notes": ""}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        choice = request.form.get("supplier_choice", "")
        values = {"supplier_choice": choice, "scope_notes": request.form.get("scope_notes", ""),
                  "supplier": _section(request.form, "supplier", SUPPLIER_FIELDS)}
        try:
            case = _request(choice, values)
        except Invalid as err:
            errors = _details(err)
            if "supplier_id" in errors:  # the start data's name for the choice
                errors["supplier_choice"] = errors.pop("supplier_id")
        else:
            flash(_("Your audit request is in as case #%(case)s. A case worker prepares a "
                    "quote; you will find it under Required next.", case=case.id), "info")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template("audits/new.html", suppliers=suppliers, values=values,
                           errors=errors, choices=_choices(), labels=REQUEST_LABELS), \
        (422 if errors else 200)


def _request(choice: str, values: dict):
    """Call the service with the chosen supplier, or the new supplier's fields."""
    if choice.isdigit():
        return enquiries.request_audit(actor(), supplier_id=int(choice),
                                       scope_notes=values["scope_notes"])
    if choice != "new":
        raise Invalid(_("no supplier chosen"),
                      {"supplier_choice": [_("Choose a supplier, or add a new one.")]})
    return enquiries.request_audit(actor(), supplier=values["supplier"],
                                   scope_notes=values["scope_notes"])

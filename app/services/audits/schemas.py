"""What an audit enquiry and a client's audit request accept (marshmallow): the client company,
its contact, the supplier to audit, the scope. Text is trimmed and blank text counts as not
given; every message goes through Flask-Babel, so a person reads it in their language."""
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, pre_load, validate

from app.models.user import ENTITY_TYPES
from app.services.audits.countries import country_codes
from app.services.errors import Invalid

PROGRAMS = ("ctpat", "aeo", "other_mra", "none")
MAX_SITES = 50
MAX_MESSAGE = 4000
_REQUIRED = {"required": _l("Required."), "null": _l("Required.")}


def _text(max_length: int, *, required: bool = True) -> fields.String:
    too_long = _l("At most %(count)s characters.", count=max_length)
    if required:
        return fields.String(required=True, error_messages=_REQUIRED,
                             validate=validate.Length(max=max_length, error=too_long))
    return fields.String(load_default="", validate=validate.Length(max=max_length,
                                                                  error=too_long))


def _choice(options, *, required: bool = True, default: str | None = None) -> fields.String:
    check = validate.OneOf(options, error=_l("Choose one of the options."))
    if required:
        return fields.String(required=True, error_messages=_REQUIRED, validate=check)
    return fields.String(load_default=default, validate=check)


class _Trimmed(Schema):
    """Strips text and leaves blank fields out, so a blank required field says "Required"."""

    @pre_load
    def _trim(self, data: Any, **_kwargs) -> Any:
        if not isinstance(data, dict):
            return data
        out = {}
        for key, value in data.items():
            if isinstance(value, str):
                value = value.strip()
                if not value:
                    continue
            out[key] = value
        return out


class _Country(fields.String):
    """An ISO 3166-1 alpha-2 code, in any case ("mx" is MX)."""

    def _deserialize(self, value, attr, data, **kwargs):
        code = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        if code not in country_codes():
            raise ValidationError(str(_l("Choose a country.")))
        return code


class CompanySchema(_Trimmed):
    """A company: its legal name, CTPAT entity type and country (ISO 3166-1 alpha-2)."""

    legal_name = _text(200)
    entity_type = _choice(ENTITY_TYPES)
    country = _Country(required=True, error_messages=_REQUIRED)


class SupplierSchema(CompanySchema):
    """The supplier to audit: a company with its site address and security program."""

    address = _text(300)
    program = _choice(PROGRAMS, required=False, default="none")
    program_number = _text(40, required=False)


class ContactSchema(_Trimmed):
    """The person asking: name and email (their SafePort account is made from them)."""

    full_name = _text(120)
    email = fields.String(required=True, error_messages=_REQUIRED, validate=[
        validate.Length(max=254, error=_l("At most %(count)s characters.", count=254)),
        validate.Email(error=_l("Enter an email address."))])


class EnquirySchema(_Trimmed):
    """A public enquiry: who asks, for which supplier, how many sites, and a message."""

    client = fields.Nested(CompanySchema, required=True, error_messages=_REQUIRED)
    contact = fields.Nested(ContactSchema, required=True, error_messages=_REQUIRED)
    supplier = fields.Nested(SupplierSchema, required=True, error_messages=_REQUIRED)
    sites = fields.Integer(required=True, strict=False, validate=validate.Range(
        min=1, max=MAX_SITES, error=_l("From 1 to %(max)s sites.", max=MAX_SITES)),
        error_messages={**_REQUIRED, "invalid": _l("A whole number of sites.")})
    message = _text(MAX_MESSAGE, required=False)


def load(schema: Schema, data: Any, what: str, prefix: str = "") -> dict[str, Any]:
    """`data` cleaned by `schema`, or Invalid (422) with the messages by dotted field path
    ("supplier.country"; `prefix` goes before each), as plain text in the current language."""
    if not isinstance(data, dict):
        raise Invalid(what, {prefix.rstrip(".") or "_schema": [str(_l("Invalid input."))]})
    try:
        return schema.load(data)
    except ValidationError as err:
        raise Invalid(what, flatten(err.messages, prefix)) from None


def flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as {"a.b": ["..."]}."""
    if isinstance(messages, dict):
        out: dict[str, list[str]] = {}
        for key, value in messages.items():
            out.update(flatten(value, f"{prefix}{key}."))
        return out
    items = messages if isinstance(messages, list) else [messages]
    return {prefix.rstrip(".") or "_schema": [str(item) for item in items]}

"""Company profile details: trade identifiers (validated by format and entity type), addresses,
contacts with a company officer, officers, facilities with their addresses and business
partners with their security program and number."""
import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import delete, select

from app.extensions import db
from app.models import (
    BusinessPartner,
    Company,
    CompanyAddress,
    CompanyContact,
    CompanyIdentifier,
    CompanyOfficer,
    CompanyProfile,
    Facility,
)

#: identifier kind -> (pattern, human description)
IDENTIFIER_FORMATS: dict[str, tuple[str, str]] = {
    "ior": (r"^([0-9]{2}-[0-9]{7}([0-9]{2})?|[0-9]{3}-[0-9]{2}-[0-9]{4}|[0-9]{6}-[0-9]{5})$",
            "IRS/EIN (12-3456789 or 12-345678900), SSN (123-45-6789) or CBP number (123456-12345)"),
    "ein": (r"^[0-9]{2}-[0-9]{7}$", "EIN: 12-3456789"),
    "duns": (r"^[0-9]{9}$", "DUNS: 9 digits"),
    "mid": (r"^[A-Z]{2}[A-Z0-9]{3,13}$", "MID: country code then up to 13 letters or digits"),
    "scac": (r"^[A-Z]{4}$", "SCAC: 4 letters"),
    "usdot": (r"^[0-9]{1,8}$", "USDOT number: up to 8 digits"),
    "rfc": (r"^[A-ZÑ&]{3,4}[0-9]{6}[A-Z0-9]{3}$", "RFC: 12 characters (companies) or 13 (persons)"),
    "filer_code": (r"^[A-Z0-9]{3}$", "filer code: 3 letters or digits"),
    "broker_license": (r"^[0-9]{5}$", "broker license serial: 5 digits"),
    "fmc_number": (r"^[0-9]{6}$", "FMC number: 6 digits"),
    "iata_code": (r"^[A-Z0-9]{2}$", "IATA airline code: 2 letters or digits"),
    "bond": (r"^[A-Z0-9-]{6,20}$", "bond number: 6 to 20 letters, digits or dashes"),
}
#: entity type -> identifiers the program requires for it
REQUIRED_IDENTIFIERS: dict[str, tuple[str, ...]] = {
    "importer": ("ior", "bond"), "exporter": ("ein",),
    "customs_broker": ("broker_license", "filer_code", "bond"),
    "consolidator": ("fmc_number",), "third_party_logistics": ("ein",),
    "air_carrier": ("iata_code", "bond"), "sea_carrier": ("scac",),
    "rail_carrier": ("scac", "bond"),
    "highway_carrier_us_canada": ("scac", "usdot"), "highway_carrier_us_mexico": ("scac", "usdot"),
    "mexican_long_haul_carrier": ("scac", "rfc"), "marine_port_terminal_operator": ("fmc_number",),
    "foreign_manufacturer": ("mid",),
}
COUNTRY = validate.Regexp(r"^[A-Z]{2}\Z", error="an ISO 3166 country code such as US")
OWNERSHIP_TYPES = ("corporation", "partnership", "sole_proprietorship", "llc", "other")


class AddressSchema(Schema):
    kind = fields.String(load_default="headquarters",
                         validate=validate.OneOf(("headquarters", "mailing", "other")))
    line1 = fields.String(required=True, validate=validate.Length(min=1, max=200))
    line2 = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    city = fields.String(required=True, validate=validate.Length(min=1, max=100))
    region = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    postal_code = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=20))
    country = fields.String(required=True, validate=COUNTRY)


class ContactSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=30))
    is_officer = fields.Boolean(load_default=False)
    is_primary = fields.Boolean(load_default=False)


class FacilitySchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(
        ("office", "warehouse", "plant", "yard", "terminal", "other")))
    city = fields.String(required=True, validate=validate.Length(min=1, max=100))
    country = fields.String(required=True, validate=COUNTRY)
    line1 = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    postal_code = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=20))


class OfficerSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(required=True, validate=validate.Length(max=254))


class PartnerSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.Length(min=1, max=40))
    country = fields.String(load_default=None, allow_none=True, validate=COUNTRY)
    security_program = fields.String(load_default="none", validate=validate.OneOf(
        ("ctpat", "aeo", "other_mra", "none")))
    program_number = fields.String(load_default=None, allow_none=True,
                                   validate=validate.Length(max=40))
    screened = fields.String(load_default=None, allow_none=True,
                             validate=validate.OneOf(("yes", "no")))


class ProfileSchema(Schema):
    """A full company profile; `entity_type` comes from the company (context)."""

    trade_name = fields.String(load_default=None, allow_none=True,
                               validate=validate.Length(max=200))
    ownership_type = fields.String(load_default=None, allow_none=True,
                                   validate=validate.OneOf(OWNERSHIP_TYPES))
    business_start_date = fields.Date(load_default=None, allow_none=True)
    employee_count = fields.Integer(load_default=None, allow_none=True,
                                    validate=validate.Range(min=0))
    identifiers = fields.Dict(keys=fields.String(validate=validate.OneOf(IDENTIFIER_FORMATS)),
                              values=fields.String(), load_default=dict)
    addresses = fields.List(fields.Nested(AddressSchema), load_default=list)
    contacts = fields.List(fields.Nested(ContactSchema), required=True,
                           validate=validate.Length(min=2, error="at least two contacts"))
    facilities = fields.List(fields.Nested(FacilitySchema), load_default=list)
    partners = fields.List(fields.Nested(PartnerSchema), load_default=list)
    officers = fields.List(fields.Nested(OfficerSchema), load_default=list)
    agreement_signed_by = fields.String(load_default=None, allow_none=True,
                                        validate=validate.Length(max=200))
    agreement_signer_title = fields.String(load_default=None, allow_none=True,
                                           validate=validate.Length(max=200))

    def __init__(self, entity_type: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.entity_type = entity_type

    @validates_schema
    def _check(self, data: dict, **_kwargs: Any) -> None:
        errors = identifier_problems(self.entity_type, data.get("identifiers", {}))
        if not any(c.get("is_officer") for c in data.get("contacts", [])):
            errors["contacts"] = ["one contact must be the company officer"]
        if errors:
            raise ValidationError(errors)


def identifier_problems(entity_type: str, identifiers: dict[str, str]) -> dict[str, list[str]]:
    """Field errors for identifiers: required by the entity type, and in the known format."""
    errors: dict[str, list[str]] = {}
    for kind, value in identifiers.items():
        pattern, description = IDENTIFIER_FORMATS.get(kind, (None, ""))
        value = (value or "").strip().upper()  # blank is left out, as replace_profile does
        if pattern and value and not re.fullmatch(pattern, value):
            errors[f"identifiers.{kind}"] = [f"not a valid {description}"]
    for kind in REQUIRED_IDENTIFIERS.get(entity_type, ()):
        if not (identifiers.get(kind) or "").strip():
            errors[f"identifiers.{kind}"] = [f"required for {entity_type.replace('_', ' ')}"]
    return errors


def load_profile(company: Company, data: dict[str, Any]) -> dict[str, Any]:
    """Validate a profile for the company; raises marshmallow ValidationError."""
    return ProfileSchema(company.entity_type).load(data)


def replace_profile(company: Company, profile: dict[str, Any]) -> None:
    """Store a validated profile, replacing the company's details (the caller commits)."""
    if profile.get("trade_name"):
        company.trade_name = profile["trade_name"]
    row = db.session.get(CompanyProfile, company.id) or CompanyProfile(company_id=company.id)
    for name in ("ownership_type", "business_start_date", "employee_count",
                 "agreement_signed_by", "agreement_signer_title"):
        setattr(row, name, profile.get(name))
    db.session.add(row)
    for model in (CompanyIdentifier, CompanyAddress, CompanyContact, Facility, BusinessPartner,
                  CompanyOfficer):
        db.session.execute(delete(model).where(model.company_id == company.id))
    db.session.add_all(
        [CompanyIdentifier(company_id=company.id, kind=k, value=v.strip().upper())
         for k, v in profile["identifiers"].items() if v and v.strip()]
        + [CompanyAddress(company_id=company.id, **a) for a in profile["addresses"]]
        + [CompanyContact(company_id=company.id, **c) for c in profile["contacts"]]
        + [Facility(company_id=company.id, **f) for f in profile["facilities"]]
        + [BusinessPartner(company_id=company.id, **p) for p in profile["partners"]]
        + [CompanyOfficer(company_id=company.id, **o) for o in profile["officers"]])


def profile_of(company: Company) -> dict[str, Any]:
    """The company's stored details as plain data."""
    def rows(model):
        return list(db.session.scalars(select(model).where(model.company_id == company.id)
                                       .order_by(model.id)))

    extra = db.session.get(CompanyProfile, company.id)
    return {
        "profile": extra,
        "identifiers": {i.kind: i.value for i in rows(CompanyIdentifier)},
        "addresses": rows(CompanyAddress), "contacts": rows(CompanyContact),
        "facilities": rows(Facility), "partners": rows(BusinessPartner),
        "officers": rows(CompanyOfficer),
        "required_identifiers": list(REQUIRED_IDENTIFIERS.get(company.entity_type, ())),
    }

"""forms/i18n/es.json: every name in it is a real field of its form, every form an applicant or
supplier contact fills (found from the lanes of bpmn/) is all in Spanish, and translating a
form changes its words only, never what it accepts."""
import json
import re
from pathlib import Path

import pytest
from lxml import etree

from app.models import Company
from app.models.criteria import CATEGORIES, DESIGNATIONS
from app.services.forms import translation
from app.services.forms.schema import to_json_schema
from app.services.forms.translation import translate_form, unknown_names, untranslated
from app.services.membership import catalogue
from app.services.membership.catalogue import SAMPLE_CATALOGUE, import_catalogue, read_rows

ROOT = Path(__file__).resolve().parents[2]
FORMS = ROOT / "forms"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
#: lanes whose tasks applicants ("Client" in a partner audit) and supplier contacts work
COMPANY_LANES = {"applicant", "client", "supplier"}


def _form(key: str) -> dict:
    return json.loads((FORMS / f"{key}.form").read_text(encoding="utf-8"))


def company_lane_forms() -> dict[str, str]:
    """form key -> "<diagram>: <task id>" for every user task in a company's lane."""
    found = {}
    for path in sorted((ROOT / "bpmn").glob("*.bpmn")):
        root = etree.parse(str(path)).getroot()
        for lane in root.iter(f"{BPMN}lane"):
            if re.sub(r"[\s_]+", "", (lane.get("name") or "").lower()) not in COMPANY_LANES:
                continue
            refs = {ref.text.strip() for ref in lane.iter(f"{BPMN}flowNodeRef") if ref.text}
            for task in root.iter(f"{BPMN}userTask"):
                if task.get("id") not in refs:
                    continue
                key = next((p.get("value") for p in task.iter()
                            if isinstance(p.tag, str) and p.tag.endswith("property")
                            and p.get("name") == "formKey"), None) or task.get("id")
                if (FORMS / f"{key}.form").is_file():
                    found.setdefault(key, f"{path.name}: {task.get('id')}")
    return found


def test_the_lanes_name_the_applicant_forms():
    forms = company_lane_forms()
    assert {"company_profile", "security_profile", "risk_cargo_flow", "risk_vulnerabilities",
            "annual_profile_review", "information_request", "required_action_response",
            "corrective_action_plan", "appeal_request", "withdrawal_request",
            "prevalidation_documents"} <= set(forms)
    assert "specialist_review" not in forms and "eligibility_review" not in forms


def test_every_name_in_the_catalogue_is_a_real_field():
    words = translation.catalogue("es")
    wrong = []
    for form_id, entries in words.items():
        if form_id.startswith("_"):
            continue
        if not (FORMS / f"{form_id}.form").is_file():
            wrong.append(f"{form_id}: no such form")
            continue
        wrong += [f"{form_id}: {name}" for name in unknown_names(_form(form_id), "es")]
        assert isinstance(entries, dict)
    assert wrong == []


def test_every_word_of_every_applicant_form_is_in_spanish():
    missing = [f"{key} ({where}): {item}" for key, where in sorted(company_lane_forms().items())
               for item in untranslated(_form(key), "es")]
    assert missing == [], "add to forms/i18n/es.json:\n" + "\n".join(missing)


def test_the_checks_see_a_missing_and_a_wrong_name(monkeypatch):
    words = json.loads(json.dumps(translation.catalogue("es")))
    del words["company_profile"]["address.city"]
    words["company_profile"]["address.town"] = {"label": "Pueblo"}
    words["company_profile"]["company.ownership_type"]["values"]["coop"] = "Cooperativa"
    monkeypatch.setattr(translation, "catalogue", lambda language: words)
    form = _form("company_profile")
    assert untranslated(form, "es") == ["address.city label"]
    assert unknown_names(form, "es") == ["address.town", "company.ownership_type value coop"]


def _questionnaire_kinds() -> set[str]:
    kinds = set()
    for key in company_lane_forms():
        for _name, comp in translation.components(_form(key)):
            if translation.questionnaire_kind(comp):
                kinds.add(translation.questionnaire_kind(comp))
    return kinds


@pytest.fixture
def sample_catalogue():
    import_catalogue(None, read_rows(SAMPLE_CATALOGUE))


def test_the_generated_questionnaires_are_in_spanish(sample_catalogue):
    kinds = _questionnaire_kinds()
    assert {"profile", "vulnerability"} <= kinds
    generated = translation.catalogue("es")["_questionnaire"]
    assert set(CATEGORIES.values()) <= set(generated["categories"])
    assert {d.lower() for d in DESIGNATIONS} <= set(generated["groups"])
    missing = []
    for kind in sorted(kinds):
        group = {"type": "group", "path": "answers", "properties": {"questionnaire": kind},
                 "components": catalogue.questionnaire(kind, "importer")}
        form = translate_form({"id": "security_profile", "components": [group]}, "es")
        for designation in form["components"][0]["components"]:
            heading = designation["label"].partition(" ")[2]
            assert designation["label"].startswith("Criterios ") or heading in \
                generated["categories"].values(), designation["label"]
            for criterion in designation["components"]:
                number, _, name = criterion["label"].partition(" ")
                if name in CATEGORIES.values():
                    missing.append(f"{kind}: category {name!r}")
                for comp in criterion["components"]:
                    entry = generated["fields"].get(kind, {}).get(comp.get("key"), {})
                    if comp.get("key") and "label" not in entry:
                        missing.append(f"{kind}: field {comp['key']!r}")
                    for option in comp.get("values", []):
                        if option["value"] not in entry.get("values", {}):
                            missing.append(f"{kind}: {comp['key']} value {option['value']!r}")
    assert sorted(set(missing)) == []


def _without_words(schema):
    if isinstance(schema, dict):
        return {k: _without_words(v) for k, v in schema.items()
                if k not in ("title", "description") and not k.endswith("Message")}
    if isinstance(schema, list):
        return [_without_words(v) for v in schema]
    return schema


@pytest.mark.parametrize("key", ["company_profile", "risk_cargo_flow", "annual_profile_review",
                                 "information_request", "corrective_action_plan"])
def test_a_translated_form_has_the_same_rules(key):
    english = _form(key)
    spanish = translate_form(english, "es")
    assert spanish is not english and english == _form(key)  # a copy; the form is untouched
    assert _without_words(to_json_schema(spanish)) == _without_words(to_json_schema(english))
    assert to_json_schema(spanish) != to_json_schema(english)  # but the titles differ
    assert translate_form(english, "en") is english


def test_a_spanish_security_profile_keeps_the_criteria_texts(sample_catalogue, make_user):
    company = Company(legal_name="Importadora", entity_type="importer")
    from app.extensions import db

    db.session.add(company)
    db.session.commit()

    class _Case:  # what expand_form reads of a case
        supplier = None

    case = _Case()
    case.company = company
    form = translate_form(catalogue.expand_form(_form("security_profile"), case), "es")
    text = json.dumps(form, ensure_ascii=False)
    assert "Cómo lo cumple la empresa" in text and "Criterios obligatorios (Must)" in text
    assert "How the company meets it" not in text and "Met today?" not in text
    assert "(sample wording)" in text  # the criteria's own words stay in English
    assert translation.has_questionnaire(form)

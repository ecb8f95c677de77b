"""Forms in the reader's language: form-js forms carry English labels; `forms/i18n/<lang>.json`
holds the other languages, keyed by form id and then by field (its data path, "address.city",
"contacts.name"; a text component by its id):

    {"company_profile": {"address.city": {"label": "Ciudad"},
                         "company.ownership_type": {"label": "...", "values": {"llc": "..."}},
                         "contacts": {"label": "...", "messages": {"containsMessage": "..."}},
                         "company_profile_0": {"text": "..."}},
     "_questionnaire": {"groups": {"must": "..."}, "categories": {"Business Partners": "..."},
                        "fields": {"profile": {"response": {"label": "..."}}}}}

`_questionnaire` translates the groups generated from the criteria catalogue (its field labels,
the Must and Should groups, the category names); the criteria's own texts stay as the catalogue
has them. Only words change: keys, values, conditions and rules stay as they are, so a
translated form accepts and refuses exactly what the English one does.
"""
import copy
import json
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

I18N_DIR = Path(__file__).resolve().parents[3] / "forms" / "i18n"
SOURCE_LANGUAGE = "en"
#: the words of a component an entry may translate
WORDED = ("label", "description", "text")
#: a component's own field messages (`validate.<name>` or `properties.<name>`)
MESSAGES = ("containsMessage", "everyMessage", "notBeforeMessage")


@lru_cache(maxsize=8)
def catalogue(language: str) -> dict[str, Any]:
    """The form translations of one language (empty when it has none)."""
    path = I18N_DIR / f"{language}.json"
    if language == SOURCE_LANGUAGE or not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def questionnaire_kind(component: Any) -> str | None:
    """The generated questionnaire a group stands for (`properties.questionnaire`), if any."""
    props = component.get("properties") if isinstance(component, dict) else None
    kind = props.get("questionnaire") if isinstance(props, dict) else None
    return kind if isinstance(kind, str) else None


def components(form: dict[str, Any] | None, *, generated: bool = False
               ) -> Iterator[tuple[str, dict[str, Any]]]:
    """(name, component) for every component a translation may name: its data path
    ("contacts.name"), or its id for a component without one (a text); the components inside a
    generated questionnaire only with `generated`."""
    yield from _walk((form or {}).get("components", []), "", generated)


def _walk(items: Any, prefix: str, generated: bool) -> Iterator[tuple[str, dict[str, Any]]]:
    for comp in items if isinstance(items, list) else []:
        if not isinstance(comp, dict):
            continue
        own = comp.get("key") or comp.get("path")
        name = prefix + own if isinstance(own, str) else comp.get("id")
        if isinstance(name, str):
            yield name, comp
        if questionnaire_kind(comp) and not generated:
            continue
        if comp.get("type") == "group":
            inner = prefix + own + "." if isinstance(own, str) else prefix
            yield from _walk(comp.get("components"), inner, generated)
        elif comp.get("type") == "dynamiclist" and isinstance(own, str):
            yield from _walk(comp.get("components"), prefix + own + ".", generated)


def translate_form(form: dict[str, Any] | None, language: str) -> dict[str, Any] | None:
    """The form with its words in `language` where the catalogue has them (a copy; the form
    itself when nothing is translated)."""
    words = catalogue(language)
    if not form or not words or not isinstance(form.get("id"), str):
        return form
    entries = words.get(form["id"]) or {}
    generated = words.get("_questionnaire") or {}
    out = copy.deepcopy(form)
    for name, comp in components(out):
        _apply(comp, entries.get(name))
        kind = questionnaire_kind(comp)
        if kind:
            _translate_questionnaire(comp, kind, generated)
    return out


def _apply(comp: dict[str, Any], entry: Any) -> None:
    if not isinstance(entry, dict):
        return
    for word in WORDED:
        if isinstance(entry.get(word), str):
            # a date field's visible label is its dateLabel
            target = "dateLabel" if word == "label" and "dateLabel" in comp else word
            comp[target] = entry[word]
    names = entry.get("values")
    if isinstance(names, dict) and isinstance(comp.get("values"), list):
        for option in comp["values"]:
            if isinstance(option, dict) and isinstance(names.get(option.get("value")), str):
                option["label"] = names[option["value"]]
    for key, text in (entry.get("messages") or {}).items():
        for holder in (comp.get("validate"), comp.get("properties")):
            if isinstance(holder, dict) and key in holder:
                holder[key] = text


def _translate_questionnaire(group: dict[str, Any], kind: str,
                             generated: dict[str, Any]) -> None:
    """The generated groups: Must/Should, "3.1 Business Partners", and each criterion's
    fields (the criterion's own text stays as the catalogue words it)."""
    groups, categories = generated.get("groups") or {}, generated.get("categories") or {}
    fields = (generated.get("fields") or {}).get(kind) or {}
    for designation in group.get("components") or []:
        if isinstance(groups.get(designation.get("path")), str):
            designation["label"] = groups[designation["path"]]
        else:  # a partner audit's questionnaire is grouped by category: "3. Business Partners"
            number, _, category = str(designation.get("label") or "").partition(" ")
            if isinstance(categories.get(category), str):
                designation["label"] = f"{number} {categories[category]}"
        for criterion in designation.get("components") or []:
            number, _, category = str(criterion.get("label") or "").partition(" ")
            if isinstance(categories.get(category), str):
                criterion["label"] = f"{number} {categories[category]}"
            for comp in criterion.get("components") or []:
                if isinstance(comp, dict) and comp.get("key"):
                    _apply(comp, fields.get(comp["key"]))


def translated_messages(form: dict[str, Any] | None, language: str) -> dict[str, str]:
    """The form's own field messages, English -> `language` (to show a server's message in
    the reader's language)."""
    words = catalogue(language)
    entries = (words.get((form or {}).get("id")) or {}) if words else {}
    found: dict[str, str] = {}
    for name, comp in components(form):
        own = (entries.get(name) or {}).get("messages") or {}
        for key, text in own.items():
            for holder in (comp.get("validate"), comp.get("properties")):
                if isinstance(holder, dict) and isinstance(holder.get(key), str):
                    found[holder[key]] = text
    return found


def has_questionnaire(form: dict[str, Any] | None) -> bool:
    """Whether the form shows criteria generated from the catalogue (their texts stay in the
    catalogue's language)."""
    return any(questionnaire_kind(comp) for _, comp in components(form))


def untranslated(form: dict[str, Any], language: str) -> list[str]:
    """What of a form the catalogue leaves in English: "contacts.name label",
    "company.ownership_type value llc", ... (empty when all of it is translated)."""
    entries = catalogue(language).get(form.get("id")) or {}
    missing = []
    for name, comp in components(form):
        entry = entries.get(name) or {}
        for word in WORDED:
            shown = comp.get("dateLabel") if word == "label" else None
            if (shown or comp.get(word)) and not isinstance(entry.get(word), str):
                missing.append(f"{name} {word}")
        names = entry.get("values") or {}
        for option in comp.get("values") or []:
            if isinstance(option, dict) and option.get("value") not in names:
                missing.append(f"{name} value {option.get('value')}")
        for key in MESSAGES:
            for holder in (comp.get("validate"), comp.get("properties")):
                if isinstance(holder, dict) and holder.get(key) and \
                        key not in (entry.get("messages") or {}):
                    missing.append(f"{name} message {key}")
    return missing


def unknown_names(form: dict[str, Any], language: str) -> list[str]:
    """Names the catalogue has for a form that name none of its components (or values)."""
    entries = catalogue(language).get(form.get("id")) or {}
    known = dict(components(form))
    wrong = [name for name in entries if name not in known]
    for name, entry in entries.items():
        values = {o.get("value") for o in (known.get(name) or {}).get("values") or []
                  if isinstance(o, dict)}
        wrong += [f"{name} value {v}" for v in (entry.get("values") or {}) if v not in values
                  and name in known]
    return wrong

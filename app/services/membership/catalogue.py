"""The criteria catalogue: importing it (all rows valid or nothing changes), reading it, and
generating the criteria questionnaires of a company's entity type from it (the partner-audit
ones in `questionnaires`)."""
import copy
import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select

from app.extensions import db
from app.models import Case, Criterion, User
from app.models.criteria import CATEGORIES, DESIGNATIONS, FOCUS_AREAS
from app.models.enums import AuditKind
from app.models.user import ENTITY_TYPES
from app.services import audit
from app.services.audits import evidence
from app.services.errors import NotFound
from app.services.identity.access import require_role
from app.services.membership import questionnaires
from app.services.runtime.unit_of_work import transaction

CATALOGUE_DIR = Path(__file__).resolve().parents[2] / "catalogue"
SAMPLE_CATALOGUE = CATALOGUE_DIR / "sample_catalogue.csv"
COLUMNS = ("entity_type", "criterion_id", "category", "focus_area", "designation", "text",
           "guidance", "sample_wording")
_ID = re.compile(r"^(\d{1,2})\.(\d{1,3})$")
_TRUE = ("yes", "true", "1", "y")


class CatalogueError(Exception):
    """The catalogue file is refused; `problems` names each bad line."""

    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problem(s) in the catalogue")
        self.problems = problems


def read_rows(path: str | Path) -> list[tuple[str, dict[str, Any]]]:
    """(where, row) from a CSV ("line 2": the header is line 1) or a JSON list ("entry 1")."""
    text = Path(path).read_text(encoding="utf-8-sig")
    if str(path).lower().endswith(".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise CatalogueError([f"line {err.lineno}: not valid JSON: {err.msg}"]) from None
        if not isinstance(data, list):
            raise CatalogueError(["the JSON catalogue must be a list of objects"])
        return [(f"entry {index + 1}", row if isinstance(row, dict) else {"_bad": row})
                for index, row in enumerate(data)]
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or []) and c != "guidance"
               and c != "sample_wording"]
    if missing:
        raise CatalogueError([f"line 1: missing column(s) {', '.join(missing)}"])
    return [(f"line {reader.line_num}", row) for row in reader]


def check_row(row: dict[str, Any]) -> tuple[dict[str, Any] | None, list[str]]:
    """A clean row for the database, or the problems with it."""
    if "_bad" in row:
        return None, ["each entry must be an object"]
    get = {k: str(row.get(k) if row.get(k) is not None else "").strip() for k in COLUMNS}
    problems = []
    if get["entity_type"] not in ENTITY_TYPES:
        problems.append(f"unknown entity_type {get['entity_type']!r}")
    match = _ID.match(get["criterion_id"])
    category = int(get["category"]) if get["category"].isdigit() else None
    if not match:
        problems.append(f"criterion_id {get['criterion_id']!r} is not category.item (e.g. 3.4)")
    if category not in CATEGORIES:
        problems.append(f"category {get['category']!r} is not 1-12")
    elif match and int(match.group(1)) != category:
        problems.append(f"criterion {get['criterion_id']} is not in category {category}")
    elif get["focus_area"] not in FOCUS_AREAS or category not in FOCUS_AREAS[get["focus_area"]]:
        problems.append(f"focus_area {get['focus_area']!r} does not hold category {category}")
    if get["designation"] not in DESIGNATIONS:
        problems.append(f"designation must be Must or Should, not {get['designation']!r}")
    if not get["text"]:
        problems.append("text is empty")
    if problems:
        return None, problems
    return {**get, "category": category,
            "sample_wording": get["sample_wording"].lower() in _TRUE}, []


def import_catalogue(actor: User | None, rows: list[tuple[str, dict[str, Any]]],
                     progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Replace the whole catalogue with `rows`; on any bad row raise CatalogueError, unchanged."""
    if actor is not None:
        require_role(actor, "admin")
    clean, problems, seen = [], [], {}
    for where, row in rows:
        item, row_problems = check_row(row)
        if item is not None:
            key = (item["entity_type"], item["criterion_id"])
            if key in seen:
                row_problems = [f"duplicate of {seen[key]}"]
            else:
                seen[key] = where
        problems += [f"{where}: {p}" for p in row_problems]
        if item is not None and not row_problems:
            clean.append(item)
        if progress:
            progress(1)
    if not rows:
        problems.append("the catalogue has no rows")
    if problems:
        raise CatalogueError(problems)
    counts: dict[str, int] = {}
    for item in clean:
        counts[item["entity_type"]] = counts.get(item["entity_type"], 0) + 1
    with transaction():
        db.session.execute(delete(Criterion))
        db.session.add_all([Criterion(**item) for item in clean])
        audit.record(AuditKind.CATALOGUE_IMPORTED, actor=actor, rows=len(clean),
                     per_entity_type=counts)
    return counts


def ensure_sample_catalogue() -> int:
    """Import the sample catalogue when the catalogue is empty; rows imported (0 if not)."""
    if db.session.scalar(select(func.count()).select_from(Criterion)):
        return 0
    return sum(import_catalogue(None, read_rows(SAMPLE_CATALOGUE)).values())


def criteria_for(entity_type: str) -> list[Criterion]:
    """The criteria that apply to an entity type, in catalogue order (1.1, 1.2, ..., 12.10)."""
    rows = db.session.scalars(select(Criterion).where(Criterion.entity_type == entity_type))
    return sorted(rows, key=lambda c: tuple(int(p) for p in c.criterion_id.split(".")))


def list_criteria(actor: User, entity_type: str) -> list[Criterion]:
    """The catalogue for one entity type (anyone signed in)."""
    if entity_type not in ENTITY_TYPES:
        raise NotFound(f"no entity type {entity_type!r}",
                       {"entity_type": [f"one of {', '.join(ENTITY_TYPES)}"]})
    return criteria_for(entity_type)


def has_catalogue(entity_type: str) -> bool:
    """Whether any criterion applies to the entity type (without one it cannot be certified)."""
    return bool(db.session.scalar(select(func.count()).select_from(Criterion)
                                  .where(Criterion.entity_type == entity_type)))


@lru_cache(maxsize=1)
def eligibility_rules() -> dict[str, list[list[str]]]:
    """Entity type -> [[key, label], ...] eligibility requirements (data file)."""
    data = json.loads((CATALOGUE_DIR / "eligibility.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


# --- generated questionnaires -----------------------------------------------------

def _criterion_fields(kind: str, c: Criterion) -> list[dict[str, Any]]:
    must = c.designation == "Must"
    intro = {"type": "text", "text": f"**{c.criterion_id}** ({c.designation}) {c.text}\n\n"
                                     f"_{c.guidance}_" + (" _(sample wording)_" if
                                                          c.sample_wording else "")}
    if kind == "vulnerability":
        return [intro,
                {"type": "select", "key": "rating", "label": "Vulnerability",
                 "values": [{"label": x.title(), "value": x} for x in ("high", "medium", "low")],
                 "validate": {"required": True}},
                {"type": "radio", "key": "met", "label": "Met today?",
                 "values": [{"label": "Yes", "value": "yes"}, {"label": "Partly",
                            "value": "partly"}, {"label": "No", "value": "no"}],
                 "validate": {"required": True}}]
    if kind == "profile":
        return [intro,
                {"type": "textarea", "key": "response", "label": "How the company meets it",
                 "validate": {"required": True, "maxLength": 4000}},
                {"type": "textfield", "key": "evidence", "label": "Evidence (document names)",
                 "validate": {"required": must, "maxLength": 500}},
                {"type": "radio", "key": "meets", "label": "Met today?",
                 "values": [{"label": "Yes", "value": "yes"}, {"label": "No", "value": "no"}],
                 "validate": {"required": True}}]
    raise ValueError(f"unknown questionnaire {kind!r}")


def questionnaire(kind: str, entity_type: str) -> list[dict[str, Any]]:
    """Form components for every criterion of the entity type, grouped by designation (a
    partner audit's kinds: by category)."""
    if kind in questionnaires.KINDS:
        return questionnaires.by_category(kind, criteria_for(entity_type))
    groups = []
    for designation in DESIGNATIONS:
        children = [{"type": "group", "path": c.key, "label": f"{c.criterion_id} "
                     f"{c.category_name}", "components": _criterion_fields(kind, c)}
                    for c in criteria_for(entity_type) if c.designation == designation]
        groups.append({"type": "group", "path": designation.lower(),
                       "label": f"{designation} criteria", "components": children})
    return groups


#: the requirement the eligibility review adds for an entity type without criteria
NO_CATALOGUE = "criteria_catalogue_for_entity_type"


def _requirements(entity_type: str) -> list[dict[str, Any]]:
    items = [{"type": "radio", "key": key, "label": label, "validate": {"required": True},
              "values": [{"label": "Met", "value": "yes"}, {"label": "Not met", "value": "no"}]}
             for key, label in eligibility_rules().get(entity_type, [])]
    if not has_catalogue(entity_type):
        items += _no_catalogue(entity_type)
    return items


def _no_catalogue(entity_type: str) -> list[dict[str, Any]]:
    """A notice and a requirement that can only be answered "not met": no criteria, no
    certification (the stage's script then finds the company ineligible and says why)."""
    name = entity_type.replace("_", " ")
    return [{"type": "text", "text": f"**No criteria catalogue for {name}.** The criteria "
             f"catalogue has no criteria for this entity type, so its security profile cannot be "
             f"assessed and the company cannot be certified. An administrator must import "
             f"criteria for {name} (`flask catalogue import`) before a new application can "
             f"proceed; this review can only record the requirement as not met."},
            {"type": "radio", "key": NO_CATALOGUE,
             "label": f"Criteria catalogue for {name}", "validate": {"required": True},
             "values": [{"label": "Not met: no criteria imported", "value": "no"}]}]


def expand_form(form: dict[str, Any] | None, case: Case) -> dict[str, Any] | None:
    """Fill the form's generated groups (`properties.questionnaire`) for the case's company."""
    if not form or not any(_generator(c) for c in form.get("components", [])):
        return form
    # a partner audit assesses the supplier, not the client
    entity_type = (case.supplier or case.company).entity_type
    form = copy.deepcopy(form)
    for comp in form["components"]:
        kind = _generator(comp)
        if kind == "eligibility":
            comp["components"] = _requirements(entity_type)
        elif kind in questionnaires.KINDS:  # partner audits: per criterion, by category
            comp["components"] = questionnaires.by_category(kind, criteria_for(entity_type))
        elif kind:
            comp["components"] = questionnaire(kind, entity_type)
            company_id = getattr(case, "company_id", None)  # None: a form checked without a case
            if kind == "profile" and company_id is not None:
                evidence.cite_reports(comp["components"], evidence.report_options(company_id))
    return form


def _generator(component: Any) -> str | None:
    props = component.get("properties") if isinstance(component, dict) else None
    return props.get("questionnaire") if isinstance(props, dict) else None


def criteria_summary(items: Iterable[Criterion]) -> list[dict[str, Any]]:
    """Plain data for the API."""
    return [{"criterion_id": c.criterion_id, "category": c.category,
             "category_name": c.category_name, "focus_area": c.focus_area,
             "designation": c.designation, "text": c.text, "guidance": c.guidance,
             "sample_wording": c.sample_wording} for c in items]

"""Where the sample catalogue comes from: which criterion IDs apply to each entity type, with
the designation for that type (`entity_criteria.json`), SafePort's own wording of each criterion
(`criteria_wording.csv`), and the provenance of every row. `sample_rows()` builds the rows of
`sample_catalogue.csv` from those two files (`flask catalogue build-sample`)."""
import csv
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.models.criteria import CATEGORIES, DESIGNATIONS, FOCUS_AREAS

CATALOGUE_DIR = Path(__file__).resolve().parents[2] / "catalogue"
SOURCES_FILE = CATALOGUE_DIR / "entity_criteria.json"
WORDING_FILE = CATALOGUE_DIR / "criteria_wording.csv"
#: the sample catalogue's columns: what `flask catalogue import` reads, then the provenance
SAMPLE_COLUMNS = ("entity_type", "criterion_id", "category", "focus_area", "designation", "text",
                  "guidance", "sample_wording", "source")


@lru_cache(maxsize=1)
def entity_sources() -> dict[str, Any]:
    """The parsed `entity_criteria.json`: `all_entities` and `entity_types`."""
    return json.loads(SOURCES_FILE.read_text(encoding="utf-8"))


def designations(entity_type: str) -> dict[str, str]:
    """Criterion ID -> Must/Should for one entity type, as recorded ({} when none is)."""
    entry = entity_sources()["entity_types"].get(entity_type)
    return dict(entry["criteria"]) if entry else {}


@lru_cache(maxsize=1)
def wording() -> dict[str, dict[str, str]]:
    """Criterion ID -> its row in `criteria_wording.csv` (index designation, requirement)."""
    with WORDING_FILE.open(encoding="utf-8", newline="") as handle:
        return {row["criterion_id"]: row for row in csv.DictReader(handle)}


def _focus_area(category: int) -> str:
    return next(area for area, held in FOCUS_AREAS.items() if category in held)


def _document(entry: dict[str, Any]) -> str:
    doc = entry["document"]
    return f"{doc['title']}, {doc['url']}" if doc else ""


def row_source(entity_type: str, criterion_id: str) -> str:
    """Where one row's applicability comes from, said plainly (see `entity_criteria.json`)."""
    data = entity_sources()
    entry = data["entity_types"][entity_type]
    everyone = data["all_entities"]
    if criterion_id in entry["seen_in_document"]:
        return _document(entry)
    if criterion_id in everyone["ids"]:
        return f"{everyone['title']}, {everyone['url']}"
    if criterion_id in entry["confirmed_by_index"]:
        found = f"; type document: {_document(entry)}" if entry["document"] else ""
        return f"confirmed for {entity_type} by the SafePort MSC index (msc-index.csv){found}"
    if entry["inferred_from"] and not entry["document"]:
        nearest = data["entity_types"][entry["inferred_from"]]
        while not nearest["document"] and nearest["inferred_from"]:
            nearest = data["entity_types"][nearest["inferred_from"]]
        document = f"; nearest document: {_document(nearest)}" if nearest["document"] else ""
        return (f"inferred from the {entry['inferred_from']} list: no {entity_type} document "
                f"found{document}")
    basis = f"the {entry['inferred_from']} list" if entry["inferred_from"] else (
        "the MSC index and the type's role")
    return (f"inferred from {basis} ({_document(entry)} was found, but its ID list could not "
            "be read here)")


def _row(entity_type: str, criterion_id: str, designation: str) -> dict[str, str]:
    category = int(criterion_id.split(".")[0])
    verb = designation.lower()
    return {
        "entity_type": entity_type, "criterion_id": criterion_id, "category": str(category),
        "focus_area": _focus_area(category), "designation": designation,
        "text": f"The company {verb} {wording()[criterion_id]['requirement']}.",
        "guidance": (f"Describe how this is done for {CATEGORIES[category].lower()}, who is "
                     "responsible and how often it is checked; keep the evidence (policy, "
                     "procedure, records) ready for validation."),
        "sample_wording": "yes", "source": row_source(entity_type, criterion_id),
    }


def sample_rows() -> list[dict[str, str]]:
    """Every row of the sample catalogue, per entity type in criterion order."""
    rows = []
    for entity_type, entry in entity_sources()["entity_types"].items():
        for criterion_id, designation in entry["criteria"].items():
            if designation not in DESIGNATIONS:
                raise ValueError(f"{entity_type} {criterion_id}: designation {designation!r}")
            rows.append(_row(entity_type, criterion_id, designation))
    return rows


def write_sample(path: str | Path) -> int:
    """Write the sample catalogue CSV; the number of rows written."""
    rows = sample_rows()
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(SAMPLE_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)

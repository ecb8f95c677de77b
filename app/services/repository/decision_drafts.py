"""Decision tables (DMN files) in a designer's draft, edited with dmn-js next to the diagram.

A draft keeps its edited tables in its `forms` column under `dmn:<filename>` keys (form keys
cannot hold a colon, so the two never meet): `forms_of` and `tables_of` split them again. The
tables deploy with the draft's diagram, replacing the newest version's files of the same name.
"""
import re
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from app.engine.xmlsafe import UnsafeXmlError, parse_xml
from app.extensions import db
from app.models import User
from app.models.designer import DiagramDraft
from app.models.types import utcnow
from app.services.errors import Invalid, NotFound
from app.services.identity.access import require_role
from app.services.repository import deployments

PREFIX = "dmn:"
FILENAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,95}\.dmn", re.ASCII)
DMN_NAMESPACE = re.compile(r"^https?://www\.omg\.org/spec/DMN/")


@dataclass
class TableText:
    """A decision table as the editor opens it: its XML and where it came from."""

    filename: str
    xml: str
    source: str  # "draft" or "deployed"


def forms_of(draft: DiagramDraft) -> dict:
    """The draft's edited forms (without its tables)."""
    return {k: v for k, v in (draft.forms or {}).items() if not k.startswith(PREFIX)}


def tables_of(draft: DiagramDraft) -> dict[str, str]:
    """The draft's edited decision tables, filename -> XML."""
    return {k[len(PREFIX):]: v for k, v in (draft.forms or {}).items() if k.startswith(PREFIX)}


def deployed_tables(process_id: str) -> dict[str, str]:
    """The DMN files of the newest version of a process (none when it is not deployed)."""
    try:
        version = deployments.latest_version(process_id)
    except NotFound:
        return {}
    return {name: text for name, text in version.files.items()
            if name.lower().endswith(".dmn")}


def table_names(draft: DiagramDraft | None, process_id: str) -> list[str]:
    """The decision tables the designer page lists: the newest version's and the draft's."""
    return sorted(set(deployed_tables(process_id)) | set(tables_of(draft) if draft else {}))


def decision_ids(draft: DiagramDraft | None, process_id: str) -> list[str]:
    """The ids of the decisions in those tables (what a business rule task may call)."""
    tables = {**deployed_tables(process_id), **(tables_of(draft) if draft else {})}
    ids = set()
    for xml in tables.values():
        try:
            root = parse_xml(xml, current_app.config["MAX_DIAGRAM_BYTES"]).getroot()
        except UnsafeXmlError:
            continue
        ids |= {node.get("id") for node in root.iter("{*}decision") if node.get("id")}
    return sorted(ids)


def open_table(actor: User, process_id: str, filename: str) -> TableText:
    """A decision table to edit: the draft's, else the newest version's."""
    require_role(actor, "designer")
    _check_name(filename)
    draft = _draft(actor, process_id)
    if draft is not None and filename in tables_of(draft):
        return TableText(filename, tables_of(draft)[filename], "draft")
    deployed = deployed_tables(process_id)
    if filename not in deployed:
        raise NotFound(f"process '{process_id}' has no decision table '{filename}'")
    return TableText(filename, deployed[filename], "deployed")


def check_table(filename: str, xml: str) -> None:
    """What saving a table checks (Invalid otherwise): a safe XML DMN document within the size
    limit. Validate and Deploy run every deploy check on it with the diagram."""
    _check_name(filename)
    if not isinstance(xml, str) or not xml.strip():
        raise Invalid("the decision table is empty", {"xml": ["The decision table is empty."]})
    try:
        root = parse_xml(xml, current_app.config["MAX_DIAGRAM_BYTES"]).getroot()
    except UnsafeXmlError as err:
        raise Invalid("the decision table cannot be read", {"xml": [str(err)]}) from None
    if not DMN_NAMESPACE.match(root.nsmap.get(root.prefix) or ""):
        raise Invalid("the decision table cannot be read", {"xml": ["This is not a DMN file."]})


def put_table(draft: DiagramDraft, filename: str, xml: str) -> None:
    """Keep a checked table in a draft (in the caller's transaction)."""
    draft.forms = {**(draft.forms or {}), PREFIX + filename: xml}
    draft.updated_at = utcnow()


def _check_name(filename: str) -> None:
    if not FILENAME.fullmatch(filename) or ".." in filename:
        raise NotFound(f"no decision table '{filename}'")


def _draft(actor: User, process_id: str) -> DiagramDraft | None:
    return db.session.scalar(select(DiagramDraft).where(
        DiagramDraft.process_id == process_id, DiagramDraft.user_id == actor.id))

"""The process designer: drafts of diagrams (and their forms), validated and deployed.

A draft belongs to one designer and one process. It starts from the newest deployed version
(or a blank diagram for a new process), is saved as often as the designer likes, checked with
every deploy check (`deployments.validate`) and deployed as a new version, which ends it.
"""
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import delete, select

from app.extensions import db
from app.models import ProcessModel, ProcessVersion, User
from app.models.designer import DiagramDraft
from app.models.types import utcnow
from app.services.errors import Invalid, NotFound
from app.services.forms.definition import FormDefinitionError, parse_form
from app.services.identity.access import require_role
from app.services.repository import decision_drafts, deployments
from app.services.repository.preview import DeployPreview, preview
from app.services.runtime.unit_of_work import transaction

FORM_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}", re.ASCII)
PROCESS_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,99}")
_PROCESS_TAG = r"<(?:[A-Za-z_][\w.-]*:)?process\b[^>]*\bid=\"{}\""

BLANK = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
                  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
                  xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="{pid}_defs" targetNamespace="https://safeport.example/processes">
  <bpmn:collaboration id="{pid}_collab">
    <bpmn:participant id="{pid}_participant" name="{name}" processRef="{pid}" />
  </bpmn:collaboration>
  <bpmn:process id="{pid}" name="{name}" isExecutable="true">
    <bpmn:laneSet id="{pid}_lanes">
      <bpmn:lane id="{pid}_lane_cw" name="Case worker">
        <bpmn:flowNodeRef>{pid}_start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>{pid}_end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="{pid}_start"><bpmn:outgoing>{pid}_flow</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="{pid}_flow" sourceRef="{pid}_start" targetRef="{pid}_end" />
    <bpmn:endEvent id="{pid}_end"><bpmn:incoming>{pid}_flow</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="{pid}_diagram">
    <bpmndi:BPMNPlane id="{pid}_plane" bpmnElement="{pid}_collab">
      <bpmndi:BPMNShape id="{pid}_participant_di" bpmnElement="{pid}_participant"
                        isHorizontal="true">
        <dc:Bounds x="100" y="60" width="700" height="200" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="{pid}_lane_cw_di" bpmnElement="{pid}_lane_cw" isHorizontal="true">
        <dc:Bounds x="130" y="60" width="670" height="200" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="{pid}_start_di" bpmnElement="{pid}_start">
        <dc:Bounds x="182" y="142" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="{pid}_end_di" bpmnElement="{pid}_end">
        <dc:Bounds x="682" y="142" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="{pid}_flow_di" bpmnElement="{pid}_flow">
        <di:waypoint x="218" y="160" />
        <di:waypoint x="682" y="160" />
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


@dataclass
class VersionRow:
    """One deployed version as the designer area lists it."""

    version: ProcessVersion
    deployed_by: str | None
    cases: int


@dataclass
class ProcessRow:
    """A process model, its versions (oldest first) and whether the actor has a draft."""

    model: ProcessModel
    versions: list[VersionRow]
    draft_at: datetime | None

    @property
    def latest(self) -> VersionRow | None:
        return self.versions[-1] if self.versions else None


@dataclass
class DraftView:
    """What the modeler opens: the XML, where it came from, and the forms edited with it."""

    process_id: str
    filename: str
    xml: str
    base_version: int | None
    saved_at: datetime | None
    forms: dict[str, Any] = field(default_factory=dict)
    versions: list[int] = field(default_factory=list)
    #: the forms the newest version uses, with those only in the draft.
    form_keys: list[str] = field(default_factory=list)
    #: the decision tables (DMN files) of the newest version, with those only in the draft
    tables: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)  # the ids of their decisions


@dataclass
class Check:
    """The result of validating a draft: the process ids it would deploy, or its problems."""

    valid: bool
    processes: list[str]
    problems: list[dict[str, Any]]
    #: when the draft checked was saved (every check saves it first)
    saved_at: datetime | None = None


def process_list(actor: User) -> tuple[list[ProcessRow], list[DraftView]]:
    """Every deployed process with its versions; and the actor's drafts of new processes
    (staff see the list too, designers and admins edit)."""
    require_role(actor, "designer", "case_worker", "specialist")
    summaries = deployments.list_process_models(actor)
    names = dict(db.session.execute(select(User.id, User.username)).all())
    drafts = {d.process_id: d for d in db.session.scalars(
        select(DiagramDraft).where(DiagramDraft.user_id == actor.id))}
    rows = []
    for summary in summaries:
        versions = [VersionRow(v, names.get(v.deployed_by_id), summary.cases_per_version[v.id])
                    for v in summary.versions]
        draft = drafts.pop(summary.model.process_id, None)
        rows.append(ProcessRow(summary.model, versions, draft.updated_at if draft else None))
    new = [_view(d, []) for d in sorted(drafts.values(), key=lambda d: d.process_id)]
    return rows, new


def open_draft(actor: User, process_id: str) -> DraftView:
    """The actor's draft of a process, or the newest deployed version's diagram."""
    require_role(actor, "designer")
    versions = _version_numbers(process_id)
    draft = _draft(actor, process_id)
    latest = deployments.latest_version(process_id) if versions else None
    deployed_forms = set(latest.forms) if latest else set()
    if draft is not None:
        view = _view(draft, versions)
        view.form_keys = sorted(deployed_forms | set(view.forms))
        view.tables = decision_drafts.table_names(draft, process_id)
        view.decisions = decision_drafts.decision_ids(draft, process_id)
        return view
    if latest is None:
        raise NotFound(f"process '{process_id}' is not deployed and you have no draft of it")
    filename, xml = _main_file(latest, process_id)
    return DraftView(process_id, filename, xml, latest.version, None, {}, versions,
                     sorted(deployed_forms), decision_drafts.table_names(None, process_id),
                     decision_drafts.decision_ids(None, process_id))


def new_draft(actor: User, process_id: str, name: str) -> DraftView:
    """Start a draft of a new process from a blank diagram with one case worker lane."""
    require_role(actor, "designer")
    process_id, name = process_id.strip(), name.strip() or process_id.strip()
    problems = {}
    if not PROCESS_ID.fullmatch(process_id):
        problems["process_id"] = ["Use letters, digits, '_', '-' or '.', starting with a "
                                  "letter or '_' (at most 100 characters)."]
    if len(name) > 200 or any(c in name for c in "<>&\""):
        problems["name"] = ["At most 200 characters, without < > & or quotes."]
    if problems:
        raise Invalid("the new process cannot be created", problems)
    if _version_numbers(process_id) or _draft(actor, process_id) is not None:
        raise Invalid("the new process cannot be created",
                      {"process_id": [f"'{process_id}' already exists: open it instead."]})
    draft = DiagramDraft(process_id=process_id, user_id=actor.id,
                         filename=f"{process_id}.bpmn", forms={}, base_version=None,
                         xml=BLANK.format(pid=process_id, name=name), updated_at=utcnow())
    with transaction():
        db.session.add(draft)
    return _view(draft, [])


def save_draft(actor: User, process_id: str, xml: str) -> DraftView:
    """Store the diagram as the actor's draft of the process (nothing is checked but size)."""
    require_role(actor, "designer")
    with transaction():
        draft = store_draft(actor, process_id, xml)
    return _view(draft, _version_numbers(process_id))


def discard_draft(actor: User, process_id: str) -> None:
    """Throw the actor's draft away (the deployed versions stay as they are)."""
    require_role(actor, "designer")
    with transaction():
        db.session.execute(delete(DiagramDraft).where(DiagramDraft.process_id == process_id,
                                                      DiagramDraft.user_id == actor.id))


def validate_draft(actor: User, process_id: str, xml: str) -> Check:
    """Save the draft, then run every deploy check on it; the problems, element by element."""
    require_role(actor, "designer")
    with transaction():
        draft = store_draft(actor, process_id, xml)
    try:
        processes = deployments.validate(actor, _files(draft), decision_drafts.forms_of(draft))
    except Invalid as err:
        return Check(False, [], _problems(err), draft.updated_at)
    return Check(True, processes, [], draft.updated_at)


def preview_draft(actor: User, process_id: str, xml: str) -> tuple[Check, list[DeployPreview]]:
    """Save the draft and say what deploying it would change (nothing when it has problems)."""
    require_role(actor, "designer")
    with transaction():
        draft = store_draft(actor, process_id, xml)
    try:
        previews = preview(actor, _files(draft), decision_drafts.forms_of(draft))
    except Invalid as err:
        return Check(False, [], _problems(err), draft.updated_at), []
    return Check(True, [p.process_id for p in previews], [], draft.updated_at), previews


def deploy_draft(actor: User, process_id: str, xml: str) -> list[deployments.Deployed]:
    """Save the draft and deploy it as a new version; the draft ends when that works.

    Raises Invalid (with the problems as `details`) when the diagram cannot be deployed.
    """
    require_role(actor, "designer")
    with transaction():
        draft = store_draft(actor, process_id, xml)
    if not re.search(_PROCESS_TAG.format(re.escape(process_id)), draft.xml):
        raise Invalid("the diagrams cannot be deployed", [{
            "message": f"the diagram has no process with the id '{process_id}'; keep the "
                       "process id, or start a new process", "file": draft.filename,
            "element_id": None, "line": None}])
    try:
        with transaction():
            deployed = deployments.deploy(actor, _files(draft), decision_drafts.forms_of(draft))
            db.session.execute(delete(DiagramDraft).where(DiagramDraft.id == draft.id))
    except Invalid as err:
        raise Invalid(err.message, _problems(err)) from None
    return deployed


@dataclass
class FormText:
    """A form as the form editor shows it: its JSON text and where that text came from."""

    key: str
    text: str
    source: str  # "draft", "deployed", "library" (FORMS_DIR) or "new"


def open_form(actor: User, process_id: str, key: str) -> FormText:
    """A form to edit: the draft's, the newest version's, the form library's, or a new one."""
    require_role(actor, "designer")
    _check_key(key)
    draft = _draft(actor, process_id)
    if draft is not None and key in (draft.forms or {}):
        return FormText(key, _pretty(draft.forms[key]), "draft")
    if _version_numbers(process_id):
        deployed = deployments.latest_version(process_id).forms
        if key in deployed:
            return FormText(key, _pretty(deployed[key]), "deployed")
    try:
        return FormText(key, _pretty(deployments.find_form(current_app.config["FORMS_DIR"],
                                                           key)), "library")
    except FormDefinitionError:
        return FormText(key, _pretty({"type": "default", "id": key, "components": []}), "new")


def preview_form(actor: User, key: str, text: str) -> dict[str, Any]:
    """Check a form definition (parse_form) and return it, for the live preview."""
    require_role(actor, "designer")
    _check_key(key)
    return _parse(key, text)


def save_form(actor: User, process_id: str, key: str, text: str) -> dict[str, Any]:
    """Check a form definition and keep it in the actor's draft; it deploys with the diagram."""
    require_role(actor, "designer")
    _check_key(key)
    form = _parse(key, text)
    with transaction():
        draft = _draft(actor, process_id)
        if draft is None:
            draft = store_draft(actor, process_id, open_draft(actor, process_id).xml)
        draft.forms = {**(draft.forms or {}), key: form}
        draft.updated_at = utcnow()
    return form


def save_table(actor: User, process_id: str, filename: str, xml: str) -> DiagramDraft:
    """Check a decision table (`decision_drafts.check_table`) and keep it in the actor's
    draft; it deploys with the diagram."""
    require_role(actor, "designer")
    decision_drafts.check_table(filename, xml)
    with transaction():
        draft = _draft(actor, process_id) or store_draft(
            actor, process_id, open_draft(actor, process_id).xml)
        decision_drafts.put_table(draft, filename, xml)
    return draft


def _check_key(key: str) -> None:
    if not FORM_KEY.fullmatch(key) or ".." in key:
        raise Invalid("invalid form key", {"key": [
            "Use letters, digits, '_', '-' or '.' (at most 100 characters)."]})


def _parse(key: str, text: str) -> dict[str, Any]:
    try:
        return parse_form(text, key)
    except FormDefinitionError as err:
        raise Invalid("the form definition has problems",
                      {"definition": list(err.problems) or [str(err)]}) from None


def _pretty(form: dict[str, Any]) -> str:
    return json.dumps(form, indent=2, ensure_ascii=False)


def store_draft(actor: User, process_id: str, xml: str) -> DiagramDraft:
    """The actor's draft holding this diagram, made from the newest version if need be."""
    if not isinstance(xml, str) or not xml.strip():
        raise Invalid("the draft is empty", {"xml": ["The diagram is empty."]})
    limit = current_app.config["MAX_DIAGRAM_BYTES"]
    if len(xml.encode("utf-8")) > limit:
        raise Invalid("the draft is too large",
                      {"xml": [f"The diagram is larger than {limit // 1024} KiB."]})
    draft = _draft(actor, process_id)
    if draft is None:
        versions = _version_numbers(process_id)
        if not versions:
            raise NotFound(f"process '{process_id}' is not deployed and you have no draft of it")
        latest = deployments.latest_version(process_id)
        filename, _xml = _main_file(latest, process_id)
        draft = DiagramDraft(process_id=process_id, user_id=actor.id, filename=filename,
                             forms={}, base_version=latest.version)
        db.session.add(draft)
    draft.xml, draft.updated_at = xml, utcnow()
    db.session.flush()
    return draft


def _files(draft: DiagramDraft) -> dict[str, bytes]:
    """The draft's diagram and tables with the other files its newest version deployed
    (called processes, decision tables), so a deployment of the draft is complete."""
    files: dict[str, bytes] = {}
    if draft.base_version is not None:
        latest = deployments.latest_version(draft.process_id)
        files = {name: text.encode("utf-8") for name, text in latest.files.items()}
    files.update({name: xml.encode("utf-8")
                  for name, xml in decision_drafts.tables_of(draft).items()})
    files[draft.filename] = draft.xml.encode("utf-8")
    return files


def _problems(err: Invalid) -> list[dict[str, Any]]:
    details = err.details if isinstance(err.details, list) else []
    problems = [p if isinstance(p, dict) else {"message": str(p)} for p in details]
    return problems or [{"message": err.message, "file": None, "element_id": None,
                         "line": None}]


def _draft(actor: User, process_id: str) -> DiagramDraft | None:
    return db.session.scalar(select(DiagramDraft).where(
        DiagramDraft.process_id == process_id, DiagramDraft.user_id == actor.id))


def _version_numbers(process_id: str) -> list[int]:
    return list(db.session.scalars(
        select(ProcessVersion.version).join(ProcessModel)
        .where(ProcessModel.process_id == process_id).order_by(ProcessVersion.version)))


def _main_file(version: ProcessVersion, process_id: str) -> tuple[str, str]:
    """The file of a version that defines the process itself (not a called one)."""
    tag = re.compile(_PROCESS_TAG.format(re.escape(process_id)))
    for name, text in sorted(version.files.items()):
        if tag.search(text):
            return name, text
    name = sorted(version.files)[0]
    return name, version.files[name]


def _view(draft: DiagramDraft, versions: list[int]) -> DraftView:
    return DraftView(draft.process_id, draft.filename, draft.xml, draft.base_version,
                     draft.updated_at, decision_drafts.forms_of(draft), versions)

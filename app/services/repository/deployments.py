"""Deploying diagrams as process versions (the repository service)."""
import os
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from app.engine import DeployError, behaviour_of, compile_diagrams
from app.extensions import db
from app.models import Case, ProcessModel, ProcessVersion, User
from app.models.case import RESERVED_VARIABLES
from app.models.enums import AuditKind
from app.models.user import TASK_ROLES
from app.services import audit
from app.services.errors import Invalid, NotFound
from app.services.forms.definition import FormDefinitionError, load_form
from app.services.forms.schema import to_json_schema
from app.services.identity.access import require_role
from app.services.runtime.unit_of_work import transaction

#: what a deployment reads from a directory: diagrams and the DMN decision tables they call
DIAGRAM_SUFFIXES = (".bpmn", ".bpmn20.xml", ".dmn")


@dataclass
class Deployed:
    """One process of a deployment: its current version, whether this deploy created it, and
    whether it only brought a new layout (kept on the current version, which behaves the same)."""

    version: ProcessVersion
    created: bool
    layout_updated: bool = False


def find_form(forms_dirs: str, key: str) -> dict:
    """Load a form from the first directory of the FORMS_DIR search path that has it."""
    dirs = [d for d in forms_dirs.split(os.pathsep) if d]
    for directory in dirs[:-1]:
        if (Path(directory) / f"{key}.form").is_file():
            return load_form(directory, key)
    return load_form(dirs[-1], key)


def _form_problem(forms_dirs: str, key: str) -> str | None:
    try:
        find_form(forms_dirs, key)
    except FormDefinitionError as err:
        return "; ".join(err.problems) if err.problems else str(err)
    return None


def validate(actor: User, files: dict[str, bytes],
             forms: dict[str, dict] | None = None) -> list[str]:
    """Run every deploy check without storing anything; the executable process ids.

    `forms` (key -> checked definition, e.g. a designer's draft) win over FORMS_DIR.
    Raises Invalid with every problem found, exactly as `deploy` would.
    """
    require_role(actor, "designer")
    return [package.process_id for package in compile_checked(files, forms or {})]


def compile_checked(files: dict[str, bytes], forms: dict[str, dict]):
    """The packages of a deployment, every deploy check run (Invalid with every problem)."""
    config = current_app.config
    forms_dir = config["FORMS_DIR"]
    try:
        packages = compile_diagrams(
            files, roles=TASK_ROLES, settings={**config["PERIODS"], **config["SCRIPT_LIMITS"]},
            check_form=lambda key: None if key in forms else _form_problem(forms_dir, key),
            max_bytes=config["MAX_DIAGRAM_BYTES"],
            form_fields=lambda key: _form_fields(forms, forms_dir, key),
            case_variables=RESERVED_VARIABLES,
        )
    except DeployError as err:
        raise Invalid("the diagrams cannot be deployed",
                      [p.as_dict() for p in err.problems]) from None
    problems = [_reserved_in_start_form(package, forms, forms_dir) for package in packages]
    if any(problems):
        raise Invalid("the diagrams cannot be deployed", [p for p in problems if p])
    return packages


def _form_fields(forms: dict[str, dict], forms_dir: str, key: str) -> set[str] | None:
    """The variables a form sets (its top-level fields); None when it cannot be read."""
    try:
        form = forms[key] if key in forms else find_form(forms_dir, key)
    except FormDefinitionError:
        return None
    return set(to_json_schema(form).get("properties", {}))


def _reserved_in_start_form(package, forms: dict[str, dict], forms_dir: str) -> dict | None:
    """A problem when a start form would let people set variables the case sets itself."""
    if package.start_form is None:
        return None
    form = forms.get(package.start_form) or find_form(forms_dir, package.start_form)
    reserved = sorted(set(to_json_schema(form).get("properties", {})) & RESERVED_VARIABLES)
    if not reserved:
        return None
    return {"message": f"start form '{package.start_form}' of process '{package.process_id}' "
                       f"has fields the case sets itself: {', '.join(reserved)}",
            "element_id": package.process_id}


def deploy(actor: User | None, files: dict[str, bytes],
           forms: dict[str, dict] | None = None) -> list[Deployed]:
    """Validate and store the processes in `files`; identical content creates no new version.

    `actor=None` is the CLI; `forms` as for `validate`. Raises Invalid with every problem found.
    """
    if actor is not None:
        require_role(actor, "designer")
    given = forms or {}
    packages = compile_checked(files, given)
    with transaction():
        return [_store(package, given, actor, files) for package in packages]


def forms_for(package, given: dict[str, dict]) -> dict[str, dict]:
    """The forms a package runs: the given (a designer's drafts) or those in FORMS_DIR."""
    forms_dir = current_app.config["FORMS_DIR"]
    return {key: given[key] if key in given else find_form(forms_dir, key)
            for key in package.form_keys}


def _store(package, given: dict[str, dict], actor: User | None,
           sent: dict[str, bytes]) -> Deployed:
    """Store one compiled process as a new version, unless its content is the latest's."""
    forms = forms_for(package, given)
    content_hash = package.content_hash(forms)
    model = db.session.scalar(
        select(ProcessModel).where(ProcessModel.process_id == package.process_id))
    if model is None:
        model = ProcessModel(process_id=package.process_id, name=package.name)
        db.session.add(model)
        db.session.flush()
    model.name = package.name
    latest = _latest(model.id)
    if latest is not None and same_behaviour(latest, package, forms, content_hash):
        drawing = drawing_to_keep(latest, package, sent)
        if latest.files == drawing:
            return Deployed(latest, False)
        latest.files = drawing  # the same behaviour, drawn anew: keep the drawing
        audit.record(AuditKind.DEPLOYMENT, actor=actor, process_id=package.process_id,
                     version=latest.version, content_hash=latest.content_hash,
                     files=sorted(drawing), layout_only=True)
        return Deployed(latest, False, layout_updated=True)
    version = ProcessVersion(
        process_model=model, version=(latest.version + 1) if latest else 1,
        content_hash=content_hash, files=package.files, spec_json=package.spec_json,
        forms=forms, default_role=package.default_role,
        startable_by=",".join(package.startable_by), start_form=package.start_form,
        deployed_by_id=actor.id if actor else None,
    )
    db.session.add(version)
    db.session.flush()
    audit.record(AuditKind.DEPLOYMENT, actor=actor, process_id=package.process_id,
                 version=version.version, content_hash=content_hash,
                 files=sorted(package.files))
    return Deployed(version, True)


def drawing_to_keep(latest: ProcessVersion, package, sent: dict[str, bytes]) -> dict[str, str]:
    """The files to keep on `latest` when `package` behaves the same: the designer's new
    drawing, but not a layout SafePort generated for a file sent without one (the latest's
    own drawing is better than an automatic one)."""
    def drawn_here(name: str) -> bool:
        given = sent.get(name)
        text = given.decode("utf-8", "replace") if isinstance(given, bytes) else given
        return text is not None and text != package.files[name]
    return {name: latest.files[name] if drawn_here(name) and name in latest.files else text
            for name, text in package.files.items()}


def same_behaviour(latest: ProcessVersion, package, forms: dict, content_hash: str) -> bool:
    """Whether the new package behaves as the latest version: the same hash, or (for versions
    hashed another way, or compiled by another engine release) the same files, or the same
    parsed process, forms and settings."""
    if latest.content_hash == content_hash:
        return True
    if latest.forms != forms:
        return False
    return latest.files == package.files or (
        (latest.default_role, latest.startable_by, latest.start_form)
        == (package.default_role, ",".join(package.startable_by), package.start_form)
        and behaviour_of(latest.spec_json) == behaviour_of(package.spec_json))


def deploy_directory(directory: str | Path, actor: User | None = None) -> list[Deployed]:
    """Deploy every diagram in a directory as one deployment (the CLI and `make run`)."""
    paths = sorted(p for p in Path(directory).iterdir() if p.name.endswith(DIAGRAM_SUFFIXES))
    return deploy(actor, {p.name: p.read_bytes() for p in paths})


def _latest(model_id: int) -> ProcessVersion | None:
    return db.session.scalar(
        select(ProcessVersion).where(ProcessVersion.process_model_id == model_id)
        .order_by(ProcessVersion.version.desc()).limit(1))


def latest_version(process_id: str) -> ProcessVersion:
    """The newest version of a process, which new cases start on (with its process model,
    in one statement)."""
    version = db.session.scalar(
        select(ProcessVersion).join(ProcessVersion.process_model)
        .where(ProcessModel.process_id == process_id)
        .options(contains_eager(ProcessVersion.process_model))
        .order_by(ProcessVersion.version.desc()).limit(1))
    if version is None:
        raise NotFound(f"process '{process_id}' is not deployed")
    return version


def get_version(process_id: str, number: int) -> ProcessVersion:
    """One stored version of a process, or NotFound."""
    version = db.session.scalar(
        select(ProcessVersion).join(ProcessModel)
        .where(ProcessModel.process_id == process_id, ProcessVersion.version == number))
    if version is None:
        raise NotFound(f"process '{process_id}' has no version {number}")
    return version


@dataclass
class ModelSummary:
    """A process model with its versions and the number of cases on each."""

    model: ProcessModel
    versions: list[ProcessVersion]
    cases_per_version: dict[int, int]


def list_process_models(actor: User) -> list[ModelSummary]:
    """Every deployed process model, newest version last (staff and designers)."""
    require_role(actor, "designer", "case_worker", "specialist")
    counts = dict(db.session.execute(
        select(Case.process_version_id, func.count()).group_by(Case.process_version_id)).all())
    models = db.session.scalars(select(ProcessModel).order_by(ProcessModel.process_id))
    return [ModelSummary(m, list(m.versions), {v.id: counts.get(v.id, 0) for v in m.versions})
            for m in models]

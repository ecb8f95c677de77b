"""What a deployment would change, before it happens: per process, the new version number (or
none, when the behaviour is the latest's), the elements added, removed and changed against the
latest version, the running cases that stay on the versions they started on, and the processes
that call it and keep their own copy."""
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, select

from app.engine import SpecCache, VersionRef
from app.engine.decision_diff import compare_decisions
from app.engine.migration import compare_versions
from app.extensions import db
from app.models import Case, ProcessModel, ProcessVersion, User
from app.models.enums import CaseStatus
from app.services.identity.access import require_role
from app.services.repository import deployments
from app.services.runtime.unit_of_work import version_ref


@dataclass
class DeployPreview:
    """One process of a deployment as it would land."""

    process_id: str
    #: the version deploying would make; None when the behaviour is the latest version's
    new_version: int | None
    latest_version: int | None
    #: the same behaviour as the latest version, with another drawing (kept on deploy)
    layout_only: bool = False
    changes: dict[str, Any] = field(default_factory=dict)
    #: version number -> open cases on it (they stay there; the Migrate page moves them)
    running: dict[int, int] = field(default_factory=dict)
    #: other processes that call this one and keep their own copy of it (see `callers`)
    called_by: list[dict[str, Any]] = field(default_factory=list)


def preview(actor: User, files: dict[str, bytes],
            forms: dict[str, dict] | None = None) -> list[DeployPreview]:
    """What `deployments.deploy(actor, files, forms)` would do, storing nothing; raises Invalid
    with every problem, exactly as deploy would."""
    require_role(actor, "designer")
    given = forms or {}
    packages = deployments.compile_checked(files, given)
    found = [_preview(package, deployments.forms_for(package, given), files)
             for package in packages]
    # a caller deployed with it takes the new copy (its bundle changed, so it gets a version)
    changing = {item.process_id: item for item in found
                if item.new_version is not None and item.latest_version is not None}
    if changing:
        deploying = {item.process_id for item in found if item.new_version is not None}
        for process_id, called_by in callers(set(changing)).items():
            changing[process_id].called_by = [c for c in called_by
                                              if c["process_id"] not in deploying]
    return found


def callers(process_ids: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Per process id, the other processes whose newest version, or a version with open
    cases, calls it: each version carries the copy it was deployed with, so a new version of
    the called process reaches none of their cases, new ones included, until they are deployed
    again. One entry per calling process: its newest version, whether that version calls it,
    and its open cases per version that does."""
    rows = db.session.execute(
        select(ProcessVersion.id, ProcessVersion.version, ProcessModel.process_id)
        .join(ProcessModel)).all()
    open_cases = dict(db.session.execute(
        select(Case.process_version_id, func.count(Case.id))
        .where(Case.status.in_(CaseStatus.open())).group_by(Case.process_version_id)).all())
    newest: dict[str, int] = {}
    for row in rows:
        newest[row.process_id] = max(newest.get(row.process_id, 0), row.version)
    found: dict[str, dict[str, dict[str, Any]]] = {pid: {} for pid in process_ids}
    for row in rows:
        is_newest = row.version == newest[row.process_id]
        if not (is_newest or row.id in open_cases):
            continue
        called = version_ref(row.id).called_processes() & process_ids
        for called_id in called - {row.process_id}:
            entry = found[called_id].setdefault(row.process_id, {
                "process_id": row.process_id, "latest_version": newest[row.process_id],
                "latest_calls": False, "running": {}})
            entry["latest_calls"] = entry["latest_calls"] or is_newest
            if row.id in open_cases:
                entry["running"][row.version] = open_cases[row.id]
    return {pid: sorted(by.values(), key=lambda c: c["process_id"]) for pid, by in found.items()}


def _preview(package, forms: dict[str, dict], sent: dict[str, bytes]) -> DeployPreview:
    latest = db.session.scalar(
        select(ProcessVersion).join(ProcessModel)
        .where(ProcessModel.process_id == package.process_id)
        .order_by(ProcessVersion.version.desc()).limit(1))
    if latest is None:
        return DeployPreview(package.process_id, 1, None)
    running = dict(db.session.execute(
        select(ProcessVersion.version, func.count(Case.id))
        .join(Case, Case.process_version_id == ProcessVersion.id)
        .where(ProcessVersion.process_model_id == latest.process_model_id,
               Case.status.in_(CaseStatus.open()))
        .group_by(ProcessVersion.version)).all())
    same = deployments.same_behaviour(latest, package, forms, package.content_hash(forms))
    draft = VersionRef(("preview", package.process_id), lambda: package.spec_json, SpecCache(1))
    changes = asdict(compare_versions(version_ref(latest.id), draft))
    changes["forms_changed"] = sorted(k for k in set(forms) | set(latest.forms or {})
                                      if forms.get(k) != (latest.forms or {}).get(k))
    changes["decisions_changed"] = compare_decisions(latest.files or {}, package.files)
    redrawn = latest.files != deployments.drawing_to_keep(latest, package, sent)
    return DeployPreview(package.process_id, None if same else latest.version + 1,
                         latest.version, layout_only=same and redrawn,
                         changes=changes, running=running)

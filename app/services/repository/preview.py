"""What a deployment would change, before it happens: per process, the new version number (or
none, when the behaviour is the latest's), the elements added, removed and changed against the
latest version, and the running cases that stay on the versions they started on."""
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, select

from app.engine import SpecCache, VersionRef
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


def preview(actor: User, files: dict[str, bytes],
            forms: dict[str, dict] | None = None) -> list[DeployPreview]:
    """What `deployments.deploy(actor, files, forms)` would do, storing nothing; raises Invalid
    with every problem, exactly as deploy would."""
    require_role(actor, "designer")
    given = forms or {}
    return [_preview(package, deployments.forms_for(package, given), files)
            for package in deployments.compile_checked(files, given)]


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
    redrawn = latest.files != deployments.drawing_to_keep(latest, package, sent)
    return DeployPreview(package.process_id, None if same else latest.version + 1,
                         latest.version, layout_only=same and redrawn,
                         changes=changes, running=running)

"""Moving running cases between versions of their process, and comparing versions.

The management service of Camunda's map: every migration is audited and runs in the case's
unit of work; a dry run or an unsafe plan changes nothing.
"""
from dataclasses import asdict
from typing import Any

from sqlalchemy import select, update

from app.engine.migration import MigrationPlan, compare_versions, migrate, plan_migration
from app.extensions import db
from app.models import Case, HumanTask, User
from app.models.enums import AuditKind, CaseStatus, TaskState
from app.services import audit
from app.services.errors import Conflict
from app.services.identity.access import require_role
from app.services.repository.deployments import get_version
from app.services.runtime.state import forms_of
from app.services.runtime.unit_of_work import CaseWork, case_work, version_ref


class _DryRun(Exception):
    """Raised inside a unit of work to leave it without writing anything."""


def compare(actor: User, process_id: str, old: int, new: int) -> dict[str, Any]:
    """Elements added, removed and changed between two versions of a process."""
    require_role(actor, "designer")
    before, after = get_version(process_id, old), get_version(process_id, new)
    diff = compare_versions(version_ref(before.id), version_ref(after.id))
    return {"process_id": process_id, "from_version": old, "to_version": new, **asdict(diff)}


def migrate_case(actor: User, case_id: int, to_version: int, *,
                 dry_run: bool = True) -> dict[str, Any]:
    """Plan (dry run) or perform one case's move to another version of its process."""
    require_role(actor, "designer")
    plan = MigrationPlan(safe=False)
    try:
        with case_work(case_id, actor) as work:
            plan = _plan_or_migrate(work, to_version, dry_run)
            if dry_run or not plan.safe:
                raise _DryRun
    except _DryRun:
        pass
    return {"case_id": case_id, "safe": plan.safe, "migrated": plan.safe and not dry_run,
            "reasons": plan.reasons, "reset": plan.reset, "changed": plan.changed}


def migrate_cases(actor: User, process_id: str, from_version: int, to_version: int, *,
                  dry_run: bool = True) -> list[dict[str, Any]]:
    """Plan or perform the move of every open case on one version; each case on its own."""
    require_role(actor, "designer")
    source = get_version(process_id, from_version)
    case_ids = db.session.scalars(select(Case.id).where(
        Case.process_version_id == source.id,
        Case.status.in_(CaseStatus.open())).order_by(Case.id)).all()
    results = []
    for case_id in case_ids:
        try:
            results.append(migrate_case(actor, case_id, to_version, dry_run=dry_run))
        except Conflict as err:
            results.append({"case_id": case_id, "safe": False, "migrated": False,
                            "reasons": [err.message], "reset": [], "changed": []})
    return results


def _plan_or_migrate(work: CaseWork, to_version: int, dry_run: bool) -> MigrationPlan:
    case = work.case
    current = case.process_version
    target = get_version(current.process_model.process_id, to_version)
    if target.id == current.id:
        return MigrationPlan(safe=False, reasons=[f"case {case.id} is already on version "
                                                  f"{to_version}"])
    if case.status in CaseStatus.ended():
        return MigrationPlan(safe=False, reasons=[f"case {case.id} is {case.status}"])
    target_ref = version_ref(target.id)
    if dry_run:
        return plan_migration(work.instance, target_ref)
    plan = migrate(work.instance, target_ref)
    if plan.safe:
        case.process_version_id = target.id
        audit.record(AuditKind.CASE_MIGRATED, case_id=case.id, actor=work.actor,
                     from_version=current.version, to_version=target.version,
                     reset=plan.reset)
        work.save()
        _relabel_open_tasks(case, work.instance)
    return plan


def _relabel_open_tasks(case: Case, instance) -> None:
    """Open tasks that survived a migration take the new version's title, lane and form."""
    forms = forms_of(case.process_version_id)
    for info in instance.ready_human_tasks():
        db.session.execute(update(HumanTask).where(
            HumanTask.case_id == case.id, HumanTask.engine_task_id == info.engine_task_id,
            HumanTask.state == TaskState.READY).values(
            title=info.title, role=info.role, bpmn_id=info.bpmn_id, priority=info.priority,
            form_key=info.form_key if info.form_key in forms else None))

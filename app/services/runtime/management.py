"""Operating on running cases: compare versions, migrate, suspend, resume, terminate.

The management service of Camunda's map: every operation is audited and runs in the same
lock -> load -> act -> save transaction as any other change to a case.
"""
from dataclasses import asdict
from typing import Any

from sqlalchemy import select, update

from app.engine.migration import MigrationPlan, compare_versions, migrate, plan_migration
from app.extensions import db
from app.models import Case, HumanTask, ProcessModel, ProcessVersion, User
from app.models.types import utcnow
from app.services import audit
from app.services.errors import Conflict, NotFound
from app.services.identity.access import get_case, require_role
from app.services.runtime import unit_of_work as instances


def get_version(process_id: str, number: int) -> ProcessVersion:
    """One stored version of a process, or NotFound."""
    version = db.session.scalar(
        select(ProcessVersion).join(ProcessModel)
        .where(ProcessModel.process_id == process_id, ProcessVersion.version == number))
    if version is None:
        raise NotFound(f"process '{process_id}' has no version {number}")
    return version


def compare(actor: User, process_id: str, old: int, new: int) -> dict[str, Any]:
    """Elements added, removed and changed between two versions of a process."""
    require_role(actor, "designer")
    before, after = get_version(process_id, old), get_version(process_id, new)
    diff = compare_versions(instances.version_ref(before.id), instances.version_ref(after.id))
    return {"process_id": process_id, "from_version": old, "to_version": new, **asdict(diff)}


def migrate_case(actor: User, case_id: int, to_version: int, *,
                 dry_run: bool = True) -> dict[str, Any]:
    """Plan (dry run) or perform one case's move to another version of its process."""
    require_role(actor, "designer")
    case = instances.lock_case(case_id)
    plan = _migrate_locked(actor, case, to_version, dry_run)
    if dry_run or not plan.safe:
        db.session.rollback()
    else:
        instances.commit()
    return _result(case_id, plan, dry_run)


def migrate_cases(actor: User, process_id: str, from_version: int, to_version: int, *,
                  dry_run: bool = True) -> list[dict[str, Any]]:
    """Plan or perform the move of every running case on one version; each case on its own."""
    require_role(actor, "designer")
    source = get_version(process_id, from_version)
    case_ids = db.session.scalars(select(Case.id).where(
        Case.process_version_id == source.id,
        Case.status.in_(("running", "suspended", "error"))).order_by(Case.id)).all()
    db.session.rollback()
    results = []
    for case_id in case_ids:
        try:
            results.append(migrate_case(actor, case_id, to_version, dry_run=dry_run))
        except Conflict as err:
            results.append({"case_id": case_id, "safe": False, "migrated": False,
                            "reasons": [err.message], "reset": [], "changed": []})
    return results


def _migrate_locked(actor: User, case: Case, to_version: int, dry_run: bool) -> MigrationPlan:
    current = case.process_version
    target = get_version(current.process_model.process_id, to_version)
    if target.id == current.id:
        return MigrationPlan(safe=False, reasons=[f"case {case.id} is already on version "
                                                  f"{to_version}"])
    if case.status in ("completed", "terminated"):
        return MigrationPlan(safe=False, reasons=[f"case {case.id} is {case.status}"])
    instance = instances.load(case)
    target_ref = instances.version_ref(target.id)
    if dry_run:
        return plan_migration(instance, target_ref)
    plan = migrate(instance, target_ref)
    if plan.safe:
        case.process_version_id = target.id
        audit.record("case_migrated", case_id=case.id, actor=actor,
                     from_version=current.version, to_version=target.version,
                     reset=plan.reset)
        instances.save(case, instance, actor)
        _relabel_open_tasks(case, instance)
    return plan


def _relabel_open_tasks(case: Case, instance) -> None:
    """Open tasks that survived a migration take the new version's title, lane and form."""
    forms = instances.forms_of(case.process_version_id)
    for info in instance.ready_human_tasks():
        db.session.execute(update(HumanTask).where(
            HumanTask.case_id == case.id, HumanTask.engine_task_id == info.engine_task_id,
            HumanTask.state == "ready").values(
            title=info.title, role=info.role, bpmn_id=info.bpmn_id, priority=info.priority,
            form_key=info.form_key if info.form_key in forms else None))


def _result(case_id: int, plan: MigrationPlan, dry_run: bool) -> dict[str, Any]:
    return {"case_id": case_id, "safe": plan.safe, "migrated": plan.safe and not dry_run,
            "reasons": plan.reasons, "reset": plan.reset, "changed": plan.changed}


def suspend_case(actor: User, case_id: int, reason: str) -> Case:
    """Hold a running case: no task can be completed and no timer fires until resumed."""
    return _set_status(actor, case_id, "suspended", ("running", "error"), "case_suspended",
                       reason)


def resume_case(actor: User, case_id: int, reason: str = "") -> Case:
    """Let a suspended case run again (its overdue timers fire on the next scheduler pass)."""
    case = _set_status(actor, case_id, "running", ("suspended",), "case_resumed", reason,
                       commit=False)
    if case.error_message:  # it was suspended while in error: it stays in error
        case.status = "error"
    instances.commit()
    return case


def terminate_case(actor: User, case_id: int, reason: str) -> Case:
    """End a case for good: the instance is cancelled and its open tasks with it."""
    require_role(actor, "case_worker")
    get_case(actor, case_id)
    case = instances.lock_case(case_id)
    if case.status in ("completed", "terminated"):
        db.session.rollback()
        raise Conflict(f"case {case_id} is already {case.status}")
    instance = instances.load(case)
    instance.terminate()
    audit.record("case_terminated", case_id=case.id, actor=actor, reason=reason)
    case.status, case.completed_at = "terminated", utcnow()
    instances.save(case, instance, actor)  # cancels the open task rows
    case.next_timer_at = None
    instances.commit()
    return case


def _set_status(actor: User, case_id: int, status: str, allowed: tuple[str, ...], kind: str,
                reason: str, *, commit: bool = True) -> Case:
    require_role(actor, "case_worker")
    get_case(actor, case_id)
    case = instances.lock_case(case_id)
    if case.status not in allowed:
        db.session.rollback()
        raise Conflict(f"case {case_id} is {case.status}")
    case.status, case.updated_at = status, utcnow()
    audit.record(kind, case_id=case.id, actor=actor, reason=reason)
    if commit:
        instances.commit()
    return case

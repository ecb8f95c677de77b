"""Comparing process versions and moving running instances onto a new version.

Built on SpiffWorkflow's spec diff: task specs are aligned by BPMN id. A migration is refused
when any task the instance already has (done or active) would lose its element, since the
instance could then neither be shown nor continued faithfully.
"""
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.util.diff import SpecDiff, diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from app.engine.instance import Instance, VersionRef
from app.engine.serializer import FULL

_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED


@dataclass
class VersionDiff:
    """What changed between two versions, by process and BPMN element id."""

    added: dict[str, list[str]] = field(default_factory=dict)
    removed: dict[str, list[str]] = field(default_factory=dict)
    changed: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    renamed: dict[str, dict[str, str]] = field(default_factory=dict)
    processes_added: list[str] = field(default_factory=list)
    processes_removed: list[str] = field(default_factory=list)


@dataclass
class MigrationPlan:
    """Whether an instance can move to a new version, and what would happen to it."""

    safe: bool
    reasons: list[str] = field(default_factory=list)
    reset: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


def _element_ids(specs) -> list[str]:
    return sorted({s.bpmn_id for s in specs if getattr(s, "bpmn_id", None)})


def compare_versions(old: VersionRef, new: VersionRef) -> VersionDiff:
    """Added, removed and changed elements per process between two stored versions."""
    old_spec, old_deps, _ = old.specs()
    new_spec, new_deps, _ = new.specs()
    result = VersionDiff()
    pairs = {old_spec.name: (old_spec, new_spec if new_spec.name == old_spec.name else None)}
    for name, spec in old_deps.items():
        pairs[name] = (spec, new_deps.get(name))
    for name, (before, after) in pairs.items():
        if after is None:
            result.processes_removed.append(name)
            continue
        diff = SpecDiff(FULL.registry, before, after)
        added, removed = _element_ids(diff.added), _element_ids(diff.removed)
        changed = {s.bpmn_id: sorted(c) for s, c in diff.changed.items()
                   if getattr(s, "bpmn_id", None)}
        # SpiffWorkflow aligns an element whose id changed in the same place: a rename.
        renamed = {s.bpmn_id: diff.alignment[s].bpmn_id for s in diff.changed
                   if getattr(s, "bpmn_id", None) and "bpmn_id" in diff.changed[s]}
        if renamed:
            result.renamed[name] = renamed
        if added:
            result.added[name] = added
        if removed:
            result.removed[name] = removed
        if changed:
            result.changed[name] = changed
    result.processes_added = sorted(set(new_deps) - set(old_deps))
    return result


def _diff(instance: Instance, new: VersionRef):
    new_spec, new_deps, _ = new.specs()
    workflow = instance.workflow
    top, subs = diff_workflow(FULL.registry, workflow, new_spec, new_deps)
    return top, subs, new_spec, new_deps


def plan_migration(instance: Instance, new: VersionRef) -> MigrationPlan:
    """A dry run: can the instance move to `new`, and which waiting tasks would restart."""
    top, subs, new_spec, _ = _diff(instance, new)
    reasons = []
    if instance.workflow.spec.name != new_spec.name:
        reasons.append(f"the new version runs process '{new_spec.name}', not "
                       f"'{instance.workflow.spec.name}'")
    for task in top.removed:
        if task.task_spec.bpmn_id:
            reasons.append(f"element '{task.task_spec.bpmn_id}' the case has reached is not in "
                           "the new version")
    for sp_id, sub in subs.items():
        name = instance.workflow.subprocesses[sp_id].spec.name
        if sub is None:
            reasons.append(f"called process '{name}' the case is in is not in the new version")
            continue
        for task in sub.removed:
            if task.task_spec.bpmn_id:
                reasons.append(f"element '{task.task_spec.bpmn_id}' of '{name}' the case has "
                               "reached is not in the new version")
    active = [t for t in instance.workflow.tasks.values() if t.state & _ACTIVE]
    changed = sorted({t.task_spec.bpmn_id for t in top.changed if t.task_spec.bpmn_id})
    return MigrationPlan(
        safe=not reasons, reasons=sorted(set(reasons)),
        reset=sorted({t.task_spec.bpmn_id for t in active if t.task_spec.bpmn_id}),
        changed=changed,
    )


def migrate(instance: Instance, new: VersionRef) -> MigrationPlan:
    """Move the instance onto `new` when the plan is safe; waiting tasks are re-predicted."""
    plan = plan_migration(instance, new)
    if not plan.safe:
        return plan
    top, subs, new_spec, new_deps = _diff(instance, new)
    workflow = instance.workflow
    workflow.subprocess_specs = new_deps
    for sp_id, sub in subs.items():
        subprocess = workflow.subprocesses[sp_id]
        migrate_workflow(sub, subprocess, new_deps[subprocess.spec.name])
    migrate_workflow(top, workflow, new_spec)
    instance.default_roles = new.specs()[2]
    instance._fragments.clear()
    instance._run_engine()
    return plan

"""Instance state without the embedded spec: the version row stores the spec once.

`SpecFreeWorkflowConverter` leaves `spec` and `subprocess_specs` out of the state and restores
an instance onto already-built spec objects, so loading a case never re-parses its spec.
"""
import json
from collections.abc import Callable
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as FORMAT_VERSION
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer import DEFAULT_CONFIG
from SpiffWorkflow.util.task import TaskState


class SpecFreeWorkflowConverter(BpmnWorkflowConverter):
    """Serializes a top-level workflow without its specs; restores it onto given specs."""

    def to_dict(self, workflow):
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        spec, subprocess_specs = dct.pop("spec"), dct.pop("subprocess_specs")
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _full_serializer() -> BpmnWorkflowSerializer:
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(DEFAULT_CONFIG))


def _state_serializer() -> BpmnWorkflowSerializer:
    config = dict(DEFAULT_CONFIG)
    config[BpmnWorkflow] = SpecFreeWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


FULL = _full_serializer()
STATE = _state_serializer()


def spec_to_json(spec, subprocess_specs: dict, default_roles: dict[str, str]) -> str:
    """The JSON stored on a process version: specs plus the default role per process."""
    return json.dumps({
        "spec": FULL.registry.convert(spec),
        "subprocess_specs": {k: FULL.registry.convert(v) for k, v in subprocess_specs.items()},
        "default_roles": default_roles,
    })


def _restore_specs(spec_json: str) -> tuple[object, dict, dict[str, str]]:
    data = json.loads(spec_json)
    spec = FULL.registry.restore(data["spec"])
    subprocess_specs = {k: FULL.registry.restore(v) for k, v in data["subprocess_specs"].items()}
    return spec, subprocess_specs, data["default_roles"]


class SpecCache:
    """Restored specs per immutable process version, so a load never re-parses a spec."""

    def __init__(self, maxsize: int = 128):
        self._specs: dict[object, tuple] = {}
        self._maxsize = maxsize

    def get(self, version_key: object, load_json: Callable[[], str]) -> tuple:
        """(spec, subprocess_specs, default_roles) for a version; `load_json` only on a miss."""
        found = self._specs.get(version_key)
        if found is None:
            if len(self._specs) >= self._maxsize:
                self._specs.pop(next(iter(self._specs)))
            found = self._specs[version_key] = _restore_specs(load_json())
        return found

    def clear(self) -> None:
        """Forget every restored spec."""
        self._specs.clear()


SPECS = SpecCache()


_TASKS_SLOT = "\u0000safeport-tasks\u0000"
_FROZEN = TaskState.COMPLETED | TaskState.CANCELLED


def _task_entries(tasks: dict, memo: dict) -> str:
    """The `"id":{...}` entries of every task, joined. A finished task whose parent is finished
    cannot change any more; its entry is encoded once and reused while its state, children and
    trigger stay the same (checked on each dump: a reset would change them)."""
    parts = []
    append, get, convert = parts.append, memo.get, STATE.registry.convert
    for task_id, task in tasks.items():
        state = task._state
        key = (state, task.last_state_change, len(task._children), task.triggered)
        found = get(task_id)
        parent = tasks.get(task._parent) if task._parent is not None else None
        parent_frozen = parent is None or parent._state & _FROZEN
        if found is not None and found[0] == key and parent_frozen:
            append(found[1])
            continue
        entry = f'"{task_id}":{json.dumps(convert(task), separators=(",", ":"))}'
        if state & _FROZEN and parent_frozen:
            memo[task_id] = (key, entry)
        append(entry)
    return ",".join(parts)


def dump_state(workflow: BpmnWorkflow, memo: dict | None = None) -> str:
    """Serialize an instance's state (no spec) to JSON.

    With a `memo` kept between dumps of the same live instance, finished tasks are encoded
    once, so saving a case with a long history costs little more than saving a short one.
    """
    if memo is None:
        dct = STATE.to_dict(workflow)
        dct[STATE.VERSION_KEY] = FORMAT_VERSION
        return json.dumps(dct, separators=(",", ":"))
    tasks = workflow.tasks
    workflow.tasks = {}
    try:
        dct = STATE.to_dict(workflow)
    finally:
        workflow.tasks = tasks
    dct[STATE.VERSION_KEY] = FORMAT_VERSION
    dct["tasks"] = _TASKS_SLOT
    head = json.dumps(dct, separators=(",", ":"))
    return head.replace(json.dumps(_TASKS_SLOT), "{" + _task_entries(tasks, memo) + "}", 1)


def load_state(state_json: str, specs: tuple, spec_json: Callable[[], str]) -> BpmnWorkflow:
    """Restore an instance from its state JSON onto its version's restored specs."""
    spec, subprocess_specs, _ = specs
    dct = json.loads(state_json)
    version = dct.get(STATE.VERSION_KEY, FORMAT_VERSION)
    if version != FORMAT_VERSION:
        # Older formats migrate with the full spec dicts in place (rare; not cached).
        spec_data = json.loads(spec_json())
        dct["spec"], dct["subprocess_specs"] = spec_data["spec"], spec_data["subprocess_specs"]
        dct[STATE.VERSION_KEY] = version
        STATE.migrate(dct)
        dct.pop("spec"), dct.pop("subprocess_specs")
    dct.pop(STATE.VERSION_KEY, None)
    dct["spec"], dct["subprocess_specs"] = spec, subprocess_specs
    return STATE.registry.restore(dct)

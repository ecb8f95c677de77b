"""A running process instance behind a small, plain-data interface.

Services never see SpiffWorkflow objects: they start, load, act on and dump an `Instance`.
"""
import copy
from collections.abc import Callable, Mapping
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.specs.defaults import UserTask
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from app.engine.bounds import Limits
from app.engine.diagram import merged_states, states_by_process
from app.engine.memory import data_size
from app.engine.roles import DEFAULT_ROLE, lane_to_role
from app.engine.sandbox import (
    LimitExceeded,
    SandboxError,
    _plain_problem,
    sandboxed_script_engine,
)
from app.engine.serializer import SPECS, SpecCache, dump_state, load_state
from app.engine.specs import form_key_of, task_properties
from app.engine.stages import current_stage
from app.engine.timers import due_from_value, fire_instant

#: Checks an emitted effect (kind, values); raises ValueError when it is not acceptable.
EffectCheck = Callable[[str, dict[str, Any]], None]


#: `waiting_events()` names of timer events (a timeDate timer's name does not say "Timer").
TIMER_EVENT_TYPES = ("DurationTimerEventDefinition", "TimeDateEventDefinition",
                     "CycleTimerEventDefinition")


class EngineError(Exception):
    """A script, condition or timer failed; the instance is left in `error`."""

    def __init__(self, message: str, bpmn_id: str | None = None):
        super().__init__(message)
        self.message, self.bpmn_id = message, bpmn_id


class DataTooLarge(ValueError):
    """Submitted data is larger than SAFEPORT_MAX_CASE_DATA allows; nothing was changed."""


class TaskNotReady(Exception):
    """The engine task is not waiting for a person (already done, cancelled, or unknown)."""


class MessageNotExpected(Exception):
    """The instance does not wait for that message."""


@dataclass(frozen=True)
class HumanTaskInfo:
    """What the inbox needs to know about a ready user task."""

    engine_task_id: str
    bpmn_id: str
    title: str
    role: str
    form_key: str
    priority: int
    due_at: datetime | None
    #: the username the task goes to when it opens (`assignTo` names the variable holding it)
    assign_to: Any = None
    #: four eyes: ids of the case's tasks whose performer may not take this one (`separateFrom`)
    separate_from: str | None = None


@dataclass(frozen=True)
class VersionRef:
    """Identifies a stored process version, how to fetch its spec JSON on a cache miss, and the
    cache its restored specs live in (the caller's; a process-wide one by default)."""

    key: object
    spec_json: Callable[[], str]
    cache: SpecCache = SPECS

    def specs(self) -> tuple:
        """(spec, subprocess_specs, default_roles), restored once per cache."""
        return self.cache.get(self.key, self.spec_json)

    def called_processes(self) -> frozenset[str]:
        """The ids of the processes this version calls (call activities, at any depth): it
        carries its own copy of each, as they were when it was deployed."""
        return frozenset(self.specs()[1])


def correlation_key(values: Mapping[str, Any]) -> str:
    """Canonical text of correlation values, e.g. {"company_id": 7} -> "company_id=7"."""
    return "&".join(f"{k}={values[k]}" for k in sorted(values))


class Instance:
    """One BPMN instance: start or load it, act on it, dump it."""

    def __init__(self, workflow: BpmnWorkflow, default_roles: dict[str, str],
                 roles: tuple[str, ...]):
        self.workflow = workflow
        self.default_roles = default_roles
        self.roles = roles
        self.error: EngineError | None = None
        self.limits = Limits.from_settings({})  # the configured ones once the engine is attached
        self._due: dict[UUID, datetime | None] = {}  # due dates worked out as tasks became ready
        self._fragments: dict = {}  # finished tasks' JSON, reused by dump()
        #: (kind, values) that scripts emitted with `emit(...)` since the last take_effects()
        self.effects: list[tuple[str, dict[str, Any]]] = []
        #: the messages waited for when loaded, so a save can skip an unchanged table
        self.loaded_messages = sorted(set(self.waiting_messages()), key=str)
        #: engine ids of the ready human tasks when loaded (or last saved): they have rows
        self.known_ready = {str(t.id) for t in self._all_tasks(TaskState.READY, manual=True)}

    # -- life cycle -------------------------------------------------------------------
    @classmethod
    def start(cls, version: VersionRef, *, roles: tuple[str, ...],
              settings: Mapping[str, Any], data: dict | None = None,
              effect_check: EffectCheck | None = None) -> "Instance":
        """Create an instance and run it to its first wait state (errors are kept, not raised)."""
        spec, subprocess_specs, default_roles = version.specs()
        workflow = BpmnWorkflow(spec, subprocess_specs,
                                script_engine=sandboxed_script_engine(settings))
        if data:
            workflow.task_tree.data.update(data)
            for task in workflow.get_tasks(state=TaskState.READY):
                task.data.update(data)
        instance = cls(workflow, default_roles, roles)
        instance._attach_script_engine(settings, effect_check)
        instance._run_engine()
        return instance

    @classmethod
    def load(cls, version: VersionRef, state_json: str, *, roles: tuple[str, ...],
             settings: Mapping[str, Any], effect_check: EffectCheck | None = None
             ) -> "Instance":
        """Restore a stored instance; the script engine is attached again (it is not stored)."""
        specs = version.specs()
        workflow = load_state(state_json, specs, version.spec_json)
        instance = cls(workflow, specs[2], roles)
        instance._attach_script_engine(settings, effect_check)
        return instance

    def _attach_script_engine(self, settings: Mapping[str, Any],
                              effect_check: "EffectCheck | None") -> None:
        """Sandboxed scripts, with `emit(effect, **values)` collecting effects for the services."""
        self.limits = limits = Limits.from_settings(settings)

        def emit(effect: str, /, **values: Any) -> None:
            if data_size(values, limits.max_data) > limits.max_data:
                raise LimitExceeded(f"emit('{effect}') was given {limits.too_much_data()}")
            problem = _plain_problem(values)
            if problem:
                raise SandboxError(f"emit('{effect}') was given {problem}; pass plain data")
            if effect_check is not None:
                effect_check(effect, values)  # raises ValueError naming what is wrong
            self.effects.append((effect, copy.deepcopy(values)))

        self.workflow.script_engine = sandboxed_script_engine(settings, {"emit": emit})

    def take_effects(self) -> list[tuple[str, dict[str, Any]]]:
        """The effects emitted since the last call, oldest first (and forget them)."""
        effects, self.effects = self.effects, []
        return effects

    def dump(self) -> str:
        """The instance's state as JSON, without the spec."""
        return dump_state(self.workflow, self._fragments)

    def _run_engine(self) -> None:
        try:
            self.workflow.do_engine_steps()
        except SpiffWorkflowException as err:
            task = getattr(err, "task", None)
            bpmn_id = getattr(getattr(task, "task_spec", None), "bpmn_id", None)
            self.error = EngineError(_describe(err), bpmn_id)
            return
        self._work_out_due_dates()

    def _work_out_due_dates(self) -> None:
        """Evaluate the `dueIn` of tasks that just became ready, now: one over its time or
        memory bound puts the instance in error (later, at save time, it could only be
        dropped)."""
        now, ready = datetime.now(UTC), self._all_tasks(TaskState.READY, manual=True)
        self._due = {t.id: self._due[t.id] for t in ready if t.id in self._due}
        for task in ready:
            if str(task.id) in self.known_ready or task.id in self._due:
                continue
            expression = task_properties(task.task_spec).get("dueIn")
            try:
                self._due[task.id] = self._due_at(task, expression, now) if expression else None
            except LimitExceeded as err:
                self._due[task.id], spec = None, task.task_spec
                self.error = EngineError(f"{spec.bpmn_name or spec.bpmn_id} ({spec.bpmn_id}): "
                                         f"dueIn: {err}", spec.bpmn_id)
                return

    # -- state ------------------------------------------------------------------------
    @property
    def completed(self) -> bool:
        return self.workflow.completed

    @property
    def data(self) -> dict:
        """Data of the finished instance, or of its last completed task."""
        if self.workflow.completed:
            return dict(self.workflow.data)
        last = self.workflow.last_task
        return dict(last.data) if last is not None else {}

    def errored_tasks(self) -> list[str]:
        """BPMN ids of tasks in the ERROR state."""
        return [t.task_spec.bpmn_id for t in self._all_tasks(TaskState.ERROR)]

    def current_stage(self) -> str | None:
        """The name of the top-level element the instance is in (call activity or task)."""
        return current_stage(self.workflow)

    def ready_human_tasks(self) -> list[HumanTaskInfo]:
        """Every user (or manual) task now waiting for a person."""
        now = datetime.now(UTC)
        return [self._task_info(t, now) for t in self._all_tasks(TaskState.READY, manual=True)]

    def element_states(self) -> dict[str, str]:
        """BPMN id -> COMPLETED / READY / WAITING / ERROR, for a diagram viewer."""
        return merged_states(self.workflow)

    def element_states_by_process(self) -> dict[str, dict[str, str]]:
        """Process id -> its element states: the top process and each process it called."""
        return states_by_process(self.workflow)

    def task_data(self, engine_task_id: str) -> dict:
        """The data a task sees (for prefilling its form)."""
        return dict(self._task(engine_task_id).data)

    # -- actions ----------------------------------------------------------------------
    def complete_task(self, engine_task_id: str, data: Mapping[str, Any]) -> None:
        """Complete a ready human task with the submitted data and run on to the next wait."""
        task = self._task(engine_task_id)
        if not (task.state & TaskState.READY and task.task_spec.manual):
            raise TaskNotReady(f"task {engine_task_id} is {TaskState.get_name(task.state)}")
        if data_size(data, self.limits.max_data) > self.limits.max_data:
            raise DataTooLarge(f"the submitted data is {self.limits.too_much_data()}")
        task.data.update(data)
        self.known_ready.discard(engine_task_id)  # its row is marked completed, not cancelled
        try:
            task.run()
        except SpiffWorkflowException as err:
            self.error = EngineError(_describe(err), task.task_spec.bpmn_id)
            return
        self._run_engine()

    def fire_due_timers(self) -> list[str]:
        """Fire every timer whose instant has passed; returns the BPMN ids that fired.

        A cycle timer stays waiting when it fires: it fired if its stored value moved on. When
        its last cycle is spent it completes without firing again.
        """
        waiting = [(t, deepcopy(t.internal_data.get("event_value")))
                   for t in self.workflow.get_tasks(state=TaskState.WAITING)]
        self.workflow.refresh_timers()
        fired = []
        for task, before in waiting:
            if task.state & TaskState.WAITING:
                moved_on = task.internal_data.get("event_value") != before
            else:
                moved_on = not (isinstance(before, dict) and before.get("cycles") == 0)
            if moved_on:
                fired.append(task.task_spec.bpmn_id)
        self._run_engine()
        return fired

    def next_timer_at(self) -> datetime | None:
        """When the earliest waiting timer fires, or None."""
        instants = [fire_instant(e.value) for e in self.workflow.waiting_events()
                    if e.event_type in TIMER_EVENT_TYPES
                    and not (isinstance(e.value, dict) and e.value.get("cycles") == 0)]
        instants = [i for i in instants if i is not None]
        return min(instants) if instants else None

    def waiting_messages(self) -> list[tuple[str, str | None]]:
        """(message name, correlation key) for every message the instance waits for."""
        found = []
        for event in self.workflow.waiting_events():
            if event.event_type.endswith("MessageEventDefinition"):
                values = {prop: value for key in (event.correlations or {}).values()
                          for prop, value in key.items()}
                found.append((event.name, correlation_key(values) if values else None))
        return found

    def deliver_message(self, name: str, payload: Any) -> None:
        """Deliver a message to this instance and run on."""
        event = BpmnEvent(MessageEventDefinition(name), payload=payload,
                          correlations=dict(self.workflow.correlations))
        try:
            self.workflow.send_event(event)
        except SpiffWorkflowException:
            raise MessageNotExpected(f"this case is not waiting for message '{name}'") from None
        self._run_engine()

    def retry(self, data: Mapping[str, Any] | None = None) -> None:
        """Run failed tasks again, optionally with corrected data."""
        failed = self._all_tasks(TaskState.ERROR)
        for task in failed:
            if data:
                task.data.update(data)
            task._set_state(TaskState.READY)
        self.error = None
        self._run_engine()

    def terminate(self) -> None:
        """Cancel the instance and all its tasks."""
        self.workflow.cancel()

    # -- helpers ----------------------------------------------------------------------
    def _all_tasks(self, state: TaskState | int | None = None, manual: bool | None = None):
        """Tasks of the instance and its subprocesses, filtered by state (a flat scan:
        much cheaper than walking the task tree of a long history)."""
        workflows = [self.workflow, *self.workflow.subprocesses.values()]
        return [t for wf in workflows for t in wf.tasks.values()
                if (state is None or t.state & state)
                and (manual is None or t.task_spec.manual == manual)]

    def _task(self, engine_task_id: str):
        try:
            task = self.workflow.get_task_from_id(UUID(engine_task_id))
        except (ValueError, KeyError, SpiffWorkflowException):
            task = None
        if task is None:
            raise TaskNotReady(f"task {engine_task_id} is not part of this case")
        return task

    def _task_info(self, task, now: datetime) -> HumanTaskInfo:
        spec = task.task_spec
        props = task_properties(spec)
        role = lane_to_role(spec.lane, self.roles) if isinstance(spec, UserTask) else None
        if role is None:
            role = self.default_roles.get(task.workflow.spec.name, DEFAULT_ROLE)
        due_at = self._due.get(task.id)
        if due_at is None and task.id not in self._due and props.get("dueIn"):
            try:
                due_at = self._due_at(task, props["dueIn"], now)
            except LimitExceeded:
                due_at = None
        try:
            priority = int(props.get("priority", 50))
        except ValueError:
            priority = 50
        return HumanTaskInfo(
            engine_task_id=str(task.id), bpmn_id=spec.bpmn_id,
            title=spec.bpmn_name or spec.bpmn_id, role=role, form_key=form_key_of(spec),
            priority=priority, due_at=due_at,
            assign_to=task.data.get(props.get("assignTo") or "", None) or None,
            separate_from=props.get("separateFrom") or None,
        )

    def _due_at(self, task, expression: str, now: datetime) -> datetime | None:
        """The due date from a `dueIn` expression; None if it fails (LimitExceeded raises)."""
        try:
            value = self.workflow.script_engine.evaluate(task, expression)
        except SpiffWorkflowException as err:
            if isinstance(err.__cause__, LimitExceeded):
                raise err.__cause__ from None
            return None
        return due_from_value(value, now)


def _describe(err: SpiffWorkflowException) -> str:
    """A one-line description of an engine failure, naming the element."""
    text = str(err).strip()
    task = getattr(err, "task", None)
    spec = getattr(task, "task_spec", None)
    if spec is not None and getattr(spec, "bpmn_id", None) and spec.bpmn_id not in text:
        text = f"{spec.bpmn_name or spec.bpmn_id} ({spec.bpmn_id}): {text}"
    return text


__all__ = [
    "DataTooLarge", "EngineError", "HumanTaskInfo", "Instance", "MessageNotExpected",
    "TaskNotReady", "VersionRef", "correlation_key",
]

"""Which stage an instance is at: the top-level call activity (or task) a person works in."""
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.util.task import TaskState

_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR


def current_stage(workflow) -> str | None:
    """The name of the top-level element the instance is in: a stage (call activity) or a
    person's task, else what it waits on; None when nothing is active."""
    candidates = [t for t in workflow.tasks.values()
                  if t.state & _ACTIVE and t.task_spec.bpmn_id]
    stages = [t for t in candidates if isinstance(t.task_spec, SubWorkflowTask)
              or t.task_spec.manual or t.state & TaskState.ERROR]
    if len(stages) == 1:
        return stages[0].task_spec.bpmn_name or stages[0].task_spec.bpmn_id
    if stages:
        # two stages at once (a suspension review while the year's window timer waits): the
        # one where a person has work is the one the case is at
        working = _stages_with_work(workflow)
        chosen = next((t for t in stages if t.id in working or t.task_spec.manual
                       or t.state & TaskState.ERROR), stages[0])
        return chosen.task_spec.bpmn_name or chosen.task_spec.bpmn_id
    for task in candidates:
        if task.state & TaskState.WAITING:
            return task.task_spec.bpmn_name or task.task_spec.bpmn_id
    return None


def _stages_with_work(workflow) -> set:
    """Ids of the top-level tasks whose called processes hold a task waiting for a person."""
    found = set()
    for sub in workflow.subprocesses.values():
        if not any(t.state & TaskState.READY and t.task_spec.manual
                   for t in sub.tasks.values()):
            continue
        top, current = None, sub
        while current is not workflow and current.parent_task_id is not None:
            top = current.parent_task_id
            current = workflow.get_task_from_id(top).workflow
        if top is not None:
            found.add(top)
    return found

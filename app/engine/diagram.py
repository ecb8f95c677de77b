"""Element states for a diagram viewer: which steps of a process and of each process it called
are completed, waiting, ready or failed."""
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

#: the task states a viewer marks
SHOWN = (TaskState.COMPLETED | TaskState.READY | TaskState.WAITING | TaskState.STARTED
         | TaskState.ERROR)


def _states(tasks) -> dict[str, str]:
    return {task.task_spec.bpmn_id: TaskState.get_name(task.state) for task in tasks
            if task.task_spec.bpmn_id and task.state & SHOWN}


def merged_states(workflow: BpmnWorkflow) -> dict[str, str]:
    """BPMN id -> state over the instance and all its subprocesses (one flat map)."""
    workflows = [workflow, *workflow.subprocesses.values()]
    return _states(task for wf in workflows for task in wf.tasks.values())


def states_by_process(workflow: BpmnWorkflow) -> dict[str, dict[str, str]]:
    """Process id -> BPMN id -> state, for the top process and every process it called.

    A process called more than once (a stage run again, a yearly cycle) shows its runs that
    are still open, or else its latest finished run.
    """
    runs: dict[str, list] = {}
    for sub in workflow.subprocesses.values():
        runs.setdefault(sub.spec.name, []).append(sub)
    found = {workflow.spec.name: _states(workflow.tasks.values())}
    for name, subs in runs.items():
        shown = [sub for sub in subs if not sub.completed] or subs[-1:]
        found[name] = _states(task for sub in shown for task in sub.tasks.values())
    return found

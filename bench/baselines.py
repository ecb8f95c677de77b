"""The baselines of bench/engine.py, in seconds per completed user task.

(a) `RawSpiff`: SpiffWorkflow alone, in memory: find the ready user task, set its data,
    task.run(), do_engine_steps() (diagrams parsed once with SpiffBpmnParser).
(b) `BareDb`: one bare SQLAlchemy Core transaction per completion, on the app's engine and
    migrated tables, writing the rows SafePort writes: UPDATE case_states (a real SafePort state
    JSON of that depth), UPDATE the completed human_tasks row, INSERT the next human_tasks row,
    INSERT two audit_events, UPDATE cases (version-checked); COMMIT. Runs inside the bench's
    app context.
"""
from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from pathlib import Path


class RawSpiff:
    """Diagrams parsed once; workflows run in memory with the default script engine."""

    def __init__(self, bpmn: Path) -> None:
        from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

        parser = SpiffBpmnParser()
        parser.add_bpmn_files([str(bpmn / "six_tasks.bpmn"), str(bpmn / "loop.bpmn")])
        self.specs = {pid: parser.get_spec(pid) for pid in ("six_tasks", "loop")}

    def new(self, process_id: str, start_data: dict | None = None):
        from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
        from SpiffWorkflow.util.task import TaskState

        wf = BpmnWorkflow(self.specs[process_id])
        if start_data:
            for task in wf.get_tasks(state=TaskState.READY):
                task.data.update(start_data)
        wf.do_engine_steps()
        return wf

    @staticmethod
    def complete_one(wf, data: dict) -> float:
        from SpiffWorkflow.util.task import TaskState

        t0 = time.perf_counter()
        task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
        task.data.update(data)
        task.run()
        wf.do_engine_steps()
        return time.perf_counter() - t0


class BareDb:
    def __init__(self, company_id: int, user_id: int, versions: dict[str, int]):
        self.company_id, self.user_id, self.versions = company_id, user_id, versions

    def case(self, process_id: str, first_state: str) -> tuple[int, int, int]:
        """A case row, its state row and its first human task row, written directly."""
        from sqlalchemy import insert

        from app.extensions import db
        from app.models import Case, CaseState, HumanTask

        now = datetime.now(UTC)
        with db.engine.begin() as conn:
            case_id = conn.execute(insert(Case.__table__).values(
                company_id=self.company_id, process_version_id=self.versions[process_id],
                status="running", current_stage="Task 1", started_by_id=self.user_id,
                started_at=now, updated_at=now, lock_version=1)).inserted_primary_key[0]
            conn.execute(insert(CaseState.__table__).values(
                case_id=case_id, serializer_version="1.5", state_json=first_state))
            task_id = conn.execute(insert(HumanTask.__table__).values(
                case_id=case_id, engine_task_id=str(uuid.uuid4()), bpmn_id="t1",
                title="Task 1", role="case_worker", state="ready", priority=50,
                created_at=now)).inserted_primary_key[0]
        return case_id, task_id, 1

    def complete(self, case_id: int, task_id: int, lock_version: int, state_json: str,
                 next_bpmn_id: str | None, next_title: str, completed_title: str
                 ) -> tuple[float, int]:
        """One transaction writing what SafePort writes for one completion."""
        from sqlalchemy import insert, update

        from app.extensions import db
        from app.models import AuditEvent, Case, CaseState, HumanTask

        cases, states = Case.__table__, CaseState.__table__
        tasks, events = HumanTask.__table__, AuditEvent.__table__
        t0 = time.perf_counter()
        now = datetime.now(UTC)
        with db.engine.begin() as conn:
            conn.execute(update(states).where(states.c.case_id == case_id)
                         .values(state_json=state_json))
            conn.execute(update(tasks).where(tasks.c.id == task_id).values(
                state="completed", completed_at=now, completed_by_id=self.user_id,
                assignee_id=self.user_id))
            conn.execute(insert(events).values(
                kind="task_completed", case_id=case_id, task_id=task_id,
                actor_id=self.user_id, at=now, details={"title": completed_title, "data": {}}))
            if next_bpmn_id is not None:
                new_id = conn.execute(insert(tasks).values(
                    case_id=case_id, engine_task_id=str(uuid.uuid4()), bpmn_id=next_bpmn_id,
                    title=next_title, role="case_worker", state="ready", priority=50,
                    created_at=now)).inserted_primary_key[0]
                conn.execute(insert(events).values(
                    kind="task_created", case_id=case_id, task_id=new_id,
                    actor_id=self.user_id, at=now,
                    details={"title": next_title, "role": "case_worker",
                             "element": next_bpmn_id}))
                case_values = {"current_stage": next_title}
            else:  # the last task ends the case
                new_id = task_id
                conn.execute(insert(events).values(
                    kind="case_completed", case_id=case_id, actor_id=self.user_id, at=now,
                    details={}))
                case_values = {"current_stage": None, "status": "completed",
                               "completed_at": now}
            changed = conn.execute(update(cases).where(
                cases.c.id == case_id, cases.c.lock_version == lock_version).values(
                updated_at=now, lock_version=lock_version + 1, **case_values)).rowcount
            assert changed == 1
        return time.perf_counter() - t0, new_id

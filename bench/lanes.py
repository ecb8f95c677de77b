"""The ways bench/engine.py completes a task, as lanes it runs in turns.

Every lane completes one six-task case, or one more task of its loop case, then hands over to
the next lane, so that a machine shared with other work slows every figure alike and the ratios
between them hold. A lane returns seconds per completion; `count` runs one completion under
bench/statements.py and returns its Counts (None: not counted, e.g. work in another process).

`sp` is bench/engine.py's SafePort: the app in a pushed context, `ready_task(case)`,
`count(fn, engine)`.
"""
from __future__ import annotations

from bench.baselines import BareDb, RawSpiff
from bench.statements import Counts

SIX = "six_tasks"


class RawLane:
    """(a) SpiffWorkflow alone, in memory."""

    label = "a_raw_spiff"

    def __init__(self, raw: RawSpiff, start: dict, data: dict):
        self.raw, self.start, self.data = raw, start, data
        self.wf = None

    def six_case(self, count: bool = False) -> tuple[list[float], Counts | None]:
        wf = self.raw.new(SIX)
        samples = [self.raw.complete_one(wf, self.data) for _ in range(6)]
        assert wf.completed
        return samples, None

    def loop_begin(self) -> None:
        self.wf = self.raw.new("loop", self.start)

    def loop_step(self, count: bool = False) -> tuple[float, Counts | None]:
        return self.raw.complete_one(self.wf, self.data), None


class BareLane:
    """(b) the rows SafePort writes, in one bare Core transaction (states recorded from (c))."""

    label = "b_bare_db"

    def __init__(self, sp, bare: BareDb, six_states: list[str], loop_states: dict[int, str]):
        self.sp, self.bare = sp, bare
        self.six_states, self.loop_states = six_states, loop_states
        self.loop_case: tuple[int, int, int] | None = None
        self.n = 0

    def six_case(self, count: bool = False) -> tuple[list[float], Counts | None]:
        case_id, task_id, version = self.bare.case(SIX, self.six_states[0])
        samples, counts = [], None
        for k in range(1, 7):
            nxt = (f"t{k + 1}", f"Task {k + 1}") if k < 6 else (None, "")
            args = (case_id, task_id, version + k - 1, self.six_states[k - 1], nxt[0], nxt[1],
                    f"Task {k}")
            if count and k == 3:
                (dt, task_id), counts = self.sp.count(lambda a=args: self.bare.complete(*a))
            else:
                dt, task_id = self.bare.complete(*args)
            samples.append(dt)
        return samples, counts

    def loop_begin(self) -> None:
        self.loop_case, self.n = self.bare.case("loop", self.loop_states[1]), 0

    def loop_step(self, count: bool = False) -> tuple[float, Counts | None]:
        case_id, task_id, version = self.loop_case
        self.n += 1
        args = (case_id, task_id, version, self.loop_states[self.n], "step", "Step", "Step")
        if count:
            (dt, task_id), counts = self.sp.count(lambda: self.bare.complete(*args))
        else:
            (dt, task_id), counts = self.bare.complete(*args), None
        self.loop_case = (case_id, task_id, version + 1)
        return dt, counts


class DriverLane:
    """(c), (d1), (d2): SafePort itself, through a driver (`start`, `complete`, `engine`)."""

    def __init__(self, sp, driver, start: dict, data: dict):
        self.sp, self.driver, self.start, self.data = sp, driver, start, data
        self.label = driver.label
        self.case_id: int | None = None

    def _complete(self, task_id: int, count: bool) -> tuple[float, Counts | None]:
        if count and self.driver.engine is not None:
            return self.sp.count(lambda: self.driver.complete(task_id, self.data),
                                 self.driver.engine)
        return self.driver.complete(task_id, self.data), None

    def six_case(self, count: bool = False) -> tuple[list[float], Counts | None]:
        case_id = self.driver.start(SIX)
        samples, counts = [], None
        for k in range(1, 7):
            dt, found = self._complete(self.sp.ready_task(case_id), count and k == 3)
            samples.append(dt)
            counts = found or counts
        assert self.sp.ready_task(case_id) is None
        return samples, counts

    def loop_begin(self) -> None:
        self.case_id = self.driver.start("loop", self.start)

    def loop_step(self, count: bool = False) -> tuple[float, Counts | None]:
        return self._complete(self.sp.ready_task(self.case_id), count)


def record_states(sp, driver, data: dict, start: dict, steps: int
                  ) -> tuple[list[str], dict[int, str]]:
    """The state JSON after each completion of one six-task case and of `steps` loop tasks,
    completed (untimed) through `driver`: what (b) writes."""
    case_id = driver.start(SIX)
    six = []
    for _ in range(6):
        driver.complete(sp.ready_task(case_id), data)
        six.append(sp.state_json(case_id))
    case_id = driver.start("loop", start)
    loop = {}
    for n in range(1, steps + 1):
        driver.complete(sp.ready_task(case_id), data)
        loop[n] = sp.state_json(case_id)
    return six, loop

"""bench/engine.py's figures: medians and p95s, the ratios against their targets, the summary.

Every figure and ratio is printed on a line of its own, so that runs can be compared with grep.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from bench.statements import Counts

#: (d)'s lane label -> the lane of bare Flask's floor under the same HTTP driver
FLOORS = {"d1_test_client": "f1_flask_floor", "d2_gunicorn": "f2_gunicorn_floor"}
TARGETS = {"c/(a+b)": 1.5, "d1/c": 1.3, "d2/c": 1.3, "c/(a+b) growth": 1.0}

Results = list[tuple[str, str, float, float]]  # (what, ratio name, median ratio, p95 ratio)


def p95(samples: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class Figure:
    samples: list[float]  # seconds

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def p95_ms(self) -> float:
        return p95(self.samples) * 1000


def report(db_name: str, scenario: str, figs: dict[str, Figure], results: Results) -> None:
    """Each figure, c/(a+b), each d/c, and what each d/c would be if SafePort's own HTTP work
    (auth, parsing, dumping, hooks) cost nothing: (c + the bare-Flask floor) / c."""
    for label, fig in figs.items():
        print(f"{db_name} {scenario} {label} median_ms={fig.median_ms:.3f} "
              f"p95_ms={fig.p95_ms:.3f} n={len(fig.samples)}", flush=True)
    a, b, c = figs["a_raw_spiff"], figs["b_bare_db"], figs["c_safeport"]
    ratios = [("c/(a+b)", c.median_ms / (a.median_ms + b.median_ms),
               c.p95_ms / (a.p95_ms + b.p95_ms))]
    own = []
    for label, floor_label in FLOORS.items():
        if label not in figs:
            continue
        d = figs[label]
        ratios.append((f"{label[:2]}/c", d.median_ms / c.median_ms, d.p95_ms / c.p95_ms))
        if floor_label in figs:
            f = figs[floor_label]
            ratios.append((f"{label[:2]}_floor/c", (c.median_ms + f.median_ms) / c.median_ms,
                           (c.p95_ms + f.p95_ms) / c.p95_ms))
            own.append((label, d.median_ms - c.median_ms - f.median_ms))
    for name, med, hi in ratios:
        print(f"{db_name} {scenario} ratio {name} median={med:.2f} p95={hi:.2f}", flush=True)
        results.append((f"{db_name} {scenario}", name, med, hi))
    for label, ms in own:
        print(f"{db_name} {scenario} own_http_work {label[:2]} median_ms={ms:.3f} "
              f"(d - c - floor)", flush=True)


def report_counts(db_name: str, scenario: str, counts: dict[str, Counts]) -> None:
    for label, found in counts.items():
        if label != "d2_gunicorn":  # counted in another process: the same code as d1
            print(f"{db_name} {scenario} per_completion {label} {found.line()}", flush=True)


def report_growth(db_name: str, loops: dict[str, dict[int, Figure]], results: Results) -> None:
    """Median at the deepest loop task over the shallowest, per figure and for a+b."""
    lo, hi = min(loops["a_raw_spiff"]), max(loops["a_raw_spiff"])
    a, b = loops["a_raw_spiff"], loops["b_bare_db"]
    growth = {"a+b": (a[hi].median_ms + b[hi].median_ms) / (a[lo].median_ms + b[lo].median_ms)}
    growth.update({label: figs[hi].median_ms / figs[lo].median_ms
                   for label, figs in loops.items() if label not in FLOORS.values()})
    for label, value in growth.items():
        print(f"{db_name} growth loop@{hi}/loop@{lo} {label} median={value:.2f}")
    results.append((f"{db_name} growth", "c/(a+b) growth",
                    growth["c_safeport"] / growth["a+b"], float("nan")))


def summarise(results: Results) -> None:
    """The worst median ratio of each kind against its target."""
    for name, target in TARGETS.items():
        found = [r for r in results if r[1] == name]
        if not found:
            continue
        worst = max(found, key=lambda r: r[2])
        over = [r[0] for r in found if r[2] > target]
        floors = [r for r in results if r[1] == f"{name[:2]}_floor/c"]
        floor = (f"; bare-Flask floor worst median={max(r[2] for r in floors):.2f}"
                 if floors else "")
        print(f"summary {name} worst median={worst[2]:.2f} ({worst[0]}) target<={target} "
              f"above: {', '.join(over) if over else 'none'}{floor}")

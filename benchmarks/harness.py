"""The measuring half of ``run_all.py``: rows, interleaved timing, p50/p95 and the table.

A row is one function decorated with ``@bench_row(label, goal_ms)`` (or ``goal_ratio``: the
project's p95 at most that many times the floor's). It gets the shared ``Bench`` (the store over
the generated data, the sample count) and yields one ``(floor, project)`` pair of callables per
sample; the harness times each pair back to back, alternating which runs first, so a busy
machine slows both alike and the ratio stays fair. A call that times itself (work done in a
child process) returns its own milliseconds as a float.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Call = Callable[[], object]
Pairs = Iterator[tuple[Call, Call]]


@dataclass
class Bench:
    store: Any
    path: Path
    samples: int
    notes: list[str] = field(default_factory=list)


@dataclass
class Row:
    label: str
    goal_ms: float | None
    make: Callable[[Bench], Pairs]
    goal_ratio: float | None = None


ROWS: list[Row] = []


def bench_row(
    label: str, goal_ms: float | None = None, *, goal_ratio: float | None = None
) -> Callable[[Callable[[Bench], Pairs]], Any]:
    """Register a row: ``label`` as in the issue, goal as a p95 in milliseconds or a ratio."""

    def register(make: Callable[[Bench], Pairs]) -> Callable[[Bench], Pairs]:
        ROWS.append(Row(label, goal_ms, make, goal_ratio))
        return make

    return register


def timed(call: Call) -> float:
    start = time.perf_counter()
    result = call()
    return result if isinstance(result, float) else (time.perf_counter() - start) * 1000


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def measure(row: Row, bench: Bench) -> tuple[list[float], list[float]]:
    floor: list[float] = []
    project: list[float] = []
    for number, (floor_call, project_call) in enumerate(row.make(bench)):
        if number % 2:
            project.append(timed(project_call))
            floor.append(timed(floor_call))
        else:
            floor.append(timed(floor_call))
            project.append(timed(project_call))
    return floor, project


def report(rows: list[Row], bench: Bench) -> None:
    head = f"{'path':<44} {'floor p50/p95':>15} {'project p50/p95':>17} {'ratio':>6} {'goal':>9}"
    print(head)
    print("-" * len(head))
    for row in rows:
        floor, project = measure(row, bench)
        f95, p = p95(floor), p95(project)
        ratio = p / max(f95, 1e-6)
        if row.goal_ratio is not None:
            goal, met = f"≤{row.goal_ratio:g}× floor", ratio <= row.goal_ratio
        else:
            goal, met = f"≤{row.goal_ms:g} ms", p <= (row.goal_ms or 0)
        print(
            f"{row.label:<44} {statistics.median(floor):6.1f}/{f95:6.1f} ms "
            f"{statistics.median(project):7.1f}/{p:7.1f} ms {ratio:5.1f}× "
            f"{goal} {'met' if met else 'NOT met'} (n={len(project)})",
            flush=True,
        )

"""run_all row: the archive's Excel export against XlsxWriter writing the same rows.

The measurement is ``bench_excel.py``'s (see its docstring): the rows the export writes are
rendered once into a file; each sample runs, in child processes of their own and alternating
which goes first, the floor (XlsxWriter ``constant_memory``, one process, reading the rows file
not counted) and the project (``fieldapp export --xlsx``, everything). Goal (issue 17): ≤ 1× the
floor with two processes, ≤ 300 MB.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import bench_excel
from harness import Bench, Pairs, bench_row


@bench_row("Excel export of the whole archive", goal_ratio=bench_excel.GOAL_RATIO)
def excel_export(bench: Bench) -> Pairs:
    rows_file = bench_excel.prepare(bench.path, bench.store.count_households())
    out = Path(tempfile.mkdtemp(prefix="bench-excel-"))
    peaks: list[float] = []

    def floor() -> float:
        return bench_excel.measure("floor", rows_file, out / "floor.xlsx")["seconds"] * 1000

    def project() -> float:
        figures = bench_excel.measure("project", bench.path, out / "project.xlsx")
        peaks.append(figures["peak_mb"] + figures["helper_mb"])
        return figures["seconds"] * 1000

    for _ in range(2 if bench.samples <= 30 else 3):
        yield floor, project
    peak = max(peaks)
    bench.notes.append(
        f"Excel export: peak memory of both processes {peak:.0f} MB "
        f"(goal ≤ {bench_excel.GOAL_MB} MB: {'met' if peak <= bench_excel.GOAL_MB else 'NOT met'})"
    )

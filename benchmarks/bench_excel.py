"""Benchmark: the archive's Excel export against XlsxWriter writing the same rows.

    python benchmarks/bench_excel.py [--households 20000] [--db PATH] [--rounds 2] [--openpyxl]
                                     [--base DIR]

The demo data is built once (kept at --db, default a file in the temp directory named after the
household count; a second run reuses it) and the statistics cache is filled, as an office's is
after its first look at the dashboard. The rows the export writes are rendered once into a file.
Then, each in a child process of its own (wall seconds, peak memory of the process and of any
process it started), alternating which runs first in each round so a busy machine slows both alike:
- floor: the rows written by XlsxWriter in ``constant_memory`` mode, one process, one cell at a
  time with the export's money and date formats; the time spent reading the rows file is not
  counted;
- project: ``fieldapp export --xlsx`` on the database (reading, rendering, statistics, the helper
  process, joining: everything);
- with --openpyxl: openpyxl's write-only mode on the same rows, number formats set on pre-made
  cells (the other streaming writer the issue names), timed like the floor;
- with --base DIR: ``fieldapp export --xlsx`` of another checkout (``git archive COMMIT | tar -x
  -C DIR``), e.g. the code before this change.
Prints the medians, the ratio project / floor and whether the goal (≤ 1× the floor, ≤ 300 MB) is
met. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PASSPHRASE = "benchmark passphrase"
os.environ.setdefault("FIELDAPP_PASSPHRASE", PASSPHRASE)  # every database here, the CLI's too
sys.path.insert(0, str(REPO / "benchmarks"))
if "--child" not in sys.argv:  # a child imports the code its PYTHONPATH names (--base)
    sys.path.insert(0, str(REPO))

from child import run_child  # noqa: E402

GOAL_RATIO = 1.0
GOAL_MB = 300


def _open(path: Path) -> Any:
    from fieldapp.core.store.unlock import open_with_passphrase

    return open_with_passphrase(path, PASSPHRASE.encode())  # encrypted, as users' are


def prepare(path: Path, households: int) -> Path:
    """The database (built if short of households), a warm statistics cache, the rows file."""
    from fieldapp.core.demo.generate import generate_demo
    from fieldapp.core.reports.stats import compute_stats
    from fieldapp.core.reports.xlsx_export import _iter_households
    from fieldapp.core.reports.xlsx_rows import SheetRows

    store = _open(path)
    missing = households - store.count_households()
    if missing > 0:
        started = time.perf_counter()
        generate_demo(store, missing, author="bench")
        print(f"demo data: {missing} households in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    compute_stats(store, by="region")
    print(f"statistics cache warm ({time.perf_counter() - started:.0f} s)")
    rows_file = path.with_suffix(".rows.pickle")
    if not rows_file.exists() or rows_file.stat().st_mtime < path.stat().st_mtime:
        sheets = SheetRows(store)
        with rows_file.open("wb") as out:
            pickle.dump(
                [
                    (p.title, [(c.header, c.width, c.kind) for c in p.columns])
                    for p in sheets.plans()
                ],
                out,
            )
            batch: list[tuple[str, list[Any]]] = []
            for household in _iter_households(store, None, False):
                batch += sheets.rows(household)
                if len(batch) >= 2000:
                    pickle.dump(batch, out)
                    batch = []
            pickle.dump(batch, out)
    store.close()
    return rows_file


def _batches(rows_file: Path, clock: list[float]) -> Iterator[Any]:
    """What the rows file holds, adding the time spent reading it to ``clock[0]``."""
    with rows_file.open("rb") as source:
        while True:
            started = time.perf_counter()
            try:
                item = pickle.load(source)
            except EOFError:
                return
            finally:
                clock[0] += time.perf_counter() - started
            yield item


def floor_xlsxwriter(rows_file: Path, out: Path) -> float:
    import xlsxwriter

    clock = [0.0]
    started = time.perf_counter()
    batches = _batches(rows_file, clock)
    plans = next(batches)
    wb = xlsxwriter.Workbook(
        str(out), {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    header = wb.add_format({"bold": True, "bg_color": "#DDEBF7"})
    kinds = {
        "money": wb.add_format({"num_format": "0.00"}),
        "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
    }
    sheets = {}
    for title, columns in plans:
        ws = wb.add_worksheet(title)
        for i, (name, width, _) in enumerate(columns):
            ws.set_column(i, i, width)
            ws.write(0, i, name, header)
        sheets[title] = [ws, 0, [kinds.get(kind) for _, _, kind in columns]]
    for batch in batches:
        for title, values in batch:
            sheet = sheets[title]
            sheet[1] += 1
            ws, row, formats = sheet
            for col, value in enumerate(values):
                if value is not None:
                    ws.write(row, col, value, formats[col])
    wb.close()
    return time.perf_counter() - started - clock[0]


def other_openpyxl(rows_file: Path, out: Path) -> float:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    clock = [0.0]
    started = time.perf_counter()
    batches = _batches(rows_file, clock)
    plans = next(batches)
    wb = Workbook(write_only=True)
    formats = {"money": "0.00", "date": "yyyy-mm-dd"}
    sheets = {}
    for title, columns in plans:
        ws = wb.create_sheet(title)
        ws.append([name for name, _, _ in columns])
        made = []
        for _, _, kind in columns:
            cell = None
            if kind in formats:
                cell = WriteOnlyCell(ws)
                cell.number_format = formats[kind]
            made.append(cell)
        sheets[title] = (ws, made)
    for batch in batches:
        for title, values in batch:
            ws, made = sheets[title]
            row = []
            for value, cell in zip(values, made, strict=True):
                if cell is not None and value is not None and not isinstance(value, str):
                    cell.value = value
                    row.append(cell)
                else:
                    row.append(value)
            ws.append(row)
    wb.save(out)
    return time.perf_counter() - started - clock[0]


def project(db: Path, out: Path) -> float:
    from fieldapp.cli.main import main

    started = time.perf_counter()
    code = main(["--db", str(db), "export", "--xlsx", str(out)])
    if code != 0:
        raise SystemExit(f"fieldapp export failed ({code})")
    return time.perf_counter() - started


class ChildMemory(threading.Thread):
    """The largest peak memory among this process's children (the export's helper), read from
    /proc while they run: ``ru_maxrss`` would count the parent's memory copied at fork."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_kb = 0
        self.done = threading.Event()

    def run(self) -> None:
        pid = os.getpid()
        while not self.done.wait(0.2):
            children = Path(f"/proc/{pid}/task/{pid}/children")
            for child in children.read_text().split() if children.exists() else []:
                self.peak_kb = max(self.peak_kb, _peak_kb(f"/proc/{child}/status"))


def _peak_kb(status: str) -> int:
    """VmHWM (the peak resident set of this program since it started) of a /proc status file."""
    try:
        for line in Path(status).read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def child(kind: str, source: Path, out: Path) -> None:
    """One measurement in this process; prints its figures as JSON."""
    run = {"floor": floor_xlsxwriter, "openpyxl": other_openpyxl, "project": project}[kind]
    watch = ChildMemory()
    watch.start()
    seconds = run(source, out)
    watch.done.set()
    watch.join()
    own = resource.getrusage(resource.RUSAGE_SELF)
    helpers = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = {
        "seconds": seconds,
        "peak_mb": _peak_kb("/proc/self/status") / 1024,
        "helper_mb": watch.peak_kb / 1024,
        "cpu": own.ru_utime + own.ru_stime,
        "helper_cpu": helpers.ru_utime + helpers.ru_stime,
        "bytes": out.stat().st_size,
    }
    print(json.dumps(figures))


def measure(kind: str, source: Path, out: Path, code: Path = REPO) -> dict[str, float]:
    run = "project" if kind == "base" else kind
    figures = run_child([__file__, "--child", run, str(source), str(out)], kind, code=code)
    print(
        f"  {kind:<9} {figures['seconds']:7.1f} s wall, CPU {figures['cpu']:.0f} s"
        f" + helper {figures['helper_cpu']:.0f} s, {figures['peak_mb']:.0f} MB"
        f" + helper {figures['helper_mb']:.0f} MB, {figures['bytes'] / 1e6:.0f} MB file",
        flush=True,
    )
    out.unlink(missing_ok=True)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--db", help="database to build once and reuse")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--openpyxl", action="store_true", help="also time openpyxl write-only")
    parser.add_argument("--base", help="also time the export of the checkout in this folder")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return 0
    db = Path(args.db or Path(tempfile.gettempdir()) / f"fieldapp-bench-{args.households}.db")
    rows_file = prepare(db, args.households)
    print(f"database: {db}, load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    out = Path(tempfile.mkdtemp(prefix="bench-excel-"))
    kinds = ["floor", "project"] + (["openpyxl"] if args.openpyxl else [])
    kinds += ["base"] if args.base else []
    results: dict[str, list[dict[str, float]]] = {kind: [] for kind in kinds}
    for number in range(args.rounds):
        order = kinds if number % 2 == 0 else kinds[::-1]
        print(f"round {number + 1}: {', '.join(order)}")
        for kind in order:
            source = db if kind in ("project", "base") else rows_file
            code = Path(args.base) if kind == "base" else REPO
            results[kind].append(measure(kind, source, out / f"{kind}.xlsx", code))
    floor = statistics.median(r["seconds"] for r in results["floor"])
    ours = statistics.median(r["seconds"] for r in results["project"])
    memory = max(r["peak_mb"] + r["helper_mb"] for r in results["project"])
    ratio = ours / floor
    met = "met" if ratio <= GOAL_RATIO and memory <= GOAL_MB else "NOT met"
    print(
        f"Excel export of {args.households} households: floor (XlsxWriter constant_memory, "
        f"same rows) {floor:.1f} s, project {ours:.1f} s, ratio {ratio:.2f}×, "
        f"memory {memory:.0f} MB (both processes); goal ≤ {GOAL_RATIO:g}× and ≤ {GOAL_MB} MB: {met}"
    )
    others = {"openpyxl": "openpyxl write-only, same rows", "base": f"export of {args.base}"}
    for kind, label in others.items():
        if results.get(kind):
            seconds = statistics.median(r["seconds"] for r in results[kind])
            peak = max(r["peak_mb"] + r["helper_mb"] for r in results[kind])
            print(f"{label}: {seconds:.1f} s ({seconds / floor:.2f}× the floor), {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

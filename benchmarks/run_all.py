"""Every speed row of the issue in one run: floor, project, ratio and goal met or not.

    python benchmarks/run_all.py --households 100000 [--quick] [--db PATH] [--only TEXT]

The demo data is built once (kept at --db, default a file in the temp directory named after the
household count, so a second run reuses it). Each row times a floor (the fastest plain way to
do the same work with SQLite/Qt) and the project interleaved, and prints p50/p95 over at least
30 samples (--quick: exactly 30; otherwise 60). Add a row: one ``@bench_row`` function in a
``rows_*.py`` module imported below. Runs offscreen; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import rows_editor  # noqa: E402, F401  (registers its rows)
import rows_excel  # noqa: E402, F401  (registers its row)
import rows_import  # noqa: E402, F401  (registers its row)
import rows_ledger  # noqa: E402, F401  (registers its row)
import rows_list  # noqa: E402, F401  (registers its rows)
import rows_stats  # noqa: E402, F401  (registers its rows)
from harness import ROWS, Bench, Row, report  # noqa: E402

ORDER = (
    "core search, 1",
    "core count",
    "all kinds",
    "GUI keystroke",
    "open a household",
    "autosave",
    "`stats` first run (cache",
    "`stats` first run of a month",
    "stats",
    "Excel",
    "HQ import",
    "batch ledger",
    "cold start",
)
"""The rows in the issue's order (rows_* modules register theirs in import order)."""


def issue_order(row: Row) -> int:
    return next((i for i, key in enumerate(ORDER) if key in row.label), len(ORDER))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="30 samples per row")
    parser.add_argument("--db", help="database to build once and reuse")
    parser.add_argument("--only", help="run only rows whose label contains this text")
    args = parser.parse_args()

    from fieldapp.core.demo.generate import generate_demo
    from fieldapp.core.store.unlock import open_with_passphrase

    path = Path(args.db or Path(tempfile.gettempdir()) / f"fieldapp-bench-{args.households}.db")
    store = open_with_passphrase(path, b"benchmark passphrase")  # encrypted, as users' are
    missing = args.households - store.count_households()
    if missing > 0:
        started = time.perf_counter()
        generate_demo(store, missing, author="bench")
        print(f"demo data: {missing} households in {time.perf_counter() - started:.0f} s")
    print(
        f"database: {path} ({store.count_households()} households), "
        f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    bench = Bench(store=store, path=path, samples=30 if args.quick else 60)
    rows = sorted((row for row in ROWS if not args.only or args.only in row.label), key=issue_order)
    report(rows, bench)
    for note in bench.notes:
        print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())

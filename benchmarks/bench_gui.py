"""GUI speed at scale: start-up to the first window, opening a household, filtering the list.

    python benchmarks/bench_gui.py [--households 100000] [--db PATH]

Filtering sends real key events (QTest) and input-method commits for Chinese, one per
character, and waits through the debounce and the worker thread until the list is repainted;
each query reports p50/p95 over 30 samples. For floor/project ratios see run_all.py.

With --db an existing database is reused (building 100,000 demo households takes minutes);
otherwise a temporary one is filled first. Runs offscreen; prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("FIELDAPP_PASSPHRASE", "benchmark passphrase")  # every database here
sys.path.insert(0, str(REPO))

STARTUP = r"""
import sys, time
t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication
app = QApplication([])
from fieldapp.ui.fonts import apply_app_font, register_bundled_font
apply_app_font(app, register_bundled_font())
from fieldapp.core.store.unlock import open_with_passphrase
from fieldapp.ui.main_window import MainWindow
store = open_with_passphrase(sys.argv[1], b"benchmark passphrase")
window = MainWindow(store, "bench")
window.resize(1366, 768)
window.show()
app.processEvents()
print(time.perf_counter() - t0)
"""


SAMPLES = 30


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"


def pct(values: list[float]) -> str:
    p95 = statistics.quantiles(values, n=20, method="inclusive")[-1]
    return (
        f"p50 {statistics.median(values) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms (n={len(values)})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--db", help="reuse this database (created with fieldapp demo)")
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from fieldapp.core.demo.generate import generate_demo
    from fieldapp.core.store.unlock import open_with_passphrase

    db = Path(args.db) if args.db else Path(tempfile.mkdtemp()) / "bench_gui.db"
    store = open_with_passphrase(db, b"benchmark passphrase")
    if store.count_households() < args.households:
        started = time.perf_counter()
        generate_demo(store, args.households - store.count_households(), author="bench")
        print(f"demo data: {args.households} households in {time.perf_counter() - started:.0f} s")
    print(f"database: {db} ({store.count_households()} households)")

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    starts = []
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, "-c", STARTUP, str(db)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        starts.append(float(done.stdout.strip().splitlines()[-1]))
    wall = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", STARTUP, str(db)], env=env, check=True, capture_output=True
        )
        wall.append(time.perf_counter() - t0)
    print(f"start-up to first window (in process, imports included): {ms(starts)}")
    print(f"start-up incl. interpreter launch and exit: {ms(wall)}")

    app = QApplication.instance() or QApplication([])
    from fieldapp.ui.fonts import apply_app_font, register_bundled_font
    from fieldapp.ui.main_window import MainWindow

    apply_app_font(app, register_bundled_font())
    window = MainWindow(store, "bench")
    window.resize(1366, 768)
    window.show()
    app.processEvents()

    ids = [row["id"] for row in store.search("", limit=2000)][::200]
    opens = []
    for household_id in ids:
        t0 = time.perf_counter()
        editor = window.open_household(household_id)
        app.processEvents()
        opens.append(time.perf_counter() - t0)
        window.close_tab(window.tabs.indexOf(editor))
    print(f"open a household in the editor ({len(opens)} households): {ms(opens)}")

    sys.path.insert(0, str(REPO / "benchmarks"))
    from rows_list import type_last

    middle = store.count_households() // 2
    sample = next(
        row for row in store.search("", limit=200, offset=middle) if len(row["name"] or "") == 3
    )
    queries = {
        "surname (1 char, input method)": sample["name"][0],
        "given name (2 chars, input method)": sample["name"][1:],
        "full name (3 chars, input method)": sample["name"],
        "ID number prefix (typed)": sample["id_number"][:10],
        "archive number (typed)": sample["archive_no"],
        "county name (input method)": "富源县",
        "no match (input method)": "不存在的人",
    }

    def settled(text: str) -> bool:
        busy = getattr(window.model, "busy", lambda: False)()
        return window.model._query == text and not window._search_timer.isActive() and not busy

    window.search.setFocus()
    for label, text in queries.items():
        times = []
        for _ in range(SAMPLES):
            window.search.setText("")
            window.refresh()
            t0 = time.perf_counter()
            for end in range(1, len(text) + 1):  # each keystroke, as typed or committed
                type_last(window.search, text[:end])
            while not settled(text):
                app.processEvents()
            window.table.viewport().repaint()
            times.append(time.perf_counter() - t0)
        print(
            f"type '{text}' ({label}) to repainted list, debounce included: "
            f"{pct(times)} ({window.model.rowCount()} rows shown)"
        )
    window.search.setText("")
    for status in ("已脱困", "在档"):
        t0 = time.perf_counter()
        window.status.setCurrentText(status)
        app.processEvents()
        print(f"filter by status {status}: {(time.perf_counter() - t0) * 1000:.0f} ms")
    t0 = time.perf_counter()
    window.table.sortByColumn(1, __import__("PySide6.QtCore").QtCore.Qt.SortOrder.DescendingOrder)
    app.processEvents()
    print(f"sort by name: {(time.perf_counter() - t0) * 1000:.0f} ms")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

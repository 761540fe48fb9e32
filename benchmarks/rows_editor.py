"""run_all rows: opening a household in the editor, and starting the application cold.

- open a household: the floor reads the household's newest revision of every form with one raw
  query, decodes the JSON and fills a plain QFormLayout of QLineEdits for Form A's fields (shown
  and painted); the project is ``MainWindow.open_household`` (the editor tab, its first form's
  first section built — the page builds its other sections once it has been painted, one per
  idle pass — painted), the tab closed again after each sample. Goal: p95 ≤ 150 ms.
- cold start: each in a fresh child process, from ``python`` starting to the first paint of a
  window listing the households: the floor is a bare PySide6 window with a QTableView over the
  first 200 rows of ``households`` (the same encrypted file, unlocked the same way); the project
  is the application's own start (``fieldapp.ui.app.start`` with the key, as after the unlock
  dialog). Goal: ≤ 2× the floor at every size.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

from child import REPO
from harness import Bench, Pairs, bench_row
from rows_list import main_window

FORM = "A"


def plain_form(bench: Bench) -> tuple[Any, Any]:
    """The floor's form: one QLineEdit per Form A field, filled from a raw read."""
    from PySide6.QtWidgets import QFormLayout, QLineEdit, QWidget

    fields = [field.name for field in bench.store.survey.form(FORM).fields]
    sql = (
        "select r.form_id, r.data from revisions r join (select form_id, max(rowid) as top "
        "from revisions where household_id = ? group by form_id) t on r.rowid = t.top"
    )

    def open_plain(household_id: str) -> QWidget:
        data = {
            form: json.loads(text) for form, text in bench.store.db.execute(sql, [household_id])
        }
        page = QWidget()
        layout = QFormLayout(page)
        values = data.get(FORM, {})
        for name in fields:
            value = values.get(name)
            layout.addRow(name, QLineEdit("" if value is None else str(value)))
        page.resize(1366, 768)
        page.show()
        page.repaint()
        return page

    return open_plain, fields


@bench_row("open a household in the editor (p95)", goal_ms=150)
def open_household(bench: Bench) -> Pairs:
    app, window = main_window(bench)
    open_plain, _fields = plain_form(bench)
    total = bench.store.count_households()
    ids = [row["id"] for row in bench.store.search("", limit=bench.samples, offset=total // 2)]

    def floor_call(hid: str) -> float:
        start = time.perf_counter()
        page = open_plain(hid)
        app.processEvents()
        elapsed = (time.perf_counter() - start) * 1000
        page.close()
        page.deleteLater()
        return elapsed

    def project(hid: str) -> float:
        start = time.perf_counter()
        editor = window.open_household(hid)
        app.processEvents()
        editor.repaint()
        elapsed = (time.perf_counter() - start) * 1000
        window.tabs.removeTab(window.tabs.indexOf(editor))
        editor.close()
        editor.deleteLater()
        app.processEvents()
        return elapsed

    for hid in ids:
        yield (lambda h=hid: floor_call(h)), (lambda h=hid: project(h))
    window.close()


COLD = """
import sys, time, json
started = time.perf_counter()
import os
os.environ["QT_QPA_PLATFORM"] = "offscreen"
kind, path = sys.argv[1], sys.argv[2]
from fieldapp.core.store.unlock import unlock_database
key = unlock_database(path, b"benchmark passphrase")
from PySide6.QtWidgets import QApplication
app = QApplication([])
if kind == "floor":
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QTableView
    from fieldapp.core.store.driver import sqlite
    db = sqlite.connect(path)
    db.execute(f"PRAGMA key = {key.pragma_value()}")
    model = QStandardItemModel()
    for row in db.execute("select archive_no, name, id_number, status, category from households "
                          "order by archive_no limit 200"):
        model.appendRow([QStandardItem(str(v or "")) for v in row])
    window = QTableView()
    window.setModel(model)
    window.resize(1366, 768)
    window.show()
else:
    from fieldapp.ui.app import start
    session = start(__import__("pathlib").Path(path), key)
    window = session.window
window.repaint()
app.processEvents()
print(json.dumps({"seconds": time.perf_counter() - started}))
window.close()  # quit as a user does (untimed): the window stops its threads
app.processEvents()
"""


def cold(kind: str, path: str) -> float:
    """Wall milliseconds from starting ``python`` to the first paint (the child's own clock
    starts after the interpreter is up: both pay that alike, so it is added from outside)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", COLD, kind, path],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO), "FIELDAPP_USER": "bench", "PATH": "/usr/bin:/bin"},
    )
    if done.returncode != 0:
        raise SystemExit(f"cold start ({kind}) failed:\n{done.stderr[-2000:]}")
    json.loads(done.stdout.strip().splitlines()[-1])
    return (time.perf_counter() - started) * 1000


@bench_row("cold start to a usable window", goal_ratio=2.0)
def cold_start(bench: Bench) -> Pairs:
    if not bench.store.meta("profile.name"):  # the first-run wizard is not what is measured
        bench.store.set_meta("profile.name", "bench")
    path = str(bench.path)
    for _ in range(10 if bench.samples <= 30 else 20):
        yield (lambda: cold("floor", path)), (lambda: cold("project", path))

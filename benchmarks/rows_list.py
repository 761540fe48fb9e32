"""run_all rows for finding households: core search and count, the GUI list, autosave.

Floors: a plain FTS5 ``unicode61`` table of names answering prefix queries (what the issue
calls the floor for short names), the existing trigram table or the ``id_number`` index for
longer terms, a bare QLineEdit + QTableView running that query per keystroke, and a plain
``save_form`` for autosave. The autosave's project is what the window's thread spends on one
autosave beat: handing the values to the writer thread, and applying what comes back (the
writer's save and revalidation run meanwhile on its own thread and are not counted).
"""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Callable
from typing import Any

from bench_demo_search import pick_queries
from harness import Bench, Pairs, bench_row


class Floor:
    """A second connection with a temporary FTS5 ``unicode61`` index of names.

    It reads the same encrypted file with the same key and page cache as the store, so the ratio
    is what the project's code adds; what encryption itself costs against a plaintext file is
    ``bench_encryption.py``'s figure."""

    def __init__(self, bench: Bench) -> None:
        from fieldapp.core.store.connection import CACHE_KIB
        from fieldapp.core.store.driver import sqlite

        self.db = sqlite.connect(str(bench.path))
        key = bench.store.key
        if key is not None:
            self.db.execute(f"PRAGMA key = {key.pragma_value()}")
        self.db.execute(f"PRAGMA cache_size = {-CACHE_KIB}")
        self.db.execute(
            "create virtual table temp.floor_names using fts5(name, tokenize='unicode61')"
        )
        self.db.execute(
            "insert into temp.floor_names(rowid, name) select rowid, name from households"
        )

    def search(self, term: str) -> list[Any]:
        """The first 200 households for a term, unsorted, straight from one index."""
        if len(term) == 18 and term[:17].isdigit():
            return self.db.execute(
                "select * from households where id_number = ?", [term]
            ).fetchall()
        if len(term) >= 3:
            sub = "select rowid from households_fts where households_fts match ? limit 200"
            match = '"' + term.upper() + '"'
        else:
            sub = "select rowid from temp.floor_names where floor_names match ? limit 200"
            match = '"' + term + '"*'
        return self.db.execute(
            f"select * from households where rowid in ({sub})", [match]
        ).fetchall()

    def count(self, term: str) -> int:
        sql = "select count(*) from temp.floor_names where floor_names match ?"
        return int(self.db.execute(sql, ['"' + term + '"*']).fetchone()[0])


_floor: dict[int, Floor] = {}


def floor(bench: Bench) -> Floor:
    """The floor's connection, and the store's connection warmed as the app warms the list's
    (``search_worker``: ``warm_search_cache`` before the first keystroke). Building its index
    read every household row into the floor's cache; without this the store's first search of
    each term decrypted its pages cold while the floor's did not."""
    if id(bench) not in _floor:
        _floor[id(bench)] = Floor(bench)
        bench.store.warm_search_cache()
    return _floor[id(bench)]


def short_names(bench: Bench) -> list[str]:
    """Surnames, given names and two-character name starts drawn from the data."""
    total = bench.store.count_households()
    names = [
        row["name"]
        for row in bench.store.search("", limit=40, offset=total // 3)
        if row["name"] and len(row["name"]) >= 2
    ]
    terms = [n[0] for n in names[:10]] + [n[1:] for n in names[10:20]]
    terms += [n[:2] for n in names[20:30]] + [n[-1] for n in names[30:40]]
    return terms


def cycle(terms: list[str], bench: Bench) -> list[str]:
    return list(itertools.islice(itertools.cycle(terms), bench.samples))


@bench_row("core search, 1–2-char names (p95)", goal_ms=5)
def search_short(bench: Bench) -> Pairs:
    base = floor(bench)
    for term in cycle(short_names(bench), bench):
        yield (lambda t=term: base.search(t)), (lambda t=term: bench.store.search(t))


@bench_row("core count, 1–2-char names (p95)", goal_ms=5)
def count_short(bench: Bench) -> Pairs:
    base = floor(bench)
    for term in cycle(short_names(bench), bench):
        yield (lambda t=term: base.count(t)), (lambda t=term: bench.store.count_matching(t))


@bench_row("core search, all kinds (p95)", goal_ms=5)
def search_kinds(bench: Bench) -> Pairs:
    base = floor(bench)
    kinds = pick_queries(bench.store) + [("短姓名", name) for name in short_names(bench)[::4]]
    times: dict[str, list[float]] = {}

    def project(term: str) -> float:
        start = time.perf_counter()
        bench.store.search(term)
        times.setdefault(term, []).append((time.perf_counter() - start) * 1000)
        return times[term][-1]

    for term in cycle([query for _, query in kinds], bench):
        yield (lambda t=term: base.search(t)), (lambda t=term: project(t))
    slowest = sorted(kinds, key=lambda kind: -max(times.get(kind[1], [0.0])))[:5]
    bench.notes.append(
        "all kinds, slowest (first/later ms): "
        + "; ".join(
            f"{what} {term}: " + "/".join(f"{ms:.1f}" for ms in times.get(term, []))
            for what, term in slowest
        )
    )


# -- GUI --------------------------------------------------------------------------------------


def qt_app() -> Any:
    from PySide6.QtWidgets import QApplication

    from fieldapp.ui.fonts import apply_app_font, register_bundled_font

    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_app_font(app, register_bundled_font())
    return app


def main_window(bench: Bench) -> tuple[Any, Any]:
    """The app's window over the benchmark data, shown at 1366×768 (offscreen)."""
    from fieldapp.ui.main_window import MainWindow

    app = qt_app()
    window = MainWindow(bench.store, "bench")
    window.resize(1366, 768)
    window.show()
    return app, window


def type_last(widget: Any, text: str) -> None:
    """The final keystroke of ``text``: a key press for ASCII, an input-method commit for
    Chinese (as a pinyin IME delivers a chosen character)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    char = text[-1]
    if char.isascii():
        QTest.keyClick(widget, char, Qt.KeyboardModifier.NoModifier)
    else:
        event = QInputMethodEvent()
        event.setCommitString(char)
        QApplication.sendEvent(widget, event)


def bare_list(base: Floor) -> tuple[Any, Any, Callable[[], None]]:
    """The floor: QLineEdit + QTableView, the FTS5 query run on every keystroke."""
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QLineEdit, QTableView, QVBoxLayout, QWidget

    page, edit, view, model = QWidget(), QLineEdit(), QTableView(), QStandardItemModel()
    view.setModel(model)
    layout = QVBoxLayout(page)
    layout.addWidget(edit)
    layout.addWidget(view)

    def run(text: str) -> None:
        model.clear()
        for row in base.search(text) if text else []:
            model.appendRow([QStandardItem(str(v or "")) for v in row[1:8]])

    edit.textChanged.connect(run)
    page.resize(1366, 768)
    page.show()
    return page, edit, lambda: view.viewport().repaint()


@bench_row("GUI keystroke → repainted list (p95)", goal_ms=50)
def gui_keystroke(bench: Bench) -> Pairs:
    app, window = main_window(bench)
    page, edit, repaint_floor = bare_list(floor(bench))
    sample = bench.store.search("", limit=1, offset=bench.store.count_households() // 2)[0]
    words = [*short_names(bench)[:12], sample["id_number"][:6], sample["archive_no"][:9]]

    def settled(text: str) -> bool:
        model = window.model
        busy = getattr(model, "busy", lambda: False)()
        return model._query == text and not window._search_timer.isActive() and not busy

    def project(text: str) -> None:
        type_last(window.search, text)
        while not settled(text):
            app.processEvents()
        window.table.viewport().repaint()

    def floor_call(text: str) -> None:
        type_last(edit, text)
        repaint_floor()

    for word in cycle(words, bench):
        for target in (window.search, edit):
            target.setText(word[:-1])
        window.refresh()
        while not settled(word[:-1]):
            app.processEvents()
        for _ in range(3):  # the setup's own layout and paint are not part of the sample
            app.processEvents()
        repaint_floor()
        window.table.viewport().repaint()
        window.search.setFocus()
        yield (lambda w=word: floor_call(w)), (lambda w=word: project(w))
    window.close()
    page.close()


@bench_row("autosave on the UI thread (p95)", goal_ms=20)
def autosave(bench: Bench) -> Pairs:
    app, window = main_window(bench)
    first, other = (row["id"] for row in bench.store.search("王", limit=2))
    editor = window.open_household(first)
    app.processEvents()
    block = editor.page("A").block_at("address")
    target = block.widget.focus_target()
    data = dict(bench.store.current(other)["A"])
    for number in range(bench.samples):
        address = f"测试路 {number} 号"
        if hasattr(target, "setText"):
            target.setText(address)
        else:
            block.widget.edit.setPlainText(address)
        data = {**data, "address": address}

        def project() -> float:
            # The window's thread only: the beat (a copy of the values handed to the writer),
            # then, once the writer has saved and judged, the landing (applied, list row,
            # repaint). The writer's own time is not the window's: waited out, not counted.
            start = time.perf_counter()
            editor.autosave()
            beat = time.perf_counter() - start
            while not editor.writer.idle():
                time.sleep(0.0005)
            start = time.perf_counter()
            app.processEvents()
            landing = time.perf_counter() - start
            return (beat + landing) * 1000

        yield (
            lambda d=data: bench.store.save_form(other, "A", d, author="bench"),
            project,
        )
    window.close()

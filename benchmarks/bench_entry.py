"""Entry at the speed of paper: actions a cadre needs to enter one household, before and after.

    python benchmarks/bench_entry.py [--base a7dc2e2]

Drives the real editor with QtTest (offscreen, 1366×768) to enter the household written down in
``entry_household.py`` and counts what a person does: a field typed (one action per value,
Chinese through the input method), a mouse click, a key (Tab, Enter, F4, Ctrl+D...) and a scroll
(one flick of the wheel, up to ``SCROLL_PX`` pixels). It runs the same script three times:

- on the base commit's editor (exported with ``git archive``): repeat groups as cards, no defaults;
- on this tree with every repeat group forced to cards (defaults only);
- on this tree as shipped (keyboard grids where forms/ say ``layout: grid``, defaults).

How the simulated cadre works, the same in every run (using what each tree offers): a field
that already holds the wanted value (a default) is skipped, and so is a field the cursor reaches
by itself; a field is reached with one key when it is next in the focus order (Tab/Enter), else
by its section's link above the page when the link puts the cursor right in it and the field is
out of view, else with one click (after scrolling it into view); a drop-down that takes typing is
typed into when the cursor is in it (or one Tab or a link away), else it is opened with the click
that reaches it and an item is clicked (a flick if the item is outside the open list); in a grid
a cell is reached with Tab or one click, whichever is fewer actions, and Enter ends a row. A Tab
right after the cursor moved on by itself is absorbed: the cadre knows, and counts it. After
entry the store is compared with the household; the figures are printed, by form too, nothing
asserted. The base count moves by a scroll or two with the machine's load (an autosave landing
mid-run changes the page's height); ``BEFORE`` is what it printed when issue 16 set the goal.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))  # a child runs with another tree first
from entry_household import HOUSEHOLD, PROFILE, compare  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
BASE_COMMIT = "a7dc2e2"
BEFORE = 203
"""Actions the base commit took when issue 16 set its goal (at most half of it)."""
SCROLL_PX = 300


@dataclass
class Count:
    typed: int = 0
    clicks: int = 0
    keys: int = 0
    scrolls: int = 0
    seconds: float = 0.0

    @property
    def actions(self) -> int:
        return self.typed + self.clicks + self.keys + self.scrolls


KINDS = ("typed", "clicks", "keys", "scrolls")


# -- the child: one run against one tree -----------------------------------------------------------


def run(ui: str, db: Path) -> tuple[Count, dict[str, Count], list[str]]:
    """Enter HOUSEHOLD through the editor of the fieldapp on sys.path; (count, count by form,
    mismatches)."""
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QInputMethodEvent, QWheelEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import (
        QAbstractItemView,
        QApplication,
        QComboBox,
        QLineEdit,
        QPlainTextEdit,
        QWidget,
    )

    app = QApplication.instance() or QApplication([])
    try:
        from fieldapp.ui.move_on import absorbing
    except ImportError:  # an older tree: the cursor never moves on by itself

        def absorbing(widget: QWidget | None) -> bool:
            return False

    from fieldapp.core.store.database import open_store
    from fieldapp.ui.fonts import apply_app_font, register_bundled_font
    from fieldapp.ui.main_window import MainWindow

    if ui == "cards":
        try:
            from fieldapp.ui import field_blocks

            field_blocks.LAYOUT_OVERRIDE = "cards"
        except ImportError:
            pass  # the base commit: cards are all it has
    apply_app_font(app, register_bundled_font())
    try:
        from fieldapp.core.store.unlock import open_with_passphrase
    except ImportError:  # a base commit before encryption at rest: a plaintext database
        store = open_store(db)
    else:
        store = open_with_passphrase(db, b"benchmark passphrase")
    for key, value in PROFILE.items():
        store.set_meta(f"profile.{key}", value)
    window = MainWindow(store, PROFILE["name"])
    window.resize(1366, 768)
    window.show()
    window.activateWindow()
    count = Count()
    sections: dict[str, Count] = {}  # the same actions, by the form they were spent on
    section = [next(iter(HOUSEHOLD))]
    started = time.perf_counter()
    trace = os.environ.get("BENCH_TRACE")

    def note(kind: str, detail: object) -> None:
        if trace:
            print(f"  {kind:<6} {detail}", file=sys.stderr)

    def tally(kind: str) -> None:
        """Count one action of ``kind`` (one of KINDS), in all and for the form being entered."""
        for counter in (count, sections.setdefault(section[0], Count())):
            setattr(counter, kind, getattr(counter, kind) + 1)

    def settle() -> None:
        for _ in range(3):
            app.processEvents()

    def focused() -> QWidget | None:
        return QApplication.focusWidget()

    def type_text(text: str) -> None:
        tally("typed")
        note("type", text)
        target = focused()
        assert target is not None
        if text.isascii():
            for char in text:
                QTest.keyClick(focused(), char)
        else:
            QApplication.sendEvent(target, QInputMethodEvent("pinyin", []))
            app.processEvents()
            commit = QInputMethodEvent("", [])
            commit.setCommitString(text)
            QApplication.sendEvent(focused(), commit)
        settle()

    def press(key: Any, modifiers: Any = Qt.KeyboardModifier.NoModifier) -> None:
        tally("keys")
        note("key", key)
        QTest.keyClick(focused(), key, modifiers)
        settle()

    def click(widget: QWidget, pos: QPoint | None = None) -> None:
        tally("clicks")
        note("click", type(widget).__name__)
        pos = pos if pos is not None else widget.rect().center()
        QTest.mouseClick(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
        settle()

    editor = window.new_household()
    settle()

    def page() -> Any:
        return editor.page(editor.current_form_id())

    def in_view(widget: QWidget, rect: Any = None) -> bool:
        area = page()
        rect = rect if rect is not None else widget.rect()
        top = widget.mapTo(area.widget(), rect.topLeft()).y() - area.verticalScrollBar().value()
        return top >= 0 and top + rect.height() <= area.viewport().height()

    def by_link(path: str, widget: QWidget, rect: Any = None) -> bool:
        """Out of view, and a section's link (above the page) puts the cursor right there:
        click it. (An older tree has no links.)"""
        area = page()
        links = getattr(area, "section_bar", None)
        if links is None or in_view(widget, rect):
            return False
        for index in range(len(area.boxes)):
            if area.section_target(index) == path:
                click(links.buttons[index])
                return True
        return False

    def scroll_into_view(widget: QWidget, rect: Any = None) -> None:
        """Flick the page's wheel until ``widget`` (or ``rect`` in it) is fully in view."""
        area = page()
        bar = area.verticalScrollBar()
        rect = rect if rect is not None else widget.rect()
        for _ in range(60):
            top = widget.mapTo(area.widget(), rect.topLeft()).y() - bar.value()
            bottom = top + rect.height()
            height = area.viewport().height()
            if top >= 0 and bottom <= height:
                return
            wanted = top if top < 0 or rect.height() > height else bottom - height
            step = max(-SCROLL_PX, min(SCROLL_PX, wanted + (-8 if wanted < 0 else 8)))
            tally("scrolls")
            note("scroll", step)
            before = bar.value()
            notches = max(1, round(abs(step) / max(1, bar.singleStep() * 3)))
            delta = QPoint(0, -120 * notches if step > 0 else 120 * notches)
            event = QWheelEvent(
                QPointF(10, 10),
                QPointF(area.viewport().mapToGlobal(QPoint(10, 10))),
                QPoint(),
                delta,
                Qt.MouseButton.NoButton,
                Qt.KeyboardModifier.NoModifier,
                Qt.ScrollPhase.NoScrollPhase,
                False,
            )
            QApplication.sendEvent(area.viewport(), event)
            settle()
            if bar.value() == before:  # the wheel moved nothing: take the scroll bar
                bar.setValue(before + step)
                settle()

    def next_by_tab(target: QWidget) -> bool:
        """Whether one Tab reaches ``target`` (not when it would be absorbed: the cursor has just
        moved on by itself, and a Tab then only agrees with that)."""
        current = focused()
        return (
            current is not None and current.nextInFocusChain() is target and not absorbing(current)
        )

    def reach(target: QWidget, path: str = "") -> None:
        """One key if ``target`` is next in the focus order, else its section's link when that
        lands on it, else a click (scrolling first)."""
        if focused() is target:
            return
        if next_by_tab(target):
            press(Qt.Key.Key_Tab)
            if focused() is target:
                return
        if by_link(path, target) and focused() is target:
            return
        scroll_into_view(target)
        click(target)

    def choose(combo: QComboBox, label: str, path: str = "") -> None:
        """Type the option when the box takes typing and the cursor is in it, one Tab away or a
        section link away; else click the drop-down open, flick if the item is outside the list,
        click the item."""
        index = combo.findText(label)
        assert index >= 0, f"{label} not offered"
        if combo.currentIndex() == index:
            return
        typed = combo.testAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled)
        if typed and (focused() is combo or next_by_tab(combo) or by_link(path, combo)):
            reach(combo)
            type_text(label)
            assert combo.currentIndex() == index, f"typing {label} chose {combo.currentText()}"
            return
        if focused() is combo:
            press(Qt.Key.Key_F4)
        else:
            scroll_into_view(combo)
            click(combo)
        if not combo.view().isVisible():
            combo.showPopup()
            settle()
        view = combo.view()
        if index >= combo.maxVisibleItems():
            tally("scrolls")
        view.scrollTo(combo.model().index(index, 0))
        settle()
        rect = view.visualRect(combo.model().index(index, 0))
        click(view.viewport(), rect.center())
        if combo.currentIndex() != index:  # offscreen popups may swallow the click
            combo.hidePopup()
            combo.setCurrentIndex(index)
        settle()

    def enter_field(block: Any, value: Any, path: str = "") -> None:
        widget = block.widget
        field = widget.field
        if field.type == "region":
            for combo, name in zip(
                (widget.province, widget.city, widget.county), value, strict=False
            ):
                if combo.currentText() != name:
                    choose(combo, name)
            return
        if field.type == "select_one":
            choose(widget.focus_target(), value, path)
            return
        shown = widget.value()
        if shown is not None and str(shown) == str(value):
            return  # already there (a default)
        target = widget.focus_target()
        reach(target, path)
        if isinstance(target, QLineEdit | QPlainTextEdit):
            target.selectAll()
        type_text(value)

    def same(field: Any, shown: str, value: str) -> bool:
        if field.type == "money" and shown:
            return Decimal(shown.replace(",", "")) == Decimal(value)
        return shown == value

    def go_form(form_id: str) -> None:
        row = editor.form_ids.index(form_id)
        if editor.nav.currentRow() != row:
            click(editor.nav.viewport(), editor.nav.visualItemRect(editor.nav.item(row)).center())

    def card_rows(name: str, rows: list[dict[str, Any]]) -> None:
        group = page().repeat(name)
        for number, row in enumerate(rows, start=1):
            scroll_into_view(group.add_button)
            click(group.add_button)
            for column, value in row.items():
                block = page().block_at(f"{name}[{number}].{column}")
                enter_field(block, value)

    def grid_rows(name: str, rows: list[dict[str, Any]]) -> None:
        grid = page().repeat(name)
        view, model = grid.view, grid.model

        def tabs_to(row: int, column: int) -> int | None:
            here, where = view.currentIndex(), focused()
            if (
                not here.isValid()
                or where is None
                or not (where is view or view.isAncestorOf(where))
            ):
                return None
            position, steps = (here.row(), here.column()), 0
            while position != (row, column) and steps < 4:
                nxt = view._editable_after(*position, True)
                if nxt is None:
                    return None
                position, steps = nxt, steps + 1
            return steps if position == (row, column) else None

        def go(row: int, column: int) -> None:
            """Tab there or click there, whichever takes fewer actions."""
            tabs = tabs_to(row, column)
            if tabs and absorbing(focused()):
                tabs += 1  # the first Tab after the cursor moved on by itself is absorbed
            index = model.index(row, column)
            hidden = not view.viewport().rect().contains(view.visualRect(index))
            if tabs is not None and tabs <= 1 + hidden:
                for _ in range(tabs):
                    press(Qt.Key.Key_Tab)
                return
            lands = row == 0 and not model.rows and view.start_column(0) == column
            if lands and by_link(f"{name}[1]", view.viewport(), view.visualRect(index)):
                return  # the section's link put the cursor in this cell of the empty grid
            if hidden:
                tally("scrolls")  # a flick sideways (or down) in the grid
                view.scrollTo(index)
                settle()
            scroll_into_view(view.viewport(), view.visualRect(index))
            click(view.viewport(), view.visualRect(index).center())

        for number, row in enumerate(rows):
            typed_any = False
            if pending_enter:  # the row before ends with Enter: it brings the cursor here
                press(Qt.Key.Key_Return)
                pending_enter.clear()
            for column_name, value in row.items():
                column = model.column_of(column_name)
                model.refresh_preview() if number == len(model.rows) else None
                current = model.value(number, column_name)
                field = model.field(column)
                shown = model.display(number, field) if current is not None else ""
                if same(field, shown, value):
                    continue  # started with it (the month after, the expense above...)
                go(number, column)
                type_text(value)
                typed_any = True
            if typed_any:
                pending_enter.append(True)
        pending_enter.clear()  # after the last row the cadre clicks elsewhere: that commits it

    pending_enter: list[bool] = []

    for form_id, fields in HOUSEHOLD.items():
        section[0] = form_id
        go_form(form_id)
        for name, value in fields.items():
            group = page().repeat(name) if isinstance(value, list) else None
            if group is None:
                enter_field(page().block_at(name), value, name)
            elif hasattr(group, "view") and isinstance(group.view, QAbstractItemView):
                grid_rows(name, value)
            else:
                card_rows(name, value)
    press(Qt.Key.Key_Return)  # the last cell typed is committed by a key
    editor.save_drafts()
    count.seconds = time.perf_counter() - started
    mismatches = compare(store, editor.household_id)
    window.close()
    store.close()
    return count, sections, mismatches


# -- the parent: three runs, side by side ------------------------------------------------------------


def child(root: Path, ui: str) -> dict[str, Any]:
    db = Path(tempfile.mkdtemp()) / "entry.db"
    done = subprocess.run(
        [sys.executable, __file__, "--child", ui, "--db", str(db)],
        env={**os.environ, "PYTHONPATH": str(root), "QT_QPA_PLATFORM": "offscreen"},
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        raise SystemExit(f"run failed ({root}, {ui}):\n{done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def export_base(commit: str) -> Path:
    target = Path(tempfile.mkdtemp()) / "base"
    target.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", commit], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def describe(label: str, result: dict[str, Any]) -> str:
    c = result["count"]
    total = c["typed"] + c["clicks"] + c["keys"] + c["scrolls"]
    ok = "complete" if not result["mismatches"] else f"{len(result['mismatches'])} differences"
    return (
        f"{label:<44} {total:4d} actions (typed {c['typed']:3d}, clicks {c['clicks']:3d}, "
        f"keys {c['keys']:3d}, scrolls {c['scrolls']:3d}), {c['seconds']:.1f} s; store: {ok}"
    )


def by_section(base: dict[str, Any], now: dict[str, Any]) -> str:
    """Actions per form, base and this tree (grids), each as total (typed/clicks/keys/scrolls)."""

    def cell(result: dict[str, Any], form_id: str) -> str:
        c = result["sections"].get(form_id, {})
        parts = [c.get(k, 0) for k in KINDS]
        return f"{sum(parts):4d} ({'/'.join(str(p) for p in parts)})"

    lines = [f"{'form':<6}{'base (typed/clicks/keys/scrolls)':<36}this tree (grids)"]
    for form_id in HOUSEHOLD:
        lines.append(f"{form_id:<6}{cell(base, form_id):<36}{cell(now, form_id)}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", default=BASE_COMMIT, help="commit to compare with")
    parser.add_argument("--child", choices=("cards", "grid"), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        count, sections, mismatches = run(args.child, Path(args.db))
        by_form = {form_id: asdict(c) for form_id, c in sections.items()}
        result = {"count": asdict(count), "sections": by_form, "mismatches": mismatches}
        print(json.dumps(result, ensure_ascii=False))
        return 0

    rows = sum(len(v) for f in HOUSEHOLD.values() for v in f.values() if isinstance(v, list))
    print(
        "household: 档案表 with 1 member, 收支表 with 1 income line and "
        f"{len(HOUSEHOLD['B']['monthly_records'])} monthly rows, 3 policy rows (C), "
        f"3 problems (E); {rows} rows in all"
    )
    base = child(export_base(args.base), "cards")
    cards = child(REPO, "cards")
    grid = child(REPO, "grid")
    print(describe(f"base {args.base} (cards, no defaults)", base))
    print(describe("this tree, repeat groups forced to cards", cards))
    print(describe("this tree (grids and defaults)", grid))
    for label, result in (("base", base), ("cards", cards), ("grids", grid)):
        for line in result["mismatches"]:
            print(f"  {label}: {line}")

    def total(result: dict[str, Any]) -> int:
        return sum(result["count"][k] for k in KINDS)

    print(by_section(base, grid))

    before = BEFORE if args.base == BASE_COMMIT else total(base)
    print(
        f"before: {before} actions (this run's base: {total(base)}); floor (goal): {before // 2}; "
        f"project: {total(grid)}; ratio {total(grid) / before:.2f} "
        f"({total(grid) / total(base):.2f} against this run's base; goal ≤ 0.50)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

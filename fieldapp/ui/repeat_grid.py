"""A repeat group as a keyboard grid: type, Tab, Enter, as in Excel or WPS.

Why: a household's short rows (members, income lines, monthly incomes, policy records, visits,
problems) fill screens as cards; as a grid they fit on one, and entry needs no mouse:

- typing into a cell edits it; Tab / Shift+Tab go to the next / previous cell, Enter to the next
  row, back in the column where typing began in this row; the last row (＋) adds a row when typed
  into, and Tab or Enter on it leaves the grid; Ctrl+Tab always leaves;
- Ctrl+D fills down, Insert inserts a row, Ctrl+Delete deletes rows, Delete clears cells;
- Ctrl+C copies, Ctrl+V pastes a block copied from Excel/WPS (columns in the grid's order,
  calculated columns skipped).

Required cells are not painted red until the row was left or finalising was tried; the problem
summary lists them all along. A form chooses grid or cards per group (``layout: grid`` in forms/).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QFocusEvent, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.forms.engine import Problem
from fieldapp.core.forms.model import Field
from fieldapp.ui.grid_delegates import ChoiceEdit, Choices, GridDelegate
from fieldapp.ui.grid_model import RowsModel, from_text

ROW_HEIGHT = 28
VISIBLE_ROWS = 12
ERROR_STYLE = "color: #c01c28;"
HELP = (
    "直接输入；Tab 下一格，Enter 下一行；在“＋”行输入即新增一行；Ctrl+D 向下填充，"
    "Insert 插入行，Ctrl+Delete 删除行；可从 Excel/WPS 复制后 Ctrl+V 粘贴。"
)
EDIT = QAbstractItemDelegate.EndEditHint
Trigger = QAbstractItemView.EditTrigger


def column_width(f: Field) -> int:
    """A sensible starting width for a column of this field type (pixels)."""
    if f.type == "id_number":
        return 170
    if f.type in ("date", "phone"):
        return 104
    if f.type in ("month", "integer"):
        return 72 if f.is_calculated or f.type == "integer" else 84
    if f.type == "money":
        return 96
    if f.type == "signature":
        return 84
    if f.options:
        longest = max((len(o.label) for o in f.options), default=4)
        return min(max(longest * 14 + 26, 76), 170)
    if f.multiline:
        return 200
    return 84 if f.max_length <= 50 else 130


class GridView(QTableView):
    """The table with spreadsheet keys; every edit goes through the model."""

    def __init__(self, model: RowsModel, grid: RepeatGrid) -> None:
        super().__init__()
        self.rows = model
        self.grid = grid
        self.anchor_column = 0  # where typing began in the current row: Enter returns there
        self._typed_row = -1
        self.setModel(model)
        self.setEditTriggers(Trigger.AnyKeyPressed | Trigger.DoubleClicked | Trigger.EditKeyPressed)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setTabKeyNavigation(True)
        self.setWordWrap(False)
        self.setAlternatingRowColors(False)
        self.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, f in enumerate(model.columns):
            self.setColumnWidth(column, column_width(f))

    # -- moving ----------------------------------------------------------------------------

    def cell(self, row: int, column: int) -> QModelIndex:
        return self.rows.index(row, column)

    def go(self, row: int, column: int) -> None:
        index = self.cell(row, column)
        self.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        self.scrollTo(index)

    def _editable_after(self, row: int, column: int, forward: bool) -> tuple[int, int] | None:
        columns = self.rows.columnCount()
        step = 1 if forward else -1
        position = row * columns + column + step
        while 0 <= position < self.rows.rowCount() * columns:
            r, c = divmod(position, columns)
            if self.rows.editable(r, c):
                return r, c
            position += step
        return None

    def first_editable(self, row: int, column: int = 0) -> int:
        for c in range(column, self.rows.columnCount()):
            if self.rows.editable(row, c):
                return c
        return next((c for c in range(self.rows.columnCount()) if self.rows.editable(row, c)), 0)

    def tab(self, forward: bool) -> None:
        current = self.currentIndex()
        row, column = (current.row(), current.column()) if current.isValid() else (0, -1)
        target = self._editable_after(row, column, forward)
        if target is None or (forward and row == self.rows.placeholder and target[0] != row):
            self.leave(forward)
            return
        self.go(*target)

    def enter(self) -> None:
        row = self.currentIndex().row()
        if row == self.rows.placeholder or row + 1 >= self.rows.rowCount():
            self.leave(True)
            return
        self.go(row + 1, self.first_editable(row + 1, self.anchor_column))

    def leave(self, forward: bool) -> None:
        self.grid.leave_row(self.currentIndex().row())
        QWidget.focusNextPrevChild(self, forward)

    def currentChanged(self, current: QModelIndex, previous: QModelIndex) -> None:  # noqa: N802
        super().currentChanged(current, previous)
        if previous.isValid() and current.row() != previous.row():
            self.grid.leave_row(previous.row())
        if current.row() == self.rows.placeholder:
            self.rows.refresh_preview()

    # -- editing ---------------------------------------------------------------------------

    def edit(self, index: QModelIndex, trigger: Any = None, event: Any = None) -> bool:  # type: ignore[override]
        if trigger is None:
            return super().edit(index)  # type: ignore[call-arg]
        column = index.column() if index.isValid() else -1
        if column >= 0 and self.rows.field(column).type == "signature":
            wanted = trigger in (Trigger.DoubleClicked, Trigger.EditKeyPressed) or (
                isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Space
            )
            if wanted and self.rows.editable(index.row(), column):
                self.grid.sign(index.row(), column)
            return False
        started = bool(super().edit(index, trigger, event))
        if started and trigger != Trigger.CurrentChanged and index.row() != self._typed_row:
            self._typed_row, self.anchor_column = index.row(), column  # typing began here
        return started

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:  # noqa: N802
        super().closeEditor(editor, EDIT.NoHint)
        if hint == EDIT.EditNextItem:
            self.tab(True)
        elif hint == EDIT.EditPreviousItem:
            self.tab(False)
        elif hint == EDIT.SubmitModelCache:
            self.enter()
        self.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key, mods = event.key(), event.modifiers()
        ctrl = mods & Qt.KeyboardModifier.ControlModifier
        if key == Qt.Key.Key_Tab and not ctrl:
            self.tab(True)
        elif key == Qt.Key.Key_Backtab and not ctrl:
            self.tab(False)
        elif key in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            self.leave(key == Qt.Key.Key_Tab)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not ctrl:
            self.enter()
        elif key == Qt.Key.Key_D and ctrl:
            self.grid.fill_down()
        elif key == Qt.Key.Key_Insert:
            self.grid.insert_row()
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Minus) and ctrl:
            self.grid.delete_rows()
        elif key == Qt.Key.Key_Delete:
            self.grid.clear_cells()
        elif key == Qt.Key.Key_Backspace:  # as in Excel: edit the cell, starting empty
            if self.edit(self.currentIndex(), Trigger.EditKeyPressed, event):
                editor = self.indexWidget(self.currentIndex()) or QApplication.focusWidget()
                if isinstance(editor, QLineEdit | QPlainTextEdit):
                    editor.clear()
        elif event.matches(QKeySequence.StandardKey.Copy):
            self.grid.copy()
        elif event.matches(QKeySequence.StandardKey.Paste):
            self.grid.paste()
        elif key == Qt.Key.Key_Down and mods & Qt.KeyboardModifier.AltModifier:
            if self.edit(self.currentIndex(), Trigger.EditKeyPressed, event):
                editor = QApplication.focusWidget()
                if isinstance(editor, ChoiceEdit):
                    editor.show_all()
        else:
            super().keyPressEvent(event)

    def focusNextPrevChild(self, forward: bool) -> bool:  # noqa: N802
        if self.state() == QAbstractItemView.State.EditingState:
            return super().focusNextPrevChild(forward)
        self.tab(forward)
        return True

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        super().focusInEvent(event)
        reason = event.reason()
        if reason in (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason):
            if reason == Qt.FocusReason.TabFocusReason or not self.rows.rows:
                row = 0
            else:
                row = len(self.rows.rows) - 1
            if self.rows.rowCount():
                column = self.first_editable(row)
                self.anchor_column = column
                self.go(row, column)

    def event(self, event: QEvent) -> bool:
        # Tab must reach keyPressEvent (Qt would move focus out of the view first)
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
                self.keyPressEvent(event)
                return True
        return super().event(event)


class RepeatGrid(QWidget):
    """A repeat group as a grid (same interface as the card ``RepeatGroup``)."""

    changed = Signal()

    def __init__(
        self,
        field: Field,
        model: RowsModel,
        choices: Choices,
        sign: Callable[[Field, Any], Any],
    ) -> None:
        super().__init__()
        self.field = field
        self.model = model
        self._sign = sign
        self.view = GridView(model, self)
        self.view.setItemDelegate(GridDelegate(model, choices, self.view))
        model.edited.connect(self.changed)
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset):
            signal.connect(self._fit_height)
        self.title = QLabel(f"<b>{field.label}</b>")
        self.message = QLabel()
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        self.message.hide()
        tools = QHBoxLayout()
        tools.addWidget(self.title)
        tools.addStretch(1)
        self.buttons: dict[str, QToolButton] = {}
        for key, text, tip, slot in (
            ("insert", "插入行", "在当前行上方插入一行（Insert）", self.insert_row),
            ("delete", "删除行", "删除所选的行（Ctrl+Delete）", self.delete_rows),
            ("up", "上移", "当前行上移", lambda: self.move_row(-1)),
            ("down", "下移", "当前行下移", lambda: self.move_row(1)),
            ("fill", "向下填充", "把上面一格的内容填到所选格（Ctrl+D）", self.fill_down),
        ):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(slot)
            tools.addWidget(button)
            self.buttons[key] = button
        help_label = QLabel(HELP)
        help_label.setWordWrap(True)
        help_label.setStyleSheet("color: #666; font-size: 9pt;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 6)
        layout.setSpacing(3)
        layout.addLayout(tools)
        layout.addWidget(self.message)
        layout.addWidget(self.view)
        layout.addWidget(help_label)
        self._fit_height()

    def _fit_height(self, *_: object) -> None:
        shown = min(max(self.model.rowCount(), 2), VISIBLE_ROWS)
        header = self.view.horizontalHeader().sizeHint().height()
        scrollbar = self.view.horizontalScrollBar().sizeHint().height()
        self.view.setFixedHeight(header + shown * ROW_HEIGHT + scrollbar + 4)
        self.view.verticalHeader().setVisible(True)

    # -- the interface shared with the cards -----------------------------------------------

    def values(self) -> list[dict[str, Any]]:
        return self.model.values()

    def load(self, rows: list[dict[str, Any]]) -> None:
        self.model.load(rows)

    def apply(
        self,
        rows: list[dict[str, Any]],
        hidden: set[str],
        problems: dict[str, list[Problem]],
        path: str,
        own: list[Problem],
    ) -> None:
        self.message.setText("；".join(p.message for p in own))
        self.message.setVisible(bool(own))
        previous = len(self.model.rows) - 1 if self.model.rows else None
        preview = self.model.starting_values(previous) if self.model.placeholder >= 0 else {}
        self.model.apply(rows, hidden, problems, path, preview)

    def widget_at(self, index: str, rest: str) -> QWidget | None:
        try:
            row = int(index) - 1
        except ValueError:
            row = len(self.model.rows)
        row = min(max(row, 0), max(self.model.rowCount() - 1, 0))
        column = self.model.column_of(rest) if rest else self.view.first_editable(row)
        if self.model.rowCount():
            self.view.go(row, max(column, 0))
        return self.view

    def set_read_only(self, read_only: bool) -> None:
        self.model.beginResetModel()
        self.model.read_only = read_only
        self.model.endResetModel()
        for button in self.buttons.values():
            button.setEnabled(not read_only)

    def reveal(self) -> None:
        self.model.reveal = True
        self.model.layoutChanged.emit()

    def leave_row(self, row: int) -> None:
        """The cadre left ``row``: its empty required cells may now be shown as errors."""
        if 0 <= row < len(self.model.rows):
            self.model.touched.update((row, f.name) for f in self.model.columns)
            self.model.dataChanged.emit(
                self.model.index(row, 0), self.model.index(row, self.model.columnCount() - 1)
            )

    # -- actions ---------------------------------------------------------------------------

    def _current(self) -> tuple[int, int]:
        index = self.view.currentIndex()
        return (index.row(), index.column()) if index.isValid() else (len(self.model.rows), 0)

    def add_row(self, values: dict[str, Any] | None = None) -> int:
        return self.model.insert_row(len(self.model.rows), values)

    def insert_row(self) -> None:
        if self.model.placeholder < 0:
            return
        row, column = self._current()
        at = min(row, len(self.model.rows))
        self.model.insert_row(at)
        self.view.go(at, self.view.first_editable(at, column))
        self.view.setFocus()

    def delete_rows(self) -> None:
        selected = {i.row() for i in self.view.selectionModel().selectedIndexes()}
        selected.add(self._current()[0])
        self.model.remove_rows(selected)

    def move_row(self, step: int) -> None:
        row, column = self._current()
        if self.model.move_row(row, step):
            self.view.go(row + step, column)

    def clear_cells(self) -> None:
        cells = self.view.selectionModel().selectedIndexes() or [self.view.currentIndex()]
        self.model.set_cells(
            (i.row(), i.column(), None)
            for i in cells
            if i.isValid() and i.row() < len(self.model.rows)
        )

    def fill_down(self) -> None:
        """Ctrl+D: each selected column gets its top selected cell (or the cell above)."""
        cells = self.view.selectionModel().selectedIndexes() or [self.view.currentIndex()]
        by_column: dict[int, list[int]] = {}
        for index in cells:
            if index.isValid():
                by_column.setdefault(index.column(), []).append(index.row())
        updates = []
        for column, rows in by_column.items():
            rows.sort()
            source, targets = (rows[0] - 1, rows) if len(rows) == 1 else (rows[0], rows[1:])
            if source < 0 or source >= len(self.model.rows):
                continue
            value = self.model.rows[source].get(self.model.field(column).name)
            updates += [(row, column, value) for row in targets]
        self.model.set_cells(updates)

    def copy(self) -> None:
        cells = self.view.selectionModel().selectedIndexes() or [self.view.currentIndex()]
        rows = sorted({i.row() for i in cells})
        columns = sorted({i.column() for i in cells})
        lines = [
            "\t".join(self.model.display(r, self.model.field(c)) for c in columns) for r in rows
        ]
        QGuiApplication.clipboard().setText("\n".join(lines))

    def paste(self, text: str | None = None) -> int:
        """Paste a block (tab-separated, as Excel and WPS copy) from the current cell on."""
        text = QGuiApplication.clipboard().text() if text is None else text
        block = [row for row in csv.reader(io.StringIO(text), delimiter="\t")]
        while block and not any(cell.strip() for cell in block[-1]):
            block.pop()
        if not block:
            return 0
        top, left = self._current()
        selected = self.view.selectionModel().selectedIndexes()
        if len(block) == 1 and len(block[0]) == 1 and len(selected) > 1:
            f_cells = [(i.row(), i.column()) for i in selected]
            return self.model.set_cells(
                (r, c, from_text(self.model.field(c), block[0][0])) for r, c in f_cells
            )
        columns = [
            c
            for c in range(left, self.model.columnCount())
            if not self.model.field(c).is_calculated and not self.model.field(c).readonly
        ]
        room = (self.field.max_rows or 10**6) - top
        dropped = max(0, len(block) - room)
        updates = [
            (top + r, columns[c], from_text(self.model.field(columns[c]), text))
            for r, line in enumerate(block[:room])
            for c, text in enumerate(line)
            if c < len(columns)
        ]
        changed = self.model.set_cells(updates)
        if dropped:
            self.message.setText(f"最多 {self.field.max_rows} 行，多出的 {dropped} 行未粘贴。")
            self.message.show()
        return changed

    def sign(self, row: int, column: int) -> None:
        f = self.model.field(column)
        value = self._sign(f, self.model.value(row, f.name))
        if value is not None:
            self.model.set_cells([(row, column, value)])

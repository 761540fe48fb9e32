"""The table of a repeat grid, with the keys of a spreadsheet.

Typing edits the current cell; Tab / Shift+Tab go to the next / previous editable cell, Enter to
the next row, back in the column where typing began in this row, or on a new row at the first
cell from there that did not start filled (so a row of monthly income is "income, Enter" once the
month fills itself in). A complete value ends its cell and moves on as Tab would; a full ID
number moves past the birth date and gender it filled. The placeholder row (＋) adds a row when typed
into; Tab or Enter there leaves the grid, Ctrl+Tab always does. Ctrl+D, Insert, Ctrl+Delete,
Delete, Ctrl+C and Ctrl+V are passed to the grid (``GridActions``); signatures open a dialog.
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QFocusEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QTableView,
    QWidget,
)

from fieldapp.core.forms.model import Field
from fieldapp.ui.grid_delegates import ChoiceEdit
from fieldapp.ui.grid_model import RowsModel, typed_after
from fieldapp.ui.move_on import TAB_ONLY, moved_on

ROW_HEIGHT = 28
EDIT = QAbstractItemDelegate.EndEditHint
Trigger = QAbstractItemView.EditTrigger


class GridActions(Protocol):
    """What the view asks of the grid around it."""

    def leave_row(self, row: int) -> None: ...
    def settle(self) -> None: ...
    def fill_down(self) -> None: ...
    def insert_row(self) -> None: ...
    def delete_rows(self) -> None: ...
    def clear_cells(self) -> None: ...
    def copy(self) -> None: ...
    def paste(self, text: str | None = None) -> int: ...
    def sign(self, row: int, column: int) -> None: ...


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

    def __init__(self, model: RowsModel, grid: GridActions) -> None:
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

    def start_column(self, row: int, column: int = 0) -> int:
        """Where typing a new row begins: the first editable cell from ``column`` on that has no
        starting value (the month and the expense carried over are passed), else ``column``'s."""
        column = self.first_editable(row, column)
        if row == self.rows.placeholder:
            self.rows.refresh_preview()
            for c in range(column, self.rows.columnCount()):
                f = self.rows.field(c)
                empty = self.rows.value(row, f.name) in (None, "") or typed_after(f)
                if empty and self.rows.editable(row, c):
                    return c
        return column

    def tab(self, forward: bool, passing: frozenset[int] = frozenset()) -> None:
        """To the next (previous) editable cell, past the columns ``passing`` in this row."""
        current = self.currentIndex()
        row, column = (current.row(), current.column()) if current.isValid() else (0, -1)
        target = self._editable_after(row, column, forward)
        while target is not None and target[0] == row and target[1] in passing:
            target = self._editable_after(*target, forward)
        if target is None or (forward and row == self.rows.placeholder and target[0] != row):
            self.leave(forward)
            return
        self.go(*target)

    def enter(self) -> None:
        row = self.currentIndex().row()
        if row == self.rows.placeholder or row + 1 >= self.rows.rowCount():
            self.leave(True)
            return
        self.go(row + 1, self.start_column(row + 1, self.anchor_column))

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
        passing = self._filled_by(self.currentIndex()) if editor.property("complete") else set()
        super().closeEditor(editor, EDIT.NoHint)
        moves = {
            EDIT.EditNextItem: lambda: self.tab(True, frozenset(passing)),
            EDIT.EditPreviousItem: lambda: self.tab(False),
            EDIT.SubmitModelCache: self.enter,
        }
        move = moves.get(hint)
        if move is None:  # the cadre clicked elsewhere: the cell is kept, focus goes there
            self._left_if_elsewhere()
            return
        self.grid.settle()  # cells that now apply (or no longer do) are known before moving
        self.setFocus()
        move()
        if editor.property("complete"):  # it moved on by itself: a Tab out of habit is no move
            moved_on(QApplication.focusWidget(), TAB_ONLY)

    def _filled_by(self, index: QModelIndex) -> set[int]:
        """The columns a complete ID number typed at ``index`` fills (birth date, gender)."""
        if not index.isValid():
            return set()
        f = self.rows.field(index.column())
        names = (f.birth_date_field, f.gender_field) if f.type == "id_number" else ()
        return {self.rows.column_of(n) for n in names if n}

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
                column = self.start_column(row)
                self.anchor_column = column
                self.go(row, column)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        super().focusOutEvent(event)
        self._left_if_elsewhere()

    def _left_if_elsewhere(self) -> None:
        """Focus went out of the grid (a click elsewhere): the current row was left."""
        now = QApplication.focusWidget()
        if now is not None and now is not self and not self.isAncestorOf(now):
            self.grid.leave_row(self.currentIndex().row())

    def event(self, event: QEvent) -> bool:
        # Tab must reach keyPressEvent (Qt would move focus out of the view first)
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
                self.keyPressEvent(event)
                return True
        return super().event(event)

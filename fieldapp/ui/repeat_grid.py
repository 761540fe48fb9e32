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

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.forms.engine import Problem
from fieldapp.core.forms.model import Field
from fieldapp.ui.grid_delegates import Choices, GridDelegate
from fieldapp.ui.grid_model import RowsModel, from_text
from fieldapp.ui.grid_view import ROW_HEIGHT, GridView

VISIBLE_ROWS = 12
ERROR_STYLE = "color: #c01c28;"
HELP = (
    "直接输入；选项可输入文字或序号，输完整后自动跳到下一格；Tab 下一格，Enter 下一行；"
    "在“＋”行输入即新增一行；Ctrl+D 向下填充，Insert 插入行，Ctrl+Delete 删除行；"
    "可从 Excel/WPS 复制后 Ctrl+V 粘贴。"
)


class RepeatGrid(QWidget):
    """A repeat group as a grid (same interface as the card ``RepeatGroup``)."""

    changed = Signal()

    def __init__(
        self,
        field: Field,
        model: RowsModel,
        choices: Choices,
        sign: Callable[[Field, Any], Any],
        settle: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__()
        self.field = field
        self.model = model
        self._sign = sign
        self.settle = settle  # brings the page up to date at once (a cell was left)
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
        column = self.model.column_of(rest) if rest else self.view.start_column(row)
        if self.model.rowCount():
            self.view.go(row, max(column, 0))
        return self.view

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

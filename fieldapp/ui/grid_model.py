"""The rows of a repeat group as a table model: one row per entry, one column per field.

Why: short rows (members, income lines, monthly incomes, policy records) are entered fastest as a
spreadsheet. The model holds what was typed, exactly as the card widgets would (the engine judges
it), plus what the engine said (calculated values, hidden cells, problems). The last row is a
placeholder: typing into it creates a row with the form's starting values, so there is no
"add" button to reach for and an untouched placeholder is never saved.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from fieldapp.core.forms.engine import Problem
from fieldapp.core.forms.model import Field, Option
from fieldapp.core.store.history import format_value
from fieldapp.core.values.money import format_yuan
from fieldapp.core.values.regions import RegionTable
from fieldapp.ui.field_widgets import id_number_fills, tidy_text
from fieldapp.ui.typed_choice import match_option

Index = QModelIndex | QPersistentModelIndex
Cell = tuple[int, str]
ERROR_BACKGROUND = QColor("#f9d7d9")
WARNING_BACKGROUND = QColor("#fff1c2")
READ_ONLY_BACKGROUND = QColor("#f1f2f4")
PLACEHOLDER_TEXT = QColor("#9a9da3")


def header_label(field: Field) -> str:
    """Column title on at most two lines: '月收入\n（元）'; ＊ marks a required column."""
    label = field.label + ("＊" if field.required is True else "")
    head, bracket, rest = label.partition("（")
    return f"{head}\n（{rest}" if bracket and head else label


def edit_text(field: Field, value: Any) -> str:
    """The text an in-cell editor starts with (money as 元, options as their label)."""
    if value is None:
        return ""
    if field.type == "money" and isinstance(value, int) and not isinstance(value, bool):
        return format_yuan(value)
    if field.options and isinstance(value, str):
        return field.option_label(value)
    return str(value)


def from_text(field: Field, text: str, choices: list[str] | None = None) -> Any:
    """What a typed or pasted cell text is kept as: an option's value when it names one (or the
    one offered choice it names, for ``choices_from``); otherwise exactly what was typed."""
    text = text.rstrip() if field.multiline else text.strip()
    if not text.strip():
        return None
    if field.type in ("date", "month"):
        return tidy_text(field, text)
    if field.options:
        return match_option(field.options, text) or text
    if choices:
        return match_option(tuple(Option(c, c) for c in choices), text) or text
    return text


def typed_after(field: Field) -> bool:
    """Whether a starting value of this column is a beginning to type after (the surname carried
    to a new member) rather than a value of its own (the month after, a member, the expense)."""
    picked = field.options or field.choices_from or field.pick
    return field.type == "text" and field.default_from is not None and not picked


class RowsModel(QAbstractTableModel):
    """Rows of one repeat group; ``edited`` fires on every change a person made."""

    edited = Signal()

    def __init__(
        self,
        group: Field,
        regions: RegionTable,
        starting_values: Callable[[int | None], dict[str, Any]],
    ) -> None:
        super().__init__()
        self.group = group
        self.regions = regions
        self.columns = [f for f in group.fields if f.has_value]
        self.starting_values = starting_values
        self.rows: list[dict[str, Any]] = []
        self.row_initial: dict[str, dict[str, Any]] = {}  # row id -> what it started with
        self.computed: list[dict[str, Any]] = []
        self.hidden: set[Cell] = set()
        self.problems: dict[Cell, list[Problem]] = {}
        self.touched: set[Cell] = set()
        self.reveal = False
        self.read_only = False
        self.preview: dict[str, Any] = {}

    # -- shape ---------------------------------------------------------------------------------

    @property
    def placeholder(self) -> int:
        """Index of the placeholder row (-1 when there is none: read-only or full)."""
        full = self.group.max_rows is not None and len(self.rows) >= self.group.max_rows
        return -1 if self.read_only or full else len(self.rows)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows) + (self.placeholder >= 0)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.columns)

    def field(self, column: int) -> Field:
        return self.columns[column]

    def column_of(self, name: str) -> int:
        return next((i for i, f in enumerate(self.columns) if f.name == name), -1)

    def editable(self, row: int, column: int) -> bool:
        if self.read_only or not 0 <= column < len(self.columns) or row > len(self.rows):
            return False
        f = self.columns[column]
        return not (f.is_calculated or f.readonly or (row, f.name) in self.hidden)

    # -- reading -------------------------------------------------------------------------------

    def value(self, row: int, name: str) -> Any:
        if row >= len(self.rows):
            return self.preview.get(name)
        f = self.columns[self.column_of(name)]
        if f.is_calculated:
            return self.computed[row].get(name) if row < len(self.computed) else None
        return self.rows[row].get(name)

    def shown_problems(self, row: int, name: str) -> list[Problem]:
        """A cell's problems, without 'required' until the cell was left or finalising tried."""
        found = self.problems.get((row, name), [])
        if self.reveal or (row, name) in self.touched:
            return found
        return [p for p in found if p.code != "required"]

    def display(self, row: int, f: Field) -> str:
        if (row, f.name) in self.hidden:
            return ""
        value = self.value(row, f.name)
        if value is None or value == "":
            return ""
        if f.type == "money":
            return format_yuan(value) if isinstance(value, int) else str(value)
        if f.type in ("signature", "select_one") or f.options:
            return format_value(f, value, self.regions)
        text = str(value)
        return text.replace("\n", " ⏎ ") if f.multiline else text

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, f = index.row(), self.columns[index.column()]
        placeholder = row == len(self.rows)
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display(row, f)
        if role == Qt.ItemDataRole.EditRole:
            return None if placeholder else self.value(row, f.name)
        if role == Qt.ItemDataRole.TextAlignmentRole and f.type in ("money", "integer"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and placeholder:
            return QBrush(PLACEHOLDER_TEXT)
        if role == Qt.ItemDataRole.FontRole and placeholder:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._background(row, f)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, f)
        return None

    def _background(self, row: int, f: Field) -> QBrush | None:
        if row < len(self.rows):
            problems = self.shown_problems(row, f.name)
            if any(p.blocking for p in problems):
                return QBrush(ERROR_BACKGROUND)
            if problems:
                return QBrush(WARNING_BACKGROUND)
        if f.is_calculated or (row, f.name) in self.hidden:
            return QBrush(READ_ONLY_BACKGROUND)
        return None

    def _tooltip(self, row: int, f: Field) -> str | None:
        lines = (
            [p.message for p in self.shown_problems(row, f.name)] if row < len(self.rows) else []
        )
        if row == len(self.rows):
            lines.append("在此行输入即新增一行（灰色为预填的值）")
        if f.multiline and isinstance(self.value(row, f.name), str):
            lines.append(str(self.value(row, f.name)))
        if f.hint:
            lines.append(f.hint)
        return "\n".join(lines) or None

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal:
                return header_label(self.columns[section])
            return "＋" if section == len(self.rows) else str(section + 1)
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal:
            f = self.columns[section]
            return f"{f.label}：{f.hint}" if f.hint else f.label
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.editable(index.row(), index.column()):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    # -- writing -------------------------------------------------------------------------------

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        if not self.editable(index.row(), index.column()):
            return False
        changed = self.set_cells([(index.row(), index.column(), value)])
        return changed > 0

    def set_cells(self, cells: Iterable[tuple[int, int, Any]]) -> int:
        """Set many cells at once (a paste, a fill); rows are added for cells past the end.
        A complete ID number fills the row's empty birth date and gender, as on the cards."""
        changed = 0
        pending = list(cells)
        while pending:
            row, column, value = pending.pop(0)
            if value == "":
                value = None
            while row >= len(self.rows) and self.placeholder >= 0:
                self._append()
            if row >= len(self.rows) or not self._column_editable(column):
                continue
            f = self.columns[column]
            if self.rows[row].get(f.name) == value:
                continue
            self.rows[row][f.name] = copy.deepcopy(value)
            self.touched.add((row, f.name))
            changed += 1
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.columns) - 1))
            if f.type == "id_number" and isinstance(value, str):
                pending += self._filled_from_id(row, f, value)
        if changed:
            self.edited.emit()
        return changed

    def _filled_from_id(self, row: int, f: Field, value: str) -> list[tuple[int, int, Any]]:
        fills = id_number_fills(value) or {}
        out = []
        for key, target in (("birth_date", f.birth_date_field), ("gender", f.gender_field)):
            column = self.column_of(target or "")
            if column >= 0 and key in fills and self.rows[row].get(target or "") in (None, ""):
                out.append((row, column, fills[key]))
        return out

    def _column_editable(self, column: int) -> bool:
        if self.read_only or not 0 <= column < len(self.columns):
            return False
        return not (self.columns[column].is_calculated or self.columns[column].readonly)

    def _append(self) -> None:
        at = len(self.rows)
        values = self.starting_values(at - 1 if at else None)
        self.insert_row(at, values, emit=False)

    def insert_row(self, at: int, values: dict[str, Any] | None = None, emit: bool = True) -> int:
        """Insert a row at ``at``. At the end, the placeholder row becomes the new row (the cursor
        stays on it) and a fresh placeholder appears below."""
        if values is None:
            values = self.starting_values(at - 1 if at else None)
        values = dict(values)
        row_id = str(values.pop("_id", None) or uuid.uuid4())
        appending = at == len(self.rows) and self.placeholder >= 0
        shown = at + 1 if appending else at
        self.beginInsertRows(QModelIndex(), shown, shown)
        self.rows.insert(at, {"_id": row_id, **values})
        self.computed.insert(at, {})
        self.row_initial[row_id] = copy.deepcopy(values)
        self._shift(at, 1)
        self.endInsertRows()
        if appending:
            self.dataChanged.emit(self.index(at, 0), self.index(at, len(self.columns) - 1))
            self.headerDataChanged.emit(Qt.Orientation.Vertical, at, at + 1)
        if emit:
            self.edited.emit()
        return at

    def remove_rows(self, rows: Iterable[int]) -> int:
        removed = 0
        for row in sorted(set(rows), reverse=True):
            if 0 <= row < len(self.rows):
                self.beginRemoveRows(QModelIndex(), row, row)
                del self.rows[row]
                del self.computed[row]
                self._shift(row + 1, -1)
                self.endRemoveRows()
                removed += 1
        if removed:
            self.edited.emit()
        return removed

    def move_row(self, row: int, step: int) -> bool:
        target = row + step
        if not (0 <= row < len(self.rows) and 0 <= target < len(self.rows)):
            return False
        self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), target + (step > 0))
        self.rows[row], self.rows[target] = self.rows[target], self.rows[row]
        self.computed[row], self.computed[target] = self.computed[target], self.computed[row]
        self.endMoveRows()
        self.edited.emit()
        return True

    def _shift(self, start: int, by: int) -> None:
        """Keep per-cell state with its row when rows are inserted or removed above it."""

        def moved(cells: set[Cell]) -> set[Cell]:
            return {(r + by if r >= start else r, n) for r, n in cells if r != start - 1 or by > 0}

        self.touched = moved(self.touched)
        self.hidden = moved(self.hidden)
        self.problems = {}

    def refresh_preview(self) -> None:
        """Work out again what the placeholder row would start with (the row above changed)."""
        row = self.placeholder
        if row < 0:
            return
        preview = self.starting_values(row - 1 if row else None)
        if preview != self.preview:
            self.preview = preview
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.columns) - 1))

    def load(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.rows = [copy.deepcopy(r) for r in rows if isinstance(r, dict)]
        for row in self.rows:
            row.setdefault("_id", str(uuid.uuid4()))
        self.computed = [{} for _ in self.rows]
        self.touched, self.hidden, self.problems = set(), set(), {}
        self.endResetModel()

    def values(self) -> list[dict[str, Any]]:
        out = []
        for row in self.rows:
            out.append({k: copy.deepcopy(v) for k, v in row.items() if k == "_id" or self._kept(k)})
        return out

    def _kept(self, name: str) -> bool:
        column = self.column_of(name)
        return column < 0 or not self.columns[column].is_calculated

    def apply(
        self,
        rows: list[dict[str, Any]],
        hidden: set[str],
        problems: dict[str, list[Problem]],
        path: str,
        preview: dict[str, Any],
    ) -> None:
        """Take in the engine's verdict on the rows (values, hidden cells, problems by path)."""
        self.computed = [rows[i] if i < len(rows) else {} for i in range(len(self.rows))]
        self.hidden, self.problems = set(), {}
        for i in range(len(self.rows)):
            for f in self.columns:
                cell_path = f"{path}[{i + 1}].{f.name}"
                if cell_path in hidden:
                    self.hidden.add((i, f.name))
                if cell_path in problems:
                    self.problems[(i, f.name)] = problems[cell_path]
        self.preview = preview
        if self.rowCount():
            self.dataChanged.emit(
                self.index(0, 0), self.index(self.rowCount() - 1, len(self.columns) - 1)
            )

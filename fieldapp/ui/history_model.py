"""The table of a household's history: saves (a sitting's drafts folded into one entry) and
status changes, newest first, filtered by form or by field. Used by the history dialog."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QWidget

from fieldapp.core.store.history import HistoryEntry, history_entries, previous_revision
from fieldapp.core.store.history_summary import SITTING_GAP, sittings, touching
from fieldapp.core.store.records import Revision
from fieldapp.core.store.store import Store

Index = QModelIndex | QPersistentModelIndex


# -- the table of revisions and status changes --------------------------------------------------------


class HistoryModel(QAbstractTableModel):
    """Revisions and status changes of one household, newest first; the drafts of one sitting
    folded into one entry (``grouped``); optionally one form, or one field, only."""

    COLUMNS = ("时间", "表单 / 事项", "状态", "操作人", "改动的字段")
    EntryRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, store: Store, household_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.household_id = household_id
        self._saves: list[HistoryEntry] = []
        self._all: list[HistoryEntry] = []
        self._rows: list[HistoryEntry] = []
        self._form_filter: str | None = None
        self._field_filter: tuple[str, str] | None = None
        self.grouped = True
        self.reload()

    def reload(self) -> None:
        self._saves = history_entries(self.store, self.household_id)
        self._regroup()

    def set_grouped(self, grouped: bool) -> None:
        self.grouped = grouped
        self._regroup()

    def _regroup(self) -> None:
        gap = SITTING_GAP if self.grouped else timedelta(-1)  # a negative gap folds nothing
        self._all = sittings(self._saves, self.store.survey, gap)
        self._apply_filter()

    def set_form_filter(self, form_id: str | None) -> None:
        self._form_filter = form_id
        self._apply_filter()

    def set_field_filter(self, field: tuple[str, str] | None) -> None:
        """Only the entries that changed this (form id, field name)."""
        self._field_filter = field
        self._apply_filter()

    def _apply_filter(self) -> None:
        self.beginResetModel()
        wanted = self._form_filter
        rows = [e for e in self._all if wanted is None or e.form_id == wanted]
        if self._field_filter is not None:
            rows = touching(rows, *self._field_filter)
        self._rows = rows
        self.endResetModel()

    def saves(self) -> int:
        """How many saves the shown entries hold (a sitting holds several)."""
        return sum(e.saves for e in self._rows if e.revision is not None)

    def changed_labels(self, entry: HistoryEntry) -> str:
        form = self.store.survey.forms.get(entry.form_id)
        if form is None or entry.revision is None:
            return ""
        labels = [f.label for name in entry.changed if (f := form.field(name)) is not None]
        return "、".join(labels) if labels else "（无变化）"

    def entry(self, row: int) -> HistoryEntry:
        return self._rows[row]

    def entries(self) -> list[HistoryEntry]:
        return list(self._rows)

    def previous_revision(self, revision: Revision) -> Revision | None:
        """The save this one replaced (its parent; else the one before it of the same form)."""
        return previous_revision(self._all, revision)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        entry = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 4:
                return self.changed_labels(entry)
            state = entry.state + (f" ×{entry.saves}" if entry.saves > 1 else "")
            return (entry.span, entry.what, state, entry.author)[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if entry.revision is not None and column == 4:
                return self.changed_labels(entry)
            if entry.revision is not None:
                folded = (
                    f"本次录入共 {entry.saves} 次自动保存，均已留存\n" if entry.saves > 1 else ""
                )
                return (
                    f"{folded}保存时间（UTC）：{entry.at}\n修订 ID：{entry.revision.id}\n"
                    f"设备：{entry.revision.device_id}"
                )
            if entry.status is not None:
                return f"原因：{entry.status.get('reason', '')}"
        if role == Qt.ItemDataRole.ForegroundRole and column == 2:
            if entry.state == "定稿":
                return QBrush(QColor("#1b7f3b"))
            if entry.state == "草稿":
                return QBrush(QColor("#8a6d00"))
            return QBrush(QColor("#1a5fb4"))
        if role == self.EntryRole:
            return entry
        return None

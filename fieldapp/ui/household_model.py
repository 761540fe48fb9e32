"""A Qt table model over the store's household index: rows are fetched in pages, never all at once.

A widget per row would freeze at 100,000 households; a model lets the view ask only for what is
visible.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from fieldapp.core.forms.model import SIX_CLEARS
from fieldapp.core.store.store import Store

COLUMNS = (
    ("archive_no", "档案编号"),
    ("name", "姓名"),
    ("id_number", "身份证号"),
    ("region", "地区"),
    ("category", "困难类别"),
    ("status", "档案状态"),
    ("clears", "六清"),
)
PAGE = 500

Index = QModelIndex | QPersistentModelIndex


SORT_KEYS = ("archive_no", "name", "id_number", "region_code", "category", "status", "clears")


class HouseholdModel(QAbstractTableModel):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self._store = store
        self._rows: list[dict[str, Any]] = []
        self._query = ""
        self._filters: dict[str, Any] = {}
        self._order = ("archive_no", False)
        self._exhausted = False

    def set_filter(self, query: str, **filters: Any) -> None:
        self._query, self._filters = query, filters
        self.refresh_rows()

    def refresh_rows(self) -> None:
        """Re-read from the store (after a save), keeping filter and sort order."""
        self.beginResetModel()
        self._rows = []
        self._exhausted = False
        self._rows = self._fetch(PAGE)
        self.endResetModel()

    def _fetch(self, count: int) -> list[dict[str, Any]]:
        rows = self._store.search(
            self._query,
            **self._filters,
            order_by=self._order[0],
            descending=self._order[1],
            limit=count,
            offset=len(self._rows),
        )
        self._exhausted = len(rows) < count
        return rows

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._order = (SORT_KEYS[column], order == Qt.SortOrder.DescendingOrder)
        self.refresh_rows()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008, N802
        rows = self._fetch(PAGE)
        if not rows:
            return
        start = len(self._rows)
        self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def household_id(self, row: int) -> str:
        return str(self._rows[row]["id"])

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        key = COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.ToolTipRole and key == "clears":
            done = json.loads(row.get("clears") or "[]")
            return "已完成：" + ("、".join(done) if done else "无")
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if key == "region":
            code = row.get("region_code")
            return self._store.regions.display_name(code) if code else ""
        if key == "clears":
            done = set(json.loads(row.get("clears") or "[]"))
            marks = "".join("●" if clear in done else "○" for clear in SIX_CLEARS)
            return f"{marks} {len(done)}/6"
        return row.get(key) or ""

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,  # noqa: N802
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][1]
        return None

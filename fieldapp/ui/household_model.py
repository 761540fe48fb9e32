"""A Qt table model over the store's household index: rows are fetched in pages, never all at once.

A widget per row would freeze at 100,000 households; a model lets the view ask only for what is
visible.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from fieldapp.core.store import Store

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


class HouseholdModel(QAbstractTableModel):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self._store = store
        self._rows: list[dict[str, Any]] = []
        self._query = ""
        self._status: str | None = None
        self._exhausted = False

    def set_filter(self, query: str, status: str | None = None) -> None:
        self.beginResetModel()
        self._query, self._status = query, status
        self._rows = []
        self._exhausted = False
        self._fetch()
        self.endResetModel()

    def _fetch(self) -> list[dict[str, Any]]:
        rows = self._store.search(
            self._query, status=self._status, limit=PAGE, offset=len(self._rows)
        )
        self._exhausted = len(rows) < PAGE
        self._rows.extend(rows)
        return rows

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        start = len(self._rows)
        rows = self._store.search(self._query, status=self._status, limit=PAGE, offset=start)
        if not rows:
            self._exhausted = True
            return
        self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
        self._rows.extend(rows)
        self._exhausted = len(rows) < PAGE
        self.endInsertRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def household_id(self, row: int) -> str:
        return str(self._rows[row]["id"])

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        row = self._rows[index.row()]
        key = COLUMNS[index.column()][0]
        if key == "region":
            code = row.get("region_code")
            return self._store.regions.full_name(code) if code else ""
        if key == "clears":
            return f"{len(json.loads(row.get('clears') or '[]'))}/6"
        return row.get(key) or ""

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][1]
        return None

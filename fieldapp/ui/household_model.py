"""A Qt table model over the store's household index: rows are fetched in pages, never all at once.

A widget per row would freeze at 100,000 households; a model lets the view ask only for what is
visible. Typing and scrolling query on a worker thread (``search_worker``), which also formats
the cells, so the window's thread only paints; an autosave updates just its own row
(``update_household``) and a new household is inserted as one row (``add_household``).
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from fieldapp.core.forms.model import SIX_CLEARS
from fieldapp.core.store.store import Store
from fieldapp.ui.search_worker import Request, SearchWorker

COLUMNS = (
    ("archive_no", "档案编号"),
    ("name", "姓名"),
    ("id_number", "身份证号"),
    ("region", "地区"),
    ("category", "困难类别"),
    ("status", "档案状态"),
    ("clears", "六清"),
)
PAGE = 100  # four screens of rows; the view asks for more as it scrolls

Index = QModelIndex | QPersistentModelIndex
DISPLAY = Qt.ItemDataRole.DisplayRole
TOOLTIP = Qt.ItemDataRole.ToolTipRole


CELLS = "_cells"  # a row's formatted cells, kept in the row
SORT_KEYS = ("archive_no", "name", "id_number", "region_code", "category", "status", "clears")


def row_cells(store: Store, row: dict[str, Any]) -> tuple[str, ...]:
    """What each column shows for one household (its region spelt out, 六清 as marks)."""
    cells: list[str] = []
    for key, _ in COLUMNS:
        if key == "region":
            code = row.get("region_code")
            cells.append(store.regions.display_name(code) if code else "")
        elif key == "clears":
            done = set(json.loads(row.get("clears") or "[]"))
            marks = "".join("●" if clear in done else "○" for clear in SIX_CLEARS)
            cells.append(f"{marks} {len(done)}/6")
        else:
            cells.append(row.get(key) or "")
    return tuple(cells)


def sorts_before(a: dict[str, Any], b: dict[str, Any], order: tuple[str, bool]) -> bool:
    """Whether row ``a`` comes before ``b`` in the list's SQL order (``Store.search``: the sort
    column, NULL first when ascending, then name and id)."""
    column, descending = order
    first: Any
    second: Any
    if column == "clears":
        first, second = (len(json.loads(r.get("clears") or "[]")) for r in (a, b))
    else:
        first, second = a.get(column), b.get(column)
    if first != second:
        if first is None or second is None:
            return (first is None) != descending
        return bool(first < second) != descending
    tie = [(r.get("name") is not None, r.get("name") or "", r["id"]) for r in (a, b)]
    return tie[0] < tie[1]


def shape_rows(store: Store, rows: list[dict[str, Any]]) -> None:
    """Format a page's cells on the search worker's thread, so painting only reads them."""
    for row in rows:
        row[CELLS] = row_cells(store, row)


class HouseholdModel(QAbstractTableModel):
    """Rows of the household list. ``set_filter(..., background=True)`` (typing) and scrolling
    further (``fetchMore``) run the query on the ``SearchWorker`` thread; an answer for anything
    but the newest request is dropped. ``counted`` gives the number of matches with each new
    filter."""

    counted = Signal(int)

    def __init__(self, store: Store) -> None:
        super().__init__()
        self._store = store
        self._rows: list[dict[str, Any]] = []
        self._query = ""
        self._filters: dict[str, Any] = {}
        self._order = ("archive_no", False)
        self._exhausted = False
        self._generation = 0
        self._waiting = False
        self._worker: SearchWorker | None = None
        if store.path is not None:
            self._worker = SearchWorker(store, shape=shape_rows)
            self._worker.found.connect(self._found)
            self._worker.counted.connect(self._counted)
            self._worker.failed.connect(self._failed)
            self._worker.start()  # its cache warms while the window opens

    def set_filter(self, query: str, *, background: bool = False, **filters: Any) -> None:
        self._query, self._filters = query, filters
        if background and self._worker is not None:
            self._generation += 1
            self._waiting = True
            self._worker.submit(self._request(0, with_total=True))
        else:
            self.refresh_rows()
            self.counted.emit(self._store.count_matching(query, **filters))

    def busy(self) -> bool:
        """Whether an answer from the worker is still awaited."""
        return self._waiting

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.stop()

    def refresh_rows(self) -> None:
        """Re-read from the store now (after an import), keeping filter and sort order."""
        self._generation += 1
        self._waiting = False
        self.beginResetModel()
        self._rows = []
        self._exhausted = False
        self._rows = self._fetch(PAGE)
        self.endResetModel()

    def _request(self, offset: int, *, with_total: bool) -> Request:
        return Request(
            self._generation,
            self._query,
            dict(self._filters),
            self._order,
            offset,
            PAGE,
            with_total,
        )

    def _found(self, generation: int, offset: int, rows: list[dict[str, Any]], total: int) -> None:
        if generation != self._generation:
            return  # a stale keystroke's answer
        self._waiting = False
        self._exhausted = len(rows) < PAGE
        if offset == 0:
            self.beginResetModel()
            self._rows = rows
            self.endResetModel()
        elif rows and offset == len(self._rows):
            self.beginInsertRows(QModelIndex(), offset, offset + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        if total >= 0:
            self.counted.emit(total)

    def _counted(self, generation: int, total: int) -> None:
        if generation == self._generation:
            self.counted.emit(total)

    def _failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self._waiting = False
            self._exhausted = True

    def update_household(self, household_id: str) -> None:
        """Re-read one household's row after its editor saved (an autosave must not re-run the
        list query): the row keeps its place until the next search or sort."""
        for number, row in enumerate(self._rows):
            if row["id"] == household_id:
                query = self._store.db.query(
                    "select * from households where id = ?", [household_id]
                )
                fresh = next(iter(query), None)
                if fresh is not None:
                    self._rows[number] = fresh
                    last = self.index(number, len(COLUMNS) - 1)
                    self.dataChanged.emit(self.index(number, 0), last)
                return

    def add_household(self, household_id: str) -> bool:
        """A household just created: its row joins the list where the sort order puts it, if it
        passes the list's search (no list query). True when it is a new match of that search
        (the count of matches grows by one)."""
        if any(row["id"] == household_id for row in self._rows):
            self.update_household(household_id)
            return False
        if not self._store.matches(household_id, self._query, **self._filters):
            return False
        query = self._store.db.query("select * from households where id = ?", [household_id])
        fresh = next(iter(query), None)
        if fresh is None:
            return False
        position = len(self._rows)
        for number, row in enumerate(self._rows):
            if sorts_before(fresh, row, self._order):
                position = number
                break
        if position < len(self._rows) or self._exhausted:  # else it comes with a later page
            self.beginInsertRows(QModelIndex(), position, position)
            self._rows.insert(position, fresh)
            self.endInsertRows()
        return True

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
        return not parent.isValid() and not self._exhausted and not self._waiting

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008, N802
        if self._worker is not None:
            self._waiting = True
            self._worker.submit(self._request(len(self._rows), with_total=False))
            return
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
        if role not in (DISPLAY, TOOLTIP) or not index.isValid():
            return None  # the view asks ~10 roles per cell on every repaint: answer fast
        row = self._rows[index.row()]
        if role == TOOLTIP:
            if COLUMNS[index.column()][0] != "clears":
                return None
            done = json.loads(row.get("clears") or "[]")
            return "已完成：" + ("、".join(done) if done else "无")
        cells = row.get(CELLS)
        if cells is None:  # a row read on this thread (one saved household)
            cells = row[CELLS] = row_cells(self._store, row)
        return cells[index.column()]

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,  # noqa: N802
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][1]
        return None

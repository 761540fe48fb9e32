"""冲突处理: two versions of one form side by side, the differences highlighted, and per field a
choice between 本地 (the version here) and 收到 (the one a bundle brought).

Saving goes through the core (``fieldapp.core.sync.merge.resolve_conflict``): taking one side
whole is a pick, a mix is a merge validated like any save; either way the result is a new
revision descending from both versions, so nothing either person wrote is lost from history.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.store.errors import StoreError, ValidationFailed
from fieldapp.core.store.history import format_value, local_time
from fieldapp.core.store.store import Store
from fieldapp.core.sync.merge import list_conflicts, resolve_conflict
from fieldapp.ui.dialogs import show_error

DIFFERENT = QColor("#fff3bf")
CURRENT, INCOMING = "本地", "收到"


def _side(entry: dict[str, Any] | None) -> str:
    if not entry:
        return "（缺失）"
    return f"{entry.get('author') or '—'}　{local_time(str(entry.get('created_at') or ''))}"


class ConflictsView(QWidget):
    resolved = Signal(str)
    """The household whose conflict was just resolved."""

    def __init__(self, store: Store, author: str) -> None:
        super().__init__()
        self.store, self.author = store, author
        self.conflicts: list[dict[str, Any]] = []
        self.current: dict[str, Any] | None = None
        self.list = QListWidget()
        self.list.currentRowChanged.connect(self.show_conflict)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["字段", "本地版本", "收到的版本", "采用"])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.all_current = QPushButton("全部采用本地")
        self.all_incoming = QPushButton("全部采用收到的")
        self.save_button = QPushButton("保存处理结果")
        self.all_current.clicked.connect(lambda _checked=False: self.choose_all(CURRENT))
        self.all_incoming.clicked.connect(lambda _checked=False: self.choose_all(INCOMING))
        self.save_button.clicked.connect(lambda _checked=False: self.save())
        buttons = QHBoxLayout()
        for button in (self.all_current, self.all_incoming):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        right = QWidget()
        column = QVBoxLayout(right)
        column.addWidget(self.heading)
        column.addWidget(self.table, 1)
        column.addLayout(buttons)
        split = QSplitter()
        split.addWidget(self.list)
        split.addWidget(right)
        split.setSizes([300, 900])
        self.count = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.count)
        layout.addWidget(split, 1)
        self.refresh()

    def refresh(self) -> None:
        self.conflicts = list_conflicts(self.store)
        self.list.clear()
        for c in self.conflicts:
            form = self.store.survey.forms.get(c["form_id"])
            title = c.get("title") or (form.title if form is not None else c["form_id"])
            item = QListWidgetItem(
                f"{c.get('archive_no') or '（未编号）'}　{c.get('name') or '（未填姓名）'}\n"
                f"{title}　不同 {len(c['differences'])} 项"
            )
            item.setData(Qt.ItemDataRole.UserRole, c["id"])
            self.list.addItem(item)
        self.count.setText(
            f"待处理的冲突 {len(self.conflicts)} 处：同一张表在两处被改过。逐项选择采用哪一边，"
            "保存后两边的修改都保留在修订历史中。"
            if self.conflicts
            else "没有待处理的冲突。"
        )
        for widget in (self.all_current, self.all_incoming, self.save_button):
            widget.setEnabled(bool(self.conflicts))
        if self.conflicts:
            self.list.setCurrentRow(0)
        else:
            self.current = None
            self.table.setRowCount(0)
            self.heading.clear()

    def show_conflict(self, row: int) -> None:
        if not 0 <= row < len(self.conflicts):
            return
        c = self.current = self.conflicts[row]
        form = self.store.survey.forms.get(c["form_id"])
        ours = (c.get("current") or {}).get("data") or {}
        theirs = (c.get("incoming") or {}).get("data") or {}
        self.heading.setText(
            f"<b>{c.get('name') or '（未填姓名）'}</b>　"
            f"{c.get('title') or (form.title if form else c['form_id'])}<br>"
            f"本地版本：{_side(c.get('current'))}<br>收到的版本：{_side(c.get('incoming'))}"
        )
        order = {f.name: i for i, f in enumerate(form.fields)} if form is not None else {}
        names = sorted(c["differences"], key=lambda n: (order.get(n, len(order)), n))
        self.table.setRowCount(len(names))
        for i, name in enumerate(names):
            field = form.field(name) if form is not None else None
            label = QTableWidgetItem(field.label if field is not None else name)
            label.setData(Qt.ItemDataRole.UserRole, name)
            self.table.setItem(i, 0, label)
            for column, data in ((1, ours), (2, theirs)):
                text = format_value(field, data.get(name), self.store.regions) or "（空）"
                item = QTableWidgetItem(text)
                item.setBackground(DIFFERENT)
                self.table.setItem(i, column, item)
            choice = QComboBox()
            choice.addItems([CURRENT, INCOMING])
            self.table.setCellWidget(i, 3, choice)
        self.table.resizeRowsToContents()

    def choices(self) -> dict[str, str]:
        return {
            self.table.item(i, 0).data(Qt.ItemDataRole.UserRole): self.table.cellWidget(
                i, 3
            ).currentText()
            for i in range(self.table.rowCount())
        }

    def choose_all(self, side: str) -> None:
        for i in range(self.table.rowCount()):
            self.table.cellWidget(i, 3).setCurrentText(side)

    def save(self) -> bool:
        c = self.current
        if c is None:
            return False
        picked = set(self.choices().values())
        try:
            if picked == {CURRENT} or not picked:
                resolve_conflict(self.store, c["id"], author=self.author, pick="current")
            elif picked == {INCOMING}:
                resolve_conflict(self.store, c["id"], author=self.author, pick="incoming")
            else:
                resolve_conflict(self.store, c["id"], author=self.author, merged=self.merged())
        except ValidationFailed as exc:
            problems = "\n".join(f"{p.label}：{p.message}" for p in exc.problems if p.blocking)
            show_error(self, "不能保存", f"{exc}\n{problems}")
            return False
        except StoreError as exc:
            show_error(self, "不能保存", str(exc))
            return False
        self.resolved.emit(c["household_id"])
        self.refresh()
        return True

    def merged(self) -> dict[str, Any]:
        """The form's data put together: the chosen side's value for every differing field."""
        assert self.current is not None
        ours = dict((self.current.get("current") or {}).get("data") or {})
        theirs = (self.current.get("incoming") or {}).get("data") or {}
        for name, side in self.choices().items():
            if side == INCOMING:
                if name in theirs:
                    ours[name] = theirs[name]
                else:
                    ours.pop(name, None)
        return ours

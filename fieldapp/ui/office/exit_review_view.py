"""脱困/解困评估: the 漏退 list (在档 households that now meet 脱困 or 解困) and the 错退风险 list
(households marked as exited that no longer qualify), each with its reasons; double-click opens
the household.

The review is the core's ``review_exits`` (the same as ``fieldapp exit-review``), run in the
background when the view opens, with progress and 取消.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.reports.exit_review import ExitDecision, ExitReview, review_exits
from fieldapp.core.store.database import reopen
from fieldapp.core.store.store import Store
from fieldapp.ui.dialogs import show_error
from fieldapp.ui.office.workspace import parse_day
from fieldapp.ui.operations import BackgroundOp

COLUMNS = ("档案编号", "姓名", "地区", "档案状态", "评估结果", "理由")


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.2%}"


class ExitReviewView(QWidget):
    def __init__(self, store: Store, open_household: Callable[[str], object]) -> None:
        super().__init__()
        self.store, self.open_household = store, open_household
        self.review: ExitReview | None = None
        self.day = QLineEdit()
        self.day.setPlaceholderText(f"默认今天（{date.today().isoformat()}）")
        self.day.setMinimumWidth(220)
        self.refresh_button = QPushButton("重新评估")
        self.refresh_button.clicked.connect(lambda _checked=False: self.refresh())
        self.summary = QLabel("正在评估…")
        self.summary.setWordWrap(True)
        self.tabs = QTabWidget()
        self.missed = self._table()
        self.wrong = self._table()
        self.tabs.addTab(self.missed, "漏退")
        self.tabs.addTab(self.wrong, "错退风险")
        top = QHBoxLayout()
        top.addWidget(QLabel("评估日"))
        top.addWidget(self.day)
        top.addWidget(self.refresh_button)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)
        self._started = False

    def _table(self) -> QTableWidget:
        table = QTableWidget(0, len(COLUMNS))
        table.setHorizontalHeaderLabels(list(COLUMNS))
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        table.setWordWrap(True)
        table.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        table.cellDoubleClicked.connect(lambda row, _column, t=table: self._open(t, row))
        return table

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._started:
            self._started = True
            self.refresh()

    def refresh(self) -> BackgroundOp | None:
        try:
            on = parse_day(self.day.text(), "评估日")
        except ValueError as exc:
            show_error(self, "日期有误", str(exc))
            return None
        store = self.store

        def work(progress: Callable[[int, int], None], cancelled: Callable[[], bool]) -> Any:
            own = reopen(store)  # its own connection (same key and mode) in the worker thread
            try:
                return review_exits(own, on=on, cancelled=cancelled)
            finally:
                own.close()

        self.summary.setText("正在评估…")
        self._op = BackgroundOp(self, "正在评估脱困/解困…", work, self.show_review)
        self._op.start()
        return self._op

    def show_review(self, review: ExitReview) -> None:
        self.review = review
        self.summary.setText(
            f"评估日 {review.as_of}：漏退（符合脱困或解困但仍在档）{len(review.missed)} 户，"
            f"漏退率 {_percent(review.missed_rate)}；错退风险（已退出但不再符合）"
            f"{len(review.wrong)} 户，错退率 {_percent(review.wrong_rate)}。双击一户打开。"
        )
        self.tabs.setTabText(0, f"漏退（{len(review.missed)}）")
        self.tabs.setTabText(1, f"错退风险（{len(review.wrong)}）")
        for table, decisions in ((self.missed, review.missed), (self.wrong, review.wrong)):
            self._fill(table, decisions)

    def _fill(self, table: QTableWidget, decisions: list[ExitDecision]) -> None:
        table.setRowCount(len(decisions))
        for row, d in enumerate(decisions):
            values = (
                d.archive_no or "—",
                d.name or "（未填姓名）",
                d.region,
                d.status,
                d.outcome,
                "；".join(d.reasons),
            )
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, d.household_id)
                table.setItem(row, column, item)
        table.resizeColumnsToContents()
        table.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        table.resizeRowsToContents()

    def _open(self, table: QTableWidget, row: int) -> None:
        item = table.item(row, 0)
        if item is not None:
            self.open_household(item.data(Qt.ItemDataRole.UserRole))

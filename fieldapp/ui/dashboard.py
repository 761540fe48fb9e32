"""The headquarters dashboard: the campaign's figures, a chart, a table per region, click-through.

Figures come from fieldapp.core.reports.stats (the same numbers as `fieldapp stats`, defined in
docs/statistics.md); they are computed in the background on the dashboard's own connection.
Clicking a number lists the households behind it; double-clicking one opens it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.reports.click_through import figure_households
from fieldapp.core.reports.stats import FIGURE_LABELS, Stats, compute_stats
from fieldapp.core.reports.xlsx_stats import export_stats_xlsx
from fieldapp.core.store.database import reopen
from fieldapp.core.store.history import local_time
from fieldapp.core.store.store import Store
from fieldapp.ui import file_dialogs
from fieldapp.ui.dialogs import show_error
from fieldapp.ui.operations import BackgroundOp

TILES = (
    "in_archive",
    "visits",
    "households_visited",
    "needs_found",
    "measures",
    "needs_solved",
    "all_guarantees_met",
    "exit_qualified",
    "exited",
    "resolved",
    "paired_visited",
    "coverage_gap",
)
TABLE = (
    "in_archive",
    "visits",
    "needs_found",
    "measures",
    "needs_solved",
    "exit_qualified",
    "exited",
    "paired_visited",
)
BY_LABELS = {
    "region": "按州市/区县",
    "unit": "按工作单位",
    "staff": "按帮扶责任人",
    "standard": "按建档标准",
}


def two_lines(label: str, width: int = 6) -> str:
    """A long column title on balanced lines of at most ``width`` characters, so headers are
    readable without widening the table (符合脱困标准的在档户数 → 符合脱困标准\n的在档户数)."""
    lines = -(-len(label) // width)
    size = -(-len(label) // lines)
    return "\n".join(label[i : i + size] for i in range(0, len(label), size))


def integer_scale(top: int) -> tuple[int, int]:
    """An axis maximum and a whole-number step (1, 2, 5, 10, 20, 50…) giving at most 5 steps."""
    magnitude = 1
    while True:
        for multiple in (1, 2, 5):
            step = multiple * magnitude
            steps = -(-max(top, 1) // step)
            if steps <= 5:
                return steps * step, step
        magnitude *= 10


class HouseholdListDialog(QDialog):
    """The households behind one number; double-click opens one."""

    def __init__(
        self,
        store: Store,
        title: str,
        ids: list[str],
        open_household: Callable[[str], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.list = QListWidget()
        for household_id in ids[:5000]:
            row = store.household(household_id)
            item = QListWidgetItem(
                f"{row.get('archive_no') or '—'}　{row.get('name') or '（未填姓名）'}"
                f"　{store.regions.display_name(row['region_code']) if row.get('region_code') else ''}"
            )
            item.setData(Qt.ItemDataRole.UserRole, household_id)
            self.list.addItem(item)
        self.list.itemDoubleClicked.connect(
            lambda item: (open_household(item.data(Qt.ItemDataRole.UserRole)), self.accept())
        )
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(f"{title}：共 {len(ids)} 户" + ("（显示前 5000 户）" if len(ids) > 5000 else ""))
        )
        layout.addWidget(self.list)
        self.resize(560, 480)


class Dashboard(QWidget):
    def __init__(self, store: Store, open_household: Callable[[str], object]) -> None:
        super().__init__()
        self.store = store
        self.open_household = open_household
        self.stats: Stats | None = None
        self.by = QComboBox()
        for key, label in BY_LABELS.items():
            self.by.addItem(label, key)
        self.date_from = QLineEdit()
        self.date_from.setPlaceholderText("起始日期，如 2026-01-01")
        self.date_to = QLineEdit()
        self.date_to.setPlaceholderText("截止日期，如 2026-12-31")
        for edit in (self.date_from, self.date_to):
            edit.setMinimumWidth(190)
        self.refresh_button = QPushButton("重新计算")
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button = QPushButton("导出表格…")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.export_table)
        self.message = QLabel("正在计算…")
        self._computed_once = False
        top = QHBoxLayout()
        for widget in (
            QLabel("分组"),
            self.by,
            QLabel("期间"),
            self.date_from,
            QLabel("至"),
            self.date_to,
            self.refresh_button,
            self.export_button,
        ):
            top.addWidget(widget)
        top.addStretch(1)

        self.tiles: dict[str, QPushButton] = {}
        grid = QGridLayout()
        for i, key in enumerate(TILES):
            button = QPushButton(f"{FIGURE_LABELS[key]}\n—")
            button.setMinimumHeight(52)
            button.clicked.connect(lambda _=False, k=key: self.show_households(k, None))
            self.tiles[key] = button
            grid.addWidget(button, i // 6, i % 6)

        self.chart = QChart()
        self.chart.setTitle("两有五保障达标户数（在档）")
        self.chart.legend().hide()
        self.chart_view = QChartView(self.chart)
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.table = QTableWidget(0, len(TABLE) + 1)
        self.table.setHorizontalHeaderLabels(
            ["分组", *(two_lines(FIGURE_LABELS[k]) for k in TABLE)]
        )
        self.table.horizontalHeader().setMinimumHeight(48)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.cellDoubleClicked.connect(self._cell_clicked)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.chart_view)
        split.addWidget(self.table)
        split.setSizes([260, 320])

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addLayout(grid)
        layout.addWidget(split, 1)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        """The figures are computed as soon as the dashboard is opened (no extra click)."""
        super().showEvent(event)
        if not self._computed_once:
            self._computed_once = True
            self.refresh()

    def _params(self) -> dict[str, Any]:
        return {
            "by": self.by.currentData(),
            "date_from": self.date_from.text().strip() or None,
            "date_to": self.date_to.text().strip() or None,
        }

    def refresh(self) -> BackgroundOp:
        params = self._params()
        store = self.store

        def work(progress: object, cancelled: Callable[[], bool]) -> Any:
            own = reopen(store)
            try:
                return compute_stats(own, **params, cancelled=cancelled)
            except ValueError as exc:
                return str(exc)
            finally:
                own.close()

        self.message.setText("正在计算…")
        self._op = BackgroundOp(self, "正在计算统计…", work, self.show_stats)
        self._op.start()
        return self._op

    def show_stats(self, stats: Stats | str | None) -> None:
        if not isinstance(stats, Stats):
            self.message.setText(f"未能计算：{stats}" if stats else "未能计算")
            return
        self.stats = stats
        total = stats.total
        self.export_button.setEnabled(True)
        self.message.setText(
            f"统计时间 {local_time(stats.generated_at)}　在档 {total.in_archive} 户　"
            f"结对帮扶覆盖率 "
            f"{'—' if total.pairing_coverage is None else f'{total.pairing_coverage:.2%}'}"
        )
        for key, button in self.tiles.items():
            button.setText(f"{FIGURE_LABELS[key]}\n{getattr(total, key)}")
        bars = QBarSet("达标户数")
        labels = []
        for g in total.guarantees:
            bars.append(g.met)
            labels.append(g.label)
        series = QBarSeries()
        series.append(bars)
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        self.chart.addSeries(series)
        x_axis = QBarCategoryAxis()
        x_axis.append(labels)
        y_axis = QValueAxis()
        top, step = integer_scale(max([total.in_archive, *(g.met for g in total.guarantees), 1]))
        y_axis.setRange(0, top)
        y_axis.setTickCount(top // step + 1)  # whole numbers only, never 0, 0, 1, 1, 2
        y_axis.setLabelFormat("%d")
        self.chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(x_axis)
        series.attachAxis(y_axis)
        self.table.setRowCount(len(stats.groups))
        for row, group in enumerate(stats.groups):
            name = QTableWidgetItem(("　" if group.parent else "") + group.label)
            name.setData(Qt.ItemDataRole.UserRole, group.key)
            self.table.setItem(row, 0, name)
            for column, key in enumerate(TABLE, 1):
                item = QTableWidgetItem(str(getattr(group.figures, key)))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()

    def export_table(self) -> str:
        """The figures and the table by group as an Excel sheet (the export's 统计表)."""
        if self.stats is None:
            return ""
        target = file_dialogs.save_file_name(
            self, "导出统计表", "户户清统计表.xlsx", "Excel 文件 (*.xlsx)"
        )
        if not target:
            return ""
        if not target.lower().endswith(".xlsx"):
            target += ".xlsx"
        try:
            export_stats_xlsx(self.store, self.stats, Path(target))
        except OSError as exc:
            show_error(self, "导出失败", f"无法保存到 {target}：{exc.strerror or exc}")
            return ""
        self.message.setText(f"统计表已导出到 {target}")
        return target

    def _cell_clicked(self, row: int, column: int) -> None:
        if column == 0:
            return
        group = self.table.item(row, 0).data(Qt.ItemDataRole.UserRole)
        self.show_households(TABLE[column - 1], group)

    def households_behind(self, figure: str, group: str | None) -> list[str]:
        params = self._params()
        return figure_households(
            self.store,
            figure,
            group=group,
            by=params["by"] if group else None,
            date_from=params["date_from"],
            date_to=params["date_to"],
        )

    def show_households(self, figure: str, group: str | None) -> HouseholdListDialog:
        ids = self.households_behind(figure, group)
        dialog = HouseholdListDialog(
            self.store, FIGURE_LABELS.get(figure, figure), ids, self.open_household, self
        )
        dialog.show()
        return dialog

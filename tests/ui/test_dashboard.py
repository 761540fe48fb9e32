"""The dashboard shows the same figures as the core statistics and lists the households behind them."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCharts import QValueAxis
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from fieldapp.core.demo.generate import generate_demo
from fieldapp.core.reports.stats import compute_stats
from fieldapp.core.store.store import Store
from fieldapp.ui import file_dialogs
from fieldapp.ui.dashboard import Dashboard, HouseholdListDialog
from fieldapp.ui.main_window import MainWindow


def test_dashboard_figures_chart_table_and_click_through(qtbot: QtBot, store: Store) -> None:
    generate_demo(store, 40, seed=3, author="办公室")
    window = MainWindow(store, "办公室")
    qtbot.addWidget(window)
    dashboard = window.show_dashboard()
    assert isinstance(dashboard, Dashboard)
    dashboard.refresh()
    qtbot.waitUntil(lambda: dashboard.stats is not None, timeout=60_000)
    expected = compute_stats(store, by="region")
    total = dashboard.stats.total  # type: ignore[union-attr]
    assert total.in_archive == expected.total.in_archive > 0
    assert dashboard.tiles["visits"].text().endswith(f"\n{expected.total.visits}")
    assert dashboard.table.rowCount() == len(expected.groups) > 0
    assert len(dashboard.chart.series()) == 1
    dialog = dashboard.show_households("in_archive", None)
    assert isinstance(dialog, HouseholdListDialog)
    assert dialog.list.count() == expected.total.in_archive
    first = dialog.list.item(0)
    dialog.list.itemDoubleClicked.emit(first)
    assert window.tabs.count() == 3  # list, dashboard, the opened household
    group = dashboard.table.item(0, 0).data(0x0100)
    ids = dashboard.households_behind("in_archive", group)
    assert len(ids) == expected.groups[0].figures.in_archive
    window.close()


def test_dashboard_computes_on_open_and_exports_its_table(
    qtbot: QtBot, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate_demo(store, 12, seed=4, author="办公室")
    window = MainWindow(store, "办公室")
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)  # 统计看板
    dashboard = window.tabs.currentWidget()
    assert isinstance(dashboard, Dashboard)
    qtbot.waitUntil(lambda: dashboard.stats is not None, timeout=60_000)  # no click needed
    text = dashboard.message.text()
    assert "统计时间" in text and "T" not in text.split("　")[0]  # local time, not ISO
    axis = next(a for a in dashboard.chart.axes() if isinstance(a, QValueAxis))
    step = (axis.max() - axis.min()) / (axis.tickCount() - 1)
    assert step == int(step) and axis.max() >= dashboard.stats.total.in_archive  # type: ignore[union-attr]
    headers = [
        dashboard.table.horizontalHeaderItem(c).text() for c in range(dashboard.table.columnCount())
    ]
    assert all(max(len(line) for line in h.split("\n")) <= 6 for h in headers)
    assert "符合脱困标准\n的在档户数" in headers
    target = tmp_path / "统计表.xlsx"
    monkeypatch.setattr(file_dialogs, "save_file_name", lambda *a: str(target))
    qtbot.mouseClick(dashboard.export_button, Qt.MouseButton.LeftButton)
    rows = list(load_workbook(target)["统计表"].iter_rows(values_only=True))
    assert rows[0][0] == "困难职工解困脱困“户户清”专项行动统计表"
    window.close()


def test_dashboard_breaks_the_figures_down_by_filing_standard(qtbot: QtBot, store: Store) -> None:
    generate_demo(store, 30, seed=6, author="办公室")
    window = MainWindow(store, "办公室")
    qtbot.addWidget(window)
    dashboard = window.show_dashboard()
    assert isinstance(dashboard, Dashboard)
    dashboard.by.setCurrentIndex(dashboard.by.findData("standard"))
    qtbot.mouseClick(dashboard.refresh_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: dashboard.stats is not None and dashboard.stats.by == "standard", timeout=60_000
    )
    expected = compute_stats(store, by="standard")
    labels = [dashboard.table.item(r, 0).text() for r in range(dashboard.table.rowCount())]
    assert labels == [g.label for g in expected.groups] and "全国级" in labels
    window.close()

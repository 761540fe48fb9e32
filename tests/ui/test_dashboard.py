"""The dashboard shows the same figures as the core statistics and lists the households behind them."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from fieldapp.core.demo.generate import generate_demo
from fieldapp.core.reports.stats import compute_stats
from fieldapp.core.store.store import Store
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

"""The office workspace, driven the way a clerk uses it: menus and shortcuts, buttons, file choices.

File dialogs are answered by replacing ``file_dialogs`` functions (the dialogs themselves are
tested in test_translations); everything else is the real widgets over a real store.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from fieldapp.core.demo.generate import generate_demo
from fieldapp.core.reports import xlsx_export
from fieldapp.core.reports.exit_review import review_exits
from fieldapp.core.reports.xlsx_export import export_xlsx
from fieldapp.core.store.store import Store
from fieldapp.ui import file_dialogs
from fieldapp.ui.main_window import MainWindow
from fieldapp.ui.office.archive_import import ArchiveImportDialog
from fieldapp.ui.office.excel_export import ExcelExportDialog
from fieldapp.ui.office.exit_review_view import ExitReviewView
from tests.stores import open_test_store
from tests.ui.office_helpers import click, press, run_op, shown_window


@pytest.fixture
def demo(store: Store) -> Store:
    # Made as of today: the exit review judges the six months before the evaluation day
    # (docs/rules.md) and the review screen evaluates on today's date; seed 2 gives 漏退 cases.
    generate_demo(store, 16, seed=2, author="办公室", today=date.today())
    return store


@pytest.fixture
def window(qtbot: QtBot, demo: Store) -> Iterator[MainWindow]:
    win = shown_window(qtbot, demo)
    yield win
    win.close()


def test_menus_are_organised_by_job_with_shortcuts(window: MainWindow) -> None:
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == [
        "文件(&F)",
        "户(&U)",
        "表册(&L)",
        "数据包(&B)",
        "办公室(&O)",
        "统计(&S)",
        "安全(&A)",
        "帮助(&H)",
    ]
    office = {a.text(): a.shortcut().toString() for a in window.office_menu.actions() if a.text()}
    assert office["导出 Excel…"] == "Ctrl+E" and office["从 Excel 导入档案…"] == "Ctrl+I"
    assert "低保与最低工资标准…" in office  # the entry point the standards screen plugs into


def test_excel_export_from_the_menu_with_progress_and_open_folder(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    press(qtbot, window, "Ctrl+E")
    dialog = window.findChild(ExcelExportDialog)
    assert dialog is not None and dialog.region.itemText(0) == "全部地区"
    target = tmp_path / "导出.xlsx"
    monkeypatch.setattr(file_dialogs, "save_file_name", lambda *a: str(target))
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    click(qtbot, dialog.export_button)
    assert dialog.op is not None
    qtbot.waitUntil(lambda: dialog.folder_button.isEnabled(), timeout=60_000)
    assert "已导出 16 户" in dialog.message.text()
    assert load_workbook(target, read_only=True).sheetnames[0] == "统计表"
    click(qtbot, dialog.folder_button)
    assert [u.toLocalFile() for u in opened] == [str(tmp_path)]
    dialog.close()


def test_cancelling_an_excel_export_leaves_no_file(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    waiting, go_on = threading.Event(), threading.Event()
    real = xlsx_export._iter_households

    def slow(*args: Any) -> Iterator[Any]:
        for n, item in enumerate(real(*args)):
            if n == 2:  # the worker is inside the export's loop when 取消 is clicked
                waiting.set()
                go_on.wait(30)
            yield item

    monkeypatch.setattr(xlsx_export, "_iter_households", slow)
    target = tmp_path / "out" / "导出.xlsx"
    target.parent.mkdir()
    dialog = window.export_excel()
    assert isinstance(dialog, ExcelExportDialog)
    op = dialog.export(str(target))
    assert op is not None
    qtbot.waitUntil(waiting.is_set, timeout=60_000)
    qtbot.waitUntil(op.dialog.isVisible, timeout=5_000)
    cancel = next(b for b in op.dialog.findChildren(QPushButton) if b.text() == "取消")
    with qtbot.waitSignal(op.done, timeout=30_000):
        click(qtbot, cancel)
        go_on.set()
    assert op.was_cancelled and "已取消" in dialog.message.text()
    assert list(target.parent.iterdir()) == []
    dialog.close()


def test_archive_import_checks_then_imports_and_lists_problems(
    qtbot: QtBot, demo: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exported = tmp_path / "档案.xlsx"
    export_xlsx(demo, exported)
    office = open_test_store(tmp_path / "office.db")
    window = shown_window(qtbot, office)
    press(qtbot, window, "Ctrl+I")
    dialog = window.findChild(ArchiveImportDialog)
    assert dialog is not None
    monkeypatch.setattr(file_dialogs, "open_file_name", lambda *a: str(exported))
    click(qtbot, dialog.browse_button)
    assert dialog.file.text() == str(exported)
    run_op(qtbot, dialog, dialog.check_button)
    checked = dialog.result
    assert checked is not None and checked.dry_run and checked.created > 0
    assert office.count_households() == 0  # a check writes nothing
    assert "检查完毕" in dialog.summary.text()
    run_op(qtbot, dialog, dialog.import_button)
    done = dialog.result
    assert done is not None and not done.dry_run
    assert (done.created, done.rejected) == (checked.created, checked.rejected)
    assert office.count_households() == done.created
    shown = [dialog.table.item(r, 4).text() for r in range(dialog.table.rowCount())]
    assert shown.count("错误") == len(done.errors) and len(shown) == len(done.problems)
    if done.problems:
        report = tmp_path / "问题.xlsx"
        monkeypatch.setattr(file_dialogs, "save_file_name", lambda *a: str(report))
        click(qtbot, dialog.report_button)
        assert report.is_file()
    dialog.close()
    window.close()
    office.close()


def test_exit_review_lists_and_opens_households(
    qtbot: QtBot, window: MainWindow, demo: Store
) -> None:
    press(qtbot, window, "Ctrl+R")
    view = window.tabs.currentWidget()
    assert isinstance(view, ExitReviewView)
    qtbot.waitUntil(lambda: view.review is not None, timeout=60_000)
    expected = review_exits(demo)
    assert view.missed.rowCount() == len(expected.missed)
    assert view.wrong.rowCount() == len(expected.wrong)
    assert f"漏退（{len(expected.missed)}）" == view.tabs.tabText(0)
    table = view.missed if expected.missed else view.wrong
    first = (expected.missed or expected.wrong)[0]
    assert table.item(0, 0).text() == (first.archive_no or "—")
    before = window.tabs.count()
    table.cellDoubleClicked.emit(0, 1)
    assert window.tabs.count() == before + 1
    assert window.selected_household_ids() == [first.household_id]

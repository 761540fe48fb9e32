"""Ledger preview and printing from the GUI (the PDF itself is tested in tests/core)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot

from fieldapp.core.ledger.render import render_household_ledger
from fieldapp.core.store.store import Store
from fieldapp.ui.ledger_view import LedgerPreview
from fieldapp.ui.main_window import MainWindow
from tests.conftest import TODAY
from tests.core.households import complete_household


def saved_household(store: Store) -> str:
    hid = store.create_household("甲")
    for form_id, data in complete_household().items():
        store.save_form(hid, form_id, data, author="甲", final=True, today=TODAY)
    return hid


def test_preview_shows_every_page_and_prints_to_pdf(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    pdf = tmp_path / "ledger.pdf"
    info = render_household_ledger(store, saved_household(store), pdf, reproducible=True)
    preview = LedgerPreview(pdf, "张建国")
    qtbot.addWidget(preview)
    assert preview.document.pageCount() == info.pages > 1
    assert f"共 {info.pages} 页" in preview.info.text()
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printed = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(printed))
    assert preview.print_ledger(printer) == info.pages
    assert printed.stat().st_size > 10_000


def test_main_window_builds_the_ledger_of_the_open_household(qtbot: QtBot, store: Store) -> None:
    hid = saved_household(store)
    window = MainWindow(store, "甲")
    qtbot.addWidget(window)
    window.open_household(hid)
    assert window.selected_household_ids() == [hid]
    window.ledger_for_selection()
    qtbot.waitUntil(
        lambda: any(isinstance(w, LedgerPreview) for w in window.findChildren(LedgerPreview)),
        timeout=30_000,
    )
    preview = window.findChildren(LedgerPreview)[0]
    assert preview.document.pageCount() > 1
    preview.close()
    window.close()

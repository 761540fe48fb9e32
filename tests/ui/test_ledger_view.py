"""Ledger preview and printing from the GUI (the PDF itself is tested in tests/core)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog
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


def _print_to(monkeypatch: pytest.MonkeyPatch, target: Path) -> list[QPrinter]:
    """Accept the system print dialog, sending its printer's output to a PDF file."""
    used: list[QPrinter] = []

    def accept(dialog: QPrintDialog) -> int:
        dialog.printer().setOutputFileName(str(target))  # what choosing "print to file" does
        used.append(dialog.printer())
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(QPrintDialog, "exec", accept)
    return used


@pytest.mark.parametrize("how", ["button", "ctrl+p"])
def test_preview_prints_every_page_from_the_button_and_ctrl_p(
    qtbot: QtBot, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    pdf = tmp_path / "ledger.pdf"
    info = render_household_ledger(store, saved_household(store), pdf, reproducible=True)
    preview = LedgerPreview(pdf, "张建国")
    qtbot.addWidget(preview)
    with qtbot.waitActive(preview):
        preview.show()
        preview.activateWindow()
    assert preview.document.pageCount() == info.pages > 1
    assert f"共 {info.pages} 页" in preview.info.text()
    printed = tmp_path / "printed.pdf"
    used = _print_to(monkeypatch, printed)
    if how == "button":
        qtbot.mouseClick(preview.print_button, Qt.MouseButton.LeftButton)
    else:
        qtbot.keyClick(preview.view, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: printed.is_file() and printed.stat().st_size > 10_000, timeout=20_000)
    assert len(used) == 1
    assert len(PdfReader(printed).pages) == info.pages


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

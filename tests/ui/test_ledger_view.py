"""Ledger preview and printing from the GUI (the PDF itself is tested in tests/core)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QPushButton
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


def test_cancel_stops_a_batch_ledger_and_removes_the_partial_file(
    qtbot: QtBot, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fieldapp.core.demo.generate import generate_demo
    from fieldapp.core.ledger import render

    generate_demo(store, 6, seed=3, author="甲")
    ids = [str(r["id"]) for r in store.search("", limit=None)]
    waiting, go_on = threading.Event(), threading.Event()
    real = render.load_household
    loaded: list[str] = []

    def slow_second(s: Store, hid: str, day: object) -> object:
        loaded.append(hid)
        if len(loaded) == 2:  # the worker is busy inside the batch when 取消 is clicked
            waiting.set()
            go_on.wait(30)
        return real(s, hid, day)  # type: ignore[arg-type]

    monkeypatch.setattr(render, "load_household", slow_second)
    window = MainWindow(store, "甲")
    qtbot.addWidget(window)
    window.show()
    window.table.selectAll()
    window.ledger_for_selection()
    op = window._ledger_op
    qtbot.waitUntil(waiting.is_set, timeout=30_000)
    qtbot.waitUntil(op.dialog.isVisible, timeout=5_000)
    cancel = next(b for b in op.dialog.findChildren(QPushButton) if b.text() == "取消")
    with qtbot.waitSignal(op.done, timeout=30_000):
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
        go_on.set()
    assert op.was_cancelled
    assert len(loaded) < len(ids)  # stopped at the next household, not at the end
    assert op.output is not None and not op.output.parent.exists()
    assert not window.findChildren(LedgerPreview)
    window.close()

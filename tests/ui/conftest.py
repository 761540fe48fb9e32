"""Fixtures shared by the GUI tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from fieldapp.core.store.store import Store
from fieldapp.ui.main_window import MainWindow


@pytest.fixture
def cadre_window(qtbot: QtBot, store: Store) -> Iterator[MainWindow]:
    """The main window at 1366×768 on a laptop whose profile is filled in (李干事, 五华区)."""
    store.set_meta("profile.name", "李干事")
    store.set_meta("profile.region", "530102")
    win = MainWindow(store, "李干事")
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    yield win
    win.close()  # flush editors while the store is still open


@pytest.fixture
def recorded_dialogs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """QMessageBox's static dialogs record their text (the third argument) and return at once
    instead of blocking the test; the texts in the order shown."""
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []

    def record(*args: Any, **kwargs: Any) -> int:
        shown.append(str(args[2]) if len(args) > 2 else "")
        return 0

    for name in ("information", "warning", "critical", "question"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(record))
    return shown

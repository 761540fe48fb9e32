"""Driving the main window like a person: shortcuts to an active window, clicks, waiting for work."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractButton
from pytestqt.qtbot import QtBot

from fieldapp.core.store.store import Store
from fieldapp.ui.main_window import MainWindow


def shown_window(qtbot: QtBot, store: Store) -> MainWindow:
    window = MainWindow(store, "办公室")
    qtbot.addWidget(window)
    window.resize(1366, 768)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    return window


def press(qtbot: QtBot, window: MainWindow, keys: str) -> None:
    """A shortcut typed into the active main window (reaches its menu actions)."""
    combo = QKeySequence(keys)[0]
    qtbot.keyClick(window, combo.key(), combo.keyboardModifiers())


def click(qtbot: QtBot, button: QAbstractButton) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def run_op(qtbot: QtBot, owner: Any, button: QAbstractButton, timeout: int = 60_000) -> None:
    """Click a button that starts ``owner.op`` (a BackgroundOp) and wait until it has finished."""
    owner.op = None
    click(qtbot, button)
    assert owner.op is not None
    qtbot.waitUntil(lambda: not owner.op.running, timeout=timeout)

"""Opening the office screens from the main window: a tab for views, a dialog for one-off tasks.

Kept apart from ``main_window`` so the window only wires menu entries to these functions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QLabel, QMessageBox, QTabWidget, QWidget


def show_tab(tabs: QTabWidget, kind: type[QWidget], title: str, make: Callable[[], QWidget]) -> Any:
    """The open tab of this kind, else a new one made by ``make``; it becomes the current tab."""
    for i in range(tabs.count()):
        if isinstance(tabs.widget(i), kind):
            tabs.setCurrentIndex(i)
            return tabs.widget(i)
    widget = make()
    tabs.setCurrentIndex(tabs.addTab(widget, title))
    return widget


def parse_day(text: str, what: str) -> date | None:
    """A date typed by a person (YYYY-MM-DD), None when empty; ValueError says how to write it."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{what}“{text}”应写成 2026-01-01 这样的日期") from None


def say(label: QLabel, text: str, *, ok: bool) -> bool:
    """A dialog's result line: green when it worked, red when refused; returns ``ok``."""
    label.setStyleSheet("color: #2b8a3e;" if ok else "color: #c01c28;")
    label.setText(text)
    return ok


def open_folder(path: Path) -> bool:
    """Show the folder holding ``path`` in the system's file manager."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))


def standards_entry(parent: QWidget, store: Any) -> None:
    """低保/最低工资标准: the screen another part of the application provides (issue 12's
    ``fieldapp.ui.standards_dialog``); until it is there, say where the standards are kept."""
    try:
        from fieldapp.ui import standards_dialog  # type: ignore[attr-defined]
    except ImportError:
        QMessageBox.information(
            parent,
            "低保与最低工资标准",
            "本版本尚未提供低保标准的编辑界面；标准随上级下发的数据包更新。",
        )
        return
    standards_dialog.open_standards(parent, store)

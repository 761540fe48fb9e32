"""Typing as a cadre does, for pytest-qt tests and the entry benchmark.

QtTest sends key events with ASCII text only; Chinese arrives through an input method as a
composition (pre-edit) and then a commit string, so ``ime`` sends exactly that pair of events to
the widget with keyboard focus. Every helper returns after Qt has processed the events.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from fieldapp.ui.editor import HouseholdEditor
from fieldapp.ui.main_window import MainWindow
from fieldapp.ui.repeat_grid import RepeatGrid


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has keyboard focus"
    return widget


def ime(text: str) -> None:
    """Type ``text`` (Chinese or not) through an input method into the focused widget."""
    QApplication.sendEvent(focused(), QInputMethodEvent("pinyin", []))
    QApplication.processEvents()
    commit = QInputMethodEvent("", [])
    commit.setCommitString(text)
    QApplication.sendEvent(focused(), commit)
    QApplication.processEvents()


def keys(text: str) -> None:
    """Type ASCII ``text`` key by key, each key to whatever has focus at that moment."""
    for char in text:
        QTest.keyClick(focused(), char)
        QApplication.processEvents()


def key(code: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(focused(), code, modifiers)
    QApplication.processEvents()


def type_text(text: str) -> None:
    """ASCII as keys, anything else through the input method."""
    if text.isascii():
        keys(text)
    else:
        ime(text)


def with_worker(window: MainWindow, name: str = "赵红梅") -> HouseholdEditor:
    """A new household with the worker's name typed on Form A (members start with its surname)."""
    editor = window.new_household()
    editor.page("A").focus_path("name")
    ime(name)
    return editor


def grid_of(editor: HouseholdEditor, form_id: str, name: str) -> RepeatGrid:
    """Show the form and put the keyboard on the repeat grid ``name`` (its first row)."""
    editor.nav.setCurrentRow(editor.form_ids.index(form_id))
    grid = editor.page(form_id).repeat(name)
    assert isinstance(grid, RepeatGrid)
    editor.page(form_id).focus_path(f"{name}[1]")
    QApplication.processEvents()
    assert focused() is grid.view
    return grid


def at(grid: RepeatGrid) -> tuple[int, str]:
    """The grid's current cell: (row, field name)."""
    index = grid.view.currentIndex()
    return index.row(), grid.model.field(index.column()).name

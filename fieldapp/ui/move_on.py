"""After the cursor moved on by itself, the Tab a cadre presses out of habit is not a second move.

Why: a complete value (a full ID number, a choice only one option can be) moves the cursor to
the next field at once, which saves a key per field for whoever types on. Someone used to Excel
presses Tab anyway; without this guard that Tab would skip a field and the next value would land
in the wrong place. So the first Tab (on the pages also Enter, which moves on there) that comes
right after such a move, before anything else is typed or clicked, is taken as agreeing with it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QWidget

TAB_ONLY = frozenset({Qt.Key.Key_Tab})
TAB_OR_ENTER = frozenset({Qt.Key.Key_Tab, Qt.Key.Key_Return, Qt.Key.Key_Enter})
ENDS_IT = {
    QEvent.Type.InputMethod,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.FocusOut,
}


class _Absorb(QObject):
    def __init__(self, widget: QWidget, keys: frozenset[Qt.Key]) -> None:
        super().__init__(widget)
        self.keys = keys
        self.waiting = True
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            self._done(watched)
            plain = event.modifiers() == Qt.KeyboardModifier.NoModifier
            return plain and Qt.Key(event.key()) in self.keys
        if event.type() in ENDS_IT:
            self._done(watched)
        return False

    def _done(self, watched: QObject) -> None:
        self.waiting = False
        watched.removeEventFilter(self)
        self.deleteLater()


def moved_on(widget: QWidget | None, keys: frozenset[Qt.Key] = TAB_OR_ENTER) -> None:
    """The cursor has just moved on to ``widget`` by itself: absorb one habitual Tab (``keys``)."""
    if widget is not None:
        _Absorb(widget, keys)


def absorbing(widget: QWidget | None) -> bool:
    """Whether the next Tab into ``widget`` will be absorbed (the entry benchmark asks)."""
    return widget is not None and any(
        isinstance(child, _Absorb) and child.waiting for child in widget.children()
    )

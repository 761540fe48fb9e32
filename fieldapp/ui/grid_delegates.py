"""In-cell editors for the repeat grid: the same field types as the cards, typed into a cell.

Why: a grid is only fast if every cell is reached and filled from the keyboard. Text, numbers,
money, dates, months, phones and ID numbers get a line edit; options (and ``choices_from``) get a
line edit that completes from the list (type a few characters or the option's number, or press
Alt+↓ / F4 to see all); multi-line text gets a taller box where Enter finishes and Shift+Enter
starts a new line. A complete value (a choice only one option can be, a full ID number) ends the
cell and moves on by itself, as Tab would.
Signatures are not typed: the grid opens the signature dialog for them (``repeat_grid``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QInputMethodEvent, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QCompleter,
    QLineEdit,
    QPlainTextEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from fieldapp.core.forms.model import Field
from fieldapp.ui.field_widgets import is_complete
from fieldapp.ui.grid_model import RowsModel, edit_text, from_text, typed_after
from fieldapp.ui.typed_choice import NumberedItems, pick

Index = QModelIndex | QPersistentModelIndex
Choices = Callable[[Field, int], list[str]]


class CellLine(QLineEdit):
    """A one-line cell editor. With ``keep_text`` (a carried-over start such as the surname) the
    first key typed goes after the text instead of replacing it. ``keyed`` fires after a key or
    an input method changed the text, once the line edit (and its completer) are done with it."""

    keyed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.keep_text = False
        self.carried = ""

    def _keep(self) -> None:
        if self.keep_text:
            self.keep_text = False
            self.carried = self.text()
            self.deselect()
            self.end(False)

    def typed(self) -> str:
        """The text, without a carried start the cadre typed again ('赵' + '赵小军')."""
        text, start = self.text(), self.carried
        rest = text[len(start) :] if start and text.startswith(start) else ""
        return rest if len(rest) > len(start) and rest.startswith(start) else text

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.text():
            self._keep()
        before = self.text()
        super().keyPressEvent(event)
        if self.text() != before:
            self.keyed.emit()

    def inputMethodEvent(self, event: QInputMethodEvent) -> None:  # noqa: N802
        self._keep()
        before = self.text()
        super().inputMethodEvent(event)
        if self.text() != before:
            self.keyed.emit()


FINISH_KEYS = {
    Qt.Key.Key_Return: QAbstractItemDelegate.EndEditHint.SubmitModelCache,
    Qt.Key.Key_Enter: QAbstractItemDelegate.EndEditHint.SubmitModelCache,
    Qt.Key.Key_Tab: QAbstractItemDelegate.EndEditHint.EditNextItem,
    Qt.Key.Key_Backtab: QAbstractItemDelegate.EndEditHint.EditPreviousItem,
}


class ChoiceEdit(CellLine):
    """Type to choose from a list (words or the option's number, ``typed_choice``); Alt+↓ or F4
    shows the whole list, numbered.

    The list drops down while what is typed could still mean several options; a complete choice
    ends the cell at once (``finished`` with Tab's hint, ``complete`` set) without the list ever
    opening. While the list is open its completer takes Enter and Tab (it picks the highlighted
    item) and hands the key to the line edit directly, past the delegate: ``finished`` lets the
    delegate end the edit then, so one Enter or Tab both picks and moves on."""

    finished = Signal(object)

    def __init__(self, choices: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.choices = choices
        self.list = QCompleter(choices, self)  # not setCompleter: it would drop down on its own
        self.list.setWidget(self)
        self.list.setFilterMode(Qt.MatchFlag.MatchContains)
        self.list.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.list.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.list.setMaxVisibleItems(15)
        self.list.popup().setItemDelegate(NumberedItems(choices, self.list.popup()))
        self.list.activated.connect(self.setText)
        self.setPlaceholderText("输入文字或序号")
        self.keyed.connect(self._after_typing)

    def _after_typing(self) -> None:
        text = self.typed()
        if pick(self.choices, text).complete:
            self.list.popup().hide()
            # end the cell once the view is done delivering this input (it still focuses the
            # editor after an input method's commit)
            QTimer.singleShot(0, self, self._complete)
            return
        self.list.setCompletionPrefix(text)
        if text.strip() and self.list.completionCount():
            self.list.complete()
        else:
            self.list.popup().hide()

    def _complete(self) -> None:
        if pick(self.choices, self.typed()).complete and not self.property("finished"):
            self.setProperty("complete", True)
            self.finished.emit(QAbstractItemDelegate.EndEditHint.EditNextItem)

    def show_all(self) -> None:
        self.list.setCompletionPrefix("")
        self.list.complete()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        alt_down = (
            event.key() == Qt.Key.Key_Down and event.modifiers() & Qt.KeyboardModifier.AltModifier
        )
        if alt_down or event.key() == Qt.Key.Key_F4:
            self.show_all()
            return
        if event.key() in FINISH_KEYS:
            self.list.popup().hide()
            self.finished.emit(FINISH_KEYS[Qt.Key(event.key())])
            return
        super().keyPressEvent(event)


class CellText(QPlainTextEdit):
    """Multi-line text in a cell: Enter finishes, Shift+Enter or Alt+Enter starts a new line."""

    def text(self) -> str:
        return self.toPlainText()


class GridDelegate(QStyledItemDelegate):
    """Creates the editor that fits each column's field type."""

    def __init__(self, model: RowsModel, choices: Choices, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows = model
        self.choices = choices

    def createEditor(  # noqa: N802
        self, parent: QWidget, option: QStyleOptionViewItem, index: Index
    ) -> QWidget | None:
        f = self.rows.field(index.column())
        if f.type == "signature":
            return None
        if f.multiline:
            text = CellText(parent)
            text.setTabChangesFocus(True)
            return text
        if f.options or f.choices_from or f.pick:
            labels = [o.label for o in f.options] or self.choices(f, index.row())
            choice = ChoiceEdit(labels, parent)
            choice.finished.connect(lambda hint, editor=choice: self._finish(editor, hint))
            return choice
        line = CellLine(parent)
        if f.type == "money":
            line.setAlignment(Qt.AlignmentFlag.AlignRight)
        line.keyed.connect(lambda editor=line, f=f: self._typed(editor, f))
        return line

    def _typed(self, editor: CellLine, f: Field) -> None:
        """A full ID number (or mobile number) ends the cell and moves on, as Tab would
        (``complete`` tells the view it was typed so: it passes the cells the ID filled)."""
        if is_complete(f, editor.typed()):
            QTimer.singleShot(0, editor, lambda: self._complete(editor, f))

    def _complete(self, editor: CellLine, f: Field) -> None:
        if is_complete(f, editor.typed()) and not editor.property("finished"):
            editor.setProperty("complete", True)
            self._finish(editor, QAbstractItemDelegate.EndEditHint.EditNextItem)

    def setEditorData(self, editor: QWidget, index: Index) -> None:  # noqa: N802
        # Qt calls this again whenever data in the editor's range changes (the engine's verdict
        # after an autosave): only the first call may fill the editor, or typing would be lost.
        if editor.property("loaded"):
            return
        editor.setProperty("loaded", True)
        f = self.rows.field(index.column())
        if index.row() == self.rows.placeholder:
            self.rows.refresh_preview()
        value = self.rows.value(index.row(), f.name)
        text = edit_text(f, value)
        if isinstance(editor, CellText):
            editor.setPlainText(text)
            editor.moveCursor(editor.textCursor().MoveOperation.End)
        elif isinstance(editor, CellLine):
            editor.setText(text)
            editor.keep_text = bool(text) and self._is_carried(index, f, value)

    def _is_carried(self, index: Index, f: Field, value: Any) -> bool:
        """A text cell still holding the value it starts with from ``default_from`` (such as the
        surname carried over to a new member)."""
        if not typed_after(f):
            return False
        if index.row() >= len(self.rows.rows):
            return self.rows.preview.get(f.name) == value
        row = self.rows.rows[index.row()]
        start = self.rows.row_initial.get(str(row.get("_id")), {})
        return start.get(f.name) == value

    def setModelData(  # noqa: N802
        self, editor: QWidget, model: QAbstractItemModel, index: Index
    ) -> None:
        if isinstance(editor, CellText | QLineEdit):
            f = self.rows.field(index.column())
            offered = editor.choices if isinstance(editor, ChoiceEdit) else None
            text = editor.typed() if isinstance(editor, CellLine) else editor.text()
            model.setData(index, from_text(f, text, offered))

    def updateEditorGeometry(  # noqa: N802
        self, editor: QWidget, option: QStyleOptionViewItem, index: Index
    ) -> None:
        rect = option.rect  # type: ignore[attr-defined]
        if isinstance(editor, CellText):
            rect = rect.adjusted(0, 0, max(0, 280 - rect.width()), max(0, 96 - rect.height()))
        editor.setGeometry(rect)

    def _finish(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        if isinstance(editor, ChoiceEdit):
            editor.list.popup().hide()
        if editor.property("finished"):
            return
        editor.setProperty("finished", True)
        self.commitData.emit(editor)
        self.closeEditor.emit(editor, hint)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Enter finishes the cell at once (the grid then moves down); in multi-line text
        Shift+Enter or Alt+Enter starts a new line instead."""
        if (
            isinstance(watched, CellText | QLineEdit)
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in FINISH_KEYS
        ):
            newline = Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.AltModifier
            enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            if isinstance(watched, CellText) and enter and event.modifiers() & newline:
                watched.insertPlainText("\n")
                return True
            self._finish(watched, FINISH_KEYS[Qt.Key(event.key())])
            return True
        return super().eventFilter(watched, event)

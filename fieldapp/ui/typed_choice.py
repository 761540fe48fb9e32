"""Choosing from a list by typing, as fast as ticking a box on paper.

Why: a drop-down costs two clicks (open it, pick) and often a scroll, and a cadre copying a paper
form types faster than she points. Every choice box (``ChoiceCombo`` on the pages, the grid's
``ChoiceEdit``) also takes what is typed:

- the option's words, or their beginning, or a part only one option has (through the input
  method: 彝族, 彝, 困难 when one option holds it);
- its number in the list (shown in the list: 1 is the first option; 12 needs two digits).

When what was typed can mean only one option and no other option begins the same way, the choice
is *complete* and the cursor moves on to the next field by itself (as after a full ID number), so
a run of choices is typed without Tab. A choice that still could grow (1 of 12 options, 其他 when
其他困难 exists) is made, and the cursor stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QFocusEvent, QInputMethodEvent, QKeyEvent
from PySide6.QtWidgets import QComboBox, QStyledItemDelegate, QStyleOptionViewItem, QToolTip

from fieldapp.core.forms.model import Option


@dataclass(frozen=True)
class Typed:
    """What a typed text picks in a list: the 0-based ``index`` (None: nothing, or several), and
    whether the choice is ``complete`` (nothing typed further could change it)."""

    index: int | None
    complete: bool = False
    several: tuple[str, ...] = ()  # the labels it could mean, when it picks none of several


def pick(labels: list[str], text: str, values: list[str] | None = None) -> Typed:
    """The option ``text`` picks among ``labels`` (``values``, when they differ, count as exact
    spellings too): its number, its label or value, else the one label that begins with it, else
    the one that contains it."""
    typed = text.strip()
    if not typed:
        return Typed(None)
    starting = [i for i, label in enumerate(labels) if label.startswith(typed)]
    if typed.isdigit() and typed.isascii():
        number = int(typed)
        if 1 <= number <= len(labels) and typed not in labels:
            return Typed(number - 1, number * 10 > len(labels))
    for i, label in enumerate(labels):
        if typed == label or (values is not None and typed == values[i]):
            return Typed(i, starting == [i])
    if len(starting) == 1:
        return Typed(starting[0], True)
    containing = [i for i, label in enumerate(labels) if typed in label]
    if len(containing) == 1:
        return Typed(containing[0], True)
    return Typed(None, several=tuple(labels[i] for i in (starting or containing)))


def match_option(options: tuple[Option, ...], text: str) -> str | None:
    """The value of the option a typed (or pasted) text means, or None."""
    found = pick([o.label for o in options], text, [o.value for o in options]).index
    return None if found is None else options[found].value


def not_found_text(typed: str, result: Typed) -> str:
    """What to tell the cadre when a typed text picks nothing."""
    if result.several:
        shown = "、".join(result.several[:6]) + ("……" if len(result.several) > 6 else "")
        return f"“{typed}”可指：{shown}；请多输入几个字，或输入序号"
    return f"没有“{typed}”这一项；可输入选项的文字或序号，或按 F4 打开列表"


class NumberedItems(QStyledItemDelegate):
    """Shows each option with its number (``3  已婚``) in an open list; ``first`` is the number of
    row 0 (0 when row 0 is the empty （请选择） entry, which then shows no number)."""

    def __init__(self, labels: list[str], parent: Any = None, first: int = 1) -> None:
        super().__init__(parent)
        self.numbers = {label: i + 1 for i, label in enumerate(labels)}
        self.first = first

    def initStyleOption(  # noqa: N802 (Qt's name)
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        label = str(index.data() or "")
        number = self.numbers.get(label)
        if number is not None and (self.first or index.row() > 0):
            option.text = f"{number}　{label}"  # type: ignore[attr-defined]


class ChoiceCombo(QComboBox):
    """A drop-down that also takes typing: words through the input method, or the option's
    number. ``completed`` fires when a typed choice is complete (the page moves on)."""

    completed = Signal()

    def __init__(self, labels: list[str]) -> None:
        super().__init__()
        self.labels = labels
        self._typed = ""  # typed since the box was entered (digits, or words)
        self.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, True)
        self._numbered = False  # the popup's numbers: set when it first opens (a combo's list
        # view is built on first use; building 30 of them made opening a form 20 ms slower)
        self.setToolTip("可直接输入选项的文字或序号，或按 F4 打开列表")

    def type_in(self, text: str) -> None:
        """Choose by what was typed; a word typed after another is tried as one text first."""
        joined = self._typed + text
        result = pick(self.labels, joined)
        if result.index is None and self._typed:
            joined, result = text, pick(self.labels, text)
        if result.index is None:
            self._typed = ""
            QToolTip.showText(
                self.mapToGlobal(QPoint(0, self.height())), not_found_text(text, result), self
            )
            return
        self._typed = "" if result.complete else joined
        self.setCurrentIndex(result.index + 1)  # row 0 is （请选择）
        if result.complete:
            self.completed.emit()

    def showPopup(self) -> None:  # noqa: N802 (Qt's name)
        if not self._numbered:
            self._numbered = True
            self.setItemDelegate(NumberedItems(self.labels, self, first=0))
        view = self.view()  # wide enough for the numbers in front of the labels
        view.setMinimumWidth(
            view.sizeHintForColumn(0) + view.verticalScrollBar().sizeHint().width()
        )
        super().showPopup()

    def inputMethodEvent(self, event: QInputMethodEvent) -> None:  # noqa: N802 (Qt's name)
        if event.commitString():
            self.type_in(event.commitString())
        event.accept()

    def inputMethodQuery(self, query: Qt.InputMethodQuery) -> Any:  # noqa: N802 (Qt's name)
        if query == Qt.InputMethodQuery.ImEnabled:
            return True
        return super().inputMethodQuery(query)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        text = event.text()
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if plain and text.isdigit() and text.isascii():
            digits = self._typed if self._typed.isdigit() else ""
            self._typed = digits
            self.type_in(text)
            return
        if plain and text and text.isprintable() and not text.isspace():
            self._typed = ""
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt's name)
        self._typed = ""
        super().focusOutEvent(event)

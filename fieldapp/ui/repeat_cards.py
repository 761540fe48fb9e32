"""A repeat group as cards: one box per row with the row's fields, add, remove and reorder.

Why: rows with long text (or a form that asks for ``layout: cards``) read better as cards than
as a grid. The row's fields are laid out by the page (``make_fields``), so this module does not
depend on the page that contains it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.forms.engine import Problem
from fieldapp.core.forms.model import Field
from fieldapp.ui.field_blocks import ERROR_STYLE, FieldBlock, RenderContext


class RowFields(Protocol):
    """The fields of one row, laid out (the page's FieldGrid)."""

    changed: SignalInstance
    blocks: dict[str, FieldBlock]

    def values(self) -> dict[str, Any]: ...
    def load(self, values: dict[str, Any]) -> None: ...
    def apply(
        self,
        values: dict[str, Any],
        hidden: set[str],
        problems: dict[str, list[Problem]],
        prefix: str,
    ) -> None: ...
    def widget_at(self, path: str) -> QWidget | None: ...
    def block_at(self, path: str) -> FieldBlock | None: ...


class RowCard(QGroupBox):
    """One row as a card: its fields (from the page's ``make_fields``) under ↑ ↓ 删除此行."""

    def __init__(self, group: RepeatGroup, row_id: str) -> None:
        super().__init__()
        self.row_id = row_id
        self.grid = group.make_fields()
        tools = QHBoxLayout()
        tools.addStretch(1)
        self.up, self.down, self.remove = QToolButton(), QToolButton(), QToolButton()
        for button, text, tip in (
            (self.up, "↑", "上移"),
            (self.down, "↓", "下移"),
            (self.remove, "删除此行", "删除此行"),
        ):
            button.setText(text)
            button.setToolTip(tip)
            tools.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(tools)
        layout.addWidget(self.grid)


class RepeatGroup(QWidget):
    """A repeat group as cards, one per row, with add, remove and reorder."""

    changed = Signal()

    def __init__(
        self, field: Field, ctx: RenderContext, make_fields: Callable[[], RowFields]
    ) -> None:
        super().__init__()
        self.field, self.ctx, self.make_fields = field, ctx, make_fields
        self.cards: list[RowCard] = []
        self.row_initial: dict[str, dict[str, Any]] = {}  # new rows: what they started with
        self.title = QLabel(f"<b>{field.label}</b>")
        self.message = QLabel()
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.hide()
        self.add_button = QPushButton(f"＋ 添加{field.label}")
        self.add_button.clicked.connect(lambda: self.add_row())
        self.rows_layout = QVBoxLayout()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 6)
        layout.addWidget(self.title)
        layout.addWidget(self.message)
        layout.addLayout(self.rows_layout)
        layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)

    def add_row(self, values: dict[str, Any] | None = None, *, emit: bool = True) -> RowCard:
        new = values is None
        if values is None:  # a new row starts from the form's defaults, as a new record does
            previous = len(self.cards) - 1 if self.cards else None
            values = self.ctx.starting_row(self.field, previous)
        card = RowCard(self, str(values.get("_id") or uuid.uuid4()))
        if new:
            self.row_initial[card.row_id] = dict(values)
        card.grid.changed.connect(self.changed)
        card.up.clicked.connect(lambda: self.move(card, -1))
        card.down.clicked.connect(lambda: self.move(card, 1))
        card.remove.clicked.connect(lambda: self.remove(card))
        if values:
            card.grid.load(values)
        self.cards.append(card)
        self.rows_layout.addWidget(card)
        self._retitle()
        if emit:
            self.changed.emit()
            first = card.grid.widget_at(self.field.fields[0].name)
            if first is not None:
                first.setFocus()
        return card

    def move(self, card: RowCard, step: int) -> None:
        i = self.cards.index(card)
        j = i + step
        if not 0 <= j < len(self.cards):
            return
        self.cards[i], self.cards[j] = self.cards[j], self.cards[i]
        self.rows_layout.removeWidget(card)
        self.rows_layout.insertWidget(j, card)
        self._retitle()
        self.changed.emit()

    def remove(self, card: RowCard) -> None:
        self.cards.remove(card)
        self.rows_layout.removeWidget(card)
        card.deleteLater()
        self._retitle()
        self.changed.emit()

    def _retitle(self) -> None:
        for i, card in enumerate(self.cards, 1):
            title = f"{self.field.label} 第 {i} 行"
            if self.field.row_title:
                block = card.grid.blocks.get(self.field.row_title)
                value = block.widget.value() if block is not None else None
                if value:
                    title += f"：{value}"
            card.setTitle(title)
            card.up.setEnabled(i > 1)
            card.down.setEnabled(i < len(self.cards))

    def values(self) -> list[dict[str, Any]]:
        return [{"_id": card.row_id, **card.grid.values()} for card in self.cards]

    def load(self, rows: list[dict[str, Any]]) -> None:
        for card in self.cards:
            self.rows_layout.removeWidget(card)
            card.deleteLater()
        self.cards = []
        for row in rows:
            if isinstance(row, dict):
                self.add_row(row, emit=False)

    def apply(
        self,
        rows: list[dict[str, Any]],
        hidden: set[str],
        problems: dict[str, list[Problem]],
        path: str,
        own: list[Problem],
    ) -> None:
        if own:
            self.message.setText("；".join(p.message for p in own))
            self.message.show()
        else:
            self.message.hide()
        for i, card in enumerate(self.cards):
            row = rows[i] if i < len(rows) else {}
            card.grid.apply(row, hidden, problems, f"{path}[{i + 1}].")
        self._retitle()

    def widget_at(self, index: str, rest: str) -> QWidget | None:
        try:
            card = self.cards[int(index) - 1]
        except (ValueError, IndexError):
            return self.add_button
        return card.grid.widget_at(rest) if rest else card

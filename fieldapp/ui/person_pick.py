"""The editor of a ``pick: people`` field: the worker or a family member, picked from Form A.

Why: Form B's income lines must say whose income each is, and a free-text name drifts from the
names in Form A (the rules count people by those). The list is read from the household each time
it opens, so a member added to Form A a moment ago is there; typing stays possible (old data,
全家), and the engine warns about a name that is not in Form A.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QWidget

from fieldapp.core.forms.model import Field
from fieldapp.ui.field_widgets import UNLIMITED, FieldWidget

PeopleSource = Callable[[], list[str]]


class _RefreshingCombo(QComboBox):
    """An editable combo box whose items are read again every time its list opens."""

    def __init__(self, source: PeopleSource) -> None:
        super().__init__()
        self.source = source
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)

    def refill(self) -> None:
        text = self.currentText()
        self.blockSignals(True)
        try:
            self.clear()
            self.addItems(self.source())
            self.setEditText(text)
        finally:
            self.blockSignals(False)

    def showPopup(self) -> None:  # noqa: N802 (Qt's name)
        self.refill()
        super().showPopup()


class PersonPickWidget(FieldWidget):
    def __init__(self, field: Field, source: PeopleSource, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.combo = _RefreshingCombo(source)  # filled when its list is opened
        line = self.combo.lineEdit()
        if line is not None:
            line.setPlaceholderText("从档案表选择成员，或选“全家”")
            line.setMaxLength(UNLIMITED)  # never cut: over-long text is flagged (issue 10)
        self.combo.setMinimumWidth(160)
        self.combo.setMaximumWidth(260)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        layout.addStretch(1)
        self.combo.editTextChanged.connect(self._emit)

    def value(self) -> Any:
        text = self.combo.currentText()
        return text if text.strip() else None

    def _set(self, value: Any) -> None:
        self.combo.setEditText("" if value is None else str(value))

    def focus_target(self) -> QWidget:
        return self.combo

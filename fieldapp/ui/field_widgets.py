"""One small editor widget per field type, all with the same interface, so the form renderer is generic.

Every widget returns what the cadre typed (``value()``) without judging it: the core engine decides
what is valid, and invalid input is kept in the draft exactly as typed. ``changed`` fires on every
edit; the renderer debounces it into validation and autosave.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.forms.fieldtypes import MOBILE, typed_date, typed_month
from fieldapp.core.forms.model import Field
from fieldapp.core.values.idcard import check_id_number
from fieldapp.core.values.money import format_yuan
from fieldapp.core.values.regions import RegionTable
from fieldapp.ui.typed_choice import ChoiceCombo

UNLIMITED = 2**31 - 1
"""QLineEdit's maxLength when nothing may be cut."""


class FieldWidget(QWidget):
    """Base: ``value()``/``set_value()`` in stored shapes (or raw text), ``changed`` on edits,
    ``completed`` when what was typed is complete (a full ID number, a choice nothing typed
    further could change): the page then moves the cursor on."""

    changed = Signal()
    completed = Signal()

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self._loading = False

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        self._loading = True
        try:
            self._set(value)
        finally:
            self._loading = False

    def _set(self, value: Any) -> None:
        raise NotImplementedError

    def _emit(self, *_: object) -> None:
        if not self._loading:
            self.changed.emit()

    def focus_target(self) -> QWidget:
        return self

    def set_read_only(self, read_only: bool) -> None:
        self.setEnabled(not read_only)


class LineWidget(FieldWidget):
    """text, integer, phone, id_number, month: a line edit holding exactly what was typed."""

    PLACEHOLDERS = {
        "integer": "整数",
        "phone": "手机 11 位或带区号座机",
        "id_number": "18 位身份证号",
        "month": "如 2026-03",
    }

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(
            field.hint[:40] if field.hint else self.PLACEHOLDERS.get(field.type, "")
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        # Never cut what is typed or pasted (Qt's default cuts at 32,767): the engine flags text
        # over the field's max_length, and the store refuses a save over the hard cap, whole.
        self.edit.setMaxLength(UNLIMITED)
        if field.type != "text":
            self.edit.setMinimumWidth(230 if field.type == "id_number" else 170)
            self.edit.setMaximumWidth(260)
            layout.addStretch(1)
        self.edit.textChanged.connect(self._emit)
        self.edit.textEdited.connect(self._typed)
        if field.type in ("date", "month"):
            self.edit.editingFinished.connect(self._tidy)

    def _typed(self, text: str) -> None:
        if is_complete(self.field, text):
            self.completed.emit()

    def _tidy(self) -> None:
        """Show a date typed the short way (20260305, 3-5) as it was understood."""
        understood = tidy_text(self.field, self.edit.text())
        if understood != self.edit.text():
            self.edit.setText(understood)

    def value(self) -> Any:
        text = self.edit.text()
        return text if text.strip() else None

    def _set(self, value: Any) -> None:
        self.edit.setText("" if value is None else str(value))

    def focus_target(self) -> QWidget:
        return self.edit

    def set_read_only(self, read_only: bool) -> None:
        self.edit.setReadOnly(read_only)


class MultilineWidget(FieldWidget):
    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.edit = QPlainTextEdit()
        self.edit.setTabChangesFocus(True)
        self.edit.setFixedHeight(64)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        self.edit.textChanged.connect(self._emit)

    def value(self) -> Any:
        text = self.edit.toPlainText()
        return text if text.strip() else None

    def _set(self, value: Any) -> None:
        self.edit.setPlainText("" if value is None else str(value))

    def focus_target(self) -> QWidget:
        return self.edit


class MoneyWidget(LineWidget):
    """Entered and shown as 元 with two decimals; the engine turns the text into 分."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.edit.setPlaceholderText("元，如 1234.50")
        self.edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.layout().insertWidget(1, QLabel("元"))  # type: ignore[union-attr]

    def _set(self, value: Any) -> None:
        self.edit.setText(format_yuan(value) if isinstance(value, int) else (value or ""))


class DateWidget(LineWidget):
    """Typed as 2026-03-05 (or 2026年3月5日), or picked from a calendar."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.edit.setPlaceholderText("如 2026-03-05")
        self.pick = QToolButton()
        self.pick.setText("日历")
        self.pick.setToolTip("从日历选择")
        self.pick.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.pick.clicked.connect(self._open_calendar)
        self.layout().insertWidget(1, self.pick)  # type: ignore[union-attr]

    def _open_calendar(self) -> None:
        dialog = QDialog(self)
        dialog.setWindowTitle(self.field.label)
        calendar = QCalendarWidget()
        current = QDate.fromString(self.edit.text(), "yyyy-MM-dd")
        if current.isValid():
            calendar.setSelectedDate(current)
        if not self.field.allow_future:
            calendar.setMaximumDate(QDate.currentDate())
        calendar.activated.connect(dialog.accept)
        layout = QVBoxLayout(dialog)
        layout.addWidget(calendar)
        ok = QPushButton("确定")
        ok.clicked.connect(dialog.accept)
        layout.addWidget(ok)
        if dialog.exec():
            self.edit.setText(calendar.selectedDate().toString("yyyy-MM-dd"))


class SelectOneWidget(FieldWidget):
    """A drop-down that also takes the option's words or number, typed (``ChoiceCombo``)."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.combo = ChoiceCombo([o.label for o in field.options])
        self.combo.completed.connect(self.completed)
        self.combo.addItem("（请选择）", None)
        for option in field.options:
            self.combo.addItem(option.label, option.value)
        self.combo.setMaxVisibleItems(20)
        self.combo.setMaximumWidth(320)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        layout.addStretch(1)
        self.combo.currentIndexChanged.connect(self._emit)

    def value(self) -> Any:
        if self.combo.currentIndex() <= 0:
            return None
        data = self.combo.currentData()
        return data if data is not None else self.combo.currentText()

    def _set(self, value: Any) -> None:
        index = self.combo.findData(value) if value is not None else 0
        if index < 0:  # a value not in the list (old form version): keep it visible
            self.combo.addItem(f"{value}（不在选项中）", value)
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(index)

    def focus_target(self) -> QWidget:
        return self.combo


class SelectMultipleWidget(FieldWidget):
    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.boxes: list[QCheckBox] = []
        columns = 3 if len(field.options) > 6 else 2
        for i, option in enumerate(field.options):
            box = QCheckBox(option.label)
            box.setProperty("value", option.value)
            box.toggled.connect(self._emit)
            layout.addWidget(box, i // columns, i % columns)
            self.boxes.append(box)

    def value(self) -> Any:
        chosen = [b.property("value") for b in self.boxes if b.isChecked()]
        return chosen or None

    def _set(self, value: Any) -> None:
        chosen = set(value) if isinstance(value, list) else set()
        for box in self.boxes:
            box.setChecked(box.property("value") in chosen)

    def focus_target(self) -> QWidget:
        return self.boxes[0] if self.boxes else self


class RegionWidget(FieldWidget):
    """Province → city → county cascade over the shipped GB/T 2260 table."""

    def __init__(self, field: Field, regions: RegionTable, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.regions = regions
        self.province, self.city, self.county = QComboBox(), QComboBox(), QComboBox()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for combo in (self.province, self.city, self.county):
            combo.setMinimumContentsLength(6)
            layout.addWidget(combo, 1)
        self.province.addItem("（省）", None)
        for region in regions.provinces():
            if not field.within or region.code.startswith(str(field.within)[:2]):
                self.province.addItem(region.name, region.code)
        if field.level == "province":
            self.city.hide()
        if field.level != "county":
            self.county.hide()
        self.province.currentIndexChanged.connect(self._province_changed)
        self.city.currentIndexChanged.connect(self._city_changed)
        self.county.currentIndexChanged.connect(self._emit)
        self._province_changed()

    def _fill(self, combo: QComboBox, placeholder: str, items: list[Any]) -> None:
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(placeholder, None)
        for region in items:
            combo.addItem(region.name, region.code)
        combo.blockSignals(False)

    def _province_changed(self, *_: object) -> None:
        code = self.province.currentData()
        self._fill(self.city, "（市/州）", self.regions.cities(code) if code else [])
        self._city_changed()

    def _city_changed(self, *_: object) -> None:
        code = self.city.currentData()
        self._fill(self.county, "（县/区）", self.regions.counties(code) if code else [])
        self._emit()

    def value(self) -> Any:
        for combo in (self.county, self.city, self.province):
            if combo.isVisible() or not combo.isHidden():
                if combo.currentData():
                    return combo.currentData()
        return None

    def _set(self, value: Any) -> None:
        path = self.regions.path(value) if isinstance(value, str) else []
        codes = [r.code for r in path]
        for combo, refill in (
            (self.province, self._province_changed),
            (self.city, self._city_changed),
            (self.county, None),
        ):
            index = next((combo.findData(c) for c in codes if combo.findData(c) >= 0), 0)
            combo.blockSignals(True)
            combo.setCurrentIndex(index)
            combo.blockSignals(False)
            if refill is not None:
                refill()

    def focus_target(self) -> QWidget:
        return self.province


class CalculatedWidget(FieldWidget):
    """A calculated field: read-only, shows the engine's result."""

    def __init__(
        self, field: Field, show: Callable[[Any], str], parent: QWidget | None = None
    ) -> None:
        super().__init__(field, parent)
        self.label = QLabel("—")
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setStyleSheet("color: #1a5fb4; font-weight: bold;")
        self._show = show
        self._value: Any = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addStretch(1)

    def value(self) -> Any:
        return self._value

    def _set(self, value: Any) -> None:
        self._value = value
        self.label.setText(self._show(value) or "—")


def id_number_fills(text: str) -> dict[str, str] | None:
    """Birth date and gender to fill in when a complete, valid ID number has been typed."""
    info, problems = check_id_number(text)
    if info is None or any(p.blocking for p in problems):
        return None
    return {"birth_date": info.birth_date.isoformat(), "gender": info.gender}


FULL_DATE = re.compile(r"\d{8}|\d{4}-\d{2}-\d{2}")
FULL_MONTH = re.compile(r"\d{6}|\d{4}-\d{2}")


def is_complete(field: Field, text: str) -> bool:
    """Whether a typed text is all this field can hold, so the cursor may move on by itself: a
    valid 18-digit ID number, an 11-digit mobile number, a date typed in full (20260305 or
    2026-03-05; not 2026-3-1, which may be going on to 2026-3-15), a month in full (2026-03)."""
    typed = unicodedata.normalize("NFKC", text).strip()
    if field.type == "id_number":
        return id_number_fills(typed) is not None
    if field.type == "date":
        return (
            FULL_DATE.fullmatch(typed) is not None and typed_date(typed, date.today()) is not None
        )
    if field.type == "month":
        return FULL_MONTH.fullmatch(typed) is not None and typed_month(typed) is not None
    return field.type == "phone" and MOBILE.fullmatch(typed) is not None


def tidy_text(field: Field, text: str) -> str:
    """A typed date or month as it was understood (``20260305`` → ``2026-03-05``, ``3-5`` → this
    year's 3-05); any other text unchanged."""
    if field.type == "date":
        day = typed_date(text, date.today())
        return day.isoformat() if day is not None else text
    if field.type == "month":
        return typed_month(text) or text
    return text

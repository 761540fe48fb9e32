"""The pieces a form page is built from: the shared render context, one editor per field type,
and the block that shows a field with its problems.

Why apart from the renderer: these know single fields only (nothing about sections or repeat
groups), so the page, the cards and the grid all use them without importing each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from fieldapp.core.forms.defaults import Defaults
from fieldapp.core.forms.engine import PICK_PEOPLE, Problem
from fieldapp.core.forms.model import Field, Form
from fieldapp.core.store.store import Store
from fieldapp.core.values.money import format_yuan
from fieldapp.core.values.regions import RegionTable
from fieldapp.ui.field_widgets import (
    CalculatedWidget,
    DateWidget,
    FieldWidget,
    LineWidget,
    MoneyWidget,
    MultilineWidget,
    RegionWidget,
    SelectMultipleWidget,
    SelectOneWidget,
)

ERROR_STYLE = "color: #c01c28;"
WIDE_TYPES = frozenset({"select_multiple", "signature", "attachment", "region"})
WARNING_STYLE = "color: #9c6500;"
LAYOUT_OVERRIDE: str | None = None
"""Set to "cards" to show every repeat group as cards whatever its form says (benchmarks)."""


def profile_of(store: Store) -> dict[str, str | None]:
    """The cadre's first-run profile (name, unit, region, phone) from the store's meta table."""
    return {key: store.meta(f"profile.{key}") for key in ("name", "unit", "region", "phone")}


def household_defaults(
    store: Store, household_id: str, shown: dict[str, dict[str, Any]], author: str
) -> Defaults:
    """Starting values and choices over a household as it is on screen (``shown``: the values
    of the pages built so far, over what is saved)."""
    household = {**store.current(household_id), **shown}
    return defaults_over(store, store.engine().expression_views(household), author)


def defaults_over(store: Store, views: dict[str, dict[str, Any]], author: str) -> Defaults:
    """Starting values and choices given what expressions see of the household (``views``)."""
    profile = profile_of(store)
    profile["name"] = profile["name"] or author  # who is entering, at least
    return Defaults(views, profile, date.today())


@dataclass
class RenderContext:
    """What every page of one editor shares; ``form`` is set per page (``for_form``)."""

    store: Store
    author: str
    defaults: Callable[[], Defaults] | None = None
    form: Form | None = None
    extra: dict[str, Any] = dataclass_field(default_factory=dict)
    people: Callable[[], list[str]] | None = None
    """Names a ``pick: people`` field offers (the household's worker and members)."""
    refresh: Callable[[str], None] | None = None
    """Brings a form's page up to date with what is typed, at once (relevance, calculations)."""

    @property
    def regions(self) -> RegionTable:
        return self.store.regions

    def for_form(self, form: Form) -> RenderContext:
        return RenderContext(
            self.store, self.author, self.defaults, form, self.extra, self.people, self.refresh
        )

    def refresh_now(self) -> None:
        """Before the cursor moves on by itself: a field that now applies (残疾 → 残疾等级) must
        be there to land on, and one that no longer applies must not be landed on."""
        if self.refresh is not None and self.form is not None:
            self.refresh(self.form.id)

    def current_defaults(self) -> Defaults:
        if self.defaults is not None:
            return self.defaults()
        return Defaults({}, profile_of(self.store), date.today())

    def starting_row(self, group: Field, previous: int | None) -> dict[str, Any]:
        """What a new row of ``group`` starts with (the form's defaults and carry-overs)."""
        if self.form is None:
            return {f.name: f.default for f in group.fields if f.default is not None}
        return self.current_defaults().row_values(self.form, group, previous)

    def choices(self, f: Field, row: int = 0) -> list[str]:
        if f.pick == PICK_PEOPLE:  # the household's people, read again for every editor
            return self.people() if self.people is not None else []
        if self.form is None:
            return []
        return self.current_defaults().choices(self.form, f, row)


def display_value(field: Field, value: Any, regions: RegionTable) -> str:
    """How a stored value reads to a person (calculated fields, summaries)."""
    if value is None or value == "" or value == []:
        return ""
    if field.type == "money" and isinstance(value, int):
        return f"{format_yuan(value)} 元"
    if field.type == "region" and isinstance(value, str):
        return regions.display_name(value)
    if isinstance(value, list):
        return "、".join(field.option_label(str(v)) for v in value)
    if field.options:
        return field.option_label(str(value))
    return str(value)


def make_widget(field: Field, ctx: RenderContext) -> FieldWidget:
    """The editor for one field, chosen by its type."""
    if field.is_calculated:
        return CalculatedWidget(field, lambda v: display_value(field, v, ctx.regions))
    kind = field.type
    if kind == "text" and field.pick == PICK_PEOPLE:
        from fieldapp.ui.person_pick import PersonPickWidget

        return PersonPickWidget(field, ctx.people or (lambda: []))
    if kind == "text":
        return MultilineWidget(field) if field.multiline else LineWidget(field)
    if kind in ("integer", "phone", "id_number", "month"):
        return LineWidget(field)
    if kind == "money":
        return MoneyWidget(field)
    if kind == "date":
        return DateWidget(field)
    if kind == "select_one":
        return SelectOneWidget(field)
    if kind == "select_multiple":
        return SelectMultipleWidget(field)
    if kind == "region":
        return RegionWidget(field, ctx.regions)
    if kind == "signature":
        from fieldapp.ui.signature_pad import SignatureWidget

        return SignatureWidget(field)
    if kind == "attachment":
        from fieldapp.ui.attachments import AttachmentWidget

        return AttachmentWidget(field, ctx.store, ctx.author)
    raise ValueError(f"no widget for field type {kind}")


class EnterMovesOn(QObject):
    """Enter in a one-line field moves to the next field, as on paper forms."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(watched, QLineEdit)
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            watched.focusNextChild()
            return True
        return False


class _TouchOnLeave(QObject):
    """A field counts as touched once the cadre has been in it and left (focus out). Being put
    there by the editor (a form opening at its first empty field) is not being in it: only a
    click, Tab or typing is."""

    def __init__(self, block: FieldBlock) -> None:
        super().__init__(block)
        self.block = block
        self.visited = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind == QEvent.Type.FocusIn and isinstance(event, QFocusEvent):
            self.visited = self.visited or event.reason() != Qt.FocusReason.OtherFocusReason
        elif kind in (QEvent.Type.KeyPress, QEvent.Type.InputMethod, QEvent.Type.MouseButtonPress):
            self.visited = True
        elif kind == QEvent.Type.FocusOut and self.visited and not self.block.touched:
            self.block.touched = True
            self.block.show_problems(self.block.problems)
        return False


class FieldBlock(QWidget):
    """A field's widget with its problem message underneath.

    An empty required field is not marked until it was touched (entered and left) or finalising
    was tried (``touched`` set by the page): the summary lists it meanwhile."""

    def __init__(self, widget: FieldWidget) -> None:
        super().__init__()
        self.widget = widget
        self.touched = False
        self.problems: list[Problem] = []
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(widget)
        layout.addWidget(self.message)
        leave = _TouchOnLeave(self)
        for child in widget.findChildren(QWidget):
            if child.focusPolicy() != Qt.FocusPolicy.NoFocus:
                child.installEventFilter(leave)

    def show_problems(self, problems: list[Problem]) -> None:
        self.problems = problems
        if not self.touched:
            problems = [p for p in problems if p.code != "required"]
        if not problems:
            self.message.hide()
            return
        style = ERROR_STYLE if any(p.blocking for p in problems) else WARNING_STYLE
        text = "；".join(p.message for p in problems)
        if self.message.styleSheet() != style:  # a style sheet set again re-polishes, and every
            self.message.setStyleSheet(style)  # autosave shows the problems again
        if self.message.text() != text:
            self.message.setText(text)
        self.message.show()

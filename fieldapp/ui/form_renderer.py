"""The one generic renderer: builds an editable page for any form in forms/, repeats included.

Nothing here knows a particular table. Fields are addressed by the same paths the engine uses in
its problems (``phone``, ``members[2].id_number``), so a problem can be shown next to its field and
a click in the summary can jump to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.forms.defaults import is_default_only
from fieldapp.core.forms.engine import FormResult, Problem
from fieldapp.core.forms.model import Field, Form
from fieldapp.ui import field_blocks
from fieldapp.ui.field_blocks import (
    WIDE_TYPES,
    EnterMovesOn,
    FieldBlock,
    RenderContext,
    make_widget,
)
from fieldapp.ui.field_widgets import FieldWidget, id_number_fills
from fieldapp.ui.move_on import moved_on
from fieldapp.ui.repeat_cards import RepeatGroup
from fieldapp.ui.repeat_grid import RepeatGrid
from fieldapp.ui.section_bar import SectionBar


class FieldGrid(QWidget):
    """Fields in a grid of label/editor pairs (a section, or one repeat row), ``columns`` wide."""

    changed = Signal()

    def __init__(
        self, fields: tuple[Field, ...], ctx: RenderContext, filter_: QObject, columns: int = 1
    ) -> None:
        super().__init__()
        self.fields = fields
        self.ctx = ctx
        self.layout_ = QGridLayout(self)
        self.layout_.setHorizontalSpacing(10)
        self.layout_.setVerticalSpacing(6)
        for c in range(columns):
            self.layout_.setColumnStretch(2 * c + 1, 1)
        self.blocks: dict[str, FieldBlock] = {}
        self.repeats: dict[str, RepeatGroup | RepeatGrid] = {}
        self.labels: dict[str, QLabel] = {}
        row, column = 0, 0

        def place(label: QWidget | None, widget: QWidget, full: bool = False) -> None:
            nonlocal row, column
            if full or (column and label is None):
                if column:
                    row, column = row + 1, 0
                self.layout_.addWidget(widget, row, 0, 1, 2 * columns)
                row += 1
                return
            self.layout_.addWidget(
                label,
                row,
                2 * column,  # type: ignore[arg-type]
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
            )
            self.layout_.addWidget(widget, row, 2 * column + 1)
            column += 1
            if column >= columns:
                row, column = row + 1, 0

        for field in fields:
            if field.type == "note":
                note = QLabel(field.label + (f"：{field.hint}" if field.hint else ""))
                note.setWordWrap(True)
                note.setStyleSheet("color: #555; background: #f6f5f4; padding: 4px;")
                place(None, note, full=True)
                continue
            if field.type == "repeat":
                group = make_repeat(field, ctx, filter_)
                group.changed.connect(self.changed)
                self.repeats[field.name] = group
                place(None, group, full=True)
                continue
            widget = make_widget(field, ctx)
            widget.changed.connect(self.changed)
            if field.type == "id_number":
                widget.changed.connect(lambda w=widget, f=field: self._fill_from_id(w, f))
            widget.completed.connect(lambda f=field: self._move_on(f))
            for child in widget.findChildren(QLineEdit):
                child.installEventFilter(filter_)
            if field.hint:
                widget.setToolTip(field.hint)
            block = FieldBlock(widget)
            self.blocks[field.name] = block
            label = QLabel(field.label + ("＊" if field.required is True else ""))
            label.setWordWrap(True)
            label.setMinimumWidth(80)
            label.setMaximumWidth(160)
            self.labels[field.name] = label
            wide = (field.type in WIDE_TYPES or field.multiline) and columns > 1
            place(label, block, full=wide)
            if wide:
                # a wide field in a two-column row still needs its label: put it in the block
                block.layout().insertWidget(0, label)  # type: ignore[union-attr]

    def _fill_from_id(self, widget: FieldWidget, field: Field) -> None:
        fills = id_number_fills(str(widget.value() or ""))
        if not fills:
            return
        for key, target in (("birth_date", field.birth_date_field), ("gender", field.gender_field)):
            block = self.blocks.get(target or "")
            if block is not None and block.widget.value() in (None, ""):
                block.widget.set_value(fills[key])
                block.widget.changed.emit()

    def _move_on(self, field: Field) -> None:
        """A complete value was typed into ``field``: the page is brought up to date, and the
        cursor goes to the next field (past the birth date and gender an ID number filled)."""
        self.ctx.refresh_now()
        filled = (field.birth_date_field, field.gender_field) if field.type == "id_number" else ()
        passed = {self.blocks[n].widget.focus_target() for n in filled if n in self.blocks}
        here: QWidget | None = self.blocks[field.name].widget.focus_target()
        for _ in range(len(passed) + 1):
            if here is None:
                return
            here.focusNextChild()
            here = QApplication.focusWidget()
            if here not in passed:
                break
        moved_on(here)

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, block in self.blocks.items():
            if not block.widget.field.is_calculated:
                out[name] = block.widget.value()
        for name, group in self.repeats.items():
            out[name] = group.values()
        return out

    def load(self, values: dict[str, Any]) -> None:
        for name, block in self.blocks.items():
            block.widget.set_value(values.get(name))
        for name, group in self.repeats.items():
            rows = values.get(name)
            group.load(rows if isinstance(rows, list) else [])

    def apply(
        self,
        values: dict[str, Any],
        hidden: set[str],
        problems: dict[str, list[Problem]],
        prefix: str,
    ) -> None:
        for name, block in self.blocks.items():
            path = prefix + name
            if block.widget.field.is_calculated:
                block.widget.set_value(values.get(name))
            shown = path not in hidden
            block.setVisible(shown)
            self.labels[name].setVisible(shown)
            block.show_problems(problems.get(path, []))
        for name, group in self.repeats.items():
            path = prefix + name
            group.setVisible(path not in hidden)
            rows = values.get(name)
            group.apply(
                rows if isinstance(rows, list) else [],
                hidden,
                problems,
                path,
                problems.get(path, []),
            )

    def widget_at(self, path: str) -> QWidget | None:
        block = self.block_at(path)
        if block is not None:
            return block.widget.focus_target()
        head, _, rest = path.partition(".")
        name, _, index = head.partition("[")
        if name in self.repeats:
            return self.repeats[name].widget_at(index.rstrip("]"), rest)
        return None

    def block_at(self, path: str) -> FieldBlock | None:
        """The field at an engine path such as ``members[2].id_number``."""
        head, _, rest = path.partition(".")
        name, _, index = head.partition("[")
        group = self.repeats.get(name)
        if isinstance(group, RepeatGroup) and rest:
            try:
                card = group.cards[int(index.rstrip("]")) - 1]
            except (ValueError, IndexError):
                return None
            return card.grid.block_at(rest)
        return self.blocks.get(name)

    def touched(self, path: str) -> bool:
        """Whether the cadre has been in the field at ``path`` and left it."""
        head, _, rest = path.partition(".")
        name, _, index = head.partition("[")
        group = self.repeats.get(name)
        if isinstance(group, RepeatGrid) and rest:
            try:
                row = int(index.rstrip("]")) - 1
            except ValueError:
                return False
            return group.model.reveal or (row, rest) in group.model.touched
        block = self.block_at(path)
        return block is not None and block.touched


def _fillable(f: Field) -> bool:
    """A field the cadre types or chooses (not calculated, read-only, a signature or a file)."""
    typed = f.type not in ("signature", "attachment", "note")
    return typed and not f.is_calculated and not f.readonly


def first_empty(
    grid: FieldGrid, blank_only: bool = True, among: set[str] | None = None
) -> str | None:
    """The path of the first shown field of ``grid`` still to be filled: a field with no value,
    or a keyboard grid with no rows yet (its first cell without a starting value); only fields
    named in ``among`` when given. With ``blank_only`` false, the first shown field at all."""
    for f in grid.fields:
        if among is not None and f.name not in among:
            continue
        block, group = grid.blocks.get(f.name), grid.repeats.get(f.name)
        if block is not None and not block.isHidden() and _fillable(f):
            if not blank_only or block.widget.value() in (None, "", []):
                return f.name
        if isinstance(group, RepeatGrid) and not group.isHidden():
            if not blank_only or not group.model.rows:
                return f"{f.name}[1]"
    return None


SECTION_COLUMNS = 2
"""Fields side by side in two columns: half the scrolling on a 1366×768 laptop."""


def make_repeat(field: Field, ctx: RenderContext, filter_: QObject) -> RepeatGroup | RepeatGrid:
    """A repeat group as the form asks: a keyboard grid (``layout: grid``) or cards."""
    if (field_blocks.LAYOUT_OVERRIDE or field.layout) != "grid":
        return RepeatGroup(field, ctx, lambda: FieldGrid(field.fields, ctx, filter_, columns=2))
    from fieldapp.ui.grid_model import RowsModel

    def sign(f: Field, value: Any) -> Any:
        from fieldapp.ui.signature_pad import run_signature_dialog, valid_strokes

        strokes = run_signature_dialog(grid, f.label, valid_strokes(value))
        return {"strokes": strokes} if strokes else None

    model = RowsModel(field, ctx.regions, lambda previous: ctx.starting_row(field, previous))
    grid = RepeatGrid(field, model, lambda f, row: ctx.choices(f, row), sign, ctx.refresh_now)
    return grid


REST_AFTER_PAINT_MS = 50
"""A page shows its first section at once; the others are built one per idle pass from this long
after its first paint (the opened household is on screen and typing can begin meanwhile)."""


class FormPage(QScrollArea):
    """An editable form: a group box per section; ``changed`` on every edit.

    Only the first section's fields are built with the page (opening a household shows it at
    once); the others follow one per idle pass after the first paint, or at once when something
    asks for them (``values``, a field by path, the cursor). What ``load`` and ``apply`` gave is
    kept for the sections built later, so a page reads the same whenever its sections were built.
    """

    changed = Signal()

    def __init__(self, form: Form, ctx: RenderContext) -> None:
        super().__init__()
        self._painted = False
        self._body: QWidget | None = None
        self._grids: list[FieldGrid | None] = []  # None: the section is not built yet
        self._rest = QTimer(self)
        self._rest.setSingleShot(True)
        self._rest.timeout.connect(self._build_next)
        self.form = form
        self.initial: dict[str, Any] = {}  # what a never-saved form started with (defaults)
        self.pending: set[str] = set()  # paths of required fields still empty (待填)
        ctx = ctx.for_form(form)
        self.setWidgetResizable(True)
        self._filter = EnterMovesOn(self)
        body = QWidget()
        layout = QVBoxLayout(body)
        heading = QLabel(
            f"<h2>{form.id} {form.title}</h2>"
            + (f"<p style='color:#555'>{form.description}</p>" if form.description else "")
        )
        heading.setWordWrap(True)
        layout.addWidget(heading)
        self._ctx = ctx
        self.boxes: list[QGroupBox] = []
        self._loaded: dict[str, Any] | None = None  # what ``load`` gave, for sections built later
        self._applied: tuple[Any, ...] | None = None  # what ``apply`` gave, likewise
        for section in form.sections:
            box = QGroupBox(section.title)
            QVBoxLayout(box)
            layout.addWidget(box)
            self.boxes.append(box)
            self._grids.append(None)
        layout.addStretch(1)
        self.setWidget(body)
        self._body = body
        body.installEventFilter(self)  # its first paint starts building the other sections
        self.section_bar: SectionBar | None = None
        if len(form.sections) > 1:
            self.section_bar = SectionBar([s.title for s in form.sections], self.focus_section)
            self.section_bar.setParent(self)
            self.setViewportMargins(0, self.section_bar.sizeHint().height(), 0, 0)
        if self._grids:
            self._grid(0)  # what shows first; the rest once it has been painted (idle passes)

    # -- sections, built as they are needed ---------------------------------------------------

    def _grid(self, index: int, *, place_now: bool = True) -> FieldGrid:
        """Section ``index``'s fields, built now if they were not yet (in section order, so the
        cursor's Tab order stays the form's order), holding what the page was given so far;
        ``place_now``: laid out at once (a caller may click, scroll or focus there next)."""
        for earlier in range(index):
            if self._grids[earlier] is None:
                self._grid(earlier, place_now=place_now)
        grid = self._grids[index]
        if grid is None:
            section = self.form.sections[index]
            grid = FieldGrid(section.fields, self._ctx, self._filter, columns=SECTION_COLUMNS)
            grid.changed.connect(self.changed)
            self._grids[index] = grid  # before filling it: filling may ask for the page's values
            if self._loaded is not None:
                grid.load(self._loaded)
            if self._applied is not None:
                grid.apply(*self._applied)
            self.boxes[index].layout().addWidget(grid)  # type: ignore[union-attr]
            if place_now and self.boxes[index].isVisible():  # shown and placed now, not on
                grid.show()  # the next event loop pass: a click, a scroll or the cursor may
                QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)  # go there
        return grid

    def _build_next(self) -> None:
        """One more section while the window is idle (each takes a few milliseconds); a page
        not shown waits until it is (``showEvent``), or until a section is asked for."""
        if not self.isVisible():
            return
        for index, grid in enumerate(self._grids):
            if grid is None:
                self._grid(index, place_now=False)
                if index + 1 < len(self._grids):
                    self._rest.start(0)  # after the events waiting: typing goes first
                return

    @property
    def grids(self) -> list[FieldGrid]:
        """Every section's fields (built now if they were not yet)."""
        return [self._grid(index) for index in range(len(self._grids))]

    def _built(self) -> list[FieldGrid]:
        return [grid for grid in self._grids if grid is not None]

    def _built_first(self) -> Iterator[FieldGrid]:
        """The sections built so far, then (only if still looking) every other one, built."""
        built = self._built()
        yield from built
        yield from (grid for grid in self.grids if grid not in built)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if None in self._grids and self._painted:
            self._rest.start(0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        """The rest of the sections are built once the page has first been painted."""
        if watched is self._body and event.type() == QEvent.Type.Paint and not self._painted:
            self._painted = True
            if None in self._grids:
                self._rest.start(REST_AFTER_PAINT_MS)
        return super().eventFilter(watched, event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if self.section_bar is not None:
            self.section_bar.place(self)

    def focus_section(self, index: int) -> None:
        """Show section ``index`` at the top and put the cursor in its first field still to be
        filled (else its first field)."""
        self.verticalScrollBar().setValue(self.boxes[index].y())
        path = self.section_target(index)
        if path is not None:
            self.focus_path(path)

    def section_target(self, index: int) -> str | None:
        """Where ``focus_section(index)`` puts the cursor (a field's path)."""
        grid = self._grid(index)
        return self.first_empty_path([grid]) or first_empty(grid, blank_only=False)

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for grid in self.grids:
            out.update(grid.values())
        return out

    def load(self, values: dict[str, Any]) -> None:
        self._loaded = values
        for grid in self._built():
            grid.load(values)

    def apply(self, result: FormResult) -> None:
        by_path: dict[str, list[Problem]] = {}
        for problem in result.problems:
            by_path.setdefault(problem.path, []).append(problem)
        self._applied = (result.values, result.hidden, by_path, "")
        for grid in self._built():
            grid.apply(*self._applied)
        self.pending = {p.path for p in result.problems if p.code == "required"}

    def block_at(self, path: str) -> FieldBlock | None:
        for grid in self._built_first():
            block = grid.block_at(path)
            if block is not None:
                return block
        return None

    def repeat(self, name: str) -> RepeatGroup | RepeatGrid:
        for grid in self.grids:
            if name in grid.repeats:
                return grid.repeats[name]
        raise KeyError(name)

    def touched(self, path: str) -> bool:
        return any(grid.touched(path) for grid in self._built())  # a section not built: not yet

    def only_defaults(self) -> bool:
        """Nothing typed here yet: every value is blank or what the form started with."""
        return is_default_only(self.form, self.values(), self.initial, self.row_initial())

    def row_initial(self) -> dict[str, dict[str, Any]]:
        """What each row added in this sitting started with, by row id (to tell typing apart)."""
        self.grids  # noqa: B018 - every section built, so every row is found
        out: dict[str, dict[str, Any]] = {}
        for group in self.findChildren(RepeatGrid):
            out.update(group.model.row_initial)
        for cards in self.findChildren(RepeatGroup):
            out.update(cards.row_initial)
        return out

    def set_value(self, name: str, value: Any) -> None:
        """Set a top-level field as if typed (the editor records confirmations this way)."""
        block = self.block_at(name)
        if block is not None:
            block.widget.set_value(value)
            block.widget.changed.emit()

    def reveal_all(self) -> None:
        """Finalising was tried: every problem is shown on its field from now on."""
        self.grids  # noqa: B018 - every section built
        for block in self.findChildren(FieldBlock):
            block.touched = True
            block.show_problems(block.problems)
        for group in self.findChildren(RepeatGrid):
            group.reveal()

    def first_empty_path(self, grids: list[FieldGrid] | None = None) -> str | None:
        """The first field still to be filled (``first_empty``): the first the form requires
        (as the summary lists them, 待填), else the first at all. A section not built yet is
        built only when it may hold the answer."""
        indexes = range(len(self._grids)) if grids is None else map(self._grids.index, grids)
        sections = list(indexes)
        for among in (self.pending, None):
            for index in sections:
                names = {f.name for f in self.form.sections[index].fields}
                if among is not None and self._grids[index] is None and not names & among:
                    continue  # nothing it asks for is there: not built for this
                if path := first_empty(self._grid(index), among=among):
                    return path
        return None

    def focus_first_empty(self) -> bool:
        """Put the cursor in the first field still to be filled (a form was just opened)."""
        path = self.first_empty_path()
        return path is not None and self.focus_path(path)

    def focus_path(self, path: str) -> bool:
        for grid in self._built_first():
            target = grid.widget_at(path)
            if target is not None:
                self.ensureWidgetVisible(target, 50, 80)
                QTimer.singleShot(0, target, lambda t=target: self._keep_focus(t))
                target.setFocus()
                return True
        return False

    def _keep_focus(self, target: QWidget) -> None:
        """Take the focus back if the click that led here took it out of the page (a list keeps
        it on release); not if the cadre already typed or moved on within the page."""
        now = QApplication.focusWidget()
        shown = self.isVisible() and target.isVisible()  # not when another form came up since
        if shown and (now is None or not self.isAncestorOf(now)):
            target.setFocus()

"""Getting around a household's forms from the keyboard: which form, which section, which field.

Why: entry goes as fast as the cursor is where the next value goes. A form opened from the list
of forms (a click, or Enter), by Ctrl+PgDn / Ctrl+PgUp or by Ctrl+1…9 puts the cursor in its
first field still to be filled; Alt+1…9 (Alt+0 for the tenth) do the same for a section of the
form shown, as the section links above the page do. Ctrl+Enter finalises the form, Ctrl+S saves
the drafts now, Ctrl+H shows the revision history.
"""

from __future__ import annotations

from typing import Protocol, cast

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QListWidget, QWidget

from fieldapp.ui.form_renderer import FormPage
from fieldapp.ui.section_bar import SHORTCUT_DIGITS, shortcut_of


class HouseholdEditor(Protocol):
    """What these keys need of the editor (``editor.HouseholdEditor``, which installs them)."""

    nav: QListWidget
    form_ids: list[str]

    def current_form_id(self) -> str: ...
    def page(self, form_id: str) -> FormPage: ...
    def finalise_current(self) -> None: ...
    def save_drafts(self) -> None: ...
    def show_history(self) -> None: ...


FORM_KEYS = 9
"""Ctrl+1 … Ctrl+9: the first nine forms in the list."""


def install_keys(editor: HouseholdEditor) -> None:
    """The editor's shortcuts, and the list of forms opening a form at its first empty field."""
    editor.nav.clicked.connect(lambda _: enter_form(editor))
    editor.nav.activated.connect(lambda _: enter_form(editor))
    bindings = [
        ("Ctrl+Return", editor.finalise_current),
        ("Ctrl+S", editor.save_drafts),
        ("Ctrl+H", editor.show_history),
        ("Ctrl+PgDown", lambda: go_form(editor, editor.nav.currentRow() + 1)),
        ("Ctrl+PgUp", lambda: go_form(editor, editor.nav.currentRow() - 1)),
    ]
    for row in range(min(len(editor.form_ids), FORM_KEYS)):
        bindings.append((f"Ctrl+{row + 1}", lambda r=row: go_form(editor, r)))
    for index in range(len(SHORTCUT_DIGITS)):
        bindings.append((str(shortcut_of(index)), lambda i=index: go_section(editor, i)))
    for keys, slot in bindings:
        QShortcut(QKeySequence(keys), cast(QWidget, editor), activated=slot)  # it is a widget


def enter_form(editor: HouseholdEditor) -> None:
    """The form shown was opened: the cursor goes to its first field still to be filled."""
    editor.page(editor.current_form_id()).focus_first_empty()


def go_form(editor: HouseholdEditor, row: int) -> None:
    """Show form ``row`` of the list (kept within it) and enter it."""
    editor.nav.setCurrentRow(min(max(row, 0), editor.nav.count() - 1))
    enter_form(editor)


def go_section(editor: HouseholdEditor, index: int) -> None:
    """Section ``index`` of the form shown, as its link above the page."""
    page = editor.page(editor.current_form_id())
    if index < len(page.boxes):
        page.focus_section(index)

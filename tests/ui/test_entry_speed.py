"""Entry at the speed of paper on the pages: choices typed, the cursor moving on by itself, forms
and sections opening at the first field still to be filled; driven from the keyboard, asserted in
the store."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from fieldapp.core.store.store import Store
from fieldapp.ui.editor import AUTOSAVE_MS, HouseholdEditor
from fieldapp.ui.form_renderer import FormPage
from fieldapp.ui.main_window import MainWindow
from fieldapp.ui.repeat_grid import RepeatGrid
from tests.ui.keyboard import at, focused, ime, key, keys, with_worker

TAB, ENTER = Qt.Key.Key_Tab, Qt.Key.Key_Return
ALT, CTRL = Qt.KeyboardModifier.AltModifier, Qt.KeyboardModifier.ControlModifier
WORKER_ID = "53040219751231002X"


def box(page: FormPage, name: str) -> QWidget:
    block = page.block_at(name)
    assert block is not None, name
    return block.widget.focus_target()


def saved(qtbot: QtBot, editor: HouseholdEditor, store: Store) -> dict[str, Any]:
    qtbot.wait(AUTOSAVE_MS + 150)
    qtbot.waitUntil(editor.settled)  # the writer thread's save has landed
    assert not editor.dirty
    return store.current(editor.household_id)


def test_choices_are_typed_and_the_cursor_moves_on(
    qtbot: QtBot, cadre_window: MainWindow, store: Store
) -> None:
    editor = cadre_window.new_household()
    a = editor.page("A")
    assert focused() is box(a, "category")  # a new household: in the first field required
    ime("困难")  # in two options: nothing chosen, the cursor stays (a tip lists them)
    assert focused() is box(a, "category") and a.values()["category"] is None
    keys("1")  # 困难类别 by its number (three options: complete)
    assert focused() is box(a, "standard")  # moved on by itself
    a.focus_path("name")
    ime("赵红梅")
    key(TAB)
    key(TAB)  # past 性别: the ID number fills it
    ime("彝")  # the one option beginning so
    assert focused() is box(a, "political")
    key(TAB)  # out of habit: absorbed
    assert focused() is box(a, "political")
    ime("群众")
    keys(WORKER_ID)  # complete: past 出生日期, which it filled
    assert focused() is box(a, "health")
    ime("残疾")  # 残疾类别 applies from now on: the cursor lands in it
    assert focused() is box(a, "disability_type")
    data = saved(qtbot, editor, store)["A"]
    assert (data["category"], data["name"], data["ethnicity"], data["political"]) == (
        "深度困难",
        "赵红梅",
        "彝族",
        "群众",
    )
    assert (data["birth_date"], data["gender"], data["health"]) == ("1975-12-31", "女", "残疾")


def test_forms_and_sections_open_where_typing_goes_on(
    qtbot: QtBot, cadre_window: MainWindow, store: Store
) -> None:
    editor = with_worker(cadre_window)
    a = editor.page("A")
    key(Qt.Key.Key_7, ALT)  # section 7, 家庭成员
    members = a.repeat("members")
    assert isinstance(members, RepeatGrid) and at(members) == (0, "name")
    ime("小军")  # after the carried surname
    key(ENTER)
    key(Qt.Key.Key_8, ALT)  # 致困原因: its first field
    assert focused() is box(a, "main_cause")
    ime("下岗失业")
    key(Qt.Key.Key_PageDown, CTRL)  # 收支表: the income line starts as the worker's
    incomes = editor.page("B").repeat("incomes")
    assert isinstance(incomes, RepeatGrid) and at(incomes) == (0, "kind")
    ime("工资性收入")
    ime("打零工")
    key(TAB)
    keys("18000")
    key(ENTER)
    row = editor.form_ids.index("C")
    rect = editor.nav.visualItemRect(editor.nav.item(row))
    qtbot.mouseClick(editor.nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    policies = editor.page("C").repeat("policies")
    assert isinstance(policies, RepeatGrid) and at(policies) == (0, "date")
    keys("20260115")  # a date typed the short way, in full: the cursor moves on
    assert at(policies) == (0, "category")
    assert policies.model.display(0, policies.model.field(0)) == "2026-01-15"
    ime("临时救助")
    ime("临时救助金")
    key(ENTER)
    household = saved(qtbot, editor, store)
    assert household["A"]["members"][0]["name"] == "赵小军"
    assert household["A"]["main_cause"] == "下岗失业"
    income = household["B"]["incomes"][0]
    assert (income["member"], income["kind"], income["item"], income["annual_amount"]) == (
        "赵红梅",
        "工资性收入",
        "打零工",
        1_800_000,
    )
    policy = household["C"]["policies"][0]
    assert (policy["date"], policy["category"], policy["policy_name"]) == (
        "2026-01-15",
        "临时救助",
        "临时救助金",
    )


def test_the_field_a_form_opens_in_is_not_marked_until_the_cadre_was_in_it(
    qtbot: QtBot, cadre_window: MainWindow
) -> None:
    a = cadre_window.new_household().page("A")
    category, name = a.block_at("category"), a.block_at("name")
    assert category is not None and name is not None
    assert focused() is box(a, "category")  # put there by the editor
    qtbot.mouseClick(box(a, "name"), Qt.MouseButton.LeftButton)
    assert not category.message.isVisible()  # never visited: only listed as 待填
    phone = box(a, "phone")
    a.ensureWidgetVisible(phone)
    qtbot.mouseClick(phone, Qt.MouseButton.LeftButton)
    assert name.message.isVisible() and name.message.text() == "必填项未填写"  # left empty

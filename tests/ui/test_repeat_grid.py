"""Repeat groups as keyboard grids: typed into with the keyboard only, asserted in the store."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from fieldapp.core.store.store import Store
from fieldapp.ui.editor import AUTOSAVE_MS, HouseholdEditor
from fieldapp.ui.main_window import MainWindow
from tests.ui.keyboard import at, focused, grid_of, ime, key, keys, with_worker

TAB, ENTER = Qt.Key.Key_Tab, Qt.Key.Key_Return
CTRL = Qt.KeyboardModifier.ControlModifier
WORKER_ID = "53040219751231002X"
CHILD_ID = "53040220140901001X"


def saved(qtbot: QtBot, editor: HouseholdEditor, store: Store, form_id: str) -> dict[str, Any]:
    qtbot.wait(AUTOSAVE_MS + 150)
    qtbot.waitUntil(editor.settled)  # the writer thread's save has landed
    assert not editor.dirty
    return store.current(editor.household_id)[form_id]


def test_members_typed_with_tab_and_enter(
    qtbot: QtBot, cadre_window: MainWindow, store: Store
) -> None:
    editor = with_worker(cadre_window)
    grid = grid_of(editor, "A", "members")
    assert grid.model.display(0, grid.model.field(0)) == "赵"  # the surname, carried over
    ime("小军")  # typed after the carried surname
    key(TAB)
    ime("子女")
    key(TAB)
    keys(CHILD_ID)  # fills the row's birth date and gender, as on paper the ID says it all
    key(ENTER)
    assert at(grid) == (1, "name")  # Enter: the next row, where typing began
    key(Qt.Key.Key_Backspace)  # a spouse with another surname: start the cell afresh
    ime("钱芳")
    key(TAB)
    ime("配偶")
    key(ENTER)
    members = saved(qtbot, editor, store, "A")["members"]
    assert [(m["name"], m["relation"]) for m in members] == [("赵小军", "子女"), ("钱芳", "配偶")]
    assert members[0]["birth_date"] == "2014-09-01" and members[0]["gender"] == "男"
    assert store.current(editor.household_id)["A"]["family_size"] == 3
    assert at(grid) == (2, "name")  # on the placeholder row: Enter leaves the grid
    key(ENTER)
    assert focused() is not grid.view


def test_monthly_records_series_carry_and_fill_down(
    qtbot: QtBot, cadre_window: MainWindow, store: Store
) -> None:
    editor = cadre_window.new_household()
    grid = grid_of(editor, "B", "monthly_records")
    keys("2026-04")  # a month in full: the cursor moves on by itself
    assert at(grid) == (0, "income")
    key(TAB)  # out of habit: absorbed
    keys("3200")
    key(TAB)
    keys("400")
    key(ENTER)
    assert at(grid) == (1, "income")  # a new row starts past the month and expense it carries
    keys("3100")
    key(ENTER)
    assert at(grid) == (2, "income")  # Enter returns to where typing began in the last row
    for income in ("3000", "3300", "2900", "3050"):
        keys(income)
        key(ENTER)
    records = saved(qtbot, editor, store, "B")["monthly_records"]
    assert [r["month"] for r in records] == [f"2026-{m:02d}" for m in range(4, 10)]
    assert [r["income"] for r in records] == [320000, 310000, 300000, 330000, 290000, 305000]
    assert {r["expense"] for r in records} == {40000}  # carried from the row above
    grid.view.go(0, grid.model.column_of("notes"))
    ime("临时工")
    key(ENTER)
    key(Qt.Key.Key_D, CTRL)  # fill down: row 2 gets row 1's note
    records = saved(qtbot, editor, store, "B")["monthly_records"]
    assert [r["notes"] for r in records[:3]] == ["临时工", "临时工", None]


def test_insert_delete_rows_and_paste_from_excel(
    qtbot: QtBot, cadre_window: MainWindow, store: Store
) -> None:
    editor = cadre_window.new_household()
    grid = grid_of(editor, "C", "policies")
    block = (
        "2026-01-15\t生活救助\t城乡低保\t民政\t\t1,200.00\r\n"
        "2026-02-01\t子女助学\t金秋助学\t工会\t\t2000\r\n"
        '2026-03-08\t医疗救助\t"大病\n救助"\t医保\t\t850.5\r\n'
    )  # the empty column: 资金性质 (issue 12), between 主管部门 and 金额
    QApplication.clipboard().setText(block)
    key(Qt.Key.Key_V, CTRL)
    rows = saved(qtbot, editor, store, "C")["policies"]
    assert [(r["date"], r["category"], r["amount"]) for r in rows] == [
        ("2026-01-15", "生活救助", 120000),
        ("2026-02-01", "子女助学", 200000),
        ("2026-03-08", "医疗救助", 85050),
    ]
    assert rows[2]["policy_name"] == "大病\n救助"  # a quoted cell keeps its line break
    grid.view.go(1, 0)
    key(Qt.Key.Key_Insert)
    assert at(grid) == (1, "date")
    keys("2026-01-20")
    key(TAB)
    ime("临时救助")
    key(TAB)
    ime("临时救助金")
    key(ENTER)
    grid.view.go(3, 0)
    key(Qt.Key.Key_Delete, CTRL)  # deletes the row 医疗救助
    rows = saved(qtbot, editor, store, "C")["policies"]
    assert [r["policy_name"] for r in rows] == ["城乡低保", "临时救助金", "金秋助学"]
    assert store.current(editor.household_id)["C"]["total_amount"] == 320000


def test_choices_from_household_members(
    qtbot: QtBot, cadre_window: MainWindow, store: Store
) -> None:
    editor = with_worker(cadre_window)
    grid_of(editor, "A", "members")
    ime("小军")
    key(ENTER)
    saved(qtbot, editor, store, "A")
    grid = grid_of(editor, "B", "incomes")
    member = grid.model.field(grid.model.column_of("member"))
    assert grid.model.display(0, member) == "赵红梅"  # a line starts as the worker's
    assert at(grid) == (0, "kind")  # so typing starts at the kind
    key(Qt.Key.Key_Backtab)  # another member's: back one cell
    ime("小军")  # the one offered choice containing it: chosen, and the cursor moves on
    assert at(grid) == (0, "kind")
    ime("工资性")
    assert at(grid) == (0, "item")
    ime("实习工资")
    key(TAB)
    keys("6000")
    key(ENTER)
    assert at(grid) == (1, "kind") and grid.model.display(1, member) == "赵小军"  # carried
    key(Qt.Key.Key_Backtab)
    key(Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)  # the whole list, without typing
    editor_widget = focused()
    offered = getattr(editor_widget, "choices", None)
    assert offered == ["赵红梅", "赵小军", "全家"]  # pick: people (issue 12) also offers 全家
    key(Qt.Key.Key_Escape)
    row = saved(qtbot, editor, store, "B")["incomes"][0]
    assert (row["member"], row["kind"], row["annual_amount"]) == ("赵小军", "工资性收入", 600000)
    assert at(grid) == (1, "member")


def test_signature_cell_opens_the_signature_dialog(
    qtbot: QtBot, cadre_window: MainWindow, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fieldapp.ui.signature_pad as pad

    strokes = [[[10.0, 10.0], [120.0, 60.0]]]
    monkeypatch.setattr(pad, "run_signature_dialog", lambda *args: strokes)
    editor = cadre_window.new_household()
    grid = grid_of(editor, "D", "visits")
    assert grid.model.display(0, grid.model.field(0)) == date.today().isoformat()  # default
    assert at(grid) == (0, "method")  # the keyboard lands past the date it starts with
    ime("入户走访")
    grid.view.go(0, grid.model.column_of("worker_signature"))
    key(Qt.Key.Key_Space)
    visit = saved(qtbot, editor, store, "D")["visits"][0]
    assert visit["method"] == "入户走访" and visit["worker_signature"] == {"strokes": strokes}
    assert grid.model.display(0, grid.model.field(grid.view.currentIndex().column())).startswith(
        "已签名"
    )


def test_an_autosave_while_a_cell_is_edited_keeps_the_typing(
    qtbot: QtBot, cadre_window: MainWindow, store: Store
) -> None:
    editor = cadre_window.new_household()
    grid = grid_of(editor, "A", "members")
    ime("赵小军")
    key(TAB)
    key(TAB)
    keys("530402")
    editor.save_drafts()  # the autosave beat lands mid-typing (it refreshes every cell)
    keys("20140901001X")
    key(ENTER)
    member = saved(qtbot, editor, store, "A")["members"][0]
    assert member["id_number"] == CHILD_ID and grid.model.rows[0]["id_number"] == CHILD_ID


def test_clicking_elsewhere_while_typing_keeps_the_cell_and_moves_on(
    qtbot: QtBot, cadre_window: MainWindow, store: Store
) -> None:
    editor = cadre_window.new_household()
    grid = grid_of(editor, "A", "members")
    ime("赵小军")
    assert focused() is not grid.view  # the cell's editor is open
    phone = editor.page("A").block_at("phone")
    assert phone is not None
    target = phone.widget.focus_target()
    editor.page("A").ensureWidgetVisible(target)
    qtbot.mouseClick(target, Qt.MouseButton.LeftButton)
    assert focused() is target
    keys("13912345678")
    saved_a = saved(qtbot, editor, store, "A")
    assert saved_a["members"][0]["name"] == "赵小军" and saved_a["phone"] == "13912345678"
    summary = [editor.problems.item(i).text() for i in range(editor.problems.count())]
    assert "[错误] 第 1 行 与户主关系：必填项未填写" in summary  # the row was left unfinished


def test_a_complete_cell_moves_on_and_a_habitual_tab_is_absorbed(
    qtbot: QtBot, cadre_window: MainWindow, store: Store
) -> None:
    editor = cadre_window.new_household()
    grid = grid_of(editor, "A", "members")
    ime("赵小军")
    assert at(grid) == (0, "name")  # a text is never complete: it waits for Tab
    key(TAB)
    keys("2")  # 子女 is the second of seven relations: nothing typed further could change it
    assert at(grid) == (0, "id_number")  # so the cursor moved on by itself
    key(TAB)  # out of spreadsheet habit: taken as agreeing, not as a second move
    assert at(grid) == (0, "id_number")
    keys(CHILD_ID)  # complete: past 性别 and 出生日期, which it filled
    assert at(grid) == (0, "health")
    ime("良好")
    assert at(grid) == (0, "identity")  # 残疾等级 does not apply: known at once, passed
    ime("初中")
    key(ENTER)
    member = saved(qtbot, editor, store, "A")["members"][0]
    assert (member["relation"], member["gender"], member["birth_date"]) == (
        "子女",
        "男",
        "2014-09-01",
    )
    assert (member["health"], member["identity"]) == ("良好", "初中")

"""A new household comes into the store with its first real value; empty drafts can go; the same
身份证号 in two households is a warning that links to the other one and needs confirming."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from fieldapp.core.store.store import Store
from fieldapp.ui.duplicate_ids import CONFIRMED_FIELD
from fieldapp.ui.editor import AUTOSAVE_MS, HouseholdEditor
from fieldapp.ui.main_window import MainWindow
from tests.conftest import TODAY
from tests.core.households import WORKER_ID, complete_household
from tests.ui.keyboard import ime


class Asked(list[str]):
    """Messages shown; questions are answered with ``answer``."""

    answer = QMessageBox.StandardButton.No


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> Asked:
    shown = Asked()

    def question(*args: Any, **kwargs: Any) -> QMessageBox.StandardButton:
        shown.append(str(args[2]))
        return shown.answer

    def inform(*args: Any, **kwargs: Any) -> int:
        shown.append(str(args[2]))
        return 0

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    monkeypatch.setattr(QMessageBox, "information", staticmethod(inform))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(inform))
    return shown


def settle(qtbot: QtBot, editor: HouseholdEditor) -> None:
    qtbot.wait(AUTOSAVE_MS + 150)
    qtbot.waitUntil(editor.settled)  # the writer thread's save has landed
    assert not editor.dirty


def test_a_new_household_exists_only_after_its_first_real_value(
    qtbot: QtBot, cadre_window: MainWindow, store: Store
) -> None:
    editor = cadre_window.new_household()
    editor.nav.setCurrentRow(1)  # B starts with today's date and the surveyor: not typed
    b = editor.page("B")
    b.focus_path("survey_date")
    b.block_at("survey_date").widget.changed.emit()  # type: ignore[union-attr]
    settle(qtbot, editor)
    assert store.count_households() == 0 and "新建" in editor.heading.text()
    cadre_window.close_tab(cadre_window.tabs.indexOf(editor))
    assert store.count_households() == 0  # abandoned: nothing left behind

    editor = cadre_window.new_household()
    assert cadre_window.tabs.tabText(cadre_window.tabs.currentIndex()) == "新户"
    editor.page("A").focus_path("name")
    qtbot.waitUntil(lambda: editor.page("A").block_at("name").widget.edit.hasFocus())  # type: ignore[union-attr]
    ime("赵红梅")
    settle(qtbot, editor)
    assert store.count_households() == 1
    saved = store.current(editor.household_id)["A"]
    assert saved["name"] == "赵红梅" and saved["created_by"] == "李干事"  # the defaults came along
    assert saved["residence_region"] == "530102"
    assert cadre_window.tabs.tabText(cadre_window.tabs.currentIndex()) == "赵红梅"
    assert "共 1 户" in cadre_window.count_label.text()


def test_empty_drafts_can_be_discarded(
    qtbot: QtBot, cadre_window: MainWindow, store: Store, asked: Asked
) -> None:
    empty = store.create_household("李干事")  # as 新建户 used to leave them
    kept = store.create_household("李干事")
    store.save_form(kept, "A", {"name": "赵红梅"}, author="李干事", today=TODAY)
    cadre_window.refresh()
    row = next(
        r
        for r in range(cadre_window.model.rowCount())
        if cadre_window.model.household_id(r) == kept
    )
    cadre_window.table.selectRow(row)
    cadre_window.discard_empty_drafts()
    assert "没有可删除的空草稿" in asked[-1] and store.count_households() == 2
    cadre_window.table.clearSelection()
    asked.answer = QMessageBox.StandardButton.Yes
    cadre_window.discard_empty_drafts()
    assert "有 1 户空草稿" in asked[-1]
    assert store.count_households() == 1 and not store.is_empty_draft(empty)
    assert store.current(kept)["A"]["name"] == "赵红梅"


def test_a_duplicate_id_number_warns_links_and_needs_confirming(
    qtbot: QtBot, cadre_window: MainWindow, store: Store, asked: Asked
) -> None:
    data = complete_household()["A"]
    first = store.create_household("李干事")
    store.save_form(first, "A", data, author="李干事", final=True, today=TODAY)
    second = store.create_household("李干事")
    store.save_form(second, "A", dict(data, archive_no="YN-2"), author="李干事", today=TODAY)
    editor = cadre_window.open_household(second)
    items = [editor.problems.item(i) for i in range(editor.problems.count())]
    notice = next(i for i in items if "身份证号与另一户相同" in i.text())
    assert "张建国" in notice.text() and "YN-530102-2020-000001" in notice.text()

    editor.finalise_current()
    assert "已用于其他户" in asked[-1]
    assert store.current_states(second)["A"] == "draft"  # not confirmed: not finalised

    asked.answer = QMessageBox.StandardButton.Yes
    editor.finalise_current()
    assert store.current_states(second)["A"] == "final"
    assert store.current(second)["A"][CONFIRMED_FIELD] == WORKER_ID  # kept, in the history
    count = len(asked)
    editor.finalise_current()
    assert len(asked) == count  # confirmed once for this number: not asked again

    notice = next(
        editor.problems.item(i)
        for i in range(editor.problems.count())
        if "身份证号与另一户相同" in editor.problems.item(i).text()
    )
    qtbot.mouseClick(
        editor.problems.viewport(),
        Qt.MouseButton.LeftButton,
        pos=editor.problems.visualItemRect(notice).center(),
    )
    current = cadre_window.tabs.currentWidget()
    assert isinstance(current, HouseholdEditor) and current.household_id == first

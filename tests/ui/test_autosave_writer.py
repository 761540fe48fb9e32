"""Autosave on the writer thread (issue 17): the window hands saves over and goes on, yet nothing
typed is ever lost — closing, switching household and quitting wait for the writer, failures
reach the cadre, and quick edits land as revisions in the order they were typed."""

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.store import Store
from fieldapp.ui.editor import HouseholdEditor
from fieldapp.ui.main_window import MainWindow
from tests.ui.keyboard import ime


@pytest.fixture(autouse=True)
def dialogs(recorded_dialogs: list[str]) -> list[str]:
    """Message boxes are recorded instead of blocking the test."""
    return recorded_dialogs


def household(store: Store, name: str) -> str:
    hid = store.create_household("李干事")
    store.save_form(hid, "A", {"name": name, "address": "旧址"}, author="李干事")
    return hid


def type_address(qtbot: QtBot, editor: HouseholdEditor, text: str) -> None:
    """Click into 家庭住址, select what is there and type over it (an IME commit)."""
    block = editor.page("A").block_at("address")
    assert block is not None
    target = block.widget.focus_target()
    editor.page("A").focus_path("address")
    target.selectAll()  # type: ignore[attr-defined]
    qtbot.waitUntil(target.hasFocus)
    ime(text)


def test_closing_right_after_typing_keeps_the_value(
    qtbot: QtBot, cadre_window: MainWindow, store: Store
) -> None:
    hid = household(store, "赵红梅")
    editor = cadre_window.open_household(hid)
    type_address(qtbot, editor, "新华路 1 号")
    assert editor.dirty  # the autosave beat has not come yet
    cadre_window.close_tab(cadre_window.tabs.indexOf(editor))
    assert store.current(hid)["A"]["address"] == "新华路 1 号"


def test_switching_household_right_after_typing_keeps_the_value(
    qtbot: QtBot, cadre_window: MainWindow, store: Store
) -> None:
    first, second = household(store, "赵红梅"), household(store, "钱小英")
    editor = cadre_window.open_household(first)
    type_address(qtbot, editor, "新华路 2 号")
    editor.autosave()  # the beat came: the save is on its way, not yet landed
    cadre_window.open_household(second)
    assert store.current(first)["A"]["address"] == "新华路 2 号"
    assert editor.settled()


def test_quitting_right_after_typing_keeps_the_value(
    qtbot: QtBot, cadre_window: MainWindow, store: Store
) -> None:
    hid = household(store, "赵红梅")
    editor = cadre_window.open_household(hid)
    type_address(qtbot, editor, "新华路 3 号")
    editor.autosave()
    type_address(qtbot, editor, "新华路 4 号")  # typed after the beat, before quitting
    cadre_window.close()
    assert store.current(hid)["A"]["address"] == "新华路 4 号"


def test_a_failed_save_is_shown_and_the_values_are_kept(
    qtbot: QtBot,
    cadre_window: MainWindow,
    store: Store,
    dialogs: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hid = household(store, "赵红梅")
    editor = cadre_window.open_household(hid)

    def full_disk(self: Store, *args: Any, **kwargs: Any) -> Any:
        raise StoreError("磁盘已满，无法写入")

    with monkeypatch.context() as patch:
        patch.setattr(Store, "save_form", full_disk)  # the writer's own connection too
        type_address(qtbot, editor, "新华路 5 号")
        qtbot.waitUntil(lambda: bool(dialogs), timeout=5000)
    assert "磁盘已满" in dialogs[0]
    assert editor.save_state.text() == "保存失败"
    block = editor.page("A").block_at("address")
    assert block is not None and block.widget.value() == "新华路 5 号"
    assert store.current(hid)["A"]["address"] == "旧址"
    editor.save_drafts()  # the next try (Ctrl+S) writes what is still on screen
    assert store.current(hid)["A"]["address"] == "新华路 5 号"


def test_two_quick_edits_land_as_two_revisions_in_order(
    qtbot: QtBot, cadre_window: MainWindow, store: Store
) -> None:
    hid = household(store, "赵红梅")
    editor = cadre_window.open_household(hid)
    type_address(qtbot, editor, "新华路 6 号")
    editor.autosave()
    type_address(qtbot, editor, "新华路 7 号")
    editor.autosave()  # submitted before the first save has landed
    qtbot.waitUntil(editor.settled, timeout=5000)
    history = [r for r in store.history(hid, "A") if r.held is None]
    addresses = [r.data.get("address") for r in history]
    assert addresses[-2:] == ["新华路 6 号", "新华路 7 号"]
    assert history[-1].parent_id == history[-2].id  # the second is based on the first
    assert not store.db.execute("select count(*) from conflicts").fetchone()[0]
    assert "冲突" not in editor.save_state.text() and not editor.banner.isVisible()


def test_an_edit_before_the_later_sections_are_built_keeps_their_values(
    qtbot: QtBot, cadre_window: MainWindow, store: Store
) -> None:
    """A page shows its first section at once and builds the others after its first paint; a
    save made before that still carries every section's values."""
    hid = household(store, "赵红梅")  # 姓名 (second section) and 家庭住址 (a later one)
    editor = cadre_window.open_household(hid)
    page = editor.page("A")
    assert None in page._grids  # the later sections are not built yet
    block = page.block_at("worker_no")  # in the first section
    assert block is not None
    block.widget.focus_target().setText("GH-0001")  # type: ignore[attr-defined]
    editor.save_drafts()
    saved = store.current(hid)["A"]
    assert saved["worker_no"] == "GH-0001"
    assert saved["name"] == "赵红梅" and saved["address"] == "旧址"

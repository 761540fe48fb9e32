"""The household list at scale: an autosave updates the one row it changed (no list query), and
typing a search goes through real key events and the input method."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from fieldapp.core.store.store import Store
from fieldapp.ui.main_window import MainWindow
from tests.conftest import TODAY
from tests.ui.test_editor import settle, type_into


def make_window(qtbot: QtBot, store: Store) -> MainWindow:
    for name in ("张三", "李四", "王五"):
        hid = store.create_household("甲")
        store.save_form(hid, "A", {"name": name}, author="甲", today=TODAY)
    window = MainWindow(store, "李干事")
    qtbot.addWidget(window)
    window.show()
    return window


def test_autosave_updates_its_row_without_requerying_the_list(
    qtbot: QtBot, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window(qtbot, store)
    row = [window.model.index(r, 1).data() for r in range(3)].index("李四")
    editor = window.open_household(window.model.household_id(row))
    resets: list[int] = []
    window.model.modelReset.connect(lambda: resets.append(1))
    searches: list[str] = []
    original = store.search
    monkeypatch.setattr(store, "search", lambda *a, **k: searches.append("x") or original(*a, **k))
    type_into(editor.page("A"), "name", "李四海")
    settle(qtbot, editor)
    assert window.model.index(row, 1).data() == "李四海"
    assert resets == [] and searches == []
    window.close()


def test_typed_chinese_through_the_input_method_filters_the_list(
    qtbot: QtBot, store: Store
) -> None:
    window = make_window(qtbot, store)
    window.search.setFocus()
    event = QInputMethodEvent()
    event.setCommitString("王")
    QApplication.sendEvent(window.search, event)
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=2000)
    assert window.model.index(0, 1).data() == "王五"
    qtbot.waitUntil(lambda: "符合条件 1 户" in window.count_label.text(), timeout=2000)
    qtbot.keyClick(window.search, Qt.Key.Key_Backspace)
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=2000)
    window.close()


def test_only_the_newest_keystroke_reaches_the_list(qtbot: QtBot, store: Store) -> None:
    window = make_window(qtbot, store)
    model = window.model
    model.set_filter("张", background=True)
    model.set_filter("王", background=True)
    qtbot.waitUntil(lambda: not model.busy(), timeout=5000)
    stale = model._generation - 1
    model._found(stale, 0, [dict(model._rows[0], name="旧")], 9)  # a late answer to "张"
    assert [model.index(r, 1).data() for r in range(model.rowCount())] == ["王五"]
    model._counted(stale, 9)  # a late count for "张"
    qtbot.waitUntil(lambda: "符合条件 1 户" in window.count_label.text(), timeout=5000)
    window.close()


def test_scrolling_fetches_the_next_page_on_the_worker(
    qtbot: QtBot, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fieldapp.ui import household_model

    monkeypatch.setattr(household_model, "PAGE", 2)
    window = make_window(qtbot, store)
    model = window.model
    window.refresh()
    assert model.rowCount() == 2 and model.canFetchMore()
    model.fetchMore()
    assert model.busy() and not model.canFetchMore()
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=5000)
    assert not model.canFetchMore()
    assert {model.index(r, 1).data() for r in range(3)} == {"张三", "李四", "王五"}
    window.close()

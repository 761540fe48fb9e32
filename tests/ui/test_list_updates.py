"""The household list at scale: an autosave updates the one row it changed (no list query), and
typing a search goes through real key events and the input method."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from fieldapp.core.store.store import Store
from fieldapp.ui import household_model
from fieldapp.ui.main_window import MainWindow
from tests.conftest import TODAY
from tests.ui.keyboard import ime
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


def test_a_new_household_joins_the_list_without_a_reload_if_it_matches_the_search(
    qtbot: QtBot, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window(qtbot, store)
    model = window.model
    window.activateWindow()
    window.search.setFocus()
    qtbot.waitUntil(window.search.hasFocus)
    ime("张")
    qtbot.waitUntil(lambda: "共 3 户，符合条件 1 户" in window.count_label.text(), timeout=5000)
    assert names(window) == ["张三"]
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    queries: list[str] = []
    for name in ("search", "count_matching"):
        original = getattr(store, name)
        monkeypatch.setattr(
            store, name, lambda *a, o=original, n=name, **k: queries.append(n) or o(*a, **k)
        )
    monkeypatch.setattr(model._worker, "submit", lambda request: queries.append("worker"))

    editor = window.new_household()  # 新建户, then the name typed as a cadre does
    editor.page("A").focus_path("name")
    qtbot.waitUntil(lambda: editor.page("A").block_at("name").widget.edit.hasFocus())  # type: ignore[union-attr]
    ime("张七")
    settle(qtbot, editor)
    assert sorted(names(window)) == ["张七", "张三"]
    assert "共 4 户，符合条件 2 户" in window.count_label.text()

    other = window.new_household()  # one the search does not find stays out of the list
    other.page("A").focus_path("name")
    qtbot.waitUntil(lambda: other.page("A").block_at("name").widget.edit.hasFocus())  # type: ignore[union-attr]
    ime("赵六")
    settle(qtbot, other)
    assert sorted(names(window)) == ["张七", "张三"]
    assert "共 5 户，符合条件 2 户" in window.count_label.text()
    assert resets == [] and queries == []
    window.close()


def names(window: MainWindow) -> list[str]:
    return [window.model.index(r, 1).data() for r in range(window.model.rowCount())]


def test_a_new_row_takes_the_place_a_reload_would_give_it(qtbot: QtBot, store: Store) -> None:
    window = make_window(qtbot, store)
    model = window.model
    for name, category in (("张三", "A"), (None, "B"), ("李四", None)):
        hid = store.create_household("甲")
        values = {"name": name} if name else {"id_number": "530102199001011234"}
        store.save_form(hid, "A", values, author="甲", today=TODAY)
        store.db.execute("update households set category = ? where id = ?", [category, hid])
    for column in range(len(household_model.COLUMNS)):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            model.sort(column, order)
            hid = store.create_household("甲")
            store.save_form(hid, "A", {"name": "张七"}, author="甲", today=TODAY)
            assert model.add_household(hid)
            inserted = [model.household_id(r) for r in range(model.rowCount())]
            model.refresh_rows()
            assert inserted == [model.household_id(r) for r in range(model.rowCount())], column
    window.close()


def test_a_keystroke_interrupts_the_search_workers_warming(
    qtbot: QtBot, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    endless = (
        "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
    )
    monkeypatch.setattr(
        Store, "warm_search_cache", lambda self: self.db.execute(endless).fetchone()
    )
    window = make_window(qtbot, store)  # its search worker starts warming at once, endlessly
    qtbot.waitUntil(lambda: window.model._worker._warming is not None, timeout=5000)
    window.activateWindow()
    window.search.setFocus()
    qtbot.waitUntil(window.search.hasFocus)
    ime("王")
    qtbot.waitUntil(lambda: names(window) == ["王五"], timeout=5000)
    qtbot.waitUntil(lambda: "符合条件 1 户" in window.count_label.text(), timeout=5000)
    window.close()


def test_a_worker_left_running_is_stopped_before_the_interpreter_exits(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ``atexit`` hook interrupts a warming nobody stopped and joins the thread, so Python
    never tears down while the worker is inside SQLite."""
    import threading
    import time
    import weakref

    from fieldapp.ui import search_worker

    endless = (
        "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
    )
    monkeypatch.setattr(
        Store, "warm_search_cache", lambda self: self.db.execute(endless).fetchone()
    )
    worker = search_worker.SearchWorker(store)
    worker.start()
    thread = worker._thread
    assert isinstance(thread, threading.Thread)
    deadline = time.monotonic() + 5
    while worker._warming is None and time.monotonic() < deadline:
        thread.join(0.01)
    assert worker._warming is not None and thread.is_alive()
    search_worker._stop_at_exit(weakref.ref(worker))
    assert not thread.is_alive() and worker._thread is None

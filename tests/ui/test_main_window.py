"""The starter window: bundled font, household list over the store, live search."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from pytestqt.qtbot import QtBot

from fieldapp.core.store.store import Store
from fieldapp.ui.fonts import apply_app_font, register_bundled_font
from fieldapp.ui.main_window import MainWindow
from tests.conftest import TODAY
from tests.core.households import complete_household


def test_bundled_cjk_font_is_registered(qapp: object) -> None:
    family = register_bundled_font()
    assert "WenQuanYi" in family
    assert family in QFontDatabase.families()


def test_list_shows_and_filters_households(
    qtbot: QtBot, store: Store, tmp_path: Path, qapp: object
) -> None:
    apply_app_font(qapp, register_bundled_font())
    hid = store.create_household("甲")
    store.save_form(hid, "A", complete_household()["A"], author="甲", final=True, today=TODAY)
    other = store.create_household("甲")
    store.save_form(other, "A", {"name": "李四"}, author="甲", today=TODAY)
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    assert window.model.rowCount() == 2
    qtbot.keyClicks(window.search, "5301021980")  # typed like a cadre would (QtTest: ASCII only)
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=2000)  # debounced search
    window.search.setText("张建")  # Chinese arrives through the input method as a whole word
    window.refresh()
    assert window.model.rowCount() == 1
    assert window.model.household_id(0) == hid
    assert window.model.index(0, 3).data() == "云南省 昆明市 五华区"
    assert window.model.headerData(1, Qt.Orientation.Horizontal) == "姓名"
    window.search.clear()
    window.refresh()
    window.status.setCurrentText("在档")
    assert window.model.rowCount() == 2
    window.category.setCurrentText("深度困难")
    assert [window.model.household_id(0)] == [hid] and window.model.rowCount() == 1
    window.category.setCurrentIndex(0)
    window.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)  # 姓名, descending
    names = [window.model.index(r, 1).data() for r in range(2)]
    assert names == sorted(names, reverse=True)
    window.clears.setCurrentIndex(1)  # 六清已完成: none yet
    assert window.model.rowCount() == 0
    window.clears.setCurrentIndex(0)
    shot = tmp_path / "main.png"
    assert window.grab().save(str(shot))
    window.close()
    assert shot.stat().st_size > 5000

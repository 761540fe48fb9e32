"""Issue 12 in the editor: 两有五保障/应享未享 panels, 需重新核对, the member pick, standards dialog."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemDelegate, QApplication
from pytestqt.qtbot import QtBot

from fieldapp.core.store.store import Store
from fieldapp.ui import standards_dialog
from fieldapp.ui.editor import AUTOSAVE_MS, HouseholdEditor
from fieldapp.ui.grid_delegates import ChoiceEdit
from fieldapp.ui.main_window import MainWindow
from fieldapp.ui.person_pick import PersonPickWidget
from fieldapp.ui.repeat_grid import RepeatGrid
from fieldapp.ui.standards_dialog import StandardsDialog
from tests.conftest import TODAY
from tests.core.households import complete_household


@pytest.fixture
def window(qtbot: QtBot, store: Store) -> Iterator[MainWindow]:
    win = MainWindow(store, "李干事")
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    yield win
    win.close()


def saved_household(store: Store) -> str:
    hid = store.create_household("李干事")
    for form, values in complete_household().items():
        store.save_form(hid, form, values, author="李干事", final=True, today=TODAY)
    return hid


def test_hints_panel_adds_a_policy_to_form_c_and_a_need_to_form_e(
    qtbot: QtBot, window: MainWindow, store: Store
) -> None:
    hid = saved_household(store)
    editor: HouseholdEditor = window.open_household(hid)
    editor.page("C")  # built, so the add must show in the open page too
    editor.side_tabs.setCurrentIndex(2)
    panel = editor.hints
    assert panel.summary.text().startswith("按云南省帮扶政策目录")
    card = next(c for c in panel.cards if c.hint.policy_id == "yn-07b")
    assert card.hint.person == "王秀英"
    qtbot.mouseClick(card.to_c, Qt.MouseButton.LeftButton)
    rows = store.current(hid)["C"]["policies"]
    assert rows[-1]["policy_name"] == "尿毒症患者医疗费用按90%报销"
    assert rows[-1]["implemented"] == "否" and store.current_states(hid)["C"] == "final"
    assert len(editor.page("C").repeat("policies").values()) == len(rows)
    card = next(c for c in panel.cards if c.hint.policy_id == "yn-07b")
    assert card.hint.pending and not card.to_c.isEnabled()  # applied for, not received
    needs = len(store.current(hid)["E"]["problems"])
    qtbot.mouseClick(card.to_e, Qt.MouseButton.LeftButton)
    problems = store.current(hid)["E"]["problems"]
    assert len(problems) == needs + 1 and problems[-1]["status"] == "待办"
    assert "尿毒症患者医疗费用按90%报销" in problems[-1]["description"]


def test_assessment_panel_and_needs_recheck_after_form_a_changes(
    qtbot: QtBot, window: MainWindow, store: Store
) -> None:
    hid = saved_household(store)
    editor: HouseholdEditor = window.open_household(hid)
    editor.side_tabs.setCurrentIndex(1)
    panel = editor.assessment
    assert panel.table.rowCount() == 7 and panel.table.item(0, 1).text() == "未达标"
    assert panel.result is not None and panel.result.outcome == "未达到"
    # Remove both members on the A page: B (finalised) now needs rechecking.
    editor.nav.setCurrentRow(0)
    members = editor.page("A").repeat("members")
    assert isinstance(members, RepeatGrid)  # issue 16: members are entered in a grid
    members.model.remove_rows(range(len(members.model.rows)))
    qtbot.wait(AUTOSAVE_MS + 150)
    qtbot.waitUntil(editor.settled)  # the writer thread's save has landed
    editor.finalise_current()
    b_item = editor.nav.item(1)
    assert "需重新核对" in b_item.text() and "共同生活人口" in b_item.toolTip()
    # (24,000 + 3,000 − 9,000) ÷ 1 ÷ 12 = 1,500.00 元 > 590: 有吃 now 达标 in the panel.
    assert panel.table.item(0, 1).text() == "达标"


def test_member_of_an_income_line_is_picked_from_form_a(
    qtbot: QtBot, window: MainWindow, store: Store
) -> None:
    hid = saved_household(store)
    editor: HouseholdEditor = window.open_household(hid)
    editor.nav.setCurrentRow(1)
    grid = editor.page("B").repeat("incomes")
    if isinstance(grid, RepeatGrid):  # issue 16: the income lines are a grid; its cell offers
        index = grid.model.index(0, grid.model.column_of("member"))
        grid.view.setCurrentIndex(index)
        grid.view.edit(index)
        QApplication.processEvents()
        cell = QApplication.focusWidget()
        assert isinstance(cell, ChoiceEdit)
        items = list(cell.choices)
        assert items == ["张建国", "王秀英", "张小明", "全家"]
        cell.setText("王秀英")
        grid.view.commitData(cell)
        grid.view.closeEditor(cell, QAbstractItemDelegate.EndEditHint.NoHint)
    else:
        block = editor.page("B").block_at("incomes[1].member")
        assert block is not None and isinstance(block.widget, PersonPickWidget)
        combo = block.widget.combo
        combo.showPopup()
        items = [combo.itemText(i) for i in range(combo.count())]
        combo.hidePopup()
        assert items == ["张建国", "王秀英", "张小明", "全家"]
        combo.setCurrentIndex(items.index("王秀英"))
    qtbot.wait(AUTOSAVE_MS + 150)
    qtbot.waitUntil(editor.settled)  # the writer thread's save has landed
    assert store.current(hid)["B"]["incomes"][0]["member"] == "王秀英"


def test_standards_dialog_adds_imports_and_exports(
    qtbot: QtBot, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = StandardsDialog(store, "办公室")
    qtbot.addWidget(dialog)
    page = dialog.pages["minimum_wage"]
    before = page.table.rowCount()
    qtbot.keyClicks(page.county, "530402")
    assert page.county_name.text() == "云南省 玉溪市 红塔区"
    qtbot.keyClicks(page.since, "2025-10-01")
    qtbot.keyClicks(page.amount, "1750")
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    assert store.minimum_wage("530402", date(2026, 1, 1)) is None  # no source yet: refused
    assert "依据" in page.message.text() and page.table.rowCount() == before
    page.source.setText("云政发〔2025〕1号")  # typed through an input method
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    assert store.minimum_wage("530402", date(2026, 1, 1)) == 175_000
    assert page.table.rowCount() == before + 1 and page.county.text() == ""
    template = tmp_path / "低保.xlsx"
    monkeypatch.setattr(standards_dialog, "save_file_name", lambda *a: str(template))
    dibao = dialog.pages["dibao"]
    qtbot.mouseClick(dibao.template_button, Qt.MouseButton.LeftButton)
    wb = load_workbook(template)
    wb.active.append(["530402", "", "2026-01-01", 600, "玉政发〔2025〕9号"])
    wb.save(template)
    monkeypatch.setattr(standards_dialog, "open_file_name", lambda *a: str(template))
    qtbot.mouseClick(dibao.import_button, Qt.MouseButton.LeftButton)
    assert "新增 1 条" in dibao.message.text()
    assert store.dibao_standard("530402", date(2026, 6, 1)) == 60_000


def test_opening_a_household_marks_its_stale_finalised_form(
    qtbot: QtBot, window: MainWindow, store: Store
) -> None:
    """The 需重新核对 mark is judged just after the editor is on screen, not while opening."""
    hid = saved_household(store)
    a = dict(store.current(hid)["A"])
    store.save_form(hid, "A", {**a, "members": []}, author="李干事")  # B (finalised) is stale now
    editor: HouseholdEditor = window.open_household(hid)
    b_item = editor.nav.item(1)
    qtbot.waitUntil(lambda: "需重新核对" in b_item.text(), timeout=3000)
    assert "共同生活人口" in b_item.toolTip()

"""The household editor driven as a cadre would, asserting what lands in the store."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit
from pytestqt.qtbot import QtBot

from fieldapp.core.store.store import Store
from fieldapp.ui.editor import AUTOSAVE_MS, OPEN_KEY, HouseholdEditor
from fieldapp.ui.field_widgets import RegionWidget
from fieldapp.ui.form_renderer import FormPage
from fieldapp.ui.main_window import MainWindow
from tests.stores import TEST_PASSPHRASE, open_test_store
from tests.ui.keyboard import grid_of, ime, key, keys
from tests.ui.qt_child import spawn

TAB, ENTER = Qt.Key.Key_Tab, Qt.Key.Key_Return

REPO = Path(__file__).resolve().parents[2]


def type_into(page: FormPage, path: str, text: str) -> None:
    block = page.block_at(path)
    assert block is not None, path
    target = block.widget.focus_target()
    if isinstance(target, QLineEdit):
        target.setText(text)
    else:
        block.widget.edit.setPlainText(text)  # type: ignore[attr-defined]


def choose(page: FormPage, path: str, label: str) -> None:
    block = page.block_at(path)
    assert block is not None, path
    combo = block.widget.focus_target()
    assert isinstance(combo, QComboBox)
    index = combo.findText(label)
    assert index > 0, f"{label} not in {path}"
    combo.setCurrentIndex(index)


def choose_region(page: FormPage, path: str, *names: str) -> None:
    block = page.block_at(path)
    assert block is not None
    widget = block.widget
    assert isinstance(widget, RegionWidget)
    for combo, name in zip((widget.province, widget.city, widget.county), names, strict=False):
        combo.setCurrentIndex(combo.findText(name))


def settle(qtbot: QtBot, editor: HouseholdEditor) -> None:
    qtbot.wait(AUTOSAVE_MS + 150)
    qtbot.waitUntil(editor.settled)  # the writer thread's save has landed
    assert not editor.dirty


@pytest.fixture(autouse=True)
def dialogs(recorded_dialogs: list[str]) -> list[str]:
    """Message boxes are recorded instead of blocking the test."""
    return recorded_dialogs


@pytest.fixture
def window(cadre_window: MainWindow) -> MainWindow:
    return cadre_window


def fill_form_a(page: FormPage) -> None:
    choose(page, "category", "深度困难")
    type_into(page, "name", "赵红梅")
    type_into(page, "id_number", "53040219751231002X")  # fills birth date and gender
    choose(page, "ethnicity", "彝族")
    choose(page, "political", "群众")
    choose(page, "health", "良好")
    choose(page, "work_status", "下(待)岗")
    type_into(page, "monthly_income", "0")  # no income, so counted at the minimum wage in B
    choose(page, "marital_status", "已婚")
    type_into(page, "phone", "13912345678")
    choose(page, "housing_type", "租房")
    type_into(page, "address", "玉溪市红塔区玉兴街道某小区 5 栋 301 室")
    choose_region(page, "residence_region", "云南省", "昆明市", "五华区")
    choose(page, "main_cause", "下岗失业")
    type_into(page, "created_by", "李干事")


def enter_member(editor: HouseholdEditor) -> None:
    """赵小军, 子女, born 2014-09-01, 初中: typed into the members grid."""
    grid = grid_of(editor, "A", "members")
    ime("赵小军")
    key(TAB)
    ime("子女")
    grid.view.go(0, grid.model.column_of("birth_date"))
    keys("2014-09-01")
    grid.view.go(0, grid.model.column_of("identity"))
    ime("初中")
    key(ENTER)


def test_fill_a_complete_household_through_the_ui(
    qtbot: QtBot, window: MainWindow, store: Store, dialogs: list[str]
) -> None:
    editor = window.new_household()
    a = editor.page("A")
    fill_form_a(a)
    enter_member(editor)
    block = a.block_at("birth_date")
    assert block is not None and block.widget.value() == "1975-12-31"
    settle(qtbot, editor)
    editor.nav.setCurrentRow(0)
    editor.finalise_current()
    hid = editor.household_id
    saved = store.current(hid)["A"]
    assert saved["name"] == "赵红梅" and saved["gender"] == "女"
    assert saved["residence_region"] == "530102"
    assert saved["members"][0]["name"] == "赵小军" and saved["family_size"] == 2
    assert store.current_states(hid)["A"] == "final"

    b = editor.page("B")
    editor.nav.setCurrentRow(1)
    type_into(b, "survey_date", "2026-10-10")
    assert b.block_at("surveyor").widget.value() == "李干事"  # type: ignore[union-attr]
    incomes = grid_of(editor, "B", "incomes")
    incomes.view.go(0, incomes.model.column_of("kind"))
    ime("工资性收入")
    key(TAB)
    key(TAB)
    keys("12,000.60")
    key(ENTER)
    settle(qtbot, editor)
    monthly = b.block_at("monthly_per_capita")
    # (12,000.60 + 1 × 1,670 × 12) ÷ 2 ÷ 12 = 32,040.60 ÷ 24 = 1,335.025 → 1,335.03 (the
    # worker, jobless with no income, is counted at 五华区's seeded minimum wage)
    assert monthly is not None and monthly.widget.value() == 133503
    assert "1335.03 元" in monthly.widget.label.text()  # type: ignore[attr-defined]
    b.block_at("imputed_override").widget.set_value("0")  # type: ignore[union-attr]
    b.block_at("imputed_override").widget.changed.emit()  # type: ignore[union-attr]
    type_into(b, "imputed_override_reason", "在家全天照料瘫痪的母亲")
    settle(qtbot, editor)
    assert monthly.widget.value() == 50003  # 12,000.60 ÷ 2 ÷ 12 = 500.025 → 500.03
    editor.finalise_current()
    assert store.current(hid)["B"]["incomes"][0]["annual_amount"] == 1_200_060

    grid_of(editor, "E", "problems")
    ime("就业")
    key(TAB)
    ime("本人下岗，希望找到稳定工作")
    key(TAB)
    key(TAB)
    key(TAB)
    ime("推荐公益性岗位")
    key(ENTER)
    settle(qtbot, editor)
    editor.finalise_current()
    assert dialogs == [], editor.results["E"].errors
    problem = store.current(hid)["E"]["problems"][0]
    assert problem["measure"] == "推荐公益性岗位" and problem["status"] == "待办"

    d = editor.page("D")
    visits = grid_of(editor, "D", "visits")
    assert d.block_at("helper_name").widget.value() == "李干事"  # type: ignore[union-attr]
    keys("2026-10-10")
    key(TAB)
    ime("入户走访")
    key(TAB)
    visits.model.set_cells(
        [
            (
                0,
                visits.model.column_of("worker_signature"),
                {"strokes": [[[10, 10], [120, 60], [200, 30]]]},
            )
        ]
    )
    settle(qtbot, editor)
    editor.finalise_current()
    visit = store.current(hid)["D"]["visits"][0]
    assert visit["worker_signature"] == {"strokes": [[[10, 10], [120, 60], [200, 30]]]}
    assert set(store.current_states(hid).values()) == {"final"}
    assert json.loads(store.household(hid)["clears"]) != []
    window.close_tab(1)
    assert store.meta(OPEN_KEY) == ""


def test_validation_messages_summary_and_jump(
    qtbot: QtBot, window: MainWindow, store: Store, dialogs: list[str]
) -> None:
    editor = window.new_household()
    a = editor.page("A")
    type_into(a, "phone", "12345")
    type_into(a, "id_number", "532301199002290072")
    settle(qtbot, editor)
    phone = a.block_at("phone")
    assert phone is not None and phone.message.isVisibleTo(a)
    assert "不是有效电话号码" in phone.message.text()
    summary = [editor.problems.item(i).text() for i in range(editor.problems.count())]
    assert any("手机号码" in s and "不是有效电话号码" in s for s in summary)
    assert any("必填项未填写" in s for s in summary)
    # a draft with errors is saved as typed, but cannot be finalised
    assert store.current(editor.household_id)["A"]["phone"] == "12345"
    editor.finalise_current()
    assert dialogs and "不能定稿" in dialogs[0]
    assert store.current_states(editor.household_id)["A"] == "draft"
    summary = [editor.problems.item(i).text() for i in range(editor.problems.count())]
    assert "[错误] 姓名：必填项未填写" in summary  # finalising tried: empty required are errors
    row = next(i for i, s in enumerate(summary) if "不是有效电话号码" in s)
    item = editor.problems.item(row)
    qtbot.mouseClick(
        editor.problems.viewport(),
        Qt.MouseButton.LeftButton,
        pos=editor.problems.visualItemRect(item).center(),
    )
    qtbot.waitUntil(lambda: phone.widget.focus_target().hasFocus(), timeout=2000)


def test_relevance_shows_and_hides_fields_live(qtbot: QtBot, window: MainWindow) -> None:
    editor = window.new_household()
    a = editor.page("A")
    disability = a.block_at("disability_type")
    assert disability is not None
    settle_after = AUTOSAVE_MS + 150
    choose(a, "health", "良好")
    qtbot.wait(settle_after)
    qtbot.waitUntil(editor.settled)
    assert not disability.isVisibleTo(a)
    choose(a, "health", "残疾")
    qtbot.wait(settle_after)
    qtbot.waitUntil(editor.settled)
    assert disability.isVisibleTo(a)
    assert not disability.message.isVisibleTo(a)  # not reached yet: listed, not marked
    summary = [editor.problems.item(i).text() for i in range(editor.problems.count())]
    assert "[待填] 残疾类别：必填项未填写" in summary
    editor.finalise_current()  # trying to finalise shows every problem on its field
    assert disability.message.isVisibleTo(a) and "必填项未填写" in disability.message.text()


def test_members_can_be_reordered_and_removed(
    qtbot: QtBot, window: MainWindow, store: Store
) -> None:
    editor = window.new_household()
    members = grid_of(editor, "A", "members")
    for name in ("甲", "乙", "丙"):
        ime(name)
        key(ENTER)
    settle(qtbot, editor)
    members.view.go(2, 0)
    members.buttons["up"].click()
    members.view.go(0, 0)
    key(Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, editor)
    saved = store.current(editor.household_id)["A"]["members"]
    assert [m["name"] for m in saved] == ["丙", "乙"]
    assert len(store.history(editor.household_id, "A")) >= 2  # every autosave is a revision


def test_reopens_what_was_being_edited(qtbot: QtBot, store: Store) -> None:
    hid = store.create_household("甲")
    store.set_meta(OPEN_KEY, hid)
    win = MainWindow(store, "甲")
    qtbot.addWidget(win)
    editor = win.reopen_after_crash()
    assert editor is not None and editor.household_id == hid
    assert win.tabs.currentWidget() is editor
    win.close()
    assert store.meta(OPEN_KEY) == ""  # a clean close forgets the marker


CHILD = r"""
import sys, time
from PySide6.QtWidgets import QApplication
app = QApplication([])
from tests.stores import TEST_PASSPHRASE, open_test_store
from fieldapp.ui.main_window import MainWindow
store = open_test_store(sys.argv[1])
window = MainWindow(store, "测试员")
window.show()
editor = window.new_household()
edit = editor.page("A").block_at("address").widget.edit
text = ""
start = time.monotonic()
while True:
    text += "路"
    edit.setPlainText(text)
    print(len(text), time.monotonic(), flush=True)
    end = time.monotonic() + 0.05
    while time.monotonic() < end:
        app.processEvents()
"""


def test_autosave_survives_sigkill_losing_at_most_a_second(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    child = spawn(CHILD, str(db))
    typed: list[tuple[int, float]] = []
    assert child.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = child.stdout.readline()
        if not line:
            break
        count, stamp = line.split()
        typed.append((int(count), float(stamp)))
        if len(typed) >= 40:  # about two seconds of typing
            break
    killed_at = time.monotonic()
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    assert len(typed) >= 40, "the child did not start typing"
    store = open_test_store(db)
    households = list(store.iter_household_ids())
    assert len(households) == 1
    saved: Any = store.current(households[0]).get("A", {}).get("address") or ""
    typed_a_second_before = max(n for n, stamp in typed if stamp <= killed_at - 1.0)
    assert len(saved) >= typed_a_second_before
    assert set(saved) == {"路"}


def test_enter_moves_to_the_next_field(qtbot: QtBot, window: MainWindow) -> None:
    from PySide6.QtCore import Qt

    editor = window.new_household()
    a = editor.page("A")
    first = a.block_at("archive_no")
    second = a.block_at("worker_no")
    assert first is not None and second is not None
    first.widget.focus_target().setFocus()
    qtbot.waitUntil(first.widget.focus_target().hasFocus, timeout=2000)
    qtbot.keyClick(first.widget.focus_target(), Qt.Key.Key_Return)
    qtbot.waitUntil(second.widget.focus_target().hasFocus, timeout=2000)


def test_status_change_runs_the_rules_and_needs_an_override_reason(
    qtbot: QtBot, window: MainWindow, store: Store
) -> None:
    from fieldapp.ui.editor import StatusDialog

    editor = window.new_household()
    assert not editor.status_button.isEnabled()  # nothing saved yet: no household to change
    # The first real value creates the household; a Form D field keeps Form A (and so the
    # household's 共同生活人口) empty for the checks below.
    type_into(editor.page("D"), "helper_name", "赵红梅")
    settle(qtbot, editor)
    assert editor.status_button.isEnabled()
    dialog = StatusDialog(store, editor.household_id, "李干事", editor)
    dialog.status.setCurrentText("已脱困")
    # An empty household cannot meet 脱困: the verdict and the override field are shown.
    assert "不符合“已脱困”的条件" in dialog.verdict.text()
    assert (
        dialog.override.isVisibleTo(dialog) and "缺少共同生活人口" in dialog.reasons.toPlainText()
    )
    dialog._accept()
    assert dialog.message.text() == "请填写变更原因" and dialog.result() == 0
    dialog.reason.setPlainText("连续 6 个月人均收入超过低保标准")
    dialog._accept()
    assert "人工认定理由" in dialog.message.text() and dialog.result() == 0
    assert store.household(editor.household_id)["status"] == "在档"
    dialog.status.setCurrentText("注销")  # no rule applies to 注销
    assert not dialog.override.isVisibleTo(dialog)
    dialog.status.setCurrentText("已解困")
    dialog.override.setPlainText("收入证明已补交，待录入")
    dialog._accept()
    assert dialog.result() == 1
    [change] = store.status_history(editor.household_id)
    assert change["status"] == "已解困" and '"override": true' in change["rules_check"]
    original = StatusDialog.exec
    StatusDialog.exec = lambda self: (  # type: ignore[method-assign]
        self.status.setCurrentText("在档"),
        self.reason.setPlainText("复核后恢复在档"),
        self._accept(),
        self.result(),
    )[-1]
    try:
        editor.change_status()
    finally:
        StatusDialog.exec = original  # type: ignore[method-assign]
    assert store.household(editor.household_id)["status"] == "在档"
    assert store.status_history(editor.household_id)[-1]["reason"] == "复核后恢复在档"


def test_unopenable_database_gets_a_chinese_message(qtbot: QtBot, tmp_path: Path) -> None:
    from fieldapp.ui.unlock_dialog import UnlockDialog

    broken = tmp_path / "broken.db"
    broken.write_bytes(b"not a database" * 200)
    dialog = UnlockDialog(broken)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.passphrase, TEST_PASSPHRASE)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert dialog.key is None and "已损坏或不是户户清数据库" in dialog.message.text()
    assert broken.read_bytes() == b"not a database" * 200


def test_first_run_wizard_records_the_profile(qtbot: QtBot, store: Store) -> None:
    from fieldapp.ui.first_run import FirstRunWizard, needs_first_run

    assert needs_first_run(store)
    wizard = FirstRunWizard(store)
    qtbot.addWidget(wizard)
    page = wizard.profile
    assert not page.validatePage()
    assert "请填写姓名" in page.message.text()
    page.name.setText("李干事")
    page.unit.setText("昆明市五华区总工会")
    page.phone.setText("123")
    assert not page.validatePage() and "11 位" in page.message.text()
    page.phone.setText("13800138000")
    assert page.validatePage()
    wizard.accept()
    assert not needs_first_run(store)
    assert store.meta("profile.unit") == "昆明市五华区总工会"


# -- nothing a cadre typed is ever lost (issue 10) ------------------------------------------------


def paste_into(qtbot: QtBot, page: FormPage, path: str, text: str) -> None:
    """Paste ``text`` from the clipboard into a field with Ctrl+V, as a cadre would."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    block = page.block_at(path)
    assert block is not None, path
    target = block.widget.focus_target()
    QApplication.clipboard().setText(text)
    target.setFocus()
    qtbot.keyClick(target, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def summary_lines(editor: HouseholdEditor) -> list[str]:
    return [editor.problems.item(i).text() for i in range(editor.problems.count())]


def test_pasted_over_long_text_is_kept_whole_and_flagged(
    qtbot: QtBot, window: MainWindow, store: Store, dialogs: list[str]
) -> None:
    editor = window.new_household()
    a = editor.page("A")
    # A one-line field (members are a grid since issue 16; 工作单位 is a one-line card field)
    pasted = "".join(f"第{i:03d}字" for i in range(400))  # 2,000 characters, numbered
    assert len(pasted) == 2000
    paste_into(qtbot, a, "employer", pasted)
    settle(qtbot, editor)
    assert store.current(editor.household_id)["A"]["employer"] == pasted
    block = a.block_at("employer")
    assert block is not None and block.widget.value() == pasted
    assert any(
        "工作单位" in s and "已输入 2,000 字，超过上限 100 字" in s for s in summary_lines(editor)
    )
    editor.finalise_current()
    assert dialogs and "不能定稿" in dialogs[0]


def test_a_paste_over_the_hard_cap_is_refused_whole_and_stays_in_the_field(
    qtbot: QtBot, window: MainWindow, store: Store, dialogs: list[str]
) -> None:
    editor = window.new_household()
    a = editor.page("A")
    paste_into(qtbot, a, "address", "路" * 40_000)  # beyond QLineEdit's default 32,767 too
    qtbot.wait(AUTOSAVE_MS + 150)
    qtbot.waitUntil(lambda: bool(dialogs))  # the writer thread's refusal has landed
    assert dialogs and "已输入 40,000 字，超过每项 20,000 字的上限" in dialogs[0]
    assert "address" not in (store.current(editor.household_id).get("A") or {})
    block = a.block_at("address")
    assert block is not None and block.widget.value() == "路" * 40_000
    assert editor.save_state.text() == "保存失败"


def test_a_name_the_ledger_cannot_print_is_refused_naming_the_character(
    qtbot: QtBot, window: MainWindow, store: Store
) -> None:
    editor = window.new_household()
    a = editor.page("A")
    type_into(a, "name", "王😀芳")
    type_into(a, "address", "某路𠀀号")  # a rare character outside the font: only a warning
    settle(qtbot, editor)
    assert store.current(editor.household_id)["A"]["name"] == "王😀芳"  # the draft keeps it
    lines = summary_lines(editor)
    assert any(
        s.startswith("[错误] 姓名") and "“😀”（U+1F600）无法打印（表册字体没有这个字）" in s
        for s in lines
    )
    assert any(s.startswith("[提醒] 家庭住址") and "“𠀀”（U+20000）无法打印" in s for s in lines)

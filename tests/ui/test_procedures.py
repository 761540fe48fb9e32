"""Issue 14 in the GUI: the 待办 view, deciding a step, the editor's 办理程序 strip.

A headquarters store (the office identity, 上级工会审批人) holds an exit case that a cadre and a
reviewer have taken to its 公示; the tests click through it as the clerk would. Laptops enrolled
as a cadre and as a reviewer start exit cases from the household editor.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import (
    QApplication,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QRadioButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from fieldapp.core import procedures as proc
from fieldapp.core.store.store import Store
from fieldapp.core.trust import identity
from fieldapp.ui.main_window import MainWindow
from fieldapp.ui.procedures.case_strip import CaseStrip
from fieldapp.ui.procedures.session import WRONG_PASSPHRASE
from fieldapp.ui.procedures.step_dialog import StepDialog
from fieldapp.ui.procedures.todo_view import TodoView
from tests.core.procedure_people import HQ_PASS, Region, household, region
from tests.core.test_sync import digest
from tests.stores import open_test_store
from tests.ui.office_helpers import click, press, shown_window

TODAY = date.today()
REASON = "经入户核查，家庭收入已稳定超过低保标准"


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


@pytest.fixture
def r(tmp_path: Path) -> Region:
    return region(tmp_path)


def exit_at_publicity(r: Region) -> str:
    """A household (with a photo) whose exit to 已脱困 has passed 入户核查 and 基层工会审核."""
    photo = r.hq.add_attachment_bytes(
        b"\x89PNG", name="收入证明.png", author="李干事", kind="收入证明"
    )
    hid = household(r.hq, A={"attachments": [photo]})
    case = proc.open_case(r.hq, hid, proc.EXIT, signer=r.cadre, target="已脱困", opened_on=ago(20))
    for signer, step, on in ((r.cadre, "入户核查", 20), (r.reviewer, "基层工会审核", 18)):
        proc.take_step(
            r.hq,
            case.id,
            signer=signer,
            decision="通过",
            opinion="同意",
            step=step,
            decided_on=ago(on),
            override_reason=REASON,
        )
    return case.id


def answer(qtbot: QtBot, *secrets: bytes) -> list[str]:
    """Answer the modal windows as they come up: each passphrase prompt gets the next secret typed
    and Enter; a message box is read (its text goes into the returned list) and closed."""
    pending, seen = list(secrets), []

    def respond() -> None:
        widget = QApplication.activeModalWidget()
        if isinstance(widget, QInputDialog) and pending:
            assert "口令" in widget.labelText()
            field = widget.findChild(QLineEdit)
            assert field is not None and field.echoMode() == QLineEdit.EchoMode.Password
            qtbot.keyClicks(field, pending.pop(0).decode())
            qtbot.keyClick(field, Qt.Key.Key_Return)
        elif isinstance(widget, QMessageBox):
            seen.append(widget.text())
            click(qtbot, widget.buttons()[0])
        if pending:
            QTimer.singleShot(10, respond)

    QTimer.singleShot(0, respond)
    return seen


def type_passphrase(qtbot: QtBot, secret: bytes) -> None:
    answer(qtbot, secret)


def write(qtbot: QtBot, box: QWidget, text: str) -> None:
    """Click into a text box and type Chinese through the input method (a commit string)."""
    assert isinstance(box, QPlainTextEdit) and box.isVisible()
    qtbot.mouseClick(box.viewport(), Qt.MouseButton.LeftButton)
    commit = QInputMethodEvent("", [])
    commit.setCommitString(text)
    QApplication.sendEvent(box, commit)


def choose(dialog: StepDialog, name: str) -> QRadioButton:
    button = dialog.findChild(QRadioButton, name)
    assert button is not None
    return button


def steps_taken(store: Store, case_id: str) -> list[str]:
    return [s.step.step for s in proc.case_view(store, case_id).steps]


def open_todo(qtbot: QtBot, window: MainWindow) -> TodoView:
    press(qtbot, window, "Ctrl+Shift+D")
    view = window.tabs.currentWidget()
    assert isinstance(view, TodoView)
    return view


def select_row(qtbot: QtBot, view: TodoView, row: int) -> None:
    rect = view.table.visualItemRect(view.table.item(row, 0))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_todo_publicity_then_approval_completes_the_exit(qtbot: QtBot, r: Region) -> None:
    case_id = exit_at_publicity(r)
    window = shown_window(qtbot, r.hq)
    view = open_todo(qtbot, window)
    assert "上级工会审批人" in view.who.text()
    row = [view.table.item(0, c).text() for c in range(view.table.columnCount())]
    assert row == ["张建国", "YN-530102-2020-000001", "退出（已脱困）", "公示", "18"]
    select_row(qtbot, view, 0)
    detail = view.detail
    assert "第 3 步/共 4 步：公示" in detail.heading.text()
    assert "不符合" in detail.verdict.text() and detail.assessment.table.rowCount() == 7
    history = detail.history.toPlainText()
    assert "入户核查 通过" in history and "基层工会审核 通过 王审核（基层工会审核人）" in history
    assert "签名有效" in history
    assert detail.evidence.attachments.item(0).text() == "收入证明：收入证明.png"
    assert "入户走访" in detail.evidence.visit.text()

    click(qtbot, detail.approve_button)  # 公示: the dates, the objections, the reason
    dialog = detail.dialog
    assert dialog is not None and dialog.isVisible() and dialog.publicity is not None
    assert dialog.opinion.toPlainText() == "公示期满，无异议，同意。"
    click(qtbot, choose(dialog, "no"))
    before = digest(r.hq)
    type_passphrase(qtbot, HQ_PASS)
    click(qtbot, dialog.ok_button)  # no reason although the rules are not met: refused
    assert "不符合条件仍同意的理由" in dialog.message.text() and dialog.isVisible()
    assert digest(r.hq) == before
    write(qtbot, dialog.override, REASON)
    click(qtbot, dialog.ok_button)  # unlocked already: no second passphrase
    assert not dialog.isVisible()
    assert steps_taken(r.hq, case_id)[-1] == "公示"
    publicity = proc.case_view(r.hq, case_id).steps[-1].step.data
    assert publicity["publicity_from"] == str(ago(18)) and publicity["objections"] is False
    assert view.table.rowCount() == 1 and view.table.item(0, 3).text() == "上级审批"

    with qtbot.waitActive(window):
        window.activateWindow()
    press(qtbot, window, "Ctrl+Return")  # 通过, from the keyboard this time: 上级审批
    dialog = detail.dialog
    assert dialog.publicity is None and dialog.opinion.toPlainText() == "情况属实，同意。"
    write(qtbot, dialog.override, REASON)
    click(qtbot, dialog.ok_button)
    assert r.hq.household(proc.case_view(r.hq, case_id).case.household_id)["status"] == "已脱困"
    assert view.table.rowCount() == 0 and not detail.approve_button.isEnabled()
    assert "档案状态变更为“已脱困”" in window.statusBar().currentMessage()
    window.close()


def test_refused_steps_show_why_and_change_nothing(qtbot: QtBot, r: Region) -> None:
    case_id = exit_at_publicity(r)
    window = shown_window(qtbot, r.hq)
    view = open_todo(qtbot, window)
    select_row(qtbot, view, 0)
    click(qtbot, view.detail.approve_button)
    dialog = view.detail.dialog
    assert dialog is not None and dialog.publicity is not None
    click(qtbot, dialog.ok_button)  # objections not chosen yet
    assert dialog.message.text() == "请选择公示期间有无异议"
    click(qtbot, choose(dialog, "yes"))
    assert dialog.opinion.toPlainText() == "公示期间有异议，已核实处理，同意。"
    dialog.publicity["end"].setDate(QDate(ago(16).year, ago(16).month, ago(16).day))
    write(qtbot, dialog.override, REASON)
    before = digest(r.hq)
    type_passphrase(qtbot, HQ_PASS)
    click(qtbot, dialog.ok_button)
    assert "公示期只有 3 天" in dialog.message.text() and "至少应公示 7 天" in dialog.message.text()
    assert digest(r.hq) == before
    # Meanwhile the reviewer's 公示 arrives (a bundle): this decision is now out of order.
    proc.take_step(
        r.hq,
        case_id,
        signer=r.reviewer,
        decision="通过",
        opinion="公示无异议",
        decided_on=ago(5),
        publicity=proc.Publicity(ago(17), ago(10), False),
        override_reason=REASON,
    )
    dialog.publicity["end"].setDate(QDate(ago(10).year, ago(10).month, ago(10).day))
    write(qtbot, dialog.publicity["note"], "异议人撤回")
    before = digest(r.hq)
    click(qtbot, dialog.ok_button)
    assert "办理顺序不对" in dialog.message.text() and "上级审批" in dialog.message.text()
    assert digest(r.hq) == before and steps_taken(r.hq, case_id)[-1] == "公示"
    dialog.reject()  # still open after both refusals: the clerk cancels
    view.refresh()
    assert view.table.item(0, 3).text() == "上级审批"
    window.close()


def laptop_editor(
    qtbot: QtBot, r: Region, tmp_path: Path, role: str
) -> tuple[Store, bytes, MainWindow, CaseStrip]:
    """A laptop enrolled at ``r``'s headquarters as ``role``, with one complete household open
    in its window: the store, its passphrase, the window and the editor's 办理程序 strip."""
    secret = f"{role}-passphrase-1".encode()
    data, _ = identity.enroll_staff(
        r.hq, HQ_PASS, secret, name=f"{role}者", unit="五华区总工会", role=role, author="办公室"
    )
    store = open_test_store(tmp_path / f"{role}.db", passphrase=secret)
    identity.take_enrollment(store, data, secret, author=role)
    window = shown_window(qtbot, store)
    return store, secret, window, window.open_household(household(store)).cases


def test_cadre_starts_an_exit_from_the_household_editor(
    qtbot: QtBot, r: Region, tmp_path: Path
) -> None:
    store, secret, window, strip = laptop_editor(qtbot, r, tmp_path, "cadre")
    hid = strip.household_id
    assert strip.window() is window and QApplication.activeWindow() is window  # not a window
    assert "尚无建档、退出案件" in strip.text.text() and strip.start_button.isVisible()
    assert not strip.act_button.isVisible()
    click(qtbot, strip.start_button)
    dialog = strip.dialog
    assert dialog is not None and dialog.isVisible() and dialog.takes_step
    assert dialog.opinion.toPlainText() == "情况属实，同意。"
    assert "不符合" in dialog.verdict.text() and dialog.override.isVisible()
    dialog.target.setCurrentText("注销")  # no rule to meet: the reason is not asked for
    assert not dialog.override.isVisible()
    errors = answer(qtbot, b"not-my-passphrase", secret)  # mistyped first: asked again
    click(qtbot, dialog.ok_button)
    assert errors == [WRONG_PASSPHRASE] and not dialog.isVisible()
    [case] = proc.list_cases(store, household=hid)
    assert case.case.target == "注销" and steps_taken(store, case.case.id) == ["入户核查"]
    assert "退出（注销） 第 2 步/共 4 步：基层工会审核" in strip.text.text()
    assert not strip.start_button.isVisible() and not strip.act_button.isVisible()
    window.close()
    store.close()


def test_a_reviewer_may_not_open_an_exit_and_nothing_is_written(
    qtbot: QtBot, r: Region, tmp_path: Path
) -> None:
    store, secret, window, strip = laptop_editor(qtbot, r, tmp_path, "reviewer")
    click(qtbot, strip.start_button)
    dialog = strip.dialog
    assert dialog is not None and not dialog.takes_step  # 入户核查 is the cadre's
    before = digest(store)
    type_passphrase(qtbot, secret)
    click(qtbot, dialog.ok_button)
    assert "退出案件只能由入户干部、上级工会审批人开立" in dialog.message.text()
    assert digest(store) == before and proc.list_cases(store) == []
    window.close()
    store.close()


def test_editor_strip_takes_the_step_waiting_for_me(qtbot: QtBot, r: Region) -> None:
    case_id = exit_at_publicity(r)
    hid = proc.case_view(r.hq, case_id).case.household_id
    window = shown_window(qtbot, r.hq)
    strip = window.open_household(hid).cases
    assert "退出（已脱困） 第 3 步/共 4 步：公示" in strip.text.text()
    assert strip.act_button.text() == "办理：公示…" and not strip.start_button.isVisible()
    click(qtbot, strip.act_button)
    dialog = strip.dialog
    assert dialog is not None
    click(qtbot, choose(dialog, "no"))
    write(qtbot, dialog.override, REASON)
    type_passphrase(qtbot, HQ_PASS)
    click(qtbot, dialog.ok_button)
    assert "第 4 步/共 4 步：上级审批" in strip.text.text()
    assert strip.act_button.text() == "办理：上级审批…"
    stored = json.loads(
        r.hq.db.execute("select data from procedure_steps order by rowid desc").fetchone()[0]
    )
    assert stored["objections"] is False and stored["rules_check"]["override_reason"] == REASON
    window.close()


def test_without_an_identity_the_todo_says_so_and_the_strip_cannot_start(
    qtbot: QtBot, store: Store
) -> None:
    hid = household(store)
    window = shown_window(qtbot, store)
    click(qtbot, window.todo_button)
    view = window.tabs.currentWidget()
    assert isinstance(view, TodoView) and view.table.rowCount() == 0
    assert "本机尚未登记身份" in view.who.text() and not view.detail.approve_button.isEnabled()
    strip = window.open_household(hid).cases
    assert strip.start_button.isVisible() and not strip.start_button.isEnabled()
    assert "设备登记" in strip.start_button.toolTip()
    window.close()

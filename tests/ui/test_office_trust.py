"""Office screens that need identities: conflicts from two laptops, verifying a signed ledger,
enrolling a laptop (again) from the menu."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from pytestqt.qtbot import QtBot

from fieldapp.core.ledger.render import render_household_ledger
from fieldapp.core.sync.merge import list_conflicts
from fieldapp.core.trust import identity
from fieldapp.ui.office.conflicts_view import INCOMING, ConflictsView
from fieldapp.ui.office.enrollment_dialog import EnrollmentDialog
from fieldapp.ui.office.issue_enrollment import IssueEnrollmentDialog
from fieldapp.ui.office.verify_view import VerifyView
from tests.core.test_sync import HQ_PASS, World, edit, make_world, new_household
from tests.stores import TEST_PASSPHRASE, open_test_store
from tests.ui.office_helpers import click, press, shown_window


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path)


def conflict_at_hq(world: World) -> str:
    li, wang = world.li, world.wang
    hid = new_household(li)
    world.to_hq(world.export(li))
    world.to_laptop(wang, world.assign(world.wang_info, [hid]))
    edit(li, hid, "A", phone="13911111111")
    edit(wang, hid, "A", address="昆明市五华区新地址 8 号")
    world.to_hq(world.export(li))
    assert world.to_hq(world.export(wang))["conflicts"] == 1
    return hid


def test_conflict_side_by_side_merged_field_by_field(qtbot: QtBot, world: World) -> None:
    hid = conflict_at_hq(world)
    window = shown_window(qtbot, world.hq)
    press(qtbot, window, "Ctrl+Shift+C")
    view = window.tabs.currentWidget()
    assert isinstance(view, ConflictsView) and view.list.count() == 1
    rows = {view.table.item(r, 0).text(): r for r in range(view.table.rowCount())}
    assert set(rows) == {"手机号码", "家庭住址"}  # only the differences, highlighted
    assert view.table.item(rows["手机号码"], 1).text() == "13911111111"
    assert view.table.item(rows["家庭住址"], 2).text() == "昆明市五华区新地址 8 号"
    view.table.cellWidget(rows["家庭住址"], 3).setCurrentText(INCOMING)  # the rest stays 本地
    click(qtbot, view.save_button)
    assert not list_conflicts(world.hq) and view.list.count() == 0
    merged = world.hq.current(hid)["A"]
    assert merged["phone"] == "13911111111" and merged["address"] == "昆明市五华区新地址 8 号"
    head = world.hq.current_revision(hid, "A")
    assert head is not None and head.author == "办公室"
    # the result descends from both: the laptops' bundles bring no new conflict
    assert world.to_hq(world.export(world.li, full=True))["conflicts"] == 0
    assert world.to_hq(world.export(world.wang, full=True))["conflicts"] == 0
    window.close()


def _drop(view: VerifyView, pdf: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(pdf))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    view.dropEvent(event)


def test_verify_view_reads_a_dropped_ledger(qtbot: QtBot, world: World, tmp_path: Path) -> None:
    hq = world.hq
    hid = new_household(hq)
    pdf = tmp_path / "signed.pdf"
    render_household_ledger(hq, hid, pdf, signer=identity.signing_identity(hq, HQ_PASS))
    window = shown_window(qtbot, hq)
    press(qtbot, window, "Ctrl+Shift+V")
    view = window.tabs.currentWidget()
    assert isinstance(view, VerifyView) and "本数据库的总部根证书" in view.trust_label.text()
    _drop(view, pdf)
    assert view.report is not None and view.report.ok
    assert "核验通过" in view.verdict.text()
    column = [view.table.item(r, 0).text() for r in range(view.table.rowCount())]
    assert column[4:7] == ["是", "是", "是"] and column[-1] == "通过"
    assert "（签名人电脑时间）" in column[3]
    changed = tmp_path / "changed.pdf"
    data = bytearray(pdf.read_bytes())
    data[len(data) // 4] ^= 0x01  # one byte of the signed content
    changed.write_bytes(bytes(data))
    _drop(view, changed)
    assert view.report is not None and not view.report.ok
    assert "核验未通过" in view.verdict.text()
    window.close()


def issue_at_hq(qtbot: QtBot, world: World, target: Path) -> None:
    """Headquarters issues 赵's enrollment file from the menu, as an office clerk would."""
    window = shown_window(qtbot, world.hq)
    dialog = window.issue_enrollment()
    assert isinstance(dialog, IssueEnrollmentDialog)
    dialog.name.setText("赵")
    dialog.unit.setText("盘龙区总工会")
    for field, text in (
        (dialog.staff_pass, "zhao-pass-1"),
        (dialog.staff_again, "zhao-pass-2"),
        (dialog.hq_pass, HQ_PASS.decode()),
    ):
        field.setText(text)
    assert not dialog.issue(str(target)) and "不一致" in dialog.message.text()
    dialog.staff_again.setText("zhao-pass-1")
    dialog.hq_pass.setText("not-the-hq-pass")
    assert not dialog.issue(str(target)) and not target.exists()
    dialog.hq_pass.setText(HQ_PASS.decode())
    assert dialog.issue(str(target)) and "已签发" in dialog.message.text()
    assert target.stat().st_mode & 0o077 == 0  # private keys inside: owner only
    dialog.close()
    window.close()


def test_enrollment_from_the_menu_and_again_later(
    qtbot: QtBot, world: World, tmp_path: Path
) -> None:
    laptop = open_test_store(tmp_path / "new-laptop.db")
    files = [tmp_path / "赵1.hhqe", tmp_path / "赵2.hhqe"]
    for target in files:
        issue_at_hq(qtbot, world, target)
    window = shown_window(qtbot, laptop)
    action = next(a for a in window.menuBar().actions() if a.text() == "数据包(&B)")
    entry = next(a for a in action.menu().actions() if a.text() == "设备登记…")
    entry.trigger()
    dialog = window.findChild(EnrollmentDialog)
    assert dialog is not None and "尚未登记" in dialog.status.text()
    dialog.file.setText(str(files[0]))
    dialog.own_passphrase.setText(TEST_PASSPHRASE)  # the one that opened this database
    dialog.passphrase.setText("wrong-passphrase")
    click(qtbot, dialog.enroll_button)
    assert "口令" in dialog.message.text() and identity.identity_mode(laptop) is None
    dialog.passphrase.setText("zhao-pass-1")
    click(qtbot, dialog.enroll_button)
    assert "登记成功" in dialog.message.text() and "赵" in dialog.status.text()
    assert not dialog.own_passphrase.text()  # no passphrase left on screen
    first = identity.staff_id(laptop)
    dialog.file.setText(str(files[1]))  # a new file later: re-enrolment
    dialog.passphrase.setText("zhao-pass-1")
    dialog.own_passphrase.setText(TEST_PASSPHRASE)
    click(qtbot, dialog.enroll_button)
    assert "登记成功" in dialog.message.text() and identity.staff_id(laptop) != first
    dialog.close()
    window.close()
    laptop.close()

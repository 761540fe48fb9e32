"""Bundle export and import from the GUI menus, end to end between two stores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from fieldapp.core.trust import identity
from fieldapp.ui.main_window import MainWindow
from fieldapp.ui.sync_actions import export_bundle_gui, import_bundles_gui, last_export_at
from tests.conftest import TODAY
from tests.core.households import complete_household
from tests.stores import open_test_store

HQ_PASS, STAFF_PASS = b"hq-secret", b"staff-secret"


def test_export_on_laptop_and_import_at_headquarters(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "information", staticmethod(lambda *a, **k: shown.append(str(a[2])))
    )
    hq = open_test_store(tmp_path / "hq.db", passphrase=HQ_PASS)
    identity.hq_init(hq, HQ_PASS, unit="昆明市总工会", author="办公室")
    data, _ = identity.enroll_staff(
        hq, HQ_PASS, STAFF_PASS, name="李干事", unit="五华区总工会", author="办公室"
    )
    laptop = open_test_store(tmp_path / "laptop.db", passphrase=STAFF_PASS)
    identity.take_enrollment(laptop, data, STAFF_PASS, author="李干事")
    hid = laptop.create_household("李干事")
    laptop.save_form(hid, "A", complete_household()["A"], author="李干事", final=True, today=TODAY)
    assert last_export_at(laptop) == ""

    window = MainWindow(laptop, "李干事")
    qtbot.addWidget(window)
    bundle = tmp_path / "up.hhq"
    results: list[Any] = []
    export_bundle_gui(
        window,
        laptop,
        "李干事",
        choose=lambda: str(bundle),
        passphrase=lambda: STAFF_PASS,
        on_done=results.append,
    )
    qtbot.waitUntil(lambda: bool(results), timeout=30_000)
    assert bundle.is_file() and results[0]["file"] == str(bundle)
    assert last_export_at(laptop) != ""
    assert "数据包已写入" in shown[-1]

    hq_window = MainWindow(hq, "办公室")
    qtbot.addWidget(hq_window)
    reports: list[Any] = []
    import_bundles_gui(
        hq_window,
        hq,
        "办公室",
        choose=lambda: [str(bundle), str(bundle)],
        passphrase=lambda: HQ_PASS,
        on_done=reports.append,
    )
    qtbot.waitUntil(lambda: bool(reports), timeout=30_000)
    first, second = reports[0]
    assert first["new"] == 1 and not first.get("rejected")
    assert second["new"] == 0  # importing the same bundle again changes nothing
    assert "新增 1 户" in shown[-1]
    assert hq.current(hid)["A"]["name"] == "张建国"

    tampered = tmp_path / "tampered.hhq"
    raw = bytearray(bundle.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    tampered.write_bytes(bytes(raw))
    reports.clear()
    import_bundles_gui(
        hq_window,
        hq,
        "办公室",
        choose=lambda: [str(tampered)],
        passphrase=lambda: HQ_PASS,
        on_done=reports.append,
    )
    qtbot.waitUntil(lambda: bool(reports), timeout=30_000)
    assert reports[0][0]["rejected"]
    assert "已拒绝" in shown[-1] and "未作任何修改" in shown[-1]
    window.close()
    hq_window.close()


def test_first_run_wizard_enrolls_the_laptop(qtbot: QtBot, tmp_path: Path) -> None:
    from fieldapp.ui.first_run import FirstRunWizard

    hq = open_test_store(tmp_path / "hq.db", passphrase=HQ_PASS)
    identity.hq_init(hq, HQ_PASS, unit="昆明市总工会", author="办公室")
    data, _ = identity.enroll_staff(
        hq, HQ_PASS, STAFF_PASS, name="李干事", unit="五华区总工会", author="办公室"
    )
    enrollment = tmp_path / "李干事.enroll"
    enrollment.write_bytes(data)
    laptop = open_test_store(tmp_path / "laptop.db", passphrase=STAFF_PASS)
    wizard = FirstRunWizard(laptop)
    qtbot.addWidget(wizard)
    wizard.profile.name.setText("李干事")
    page = wizard.enroll
    assert page.validatePage()  # no file: enrol later
    page.file.setText(str(enrollment))
    page.passphrase.setText("wrong")
    assert not page.validatePage() and page.message.text()
    assert identity.identity_mode(laptop) != identity.MODE_LAPTOP
    page.passphrase.setText(STAFF_PASS.decode())
    assert page.validatePage(), page.message.text()
    assert identity.identity_mode(laptop) == identity.MODE_LAPTOP
    page.file.setText(str(tmp_path / "missing.enroll"))
    assert not page.validatePage() and "无法读取登记文件" in page.message.text()

"""A file double-clicked on the desktop (the installers associate ``.hhq`` and ``.hhqe`` with
``fieldapp open FILE``): a bundle is imported, an enrollment file opens the enrollment dialog."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from fieldapp.core.trust import identity
from fieldapp.ui.main_window import MainWindow
from fieldapp.ui.office.enrollment_dialog import EnrollmentDialog
from fieldapp.ui.open_document import open_document
from tests.conftest import TODAY
from tests.core.households import complete_household
from tests.stores import open_test_store

HQ_PASS, STAFF_PASS = b"hq-secret", b"staff-secret"
ROOT = Path(__file__).resolve().parents[2]


def test_a_double_clicked_bundle_is_imported(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from fieldapp.core.sync.export import export_bundle

    shown: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "information", staticmethod(lambda *a, **k: shown.append(str(a[2])))
    )
    asked: list[object] = []
    monkeypatch.setattr(
        "fieldapp.ui.sync_actions.ask_passphrase", lambda parent: asked.append(parent) or HQ_PASS
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
    bundle = tmp_path / "上报.hhq"
    export_bundle(laptop, bundle, STAFF_PASS, author="李干事")

    window = MainWindow(hq, "办公室")
    qtbot.addWidget(window)
    open_document(window, str(bundle))
    qtbot.waitUntil(lambda: bool(shown), timeout=30_000)
    assert asked == [window]  # the same passphrase question as the menu's import
    assert "新增 1 户" in shown[-1]
    assert hq.current(hid)["A"]["name"] == "张建国"


def test_a_double_clicked_enrollment_file_fills_the_enrollment_dialog(
    qtbot: QtBot, cadre_window: MainWindow, tmp_path: Path
) -> None:
    file = tmp_path / "李干事.hhqe"
    file.write_bytes(b"checked only when the cadre presses enroll")
    open_document(cadre_window, str(file))
    dialogs = [w for w in cadre_window.findChildren(EnrollmentDialog) if w.isVisible()]
    assert len(dialogs) == 1
    assert dialogs[0].file.text() == str(file)


@pytest.mark.parametrize("name", ["表册.pdf", "不存在.hhq"])
def test_other_files_get_a_chinese_message_and_nothing_opens(
    qtbot: QtBot,
    cadre_window: MainWindow,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
) -> None:
    from PySide6.QtWidgets import QMessageBox

    warnings: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", staticmethod(lambda *a, **k: warnings.append(str(a[2])))
    )
    path = tmp_path / name
    if name.endswith(".pdf"):
        path.write_bytes(b"%PDF-1.7")
    open_document(cadre_window, str(path))
    assert len(warnings) == 1 and str(path) in warnings[0]
    assert not [w for w in cadre_window.findChildren(EnrollmentDialog) if w.isVisible()]


def test_the_version_shown_is_pyprojects() -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    result = subprocess.run(
        [sys.executable, "-m", "fieldapp", "--version"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert result.stdout.strip() == f"fieldapp {version}"

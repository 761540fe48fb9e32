"""`fieldapp --open FILE`: what a double-click on a .hhq bundle or .hhqe enrollment file runs."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from fieldapp.core.store.store import Store, open_store
from fieldapp.core.sync.bundle import export_bundle
from fieldapp.core.trust import identity
from fieldapp.ui import open_file
from fieldapp.ui.main_window import MainWindow
from tests.conftest import TODAY
from tests.core.households import complete_household

REPO = Path(__file__).resolve().parents[2]
HQ_PASS, STAFF_PASS = b"hq-secret", b"staff-secret"


def fieldapp(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "FIELDAPP_DB": str(db)}
    return subprocess.run(
        [sys.executable, "-m", "fieldapp", *args],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def test_open_refuses_a_missing_or_foreign_file_before_any_window(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    missing = fieldapp("--open", str(tmp_path / "无.hhq"), db=db)
    assert missing.returncode == 1 and "文件不存在" in missing.stderr
    other = tmp_path / "notes.txt"
    other.write_text("x", encoding="utf-8")
    foreign = fieldapp("--open", str(other), db=db)
    assert foreign.returncode == 1 and ".hhq" in foreign.stderr
    assert not db.exists()  # refused before the store was opened


def test_version_comes_from_pyproject() -> None:
    from fieldapp import __version__

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert __version__ == project["version"]
    done = fieldapp("--version", db=Path(os.devnull))
    assert done.returncode == 0 and done.stdout.strip() == f"fieldapp {project['version']}"


def test_kind_of_file() -> None:
    assert open_file.kind_of("上报.HHQ") == "bundle"
    assert open_file.kind_of("李干事.hhqe") == "enrollment"
    assert open_file.kind_of("old.enroll") == "enrollment"
    assert open_file.kind_of("a.pdf") is None


@pytest.fixture
def hq_and_laptop(tmp_path: Path) -> tuple[Store, Path, Path]:
    """Headquarters' store, the enrollment file it issued, and a bundle that laptop exported."""
    hq = open_store(tmp_path / "hq.db")
    identity.hq_init(hq, HQ_PASS, unit="昆明市总工会", author="办公室")
    data, _ = identity.enroll_staff(
        hq, HQ_PASS, STAFF_PASS, name="李干事", unit="五华区总工会", author="办公室"
    )
    enrollment = tmp_path / "李干事.hhqe"
    enrollment.write_bytes(data)
    laptop = open_store(tmp_path / "laptop.db")
    identity.take_enrollment(laptop, data, STAFF_PASS, author="李干事")
    hid = laptop.create_household("李干事")
    laptop.save_form(hid, "A", complete_household()["A"], author="李干事", final=True, today=TODAY)
    bundle = tmp_path / "户户清-上报.hhq"
    export_bundle(laptop, bundle, STAFF_PASS, author="李干事")
    laptop.close()
    return hq, enrollment, bundle


def test_double_clicked_bundle_is_imported(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, hq_and_laptop: tuple[Store, Path, Path]
) -> None:
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "information", staticmethod(lambda *a, **k: shown.append(str(a[2])))
    )
    hq, _, bundle = hq_and_laptop
    window = MainWindow(hq, "办公室")
    qtbot.addWidget(window)
    assert window.model.rowCount() == 0
    open_file.open_in_window(window, bundle, passphrase=lambda: HQ_PASS)
    qtbot.waitUntil(lambda: bool(shown), timeout=30_000)
    assert "新增 1 户" in shown[-1]
    assert window.model.rowCount() == 1  # the list was refreshed


def test_double_clicked_enrollment_file_enrolls_the_laptop(
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    hq_and_laptop: tuple[Store, Path, Path],
) -> None:
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "information", staticmethod(lambda *a, **k: shown.append(str(a[2])))
    )
    monkeypatch.setattr(
        QMessageBox, "warning", staticmethod(lambda *a, **k: shown.append("warning " + str(a[2])))
    )
    _, enrollment, _ = hq_and_laptop
    laptop = open_store(tmp_path / "new-laptop.db")
    window = MainWindow(laptop, "李干事")
    qtbot.addWidget(window)
    assert not open_file.open_in_window(window, enrollment, passphrase=lambda: b"wrong")
    assert shown[-1].startswith("warning") and identity.identity_mode(laptop) is None
    assert open_file.open_in_window(window, enrollment, passphrase=lambda: STAFF_PASS)
    assert "已登记为 李干事" in shown[-1]
    assert identity.identity_mode(laptop) == identity.MODE_LAPTOP


def test_enrollment_file_on_first_run_goes_into_the_wizard(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, hq_and_laptop: tuple[Store, Path, Path]
) -> None:
    from fieldapp.ui import app, first_run

    _, enrollment, _ = hq_and_laptop
    seen: list[str] = []

    def exec_(self: first_run.FirstRunWizard) -> int:
        seen.append(self.enroll.file.text())
        return 0  # the cadre cancels: no window

    monkeypatch.setattr(first_run.FirstRunWizard, "exec", exec_)
    fresh = open_store(tmp_path / "fresh.db")
    assert app.build_main_window(fresh, enrollment) is None
    assert seen == [str(enrollment)]

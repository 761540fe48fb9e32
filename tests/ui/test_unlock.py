"""The passphrase in the GUI: create, convert, unlock, wrong tries, Caps Lock, idle lock, and the
recovery round trip (laptop request → office grant → new passphrase)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from fieldapp.core.store.database import open_store
from fieldapp.core.store.encryption import ENCRYPTED, WrongPassphrase, database_state, unlock
from fieldapp.core.trust import identity
from fieldapp.ui.main_window import MainWindow
from fieldapp.ui.recovery_dialog import RecoveryDialog, grant_recovery_gui
from fieldapp.ui.unlock_dialog import UnlockDialog
from tests.core.test_encryption import plaintext_database
from tests.stores import TEST_PASSPHRASE, open_test_store

NEW = "a new passphrase"


def dialog_for(qtbot: QtBot, db: Path, **options: object) -> UnlockDialog:
    dialog = UnlockDialog(db, **options)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    return dialog


def submit(qtbot: QtBot, dialog: UnlockDialog, text: str, again: str | None = None) -> None:
    dialog.passphrase.clear()
    qtbot.keyClicks(dialog.passphrase, text)
    if dialog.again.isVisibleTo(dialog):
        dialog.again.clear()
        qtbot.keyClicks(dialog.again, text if again is None else again)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)


def test_first_start_sets_a_passphrase_and_creates_an_encrypted_database(
    qtbot: QtBot, tmp_path: Path
) -> None:
    db = tmp_path / "huhuqing.db"
    dialog = dialog_for(qtbot, db)
    assert dialog.ok.text() == "创建" and "设置" in dialog.windowTitle()
    submit(qtbot, dialog, NEW, again="something else")
    assert dialog.key is None and "不一致" in dialog.message.text()
    submit(qtbot, dialog, "short")
    assert dialog.key is None and "至少 8 个字符" in dialog.message.text()
    submit(qtbot, dialog, NEW)
    assert dialog.key is not None
    open_store(db, key=dialog.key).close()
    assert database_state(db) == ENCRYPTED and unlock(db, NEW.encode()) == dialog.key


def test_wrong_tries_then_a_wait_then_the_right_passphrase(qtbot: QtBot, tmp_path: Path) -> None:
    db = tmp_path / "huhuqing.db"
    open_test_store(db).close()
    dialog = dialog_for(qtbot, db, lockout_seconds=1)
    assert dialog.ok.text() == "解锁" and dialog.forgot.isVisibleTo(dialog)
    for n in range(1, 3):
        submit(qtbot, dialog, "wrong passphrase")
        assert f"还可再试 {3 - n} 次" in dialog.message.text() and dialog.ok.isEnabled()
    submit(qtbot, dialog, "wrong passphrase")
    assert "请等待" in dialog.message.text()
    assert not dialog.ok.isEnabled() and not dialog.passphrase.isEnabled()
    qtbot.waitUntil(dialog.ok.isEnabled, timeout=5000)
    submit(qtbot, dialog, TEST_PASSPHRASE)
    assert dialog.key == unlock(db, TEST_PASSPHRASE.encode())


def test_caps_lock_hint(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = dialog_for(qtbot, tmp_path / "huhuqing.db")
    qtbot.keyClicks(dialog.passphrase, "A")  # upper case without Shift: Caps Lock is on
    assert dialog.caps.text() == "大写锁定已打开"
    qtbot.keyClicks(dialog.passphrase, "a")
    assert dialog.caps.text() == ""


def test_an_old_database_is_converted_with_progress(qtbot: QtBot, tmp_path: Path) -> None:
    db = tmp_path / "huhuqing.db"
    plaintext_database(db, households=20)
    dialog = dialog_for(qtbot, db)
    assert dialog.ok.text() == "开始加密" and "尚未加密" in dialog.intro.text()
    submit(qtbot, dialog, NEW)
    assert dialog.key is not None and dialog.progress.value() == 100
    store = open_store(db, key=dialog.key)
    assert store.count_households() == 20
    store.close()


def test_idle_lock_hides_the_window_until_the_passphrase(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_test_store(tmp_path / "huhuqing.db")
    window = MainWindow(store, "测试员")
    qtbot.addWidget(window)
    window.show()
    editor = window.new_household()
    seen: list[str] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, UnlockDialog):  # not shown yet
            QTimer.singleShot(20, answer)
            return
        seen.append(dialog.intro.text())
        assert not window.isVisible()
        submit(qtbot, dialog, "wrong passphrase")
        seen.append(dialog.message.text())
        submit(qtbot, dialog, TEST_PASSPHRASE)

    QTimer.singleShot(0, answer)
    (lock,) = [a for a in window.findChildren(QAction) if a.shortcut().toString() == "Ctrl+L"]
    lock.trigger()  # 安全 → 立即锁定 (Ctrl+L); the idle timer calls the same
    assert "锁定" in seen[0] and "口令不正确" in seen[1]
    assert window.isVisible() and editor.dirty == set()
    assert window.idle_lock.timer.isActive()  # type: ignore[attr-defined]
    window.close()


def test_recovery_round_trip_in_the_gui(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda *a, **k: None))
    hq_pass, old = b"office passphrase", b"forgotten passphrase"
    hq = open_test_store(tmp_path / "hq.db", passphrase=hq_pass)
    identity.hq_init(hq, hq_pass, unit="昆明市总工会", author="办公室")
    data, _ = identity.enroll_staff(hq, hq_pass, old, name="李干事", unit="五华区", author="办公室")
    db = tmp_path / "huhuqing.db"
    laptop = open_test_store(db, passphrase=old)
    identity.take_enrollment(laptop, data, old, author="李干事")
    laptop.close()

    unlock_dialog = dialog_for(qtbot, db)
    recovery = RecoveryDialog(db, can_request=True, parent=unlock_dialog)
    qtbot.addWidget(recovery)
    request, reset = tmp_path / "申请.hhqr", tmp_path / "重置.hhqk"
    recovery.make_request(str(request))
    assert "已生成" in recovery.message.text()

    window = MainWindow(hq, "办公室")
    qtbot.addWidget(window)
    assert any(
        a.text().startswith("为干部找回口令")
        for a in window.menuBar().actions()[-2].menu().actions()
    )
    assert (
        grant_recovery_gui(
            window, hq, "办公室", request=str(request), passphrase=hq_pass, target=str(reset)
        )
        == reset
    )

    recovery.reset_file.setText(str(reset))
    qtbot.keyClicks(recovery.new, NEW)
    qtbot.keyClicks(recovery.again, NEW)
    qtbot.mouseClick(recovery.apply_button, Qt.MouseButton.LeftButton)
    assert recovery.key is not None, recovery.message.text()
    assert unlock(db, NEW.encode()) == recovery.key
    with pytest.raises(WrongPassphrase):
        unlock(db, old)
    store = open_store(db, key=recovery.key)
    identity.signing_identity(store, NEW.encode())
    store.close()
    window.close()


def test_temporary_copies_are_private_and_go_with_the_session(tmp_path: Path) -> None:
    from fieldapp.ui import private_temp
    from fieldapp.ui.attachments import temp_copy

    copy = temp_copy({"name": "户口本.jpg", "sha256": "ab" * 32}, b"photo of a hukou book")
    session = private_temp.session_dir()
    assert copy.is_relative_to(session) and copy.read_bytes() == b"photo of a hukou book"
    assert copy.stat().st_mode & 0o077 == 0 and session.stat().st_mode & 0o077 == 0


def test_the_application_asks_for_the_passphrase_before_anything_opens(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from fieldapp.ui.app import Session, start

    db = tmp_path / "huhuqing.db"
    store = open_test_store(db)
    store.set_meta("profile.name", "李干事")
    store.close()
    asked: list[str] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, UnlockDialog):
            QTimer.singleShot(20, answer)
            return
        asked.append(dialog.windowTitle())
        submit(qtbot, dialog, TEST_PASSPHRASE)

    QTimer.singleShot(0, answer)
    session = start(db)
    assert isinstance(session, Session) and asked == ["户户清 — 解锁"]
    assert isinstance(session.window, MainWindow)
    qtbot.addWidget(session.window)
    assert session.store.key == unlock(db, TEST_PASSPHRASE.encode())
    session.window.close()
    session.close()


def test_typing_keeps_the_idle_lock_away_and_its_watch_rests_between_keys(
    qtbot: QtBot, tmp_path: Path
) -> None:
    store = open_test_store(tmp_path / "huhuqing.db")
    window = MainWindow(store, "测试员")
    qtbot.addWidget(window)
    window.show()
    lock = window.idle_lock  # type: ignore[attr-defined]
    assert lock.timer.isActive() and not lock.rearm.isActive()
    window.search.setFocus()
    qtbot.keyClick(window.search, "a")
    assert lock.rearm.isActive()  # it saw the key, restarted the idle timer and stepped aside
    assert lock.timer.isActive()
    qtbot.waitUntil(lambda: not lock.rearm.isActive(), timeout=5000)
    qtbot.keyClick(window.search, "b")
    assert lock.rearm.isActive()  # watching again: the next key was seen too
    assert lock.timer.isActive() and window.isVisible()
    window.close()

"""The passphrase at start: unlock the encrypted database, or set one for a new or old database.

Three cases, from the file on disk: an encrypted database asks for the passphrase (masked, a hint
when Caps Lock is on, after 3 wrong tries a wait that doubles each time, and 忘记口令… for the
headquarters' recovery); a missing database asks to set a passphrase (twice) and creates it
encrypted; a database of an older version asks to set one and converts it, with a progress bar,
leaving the original untouched until the encrypted copy is verified. The same dialog locks the
window again after idle time (``relock``): then only the owner's passphrase of this database
continues, and 退出 closes the program. The key stays in memory; nothing is written to disk.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.store.encryption import (
    ENCRYPTED,
    MISSING,
    DatabaseKey,
    WrongPassphrase,
    database_state,
    has_recovery_copy,
)
from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.unlock import unlock_database

MAX_TRIES = 3
LOCKOUT_SECONDS = 30
RED, AMBER = "color: #c01c28;", "color: #b35900;"


def caps_lock_on(event: QKeyEvent) -> bool | None:
    """Whether Caps Lock is on (Windows asks the system; elsewhere: a letter whose case does not
    match Shift). None when this key press cannot tell."""
    if sys.platform == "win32":
        import ctypes

        return bool(ctypes.windll.user32.GetKeyState(0x14) & 1)  # type: ignore[attr-defined]
    text = event.text()
    if len(text) != 1 or not text.isalpha() or text.lower() == text.upper():
        return None
    shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
    return text.isupper() != shift


class PassphraseField(QLineEdit):
    """A masked passphrase field that tells ``hint`` when Caps Lock is on."""

    def __init__(self, hint: QLabel) -> None:
        super().__init__()
        self.setEchoMode(QLineEdit.EchoMode.Password)
        self.setMinimumWidth(260)
        self._hint = hint
        self.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self and event.type() == QEvent.Type.KeyPress:
            state = caps_lock_on(event)  # type: ignore[arg-type]
            if state is not None:
                self._hint.setText("大写锁定已打开" if state else "")
        return False


class UnlockDialog(QDialog):
    """``exec()`` accepted: ``key`` is the unlocked database key; rejected: the user quit."""

    def __init__(
        self,
        db_path: Path,
        *,
        relock: DatabaseKey | None = None,
        parent: QWidget | None = None,
        lockout_seconds: float = LOCKOUT_SECONDS,
    ) -> None:
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.relock = relock
        self.state = ENCRYPTED if relock else database_state(self.db_path)
        self.key: DatabaseKey | None = None
        self.failures = 0
        self.lockout_seconds = lockout_seconds
        self._next_wait = lockout_seconds
        self._remaining = 0
        self._progress_value = 0.0
        self.setWindowTitle("户户清 — " + self._title())
        self.setModal(True)

        self.intro = QLabel(self._intro())
        self.intro.setWordWrap(True)
        self.caps = QLabel()
        self.caps.setStyleSheet(AMBER)
        self.passphrase = PassphraseField(self.caps)
        self.again = PassphraseField(self.caps)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(RED)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setVisible(False)
        self.ok = QPushButton(self._action())
        self.ok.setDefault(True)
        self.ok.clicked.connect(self.submit)
        self.forgot = QPushButton("忘记口令…")
        self.forgot.clicked.connect(self.forgot_passphrase)
        self.forgot.setVisible(self.state == ENCRYPTED and relock is None)
        self.quit = QPushButton("退出")
        self.quit.clicked.connect(self.reject)

        form = QFormLayout()
        form.addRow("口令", self.passphrase)
        if self.state != ENCRYPTED:
            form.addRow("再输入一次", self.again)
        form.addRow("", self.caps)
        buttons = QHBoxLayout()
        buttons.addWidget(self.forgot)
        buttons.addStretch(1)
        buttons.addWidget(self.ok)
        buttons.addWidget(self.quit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.progress)
        layout.addLayout(buttons)
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._tick)
        self.setMinimumWidth(560)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)  # wrapped text fits

    # -- texts ---------------------------------------------------------------------------------

    def _title(self) -> str:
        if self.relock is not None:
            return "已锁定"
        return {ENCRYPTED: "解锁", MISSING: "设置口令"}.get(self.state, "加密数据库")

    def _intro(self) -> str:
        if self.relock is not None:
            return "户户清已因长时间未操作而锁定（未保存的内容均已保存为草稿）。请输入口令继续。"
        if self.state == ENCRYPTED:
            return f"请输入您的口令以打开数据库。\n数据库：{self.db_path}"
        if self.state == MISSING:
            return (
                "这台电脑上还没有户户清数据库。请设置您的口令（至少 8 个字符）：以后每次打开户户清"
                "都要输入它，它也保护您的签名私钥。数据库在硬盘上全部加密，丢失电脑也不会泄露"
                "群众信息。登记到上级工会后，忘记口令可由上级工会协助找回。"
            )
        return (
            "本机数据库是旧版本保存的，尚未加密。请设置口令（至少 8 个字符；已登记的请输入登记时"
            "使用的口令），程序将把数据库加密。加密副本校验无误后才替换原文件，中途断电也不会丢失数据。"
            f"\n数据库：{self.db_path}"
        )

    def _action(self) -> str:
        return {ENCRYPTED: "解锁", MISSING: "创建"}.get(self.state, "开始加密")

    # -- unlocking -----------------------------------------------------------------------------

    def submit(self) -> None:
        secret = self.passphrase.text()
        if not secret:
            self.message.setText("请输入口令")
            return
        if self.state != ENCRYPTED and secret != self.again.text():
            self.message.setText("两次输入的口令不一致")
            return
        self._set_busy(True)
        try:
            key = self._unlock(secret.encode("utf-8"))
        except StoreError as exc:
            self._set_busy(False)
            if isinstance(exc, WrongPassphrase):
                self._wrong()
            else:
                self.message.setText(str(exc))
            return
        self._set_busy(False)
        if key is None:
            return
        self.key = key
        self.passphrase.clear()
        self.again.clear()
        self.accept()

    def _unlock(self, passphrase: bytes) -> DatabaseKey | None:
        if self.relock is not None:
            key = unlock_database(self.db_path, passphrase, create=False)
            if key != self.relock:
                raise WrongPassphrase("口令不正确")
            return key
        if self.state == ENCRYPTED or self.state == MISSING:
            return unlock_database(self.db_path, passphrase)
        return self._convert(passphrase)

    def _convert(self, passphrase: bytes) -> DatabaseKey | None:
        """Convert in a worker thread; the dialog shows the progress meanwhile."""
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["key"] = unlock_database(
                    self.db_path, passphrase, progress=self._progressed
                )
            except StoreError as exc:
                outcome["error"] = exc

        self.progress.setVisible(True)
        self.message.setStyleSheet("")
        self.message.setText("正在加密数据库，请勿关闭电脑…")
        worker = threading.Thread(target=work, daemon=True)
        worker.start()
        while worker.is_alive():
            self.progress.setValue(int(self._progress_value * 100))
            QApplication.processEvents()
            worker.join(0.05)
        self.message.setStyleSheet(RED)
        self.message.setText("")
        if "error" in outcome:
            self.progress.setVisible(False)
            self.message.setText(str(outcome["error"]))
            return None
        self.progress.setValue(100)
        return outcome["key"]  # type: ignore[no-any-return]

    def _progressed(self, fraction: float) -> None:
        self._progress_value = fraction  # read by the GUI thread

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.ok, self.passphrase, self.again, self.forgot):
            widget.setEnabled(not busy)
        if busy:
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            QApplication.processEvents()
        else:
            QApplication.restoreOverrideCursor()

    def _wrong(self) -> None:
        self.failures += 1
        self.passphrase.clear()
        if self.failures % MAX_TRIES:
            left = MAX_TRIES - self.failures % MAX_TRIES
            self.message.setText(f"口令不正确，数据库未解锁。（还可再试 {left} 次）")
            self.passphrase.setFocus()
            return
        self._remaining = int(self._next_wait)
        self._next_wait *= 2
        for widget in (self.ok, self.passphrase):
            widget.setEnabled(False)
        self._show_wait()
        self._countdown.start()

    def _show_wait(self) -> None:
        self.message.setText(
            f"口令连续错误 {self.failures} 次，请等待 {self._remaining} 秒后再试。"
        )

    def _tick(self) -> None:
        self._remaining -= 1
        if self._remaining > 0:
            self._show_wait()
            return
        self._countdown.stop()
        for widget in (self.ok, self.passphrase):
            widget.setEnabled(True)
        self.message.setText("请再次输入口令。")
        self.passphrase.setFocus()

    # -- recovery ------------------------------------------------------------------------------

    def forgot_passphrase(self) -> None:
        from fieldapp.ui.recovery_dialog import RecoveryDialog

        dialog = RecoveryDialog(
            self.db_path, can_request=has_recovery_copy(self.db_path), parent=self
        )
        if dialog.exec() and dialog.key is not None:
            self.key = dialog.key
            self.accept()

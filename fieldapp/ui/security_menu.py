"""The 安全 menu and the idle lock: lock now, lock after idle time, change the passphrase, and at
headquarters answer a cadre's recovery request.

Idle lock: any key press, click or wheel in the application restarts a timer (minutes in the
store's meta ``security.idle_lock_minutes``, default 10, 0 = never). The application-wide event
filter that notices activity steps aside for a second after each sign of it, so typing and
painting run no Python per event (the lock may come up to that second early). When it runs out, every open
editor saves its drafts, the window hides, and the unlock dialog asks for the passphrase of this
database; 退出 closes the program. The key stays in this process's memory while locked: what an
unlocked running laptop holds is not protected (docs/security.md).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from fieldapp.core.store.errors import StoreError

MainWindow = Any  # fieldapp.ui.main_window.MainWindow, which imports this module
IDLE_KEY = "security.idle_lock_minutes"
DEFAULT_IDLE_MINUTES = 10
ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
}
REARM_MS = 1000  # how long the activity filter rests after it saw activity


def idle_minutes(window: MainWindow) -> int:
    try:
        return max(0, int(window.store.meta(IDLE_KEY) or DEFAULT_IDLE_MINUTES))
    except ValueError:
        return DEFAULT_IDLE_MINUTES


class IdleLock(QObject):
    """Locks ``window`` after idle time; ``lock_now`` locks at once."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.locked = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.lock_now)
        self.rearm = QTimer(self)
        self.rearm.setSingleShot(True)
        self.rearm.setInterval(REARM_MS)
        self.rearm.timeout.connect(self._watch)
        self.restart()
        self._watch()

    def _watch(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def restart(self) -> None:
        minutes = idle_minutes(self.window)
        self.timer.stop()
        if minutes and self.window.store.key is not None:
            self.timer.start(minutes * 60_000)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in ACTIVITY and not self.locked and self.timer.isActive():
            self.timer.start()  # again from the full interval
            app = QApplication.instance()
            if app is not None:
                app.removeEventFilter(self)  # until the rearm timer: no Python per event
                self.rearm.start()
        return False

    def lock_now(self) -> bool:
        """Lock; True when the owner unlocked again, False when they chose to quit."""
        from fieldapp.ui.editor import HouseholdEditor
        from fieldapp.ui.unlock_dialog import UnlockDialog

        store = self.window.store
        if self.locked or store.key is None or store.path is None:
            return True
        self.locked = True
        self.timer.stop()
        for i in range(1, self.window.tabs.count()):
            editor = self.window.tabs.widget(i)
            if isinstance(editor, HouseholdEditor):
                editor.save_drafts()
        self.window.hide()
        dialog = UnlockDialog(store.path, relock=store.key)
        self.dialog = dialog
        unlocked = bool(dialog.exec())
        self.dialog = None  # type: ignore[assignment]
        self.locked = False
        if not unlocked:
            self.window.close()
            return False
        self.window.show()
        self.restart()
        return True


def add_security_menu(window: MainWindow) -> None:
    """The 安全 menu (and the idle lock) on ``window``."""
    window.idle_lock = IdleLock(window)  # type: ignore[attr-defined]
    menu = window.menuBar().addMenu("安全(&A)")
    lock = QAction("立即锁定", window)
    lock.setShortcut(QKeySequence("Ctrl+L"))
    lock.triggered.connect(window.idle_lock.lock_now)  # type: ignore[attr-defined]
    menu.addAction(lock)
    idle = QAction("自动锁定时间…", window)
    idle.triggered.connect(lambda: set_idle_minutes(window))
    menu.addAction(idle)
    change = QAction("修改口令…", window)
    change.triggered.connect(lambda: change_passphrase_gui(window))
    menu.addAction(change)
    for action in (lock, idle, change):
        action.setEnabled(window.store.key is not None and not window.store.readonly)
    from fieldapp.core.trust.keystore import MODE_HQ, identity_mode

    if identity_mode(window.store) == MODE_HQ:
        grant = QAction("为干部找回口令（处理恢复申请）…", window)
        grant.triggered.connect(lambda: _grant(window))
        menu.addAction(grant)
        window.write_actions.append(grant)


def set_idle_minutes(window: MainWindow) -> None:
    minutes, ok = QInputDialog.getInt(
        window,
        "自动锁定",
        "无操作多少分钟后自动锁定（0 表示不自动锁定）：",
        idle_minutes(window),
        0,
        240,
        5,
    )
    if ok:
        window.store.set_meta(IDLE_KEY, str(minutes))
        window.idle_lock.restart()  # type: ignore[attr-defined]


class ChangePassphraseDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("修改口令")
        self.current, self.new, self.again = (QLineEdit() for _ in range(3))
        for field in (self.current, self.new, self.again):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setStyleSheet("color: #c01c28;")
        buttons = QDialogButtonBox()
        buttons.addButton("修改", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(QLabel("数据库与本人私钥共用一个口令；修改后旧口令立即失效。"))
        form.addRow("当前口令", self.current)
        form.addRow("新口令（至少 8 个字符）", self.new)
        form.addRow("再输入一次", self.again)
        form.addRow(self.message)
        form.addRow(buttons)


def change_passphrase_gui(window: MainWindow, dialog: ChangePassphraseDialog | None = None) -> bool:
    from fieldapp.core.store.encryption import change_passphrase

    store = window.store
    dialog = dialog or ChangePassphraseDialog(window)
    while dialog.exec():
        new = dialog.new.text()
        if new != dialog.again.text():
            dialog.message.setText("两次输入的新口令不一致")
            continue
        try:
            change_passphrase(
                store.path, dialog.current.text().encode("utf-8"), new.encode("utf-8")
            )  # type: ignore[arg-type]
        except StoreError as exc:
            dialog.message.setText(str(exc))
            continue
        QMessageBox.information(window, "口令已修改", "口令已修改，此后用新口令打开户户清。")
        return True
    return False


def _grant(window: MainWindow) -> None:
    from fieldapp.ui.recovery_dialog import grant_recovery_gui

    grant_recovery_gui(window, window.store, window.author)

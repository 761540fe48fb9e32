"""Start the Qt application: bundled font first, then the database's lock, the passphrase (the
unlock dialog creates, converts or unlocks the encrypted database: docs/security.md) and the
store, with Chinese errors, never a traceback.

One writer per database (``fieldapp.core.store.lock``): the application holds the lock for its
whole session. If another live program holds it, the cadre is told who and where and may look
read-only or quit; a lock left by a crashed session is taken over, and the window says so.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from fieldapp.core.store.database import open_store
from fieldapp.core.store.encryption import ENCRYPTED, DatabaseKey, database_state
from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.lock import DatabaseLock, LockHeld, LockOwner, acquire, held_message
from fieldapp.core.store.store import Store
from fieldapp.ui.fonts import apply_app_font, register_bundled_font
from fieldapp.ui.translations import install_chinese

WINDOW_SIZE = (1366, 768)
READ_ONLY, QUIT = "只读查看", "退出"


def open_or_explain(db_path: Path, key: DatabaseKey, *, readonly: bool = False) -> Store | None:
    """The store, or a Chinese message box saying what is wrong and what to do."""
    try:
        return open_store(db_path, key=key, readonly=readonly)
    except StoreError as exc:
        QMessageBox.critical(None, "无法打开数据库", f"{exc}\n\n数据库文件：{db_path}")
        return None


def ask_read_only(db_path: Path, owner: LockOwner | None) -> bool:
    """Tell the cadre who holds the database; True if they choose to look read-only."""
    box = QMessageBox(QMessageBox.Icon.Warning, "数据库正在使用", held_message(owner))
    box.setInformativeText(
        f"您可以只读查看（可以查找、阅读、预览台账，但不能修改），或退出。\n数据库文件：{db_path}"
    )
    look = box.addButton(READ_ONLY, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QUIT, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(look)
    box.exec()
    return box.clickedButton() is look


@dataclass
class Session:
    """What the running application holds: the store, its window and the lock (None: read-only)."""

    store: Store
    lock: DatabaseLock | None
    window: object

    def close(self) -> None:
        self.store.close()
        if self.lock is not None:
            self.lock.release()


def take_lock(db_path: Path) -> tuple[DatabaseLock | None, bool]:
    """The lock, or (None, True) to open read-only, or (None, False) to quit."""
    try:
        return acquire(db_path, program="gui"), True
    except LockHeld as exc:
        return None, ask_read_only(db_path, exc.owner)
    except StoreError as exc:
        QMessageBox.critical(None, "无法打开数据库", str(exc))
        return None, False


def ask_key(db_path: Path, *, readonly: bool) -> DatabaseKey | None:
    """The unlock dialog (create, convert or unlock); None if the cadre quit. Read-only, only an
    existing encrypted database can be opened (creating or converting it is a write)."""
    from fieldapp.ui.unlock_dialog import UnlockDialog

    if readonly and database_state(db_path) != ENCRYPTED:
        QMessageBox.critical(
            None, "无法打开数据库", "数据库正由其他程序使用，且尚未创建或加密，只读方式无法打开。"
        )
        return None
    dialog = UnlockDialog(db_path)
    return dialog.key if dialog.exec() else None


def start(db_path: Path, key: DatabaseKey | None = None) -> Session | int:
    """Lock, unlock, open and show; else the exit status (0: the cadre quit, 1: cannot be opened).

    ``key``: already unlocked (tests); otherwise the unlock dialog asks for the passphrase."""
    lock, go_on = take_lock(db_path)
    if not go_on:
        return 0
    key = key or ask_key(db_path, readonly=lock is None)
    if key is None:
        if lock is not None:
            lock.release()
        return 0
    store = open_or_explain(db_path, key, readonly=lock is None)
    if store is None:
        if lock is not None:
            lock.release()
        return 1
    if lock is not None and store.meta("profile.name"):
        lock.update(user=store.meta("profile.name"))
    window = build_main_window(store)
    if window is None:
        Session(store, lock, None).close()
        return 0
    if lock is not None and lock.stale is not None:
        window.statusBar().showMessage(  # type: ignore[attr-defined]
            f"上次 {lock.stale.describe()}时未正常退出，已接管数据库（草稿均已保存）。", 15000
        )
    return Session(store, lock, window)


def build_main_window(store: Store) -> object:
    from fieldapp.ui.first_run import FirstRunWizard, needs_first_run
    from fieldapp.ui.main_window import MainWindow

    if not store.readonly and needs_first_run(store) and not FirstRunWizard(store).exec():
        return None
    window = MainWindow(store, store.meta("profile.name") or "")
    window.resize(*WINDOW_SIZE)
    window.show()
    window.reopen_after_crash()
    return window


def run(db_path: Path, open_file: str | None = None) -> int:
    """The application's event loop; ``open_file``: a bundle or enrollment file to open once the
    window is up (what a double-click on a ``.hhq``/``.hhqe`` passes)."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("户户清")
    install_chinese(app)
    apply_app_font(app, register_bundled_font())
    session = start(db_path)
    if not isinstance(session, Session):
        return session
    if open_file:
        from fieldapp.ui.open_document import open_document

        QTimer.singleShot(0, lambda: open_document(session.window, open_file))
    try:
        return int(app.exec())
    finally:
        session.close()

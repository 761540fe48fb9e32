"""Start the Qt application: bundled font first, then the store, with Chinese errors, never a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from fieldapp.core.store.database import open_store
from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.store import Store
from fieldapp.ui.fonts import apply_app_font, register_bundled_font
from fieldapp.ui.translations import install_chinese

WINDOW_SIZE = (1366, 768)


def open_or_explain(db_path: Path) -> Store | None:
    """The store, or a Chinese message box saying what is wrong and what to do."""
    try:
        return open_store(db_path)
    except StoreError as exc:
        QMessageBox.critical(None, "无法打开数据库", f"{exc}\n\n数据库文件：{db_path}")
        return None


def build_main_window(store: Store) -> object:
    from fieldapp.ui.first_run import FirstRunWizard, needs_first_run
    from fieldapp.ui.main_window import MainWindow

    if needs_first_run(store) and not FirstRunWizard(store).exec():
        return None
    window = MainWindow(store, store.meta("profile.name") or "")
    window.resize(*WINDOW_SIZE)
    window.show()
    window.reopen_after_crash()
    return window


def run(db_path: Path) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("户户清")
    install_chinese(app)
    apply_app_font(app, register_bundled_font())
    store = open_or_explain(db_path)
    if store is None:
        return 1
    window = build_main_window(store)
    if window is None:
        return 0
    return int(app.exec())

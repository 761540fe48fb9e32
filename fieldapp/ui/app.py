"""Start the Qt application: bundled font first, then the store, with Chinese errors, never a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from fieldapp.core.paths import RESOURCES_DIR
from fieldapp.core.store.store import Store, StoreError, open_store
from fieldapp.ui.fonts import apply_app_font, register_bundled_font

WINDOW_SIZE = (1366, 768)
ICON_FILE = RESOURCES_DIR / "icons" / "huhuqing-256.png"


def open_or_explain(db_path: Path) -> Store | None:
    """The store, or a Chinese message box saying what is wrong and what to do."""
    try:
        return open_store(db_path)
    except StoreError as exc:
        QMessageBox.critical(None, "无法打开数据库", f"{exc}\n\n数据库文件：{db_path}")
        return None


def build_main_window(store: Store, open_file: Path | None = None) -> object:
    """The main window (after the first-run wizard if needed); then the file it was asked to open.

    An enrollment file given on a first run goes into the wizard's enrollment page, the one place
    a new laptop enrolls; any other file is opened once the window shows (fieldapp.ui.open_file).
    """
    from fieldapp.ui.first_run import FirstRunWizard, needs_first_run
    from fieldapp.ui.main_window import MainWindow
    from fieldapp.ui.open_file import kind_of, open_in_window

    if needs_first_run(store):
        wizard = FirstRunWizard(store)
        if open_file is not None and kind_of(open_file) == "enrollment":
            wizard.enroll.file.setText(str(open_file))
            open_file = None
        if not wizard.exec():
            return None
    window = MainWindow(store, store.meta("profile.name") or "")
    window.resize(*WINDOW_SIZE)
    window.show()
    window.reopen_after_crash()
    if open_file is not None:
        target = open_file
        QTimer.singleShot(0, lambda: open_in_window(window, target))
    return window


def run(db_path: Path, open_file: Path | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("户户清")
    app.setDesktopFileName("huhuqing")  # the installed .desktop entry (packaging/debian)
    if ICON_FILE.is_file():
        app.setWindowIcon(QIcon(str(ICON_FILE)))
    apply_app_font(app, register_bundled_font())
    store = open_or_explain(db_path)
    if store is None:
        return 1
    window = build_main_window(store, open_file)
    if window is None:
        return 0
    return int(app.exec())

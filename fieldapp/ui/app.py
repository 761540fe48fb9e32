"""Start the Qt application: bundled font first, then the store, with Chinese errors, never a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from fieldapp.core.store import StoreError, open_store
from fieldapp.ui.fonts import apply_app_font, register_bundled_font


def run(db_path: Path) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("户户清")
    apply_app_font(app, register_bundled_font())
    try:
        store = open_store(db_path)
    except StoreError as exc:
        QMessageBox.critical(None, "无法打开数据库", str(exc))
        return 1
    from fieldapp.ui.main_window import MainWindow

    window = MainWindow(store)
    window.resize(1366, 768)
    window.show()
    return int(app.exec())

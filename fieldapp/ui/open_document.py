"""Open a file the desktop handed us: a double-clicked ``.hhq`` bundle is imported, an ``.hhqe``
enrollment file opens the enrollment dialog with it filled in (the installers register both types).

Both go through the same actions as the menus (数据包 → 导入数据包… / 设备登记…), so a
double-click asks for the same passphrase and shows the same report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMessageBox

BUNDLE, ENROLLMENT = ".hhq", ".hhqe"


def open_document(window: Any, path: str) -> None:
    """Dispatch ``path`` by its suffix; anything else gets a Chinese message, nothing opened."""
    file = Path(path)
    suffix = file.suffix.lower()
    if not file.is_file():
        QMessageBox.warning(window, "无法打开文件", f"找不到文件：{path}")
    elif suffix == BUNDLE:
        window.import_bundles([str(file)])
    elif suffix == ENROLLMENT:
        window.enroll(str(file))
    else:
        QMessageBox.warning(
            window,
            "无法打开文件",
            f"户户清只能打开数据包（.hhq）和登记文件（.hhqe）：\n{path}",
        )

"""A file handed to the application when it starts: `fieldapp --open FILE`.

This is what the installers' file associations run when a cadre double-clicks a sync bundle
(`.hhq`) or an enrollment file (`.hhqe`, older ones `.enroll`). The GUI then does with the file
what its menus would: import the bundle (数据包 → 导入数据包, same report) or enroll the laptop
(the same step as the first-run wizard, which takes the file itself when it is shown).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMessageBox, QWidget

from fieldapp.core.store.store import Store, StoreError

BUNDLE_SUFFIXES = (".hhq",)
ENROLLMENT_SUFFIXES = (".hhqe", ".enroll")


def kind_of(path: Path | str) -> str | None:
    """'bundle', 'enrollment', or None for a file the application does not open."""
    suffix = Path(path).suffix.lower()
    if suffix in BUNDLE_SUFFIXES:
        return "bundle"
    if suffix in ENROLLMENT_SUFFIXES:
        return "enrollment"
    return None


def enroll_from_file(
    parent: QWidget,
    store: Store,
    path: Path | str,
    author: str,
    *,
    passphrase: Callable[[], bytes | None] | None = None,
) -> bool:
    """Take in an enrollment file after asking its passphrase; say in Chinese what happened."""
    from fieldapp.core.trust.identity import take_enrollment
    from fieldapp.ui.sync_actions import ask_passphrase

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        QMessageBox.warning(parent, "无法登记", f"无法读取登记文件 {path}：{exc.strerror or exc}")
        return False
    secret = (passphrase or (lambda: ask_passphrase(parent)))()
    if secret is None:
        return False
    try:
        info = take_enrollment(store, data, secret, author=author)
    except StoreError as exc:
        QMessageBox.warning(parent, "无法登记", f"{exc}\n\n登记文件：{path}")
        return False
    QMessageBox.information(
        parent,
        "登记完成",
        f"本机已登记为 {getattr(info, 'name', '') or author}，可以导出上报数据包。",
    )
    return True


def open_in_window(
    window: Any, path: Path | str, *, passphrase: Callable[[], bytes | None] | None = None
) -> object:
    """Import a bundle or enroll with an enrollment file, in the main window that is showing."""
    kind = kind_of(path)
    if kind == "bundle":
        from fieldapp.ui.sync_actions import import_bundles_gui

        window._sync_op = import_bundles_gui(
            window,
            window.store,
            window.author,
            choose=lambda: [str(path)],
            passphrase=passphrase,
            on_done=lambda _: window.refresh(),
        )
        return window._sync_op
    if kind == "enrollment":
        return enroll_from_file(window, window.store, path, window.author, passphrase=passphrase)
    QMessageBox.warning(window, "无法打开", f"户户清不能打开这种文件：{path}")
    return None

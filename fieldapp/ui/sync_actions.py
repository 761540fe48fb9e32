"""Sync bundles from the GUI: export this laptop's work, import bundles, with progress and a report.

The work is the core's (fieldapp.core.sync.bundle); this module only asks for the file and the
passphrase, runs it in the background on its own store connection, and reports in Chinese.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QWidget

from fieldapp.core.store.database import reopen
from fieldapp.core.store.store import Store
from fieldapp.ui import file_dialogs
from fieldapp.ui.operations import BackgroundOp


def ask_passphrase(parent: QWidget) -> bytes | None:
    text, ok = QInputDialog.getText(
        parent, "口令", "请输入您的口令（与打开户户清的口令相同）：", QLineEdit.EchoMode.Password
    )
    return text.encode("utf-8") if ok and text else None


def last_export_at(store: Store) -> str:
    """When this laptop last exported a bundle ('' if never): the list's 'changed since' filter."""
    from fieldapp.core.sync.bundle import last_export

    row = last_export(store)
    return str(row["at"]) if row else ""


def report_text(report: dict[str, Any]) -> str:
    if report.get("rejected"):
        return f"{report['file']}：已拒绝（{report['rejected']}），数据库未作任何修改"
    if report.get("skipped"):
        return f"{report['file']}：已取消，未导入"
    if report.get("already_imported"):
        return f"{report['file']}：此前已导入，无变化"
    return (
        f"{report['file']}：新增 {report['new']} 户，更新 {report['updated']} 户，"
        f"未变 {report['unchanged']} 户，冲突 {report['conflicts']} 处"
    )


def export_bundle_gui(
    parent: QWidget,
    store: Store,
    author: str,
    *,
    choose: Callable[[], str] | None = None,
    passphrase: Callable[[], bytes | None] | None = None,
    on_done: Callable[[Any], None] | None = None,
) -> BackgroundOp | None:
    target = (
        choose
        or (
            lambda: file_dialogs.save_file_name(
                parent, "导出上报数据包", "上报数据包.hhq", "户户清数据包 (*.hhq)"
            )
        )
    )()
    if not target:
        return None
    secret = (passphrase or (lambda: ask_passphrase(parent)))()
    if secret is None:
        return None

    def work(progress: object, cancelled: object) -> Any:
        from fieldapp.core.sync.bundle import export_bundle

        own = reopen(store)
        try:
            return export_bundle(own, Path(target), secret, author=author).to_dict()
        finally:
            own.close()

    def done(result: Any) -> None:
        if result:
            QMessageBox.information(
                parent,
                "已导出",
                f"数据包已写入 {result['file']}（{result['size'] // 1024} KB）。"
                "请将此文件交给上级工会导入。",
            )
        if on_done is not None:
            on_done(result)

    op = BackgroundOp(parent, "正在导出数据包…", work, done)
    op.start()
    return op


def import_bundles_gui(
    parent: QWidget,
    store: Store,
    author: str,
    *,
    choose: Callable[[], list[str]] | None = None,
    passphrase: Callable[[], bytes | None] | None = None,
    on_done: Callable[[Any], None] | None = None,
) -> BackgroundOp | None:
    files = (
        choose
        or (lambda: file_dialogs.open_file_names(parent, "导入数据包", "", "户户清数据包 (*.hhq)"))
    )()
    if not files:
        return None
    secret = (passphrase or (lambda: ask_passphrase(parent)))()
    if secret is None:
        return None

    def work(progress: Callable[[int, int], None], cancelled: Callable[[], bool]) -> Any:
        from fieldapp.core.store.errors import StoreError
        from fieldapp.core.sync.bundle import import_bundle

        own = reopen(store)
        reports = []
        try:
            for i, name in enumerate(files):
                if cancelled():  # each bundle is its own transaction: stop before the next one
                    reports += [{"file": rest, "skipped": True} for rest in files[i:]]
                    break
                progress(i, len(files))
                try:
                    reports.append(import_bundle(own, name, secret, author=author).to_dict())
                except StoreError as exc:  # this file refused; the others still import
                    reports.append({"file": name, "rejected": str(exc)})
            if any(r.get(k) for r in reports for k in ("new", "updated", "conflicts")):
                from fieldapp.core.reports.facts_cache import refresh_after_import

                refresh_after_import(own, cancelled=cancelled)  # statistics stay quick
            progress(len(files), len(files))
        finally:
            own.close()
        return reports

    def done(reports: Any) -> None:
        if reports:
            QMessageBox.information(parent, "导入结果", "\n".join(report_text(r) for r in reports))
        if on_done is not None:
            on_done(reports)

    op = BackgroundOp(parent, "正在导入数据包…", work, done)  # type: ignore[arg-type]
    op.start()
    return op

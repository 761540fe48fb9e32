"""Ledgers in the GUI: build in the background, preview with Qt's PDF view, print or save.

The PDF itself comes from the core (fieldapp.core.ledger.render), the same file the CLI writes, so what
is previewed is exactly what is printed, archived and signed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.store.database import reopen
from fieldapp.core.store.store import Store
from fieldapp.ui import file_dialogs, private_temp
from fieldapp.ui.dialogs import show_error
from fieldapp.ui.operations import BackgroundOp

PRINT_DPI = 300


class LedgerPreview(QDialog):
    """A finished ledger PDF: page view, 打印…, 另存为…."""

    def __init__(self, pdf: Path, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pdf = pdf
        self.setWindowTitle(f"台账预览 — {title}")
        self.document = QPdfDocument(self)
        self.document.load(str(pdf))
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.info = QLabel(f"共 {self.document.pageCount()} 页　{pdf.name}")
        self.print_button = QPushButton("打印… (Ctrl+P)")
        self.print_button.setShortcut("Ctrl+P")
        self.save_button = QPushButton("另存为…")
        close = QPushButton("关闭")
        self.print_button.clicked.connect(lambda _checked=False: self.print_ledger())
        self.save_button.clicked.connect(self.save_as)
        close.clicked.connect(self.accept)
        bar = QHBoxLayout()
        bar.addWidget(self.info, 1)
        for button in (self.print_button, self.save_button, close):
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self.resize(900, 700)

    def print_ledger(self) -> int:
        """The 打印 button and Ctrl+P: the system print dialog, then the chosen pages.

        A slot without parameters on purpose: ``clicked(bool)`` must never arrive as the printer.
        """
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("打印台账")
        dialog.setMinMax(1, self.document.pageCount())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return 0
        return self.print_pages(printer)

    def print_pages(self, printer: QPrinter) -> int:
        """Paint the chosen page range onto ``printer``; returns the pages sent.

        Pages are rendered at no more than PRINT_DPI (a 1200 dpi A4 image would take half a
        gigabyte) and scaled to the printable area; a progress dialog lets a long batch be
        cancelled between pages.
        """
        count = self.document.pageCount()
        first = max(printer.fromPage(), 1) - 1
        last = min(printer.toPage() or count, count) - 1
        painter = QPainter()
        if not painter.begin(printer):
            show_error(self, "无法打印", "打印机无法开始打印，请检查打印机设置。")
            return 0
        progress = QProgressDialog("正在发送到打印机…", "取消", first, last + 1, self)
        progress.setWindowTitle("打印台账")
        progress.setMinimumDuration(500)
        sent = 0
        try:
            for index in range(first, last + 1):
                if progress.wasCanceled():
                    printer.abort()
                    break
                progress.setValue(index)
                if sent:
                    printer.newPage()
                area = printer.pageRect(QPrinter.Unit.DevicePixel).toRect()
                area.moveTo(0, 0)
                scale = min(1.0, PRINT_DPI / max(printer.resolution(), 1))
                size = QSize(round(area.width() * scale), round(area.height() * scale))
                painter.drawImage(QRect(area), self.document.render(index, size))
                sent += 1
        finally:
            painter.end()
            progress.reset()
        return sent

    def save_as(self) -> None:
        target = file_dialogs.save_file_name(self, "保存台账", self.pdf.name, "PDF 文件 (*.pdf)")
        if not target:
            return
        try:
            shutil.copyfile(self.pdf, target)
        except OSError as exc:
            QMessageBox.warning(self, "保存失败", f"无法保存到 {target}：{exc.strerror or exc}")


def build_ledger(
    parent: QWidget, store: Store, household_ids: list[str], title: str
) -> BackgroundOp:
    """Render the ledger of one household or a batch in the background, then preview it.

    取消 stops the batch between households and removes the half-built file (``op.output``).
    """
    from fieldapp.core.ledger.render import render_batch_ledger, render_household_ledger

    folder = Path(tempfile.mkdtemp(prefix="ledger-", dir=private_temp.session_dir()))
    out = folder / "台账.pdf"

    def work(progress: Callable[[int, int], None], cancelled: Callable[[], bool]) -> Path:
        own = reopen(store)  # SQLite connections stay in their own thread
        try:
            if len(household_ids) == 1:
                render_household_ledger(own, household_ids[0], out)
            else:
                render_batch_ledger(own, household_ids, out, progress=progress, cancelled=cancelled)
        except BaseException:
            shutil.rmtree(out.parent, ignore_errors=True)
            raise
        finally:
            own.close()
        if out.exists():
            os.chmod(out, 0o600)  # the session folder is private already; the file too
        return out

    def show(path: Path) -> None:
        preview = LedgerPreview(path, title, parent)
        preview.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        preview.show()

    op = BackgroundOp(parent, "正在生成台账…", work, show)
    op.output = out
    op.start()
    return op

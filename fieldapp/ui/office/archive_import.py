"""从 Excel 导入档案: the blank template, a check without writing, the import, and every problem
row by row in a table (工作表, 行号, 列, 问题) that can be saved for the people who fill the sheet.

The work is the core's ``import_archive`` (the same as ``fieldapp archive import-xlsx``): rows
with errors are refused, the others imported in one transaction; 取消 leaves the database as it
was. A check (仅检查) reports exactly what the import would do.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.reports.xlsx_import import (
    REPORT_HEADERS,
    ImportResult,
    import_archive,
    summary_lines,
    write_report,
)
from fieldapp.core.reports.xlsx_template import write_template
from fieldapp.core.store.database import reopen
from fieldapp.core.store.store import Store
from fieldapp.ui import file_dialogs
from fieldapp.ui.dialogs import show_error
from fieldapp.ui.operations import BackgroundOp

ERROR_COLOUR = QColor("#fde2e1")
XLSX_FILTER = "Excel 文件 (*.xlsx)"


class ArchiveImportDialog(QDialog):
    def __init__(self, store: Store, author: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.author = store, author
        self.setWindowTitle("从 Excel 导入档案")
        self.file = QLineEdit()
        self.file.setPlaceholderText("填好的导入模板，或本软件导出的 Excel（户信息、家庭成员）")
        self.browse_button = browse = QPushButton("选择文件…")
        browse.clicked.connect(lambda _checked=False: self.choose_file())
        template = QPushButton("下载空白模板…")
        template.clicked.connect(lambda _checked=False: self.save_template())
        self.check_button = QPushButton("仅检查（不写入）")
        self.check_button.clicked.connect(lambda _checked=False: self.run(dry_run=True))
        self.import_button = QPushButton("导入")
        self.import_button.clicked.connect(lambda _checked=False: self.run(dry_run=False))
        self.report_button = QPushButton("保存问题报告…")
        self.report_button.setEnabled(False)
        self.report_button.clicked.connect(lambda _checked=False: self.save_report())
        self.summary = QLabel("选择文件后，可先“仅检查”，确认无误再“导入”。")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(REPORT_HEADERS))
        self.table.setHorizontalHeaderLabels(list(REPORT_HEADERS))
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        row = QHBoxLayout()
        row.addWidget(self.file, 1)
        for button in (browse, template):
            row.addWidget(button)
        actions = QHBoxLayout()
        for button in (self.check_button, self.import_button, self.report_button):
            actions.addWidget(button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addLayout(actions)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self.resize(900, 560)
        self.result: ImportResult | None = None
        self.op: BackgroundOp | None = None

    def choose_file(self) -> None:
        name = file_dialogs.open_file_name(self, "选择要导入的 Excel", "", XLSX_FILTER)
        if name:
            self.file.setText(name)

    def save_template(self) -> str:
        target = file_dialogs.save_file_name(self, "保存导入模板", "档案导入模板.xlsx", XLSX_FILTER)
        if target:
            try:
                write_template(target, self.store.survey.form("A"))
            except OSError as exc:
                show_error(self, "保存失败", f"无法保存到 {target}：{exc.strerror or exc}")
                return ""
            self.summary.setText(f"空白模板已保存到 {target}，填好后在此导入。")
        return target

    def run(self, *, dry_run: bool) -> BackgroundOp | None:
        source = Path(self.file.text().strip())
        if not self.file.text().strip() or not source.is_file():
            show_error(self, "请选择文件", "请先选择要导入的 Excel 文件。")
            return None
        store, author = self.store, self.author

        def work(progress: Callable[[int, int], None], cancelled: Callable[[], bool]) -> Any:
            own = reopen(store)  # its own connection (same key and mode) in the worker thread
            try:
                return import_archive(
                    own, source, author=author, dry_run=dry_run, cancelled=cancelled
                )
            finally:
                own.close()

        self.summary.setText("正在检查…" if dry_run else "正在导入…")
        title = "正在检查 Excel…" if dry_run else "正在导入档案…"
        self.op = BackgroundOp(self, title, work, self.show_result)
        self.op.done.connect(self._ended)
        self.op.start()
        return self.op

    def _ended(self, result: Any) -> None:
        if self.op is not None and self.op.was_cancelled:
            self.summary.setText("已取消，数据库未作任何修改。")

    def show_result(self, result: ImportResult) -> None:
        self.result = result
        verb = "检查完毕（未写入，导入时将会）" if result.dry_run else "导入完毕"
        counts = "，".join(f"{label} {n}" for label, n in summary_lines(result))
        self.summary.setText(f"{verb}：{counts}")
        self.table.setRowCount(len(result.problems))
        for row, problem in enumerate(result.problems):
            cells = (problem.sheet, str(problem.row), problem.column, problem.message)
            for column, text in enumerate((*cells, problem.severity)):
                item = QTableWidgetItem(text)
                if problem.severity == "错误":
                    item.setBackground(ERROR_COLOUR)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.report_button.setEnabled(bool(result.problems))

    def save_report(self) -> str:
        if self.result is None:
            return ""
        target = file_dialogs.save_file_name(
            self, "保存问题报告", "导入问题报告.xlsx", "Excel 文件 (*.xlsx);;CSV 文件 (*.csv)"
        )
        if target:
            write_report(target, self.result.problems, self.result)
        return target

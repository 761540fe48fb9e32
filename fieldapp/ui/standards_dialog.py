"""低保和最低工资标准: list the local standards, add one with its source document, import Excel.

Why: every income judgement compares with a local standard by county and date (the 低保 standard,
the minimum wage an able-bodied member without a job is counted at); an office must be able to
keep them current without the command line. Entries are never changed, only added (a later
entry for the same county and day wins), each with the document it comes from; headquarters
sends them to laptops in assignment bundles.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.reports.standards_xlsx import import_standards, write_template
from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.history import local_time
from fieldapp.core.store.standards import DIBAO, MINIMUM_WAGE, standard_kind
from fieldapp.core.store.store import Store
from fieldapp.core.values.money import MoneyError, format_yuan, parse_yuan
from fieldapp.ui.dialogs import show_error
from fieldapp.ui.file_dialogs import open_file_name, save_file_name

COLUMNS = ("区县代码", "区县", "生效日期", "金额（元）", "依据", "录入人", "录入时间")
XLSX_FILTER = "Excel 工作簿 (*.xlsx)"


class StandardsPage(QWidget):
    """One kind of standard: its table, a line to add an entry, Excel import and template."""

    def __init__(self, store: Store, kind: str, author: str) -> None:
        super().__init__()
        self.store, self.kind, self.author = store, kind, author
        spec = standard_kind(kind)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.county = QLineEdit()
        self.county.setPlaceholderText("6位区县代码，如 530402")
        self.county_name = QLabel()
        self.since = QLineEdit()
        self.since.setPlaceholderText("YYYY-MM-DD")
        self.amount = QLineEdit()
        self.amount.setPlaceholderText(spec.unit)
        self.source = QLineEdit()
        self.source.setPlaceholderText("文件号或来源（必填），如 玉政发〔2025〕9号")
        for edit in (self.county, self.since, self.amount):
            edit.setFixedWidth(200)
        self.add_button = QPushButton(f"新增{spec.label}")
        self.import_button = QPushButton("从 Excel 导入…")
        self.template_button = QPushButton("导出 Excel 模板…")
        self.message = QLabel()
        self.message.setWordWrap(True)
        county_row = QHBoxLayout()
        county_row.addWidget(self.county)
        county_row.addWidget(self.county_name, 1)
        form = QFormLayout()
        form.addRow("区县代码", county_row)
        form.addRow("生效日期", self.since)
        form.addRow(f"金额（{spec.unit}）", self.amount)
        form.addRow("依据", self.source)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.template_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.county.textChanged.connect(self._show_county)
        self.add_button.clicked.connect(self.add)
        self.import_button.clicked.connect(self.import_file)
        self.template_button.clicked.connect(self.export_template)
        self.reload()

    def reload(self) -> None:
        rows = self.store.standards(self.kind)
        self.table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            code = str(row["county_code"])
            name = (
                self.store.regions.full_name(code) if self.store.regions.get(code) else "（未知）"
            )
            cells = (
                code,
                name,
                row["effective_from"],
                format_yuan(int(row["amount_fen"])),
                row["source"] or "",
                row["entered_by"] or "",
                local_time(str(row["entered_at"] or "")),
            )
            for column, text in enumerate(cells):
                self.table.setItem(i, column, QTableWidgetItem(str(text)))

    def _show_county(self, text: str) -> None:
        code = text.strip()
        known = self.store.regions.get(code) if len(code) == 6 else None
        self.county_name.setText(self.store.regions.full_name(code) if known else "")

    def _say(self, text: str, ok: bool) -> None:
        self.message.setStyleSheet("color: #1b7f3b;" if ok else "color: #c01c28;")
        self.message.setText(text)

    def add(self) -> None:
        try:
            fen = parse_yuan(self.amount.text())
            self.store.add_standard(
                self.kind,
                self.county.text().strip(),
                self.since.text().strip(),
                fen,
                source=self.source.text(),
                author=self.author,
            )
        except (MoneyError, StoreError) as exc:
            self._say(str(exc), False)
            return
        self._say(
            f"已新增：{self.county_name.text()} {self.since.text()} 起 {format_yuan(fen)}", True
        )
        for edit in (self.county, self.since, self.amount, self.source):
            edit.clear()
        self.reload()

    def import_file(self) -> None:
        path = open_file_name(self, "导入标准", "", XLSX_FILTER)
        if not path:
            return
        try:
            result = import_standards(self.store, self.kind, path, author=self.author)
        except StoreError as exc:
            show_error(self, "无法导入", str(exc))
            return
        lines = [f"第 {row} 行 {column}：{message}" for row, column, message in result.problems]
        text = f"合格 {len(result.rows)} 行，新增 {result.added} 条"
        if lines:
            text += f"；以下 {len(lines)} 处有问题，未导入：\n" + "\n".join(lines[:20])
        self._say(text, not lines)
        self.reload()

    def export_template(self) -> None:
        label = standard_kind(self.kind).label
        path = save_file_name(self, "导出模板", f"{label}.xlsx", XLSX_FILTER)
        if not path:
            return
        try:
            write_template(self.store, self.kind, Path(path))
        except OSError as exc:
            show_error(self, "无法保存", f"无法写入 {path}：{exc.strerror or exc}")
            return
        self._say(f"已导出 {path}：在表中增加新的行后，用“从 Excel 导入”导入", True)


class StandardsDialog(QDialog):
    """Both kinds of local standard, one tab each."""

    def __init__(self, store: Store, author: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("低保和最低工资标准")
        self.pages = {kind: StandardsPage(store, kind, author) for kind in (DIBAO, MINIMUM_WAGE)}
        tabs = QTabWidget()
        for kind, page in self.pages.items():
            spec = standard_kind(kind)
            tabs.addTab(page, f"{spec.label}（{spec.unit}）")
        note = QLabel(
            "标准只增加、不修改：同一区县同一生效日期以后录入的为准。总部的标准随分配数据包发到各台笔记本。"
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        bottom = QHBoxLayout()
        bottom.addWidget(note, 1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs, 1)
        layout.addLayout(bottom)
        self.tabs = tabs
        self.resize(1000, 620)

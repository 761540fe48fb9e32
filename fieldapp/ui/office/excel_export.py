"""导出 Excel: choose the region and the period, watch the progress, open the folder when done.

The workbook is the core's (``fieldapp.core.reports.xlsx_export``, the same as ``fieldapp export``);
取消 stops it between households and leaves no file behind.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.reports.stats import city_of, region_label
from fieldapp.core.store.database import reopen
from fieldapp.core.store.store import Store
from fieldapp.ui import file_dialogs
from fieldapp.ui.dialogs import show_error
from fieldapp.ui.office.workspace import open_folder, parse_day
from fieldapp.ui.operations import BackgroundOp


def region_choices(store: Store) -> list[tuple[str, str]]:
    """(label, code prefix) for 全部 and every 州市 and 区县 that has households."""
    codes = [
        str(r[0])
        for r in store.db.execute(
            "select distinct region_code from households where region_code is not null "
            "and region_code != '' order by region_code"
        )
    ]
    regions = store.regions
    out: list[tuple[str, str]] = [("全部地区", "")]
    cities: dict[str, list[str]] = {}
    for code in codes:
        cities.setdefault(city_of(code, regions), []).append(code)
    for city, counties in sorted(cities.items()):
        out.append((region_label(city, regions), city[:4] if city.endswith("00") else city))
        out += [(f"　　{region_label(c, regions)}", c) for c in counties if c != city]
    return out


class ExcelExportDialog(QDialog):
    """Region, period and which revisions; then 导出… asks where to save."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("导出 Excel")
        self.region = QComboBox()
        for label, code in region_choices(store):
            self.region.addItem(label, code)
        self.date_from = QLineEdit()
        self.date_from.setPlaceholderText("不限，如 2026-01-01")
        self.date_to = QLineEdit()
        self.date_to.setPlaceholderText("不限，如 2026-12-31")
        self.final_only = QCheckBox("只导出已定稿的表（不含草稿）")
        self.message = QLabel("导出统计表、户信息、家庭成员及各明细表，每张表都已设置好 A4 打印。")
        self.message.setWordWrap(True)
        self.export_button = QPushButton("导出…")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(lambda _checked=False: self.export())
        self.folder_button = QPushButton("打开所在文件夹")
        self.folder_button.setEnabled(False)
        self.folder_button.clicked.connect(lambda _checked=False: self.open_result_folder())
        close = QPushButton("关闭")
        close.clicked.connect(self.reject)
        period = QHBoxLayout()
        period.addWidget(self.date_from)
        period.addWidget(QLabel("至"))
        period.addWidget(self.date_to)
        form = QFormLayout()
        form.addRow("地区", self.region)
        form.addRow("统计期间", period)
        form.addRow("", self.final_only)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.export_button, self.folder_button, close):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.resize(560, 240)
        self.result: Path | None = None
        self.op: BackgroundOp | None = None

    def export(self, target: str | None = None) -> BackgroundOp | None:
        try:
            start = parse_day(self.date_from.text(), "起始日期")
            end = parse_day(self.date_to.text(), "截止日期")
        except ValueError as exc:
            show_error(self, "日期有误", str(exc))
            return None
        if target is None:
            target = file_dialogs.save_file_name(
                self, "导出 Excel", "户户清导出.xlsx", "Excel 文件 (*.xlsx)"
            )
        if not target:
            return None
        path = Path(target if target.lower().endswith(".xlsx") else target + ".xlsx")
        region = self.region.currentData() or None
        final_only = self.final_only.isChecked()
        store = self.store
        total = self.store.count_matching("", region_prefix=region)

        def work(progress: Callable[[int, int], None], cancelled: Callable[[], bool]) -> Any:
            from fieldapp.core.reports.xlsx_export import export_xlsx

            own = reopen(store)  # its own connection (same key and mode) in the worker thread
            try:
                progress(0, total)
                return export_xlsx(
                    own,
                    path,
                    region=region,
                    final_only=final_only,
                    date_from=start,
                    date_to=end,
                    progress=lambda done: progress(done, total),
                    cancelled=cancelled,
                )
            finally:
                own.close()

        self.message.setText("正在导出…")
        self.op = BackgroundOp(self, "正在导出 Excel…", work, self._done)
        self.op.output = path
        self.op.done.connect(self._ended)
        self.op.start()
        return self.op

    def _done(self, summary: Any) -> None:
        self.result = Path(summary.path)
        rows = "，".join(f"{title} {n} 行" for title, n in summary.rows.items())
        self.message.setText(f"已导出 {summary.households} 户到 {summary.path}（{rows}）")
        self.folder_button.setEnabled(True)

    def _ended(self, result: Any) -> None:
        if self.op is not None and self.op.was_cancelled:
            self.message.setText("已取消，未生成文件。")

    def open_result_folder(self) -> bool:
        return self.result is not None and open_folder(self.result)

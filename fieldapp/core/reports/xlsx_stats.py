"""The statistics sheet (统计表): the campaign's figures as a report to send upward: title, scope,
main figures, 两有五保障, the table by 州市/区县 (or unit, or staff member), then the campaign's
own tables (by 建档标准, the third-party check's rates: ``campaign_report``).

It opens the archive export and is also written alone (the dashboard's 导出表格).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xlsxwriter.worksheet import Worksheet

from fieldapp.core.reports.campaign_report import MONEY, PERCENT, Table, campaign_report, tables
from fieldapp.core.reports.stats import Figures, Stats
from fieldapp.core.reports.stats_layout import REGION_TABLE, summary_lines
from fieldapp.core.reports.xlsx_sheets import (
    HEADER_COLOR,
    MONEY_FORMAT,
    PERCENT_FORMAT,
    Styles,
    new_workbook,
    print_setup,
    write_value,
)
from fieldapp.core.store.history import local_time
from fieldapp.core.store.store import Store

STATS_SHEET = "统计表"
FORMATS = {"int": "0", PERCENT: PERCENT_FORMAT, MONEY: MONEY_FORMAT}


def export_stats_xlsx(store: Store, stats: Stats, path: Path | str) -> Path:
    """Only the statistics sheet (the dashboard's 导出表格), printable like the full export's."""
    wb = new_workbook(path)
    write_stats_sheet(wb.add_worksheet(STATS_SHEET), Styles(wb), stats, store)
    wb.close()
    return Path(path)


class _Rows:
    """The sheet written top to bottom, one row after the other (rows stream to disk)."""

    def __init__(self, ws: Worksheet, styles: Styles) -> None:
        self.ws = ws
        self.styles = styles
        self.row = 0

    def add(self, cells: list[tuple[Any, dict[str, Any]]]) -> None:
        """Cells of the next row: (value, ``Styles.boxed`` options)."""
        for col, (value, style) in enumerate(cells):
            kind = style.pop("kind", None)
            if value is not None and not isinstance(value, str) and kind in FORMATS:
                style["num_format"] = FORMATS[kind]
            write_value(self.ws, self.row, col, value, self.styles, self.styles.boxed(**style))
        self.row += 1

    def line(self, text: str | None, width: int, **properties: Any) -> None:
        """A line of text across the table's width (title, scope) or an empty row."""
        if text is not None:
            fmt = self.styles.of(**properties) if properties else None
            self.ws.merge_range(self.row, 0, self.row, width - 1, text, fmt)
        self.row += 1


def _header(text: str) -> tuple[str, dict[str, Any]]:
    return text, {"bold": True, "fill": HEADER_COLOR}


def write_stats_sheet(ws: Worksheet, styles: Styles, stats: Stats, store: Store) -> None:
    """The figures as a report: title, scope, main figures, 两有五保障, and the table by region."""
    width = 2 + len(REGION_TABLE)
    print_setup(ws, None)
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 14)
    ws.set_column(2, width - 1, 11)
    scope = stats.region_label or stats.region or "全部"
    if stats.standard:
        scope += f"（建档标准：{stats.standard}）"
    period = (
        f"{stats.date_from or '不限'} 至 {stats.date_to or '不限'}"
        if stats.date_from or stats.date_to
        else "不限（全部记录）"
    )
    rows = _Rows(ws, styles)
    rows.line("困难职工解困脱困“户户清”专项行动统计表", width, bold=True, size=16, align="center")
    rows.line(f"统计范围：{scope}    统计期间：{period}    评估日：{stats.as_of}", width)
    rows.line(f"生成时间：{local_time(stats.generated_at)}", width)
    rows.line(None, width)
    rows.add([_header("指标"), _header("数值")])
    for label, value, kind in summary_lines(stats.total):
        rows.add([(label, {}), (value, {"kind": kind})])
    rows.line(None, width)

    header = ["两有五保障", "达标", "未达标", "不适用", "待核实", "达标或不适用"]
    rows.add([_header(h) for h in header])
    for g in stats.total.guarantees:
        counts = [g.counts.get(s, 0) for s in ("达标", "未达标", "不适用", "待核实")]
        rows.add([(g.label, {}), *((n, {"kind": "int"}) for n in [*counts, g.met])])
    rows.line(None, width)

    if stats.groups:
        by_title = {
            "region": "州市 / 区县",
            "unit": "工作单位",
            "staff": "帮扶责任人",
            "standard": "建档标准",
        }.get(stats.by or "", "分组")
        rows.add([_header(by_title), _header("代码")] + [_header(h) for h, _, _ in REGION_TABLE])
        rows.add(_figure_row("合计", "", stats.total, bold=True))
        for group in stats.groups:
            label = group.label if group.level != "county" else f"    {group.label}"
            code = group.key if stats.by == "region" else ""
            rows.add(_figure_row(label, code, group.figures, bold=group.level == "city"))
        rows.line(None, width)
    for table in tables(stats, campaign_report(store, stats)):
        _write_table(rows, table, width)


def _write_table(rows: _Rows, table: Table, width: int) -> None:
    """A campaign table: its title, header row and rows."""
    rows.add([(table.title, {"bold": True, "border": False})])
    rows.add([_header(h) for h in table.headers])
    for row in table.rows:
        style: dict[str, Any] = {"bold": True, "fill": HEADER_COLOR} if row.bold else {}
        label = "    " * row.indent + row.label
        rows.add(
            [(label, dict(style))]
            + [(float(v) if k == MONEY else v, {**style, "kind": k}) for v, k in row.cells]
        )
    rows.line(None, width)


def _figure_row(
    label: str, code: str, figures: Figures, *, bold: bool = False
) -> list[tuple[Any, dict[str, Any]]]:
    style: dict[str, Any] = {"bold": True, "fill": HEADER_COLOR} if bold else {}
    filled: dict[str, Any] = {"fill": HEADER_COLOR} if bold else {}
    return [(label, dict(style)), (code or None, filled)] + [
        (get(figures), {**style, "kind": kind}) for _, kind, get in REGION_TABLE
    ]

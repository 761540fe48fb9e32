"""The statistics sheet (统计表): the campaign's figures as a report to send upward: title, scope,
main figures, 两有五保障, the table by 州市/区县 (or unit, or staff member), then the campaign's
own tables (by 建档标准, the third-party check's rates: ``campaign_report``).

It opens the archive export and is also written alone (the dashboard's 导出表格).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from fieldapp.core.reports.campaign_report import MONEY, PERCENT, Table, campaign_report, tables
from fieldapp.core.reports.stats import REGION_TABLE, Figures, Stats, summary_lines
from fieldapp.core.reports.xlsx_sheets import (
    BORDER,
    HEADER_FILL,
    HEADER_FONT,
    MONEY_FORMAT,
    PERCENT_FORMAT,
    TITLE_FONT,
    cell_text,
    print_setup,
)
from fieldapp.core.store.history import local_time
from fieldapp.core.store.store import Store

STATS_SHEET = "统计表"


def export_stats_xlsx(store: Store, stats: Stats, path: Path | str) -> Path:
    """Only the statistics sheet (the dashboard's 导出表格), printable like the full export's."""
    wb = Workbook(write_only=True)
    write_stats_sheet(wb.create_sheet(STATS_SHEET), stats, store)
    wb.save(Path(path))
    return Path(path)


def _styled(
    ws: WriteOnlyWorksheet,
    value: Any,
    *,
    bold: bool = False,
    fmt: str | None = None,
    fill: PatternFill | None = None,
    border: bool = True,
) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=cell_text(value) if isinstance(value, str) else value)
    if bold:
        cell.font = HEADER_FONT
    if fmt is not None and value is not None and not isinstance(value, str):
        cell.number_format = fmt
    if fill is not None:
        cell.fill = fill
    if border:
        cell.border = BORDER
    cell.alignment = Alignment(vertical="center", wrap_text=True)
    return cell


def write_stats_sheet(ws: WriteOnlyWorksheet, stats: Stats, store: Store) -> None:
    """The figures as a report: title, scope, main figures, 两有五保障, and the table by region."""
    width = 2 + len(REGION_TABLE)
    print_setup(ws, None)
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 14
    for i in range(3, width + 1):
        ws.column_dimensions[get_column_letter(i)].width = 11
    scope = stats.region_label or stats.region or "全部"
    if stats.standard:
        scope += f"（建档标准：{stats.standard}）"
    period = (
        f"{stats.date_from or '不限'} 至 {stats.date_to or '不限'}"
        if stats.date_from or stats.date_to
        else "不限（全部记录）"
    )
    title = WriteOnlyCell(ws, value="困难职工解困脱困“户户清”专项行动统计表")
    title.font = TITLE_FONT
    title.alignment = Alignment(horizontal="center")
    ws.append([title])
    ws.merged_cells.add(f"A1:{get_column_letter(width)}1")
    ws.append([f"统计范围：{scope}    统计期间：{period}    评估日：{stats.as_of}"])
    ws.merged_cells.add(f"A2:{get_column_letter(width)}2")
    ws.append([f"生成时间：{local_time(stats.generated_at)}"])
    ws.merged_cells.add(f"A3:{get_column_letter(width)}3")
    ws.append([])
    ws.append(
        [
            _styled(ws, "指标", bold=True, fill=HEADER_FILL),
            _styled(ws, "数值", bold=True, fill=HEADER_FILL),
        ]
    )
    formats = {"int": "0", "percent": PERCENT_FORMAT}
    for label, value, kind in summary_lines(stats.total):
        ws.append([_styled(ws, label), _styled(ws, value, fmt=formats[kind])])
    ws.append([])

    header = ["两有五保障", "达标", "未达标", "不适用", "待核实", "达标或不适用"]
    ws.append([_styled(ws, h, bold=True, fill=HEADER_FILL) for h in header])
    for g in stats.total.guarantees:
        ws.append(
            [_styled(ws, g.label)]
            + [
                _styled(ws, g.counts.get(s, 0), fmt="0")
                for s in ("达标", "未达标", "不适用", "待核实")
            ]
            + [_styled(ws, g.met, fmt="0")]
        )
    ws.append([])

    if stats.groups:
        by_title = {
            "region": "州市 / 区县",
            "unit": "工作单位",
            "staff": "帮扶责任人",
            "standard": "建档标准",
        }.get(stats.by or "", "分组")
        ws.append(
            [
                _styled(ws, by_title, bold=True, fill=HEADER_FILL),
                _styled(ws, "代码", bold=True, fill=HEADER_FILL),
            ]
            + [_styled(ws, h, bold=True, fill=HEADER_FILL) for h, _, _ in REGION_TABLE]
        )
        ws.append(_figure_row(ws, "合计", "", stats.total, bold=True))
        for group in stats.groups:
            label = group.label if group.level != "county" else f"    {group.label}"
            code = group.key if stats.by == "region" else ""
            ws.append(_figure_row(ws, label, code, group.figures, bold=group.level == "city"))
        ws.append([])
    for table in tables(stats, campaign_report(store, stats)):
        _write_table(ws, table)


def _write_table(ws: WriteOnlyWorksheet, table: Table) -> None:
    """A campaign table: its title, header row and rows."""
    formats = {"int": "0", PERCENT: PERCENT_FORMAT, MONEY: MONEY_FORMAT}
    ws.append([_styled(ws, table.title, bold=True, border=False)])
    ws.append([_styled(ws, h, bold=True, fill=HEADER_FILL) for h in table.headers])
    for row in table.rows:
        fill = HEADER_FILL if row.bold else None
        label = "    " * row.indent + row.label
        cells = [_styled(ws, label, bold=row.bold, fill=fill)]
        cells += [
            _styled(ws, float(v) if k == MONEY else v, bold=row.bold, fmt=formats.get(k), fill=fill)
            for v, k in row.cells
        ]
        ws.append(cells)
    ws.append([])


def _figure_row(
    ws: WriteOnlyWorksheet, label: str, code: str, figures: Figures, *, bold: bool = False
) -> list[WriteOnlyCell]:
    formats = {"int": "0", "percent": PERCENT_FORMAT}
    fill = HEADER_FILL if bold else None
    return [_styled(ws, label, bold=bold, fill=fill), _styled(ws, code or None, fill=fill)] + [
        _styled(ws, get(figures), bold=bold, fmt=formats[kind], fill=fill)
        for _, kind, get in REGION_TABLE
    ]

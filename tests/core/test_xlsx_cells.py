"""The table writer's rows (``xlsx_cells``: XML written straight into the sheet) are exactly what
XlsxWriter writes for the same values through its own calls: every kind of value, text needing
escapes, control characters, whitespace, formula-like text, long text, styled and plain columns."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fieldapp.core.reports.xlsx_sheets import (
    CELL_MAX,
    CONTROL,
    FORMULA_STARTS,
    Styles,
    cell_text,
    new_workbook,
    print_setup,
)
from fieldapp.core.reports.xlsx_table import Column, TablePlan, TableSheet

PLAN = TablePlan(
    "表",
    (
        Column("文字", 10),
        Column("金额", 12, "money"),
        Column("日期", 12, "date"),
        Column("整数", 8, "int"),
        Column("比例", 8, "percent"),
        Column("其他", 30),
    ),
)
ROWS: list[list[Any]] = [
    ["张三", 12.5, date(2026, 1, 2), 3, 0.25, "备注"],
    [None, None, None, None, None, "只有最后一列"],
    ["", 0, date(1900, 1, 1), -7, Decimal("1.10"), None],
    ["a & b < c > d \"q\" 'x'", -0.01, date(1900, 3, 1), 10**17, 1e-7, True],
    [" 前有空格", 1 / 3, date(2100, 12, 31), 0, 2.0, "后有空格 "],
    ["换行\n中间", 1e20, None, 1, None, "\t制表开头"],
    ["\r=1+1", 12345678.9, date(2026, 11, 1), 2, None, "=SUM(A1)"],
    ["控制\x07字符\x1f", 3, None, None, None, "_x0041_ 像转义"],
    ["\ufffe非字符\uffff", 4, None, None, None, "+1 同意"],
    ["长" * (CELL_MAX + 10), 5, None, None, None, "@某厂"],
    ["<r>像富文本</r>x", 6, None, None, None, datetime(2026, 1, 1, 8, 30)],
    ["\n", 7, None, None, None, "-3 号楼"],
    ["回车\r中间", 8, date(1900, 2, 28), None, None, "末尾回车\r"],
    ["_x00ff_ 与 _X00FF_", 9, date(1900, 2, 27), None, None, "\u3000全角空格\u3000"],
]


def reference_append(table: TableSheet, ws: Any, row: int, values: list[Any]) -> None:
    """What the table writer did through XlsxWriter's calls before it wrote XML itself."""
    formats = {"money": table.styles.money, "date": table.styles.date}
    kinds = [
        formats.get(c.kind) if c.kind != "percent" else table.styles.percent for c in PLAN.columns
    ]
    for col, value in enumerate(values):
        if value is None:
            continue
        kind = value.__class__
        if kind is str:
            if not value:
                continue
            if len(value) > CELL_MAX // 2 or CONTROL.search(value):
                value = cell_text(value)
            if value[0] in FORMULA_STARTS:
                ws.write_string(row, col, value, table.styles.quoted)
            else:
                ws.write_string(row, col, value)
        elif kind is float or kind is int or kind is Decimal:
            ws.write_number(row, col, value, kinds[col])
        elif kind is date:
            ws.write_datetime(row, col, value, kinds[col] or table.styles.date)
        else:
            ws.write_string(row, col, cell_text(str(value)))


def sheet_xml(path: Path, number: int) -> str:
    with zipfile.ZipFile(path) as package:
        return package.read(f"xl/worksheets/sheet{number}.xml").decode()


def write_both(tmp_path: Path, rows: list[list[Any]]) -> tuple[str, str]:
    """The rows through TableSheet (sheet 1) and through XlsxWriter's calls (sheet 2)."""
    out = tmp_path / "cells.xlsx"
    wb = new_workbook(out)
    styles = Styles(wb)
    table = TableSheet(wb, styles, PLAN)
    ws = wb.add_worksheet("参照")
    for i, column in enumerate(PLAN.columns):
        ws.set_column(i, i, column.width)
    ws.freeze_panes(1, PLAN.frozen)
    print_setup(ws, 0, width=sum(c.width for c in PLAN.columns), title_columns=PLAN.frozen)
    for i, column in enumerate(PLAN.columns):
        ws.write_string(0, i, column.header, styles.header)
    for n, values in enumerate(rows, 1):
        table.append(values)
        reference_append(table, ws, n, values)
    wb.close()
    return sheet_xml(out, 1), sheet_xml(out, 2)


def test_rows_are_what_xlsxwriter_writes(tmp_path: Path) -> None:
    ours, reference = write_both(tmp_path, [r for r in ROWS if not str(r[0]).startswith("<r>")])
    assert ours.replace('tabSelected="1" ', "") == reference.replace('tabSelected="1" ', "")
    assert '<dimension ref="A1:F14"/>' in ours


def test_text_like_rich_text_is_escaped(tmp_path: Path) -> None:
    """XlsxWriter writes text shaped like ``<r>…</r>`` into the XML unescaped; ours is text."""
    ours, _ = write_both(tmp_path, [r for r in ROWS if str(r[0]).startswith("<r>")])
    assert "&lt;r&gt;像富文本&lt;/r&gt;x" in ours


def test_a_row_of_nothing_is_no_row(tmp_path: Path) -> None:
    ours, reference = write_both(tmp_path, [[None] * 6, ["有", None, None, None, None, None]])
    assert ours.replace('tabSelected="1" ', "") == reference.replace('tabSelected="1" ', "")
    assert '<row r="2">' not in ours and '<row r="3">' in ours


def test_nan_is_refused_as_xlsxwriter_refuses_it(tmp_path: Path) -> None:
    wb = new_workbook(tmp_path / "nan.xlsx")
    table = TableSheet(wb, Styles(wb), PLAN)
    for number in (float("nan"), float("inf"), Decimal("-Infinity"), Decimal("NaN")):
        with pytest.raises(TypeError):
            table.append(["x", number, None, None, None, None])

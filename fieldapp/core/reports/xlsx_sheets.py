"""What every workbook the program writes shares: how it is opened, its cell formats, how text
goes into a cell, and how a sheet is set up for printing.

Why XlsxWriter (``constant_memory``): rows go to a temporary file as they are written, so 100,000
households fit in a few tens of MB, and a cell costs about two thirds of what openpyxl's
write-only mode costs (benchmarks/bench_excel.py measures both on the export's rows); the archive's
data sheets go further and write their rows' XML into XlsxWriter's row files (``xlsx_cells``).

Text is always written as text: a note that starts with ``=`` (or ``+``, ``-``, ``@``, a tab or a
carriage return: what spreadsheet programs take for a formula) is stored as a string and carries
Excel's quote prefix, so neither opening nor editing the cell runs it (formula injection).

Offices print what they export (A4, landscape, readable type, the header row on every page), so the
print setup is decided once here for the archive export, its statistics sheet, the import template
and the other small workbooks.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from fieldapp.core.values.glyphs import code_name

MONEY_FORMAT = "0.00"
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.00%"
HEADER_COLOR = "#DDEBF7"
BORDER_COLOR = "#999999"

PAGE_WIDTH = 190
"""Column width units that fit across a landscape A4 page at a still readable ~75 % scale."""

FORMULA_STARTS = frozenset("=+-@\t\r")
"""First characters that make spreadsheet programs read typed text as a formula."""
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""Characters a worksheet cannot hold (what openpyxl calls illegal characters)."""
CELL_MAX = 32767
"""Excel's limit on the characters (UTF-16 units) of one cell."""
CUT_NOTE = "……（超出 Excel 单元格 32767 字的上限，以下从略；完整内容请在软件中查看）"


def new_workbook(path: Path | str, *, tmpdir: Path | str | None = None) -> Workbook:
    """A workbook that streams rows to ``tmpdir`` and never turns text into formulas, links or
    numbers (the cell's Python type alone decides what it holds)."""
    return Workbook(
        str(path),
        {
            "constant_memory": True,
            "tmpdir": str(tmpdir) if tmpdir is not None else None,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "use_zip64": True,
        },
    )


def discard(wb: Workbook) -> None:
    """Abandon a workbook being written (cancelled, failed): its sheets' row files are closed so
    that they can be deleted (Windows keeps open files). XlsxWriter has no public call for this;
    closing the workbook instead would first pack everything written so far."""
    for ws in wb.worksheets():
        ws._opt_close()


class Styles:
    """A workbook's cell formats.

    The formats data sheets use are made first, in a fixed order, and numbered at once (XlsxWriter
    otherwise numbers a format when a cell first uses it): two processes writing parts of one
    workbook (``xlsx_parallel``) then agree on every number. Other combinations are made on
    demand by ``of`` (statistics sheet, template, notes)."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self._made: dict[tuple[tuple[str, Any], ...], Format] = {}
        self._properties: dict[int, dict[str, Any]] = {}
        self.header = self.of(
            bold=True, bg_color=HEADER_COLOR, align="center", valign="vcenter", text_wrap=True
        )
        self.money = self.of(num_format=MONEY_FORMAT)
        self.date = self.of(num_format=DATE_FORMAT)
        self.percent = self.of(num_format=PERCENT_FORMAT)
        self.quoted = self.of(quote_prefix=True)
        for fmt in (self.header, self.money, self.date, self.percent, self.quoted):
            fmt._get_xf_index()  # numbered now, in this order, in every process

    def of(self, **properties: Any) -> Format:
        """The format with these XlsxWriter properties (made once per workbook)."""
        key = tuple(sorted(properties.items()))
        fmt = self._made.get(key)
        if fmt is None:
            fmt = self._made[key] = self.wb.add_format(properties)
            self._properties[id(fmt)] = properties
        return fmt

    def quoted_like(self, fmt: Format | None) -> Format:
        """``fmt`` with Excel's quote prefix (text that must stay text when edited)."""
        if fmt is None:
            return self.quoted
        return self.of(**self._properties[id(fmt)], quote_prefix=True)

    def boxed(
        self,
        *,
        bold: bool = False,
        num_format: str | None = None,
        fill: str | None = None,
        border: bool = True,
    ) -> Format:
        """A bordered, vertically centred, wrapping cell (the statistics sheet's tables)."""
        properties: dict[str, Any] = {"valign": "vcenter", "text_wrap": True}
        if border:
            properties.update(border=1, border_color=BORDER_COLOR)
        if bold:
            properties["bold"] = True
        if num_format:
            properties["num_format"] = num_format
        if fill:
            properties["bg_color"] = fill
        return self.of(**properties)


def cell_text(text: str) -> str:
    """Text a worksheet can hold: control characters Excel refuses are shown as [U+0007] (never
    dropped), and text longer than a cell can hold ends with a note saying so."""
    if CONTROL.search(text):
        text = CONTROL.sub(lambda m: f"[{code_name(m.group())}]", text)
    if len(text) > CELL_MAX // 2:
        units = text.encode("utf-16-le")
        if len(units) > CELL_MAX * 2:
            keep = (CELL_MAX - len(CUT_NOTE)) * 2
            text = units[:keep].decode("utf-16-le", "ignore") + CUT_NOTE
    return text


def write_text(
    ws: Worksheet, row: int, col: int, text: str, styles: Styles, fmt: Format | None = None
) -> None:
    """Text as text: shown as typed, never run as a formula (quote prefix on formula-like text).
    ``fmt`` (made by ``styles``) styles the cell otherwise."""
    text = cell_text(text)
    if text and text[0] in FORMULA_STARTS:
        fmt = styles.quoted_like(fmt)
    ws.write_string(row, col, text, fmt)


def write_value(
    ws: Worksheet, row: int, col: int, value: Any, styles: Styles, fmt: Format | None = None
) -> None:
    """Any value of the reports: text as text, numbers as numbers, dates as dates, None blank
    (or a styled blank when ``fmt`` is given)."""
    if value is None:
        if fmt is not None:
            ws.write_blank(row, col, None, fmt)
    elif isinstance(value, str):
        write_text(ws, row, col, value, styles, fmt)
    else:
        ws.write(row, col, value, fmt)


def print_setup(
    ws: Worksheet,
    title_rows: int | None = 0,
    *,
    width: float = 0,
    title_columns: int = 0,
) -> None:
    """How an office prints a sheet: A4 landscape, fitted to the page's width (as many pages down
    as needed), the header row (``title_rows``: its 0-based index) repeated on every page, page
    numbers in the footer.

    A sheet wider than PAGE_WIDTH (户信息 has over a hundred columns) is fitted to as many pages
    across as keep it readable, with its first ``title_columns`` (档案编号, 姓名) repeated on each.
    """
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(max(1, math.ceil(width / PAGE_WIDTH)), 0)
    ws.print_across()
    if title_columns and width > PAGE_WIDTH:
        ws.repeat_columns(0, title_columns - 1)
    ws.center_horizontally()
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_footer("&C第 &P 页，共 &N 页")
    if title_rows is not None:
        ws.repeat_rows(title_rows)

"""What every workbook of the reports shares: cell styles and how a sheet is set up for printing.

Offices print what they export (A4, landscape, readable type, the header row on every page), so the
print setup is decided once here for the archive export, its statistics sheet and the import
template alike.
"""

from __future__ import annotations

import math

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties

from fieldapp.core.values.glyphs import code_name

MONEY_FORMAT = "0.00"
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.00%"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TITLE_FONT = Font(bold=True, size=16)
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)

PAGE_WIDTH = 190
"""Column width units that fit across a landscape A4 page at a still readable ~75 % scale."""


def print_setup(
    ws: WriteOnlyWorksheet,
    title_rows: str | None = "1:1",
    *,
    width: float = 0,
    title_columns: int = 0,
) -> None:
    """How an office prints a sheet: A4 landscape, fitted to the page's width (as many pages down
    as needed), the header row repeated on every page, page numbers in the footer.

    A sheet wider than PAGE_WIDTH (户信息 has over a hundred columns) is fitted to as many pages
    across as keep it readable, with its first ``title_columns`` (档案编号, 姓名) repeated on each.
    """
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = max(1, math.ceil(width / PAGE_WIDTH))
    ws.page_setup.fitToHeight = 0
    ws.page_setup.pageOrder = "overThenDown"
    if title_columns and width > PAGE_WIDTH:
        ws.print_title_cols = f"A:{get_column_letter(title_columns)}"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    if title_rows:
        ws.print_title_rows = title_rows


def cell_text(text: str) -> str:
    """Text a worksheet can hold: control characters Excel refuses are shown as [U+0007] (never
    dropped, and never the traceback openpyxl would raise)."""
    shown: str = ILLEGAL_CHARACTERS_RE.sub(lambda m: f"[{code_name(m.group())}]", text)
    return shown

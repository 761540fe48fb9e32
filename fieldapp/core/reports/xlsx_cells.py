"""A data sheet's rows written as sheet XML, straight into XlsxWriter's row file.

Why: in ``constant_memory`` mode XlsxWriter keeps one row in a table of cell tuples, then writes
each cell through half a dozen calls (bounds and dimension checks, a cell reference, two regular
expressions for control characters, one for whitespace, attribute escaping, a ``write`` per cell):
about 5 µs a cell through ``ws.write``, most of the export's time. The archive's data sheets are
plain (text, numbers, dates, a handful of formats decided per column), so ``RowWriter`` renders a
whole row with precomputed cell references and style attributes (under 1 µs a cell) and writes it
once, into the same temporary file XlsxWriter assembles the sheet from. The XML is what XlsxWriter
writes for the same calls (inline strings, escaped as it escapes them, ``.16G`` numbers, date
serials), byte for byte. Everything else about the sheet (columns, panes, print setup, the header
row) is still XlsxWriter's.

It relies on how XlsxWriter 3 stores a ``constant_memory`` sheet (``row_data_fh``,
``previous_row``, the ``dim_*`` bounds); ``RowWriter.__init__`` refuses a worksheet that does not
look that way, and tests compare its output with XlsxWriter's for every kind of value.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

CAREFUL = re.compile("[&<>\x00-\x1f\ufffe\uffff]|_x")
"""Text XlsxWriter would change on the way into XML (escapes, control characters, its own
``_xHHHH_`` notation): such text is escaped as it escapes it."""
_ESCAPE_LIKE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile("([\x00-\x08\x0b-\x1f])")
_EDGE_SPACE = re.compile(r"^\s|\s$")
EPOCH, EPOCH_1904 = date(1899, 12, 31), date(1904, 1, 1)


def inline_text(text: str) -> str:
    """The ``<t>`` element of an inline string, as XlsxWriter writes it in constant_memory mode:
    its ``_xHHHH_`` notation for control characters (and for text that looks like it), XML
    escapes, and whitespace kept at either end."""
    if CAREFUL.search(text) is None and not text[:1].isspace() and not text[-1:].isspace():
        return f"<t>{text}</t>"
    text = _ESCAPE_LIKE.sub(r"_x005F\1", text)
    text = _CONTROL.sub(lambda match: f"_x{ord(match.group(1)):04X}_", text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    preserve = ' xml:space="preserve"' if _EDGE_SPACE.search(text) else ""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<t{preserve}>{text}</t>"


def date_serial(day: date, date_1904: bool) -> int:
    """Excel's serial number of a day (1900 wrongly counted as a leap year, as Excel does)."""
    if date_1904:
        return (day - EPOCH_1904).days
    days = (day - EPOCH).days
    return days + 1 if days > 59 else days


def column_format(ws: Worksheet, col: int) -> Format | None:
    """The format set on a whole column (XlsxWriter's column info, an object or a list)."""
    info = ws.col_info.get(col)
    if info is None:
        return None
    return info[1] if isinstance(info, list) else getattr(info, "column_format", None)


def number_text(value: Any) -> str:
    """A number as XlsxWriter writes it (it refuses NaN and infinities unless told otherwise)."""
    if value.__class__ is not int and not math.isfinite(value):
        raise TypeError(
            "NAN/INF not supported in write_number() without 'nan_inf_to_errors' Workbook() option"
        )
    return f"{value:.16G}"


def style_attribute(fmt: Format | None) -> str:
    return f' s="{fmt._get_xf_index()}"' if fmt else ""


class RowWriter:
    """Rows from ``first_row`` on, written into ``ws``'s row file, in order. The rows before it
    (the header) are written through XlsxWriter and span every column, so the sheet's column
    bounds are known; each row written moves its last row."""

    def __init__(self, ws: Worksheet, first_row: int, width: int) -> None:
        if not ws.constant_memory or ws.row_data_fh is None or ws.previous_row >= first_row:
            raise ValueError("RowWriter needs a constant_memory worksheet not yet past first_row")
        if ws.dim_colmin != 0 or ws.dim_colmax != width - 1 or ws.dim_rowmin is None:
            raise ValueError("RowWriter needs a header row that spans every column")
        ws._write_single_row(first_row)  # the header row goes out through XlsxWriter
        self.ws = ws
        self.write = ws.row_data_fh.write
        self.plain_row = ws.excel_version != 2010 and (
            ws.default_row_height == ws.original_row_height
        )
        self.letters = [xl_col_to_name(col) for col in range(width)]
        self.column_style = [style_attribute(column_format(ws, col)) for col in range(width)]
        self.dates: dict[date, str] = {}

    def style(self, col: int, fmt: Format | None) -> str:
        """The ``s`` attribute of a cell in ``col`` written with ``fmt`` (or the column's)."""
        return style_attribute(fmt) if fmt else self.column_style[col]

    def date_text(self, value: date) -> str:
        text = self.dates.get(value)
        if text is None:
            text = self.dates[value] = str(date_serial(value, self.ws.date_1904))
        return text

    def row(self, row: int, cells: list[str]) -> None:
        """Write row ``row`` (0-based) holding ``cells`` (their XML, in column order)."""
        ws = self.ws
        ws.previous_row = row
        if not cells:
            return
        if self.plain_row:
            self.write(f'<row r="{row + 1}">{"".join(cells)}</row>')
        else:
            ws._write_row(row, None)
            self.write(f"{''.join(cells)}</row>")
        ws.dim_rowmax = row

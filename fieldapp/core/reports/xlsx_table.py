"""A sheet of typed columns, one record a row: the archive export's data sheets.

Why a plan apart from the writer: the export's sheets are written by two processes
(``xlsx_parallel``), and each builds the same workbook from the same plans, so a plan is plain
data that crosses to the other process. The writer is the export's innermost loop (tens of
millions of cells at province scale): it looks at each value's type once and renders the row's
XML itself (``xlsx_cells``: what XlsxWriter would write, at a fraction of the cost).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from xlsxwriter import Workbook

from fieldapp.core.reports.xlsx_cells import CAREFUL, RowWriter, inline_text, number_text
from fieldapp.core.reports.xlsx_sheets import (
    CELL_MAX,
    FORMULA_STARTS,
    Styles,
    cell_text,
    print_setup,
)


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    kind: str = "text"
    """text, int, money, date, percent."""


@dataclass(frozen=True)
class TablePlan:
    """A sheet: its title, its columns, and how many leading columns stay in view (frozen and
    repeated on every printed page across)."""

    title: str
    columns: tuple[Column, ...]
    frozen: int = 2


class TableSheet:
    """A sheet being written: widths, frozen header row and names, print setup, the header row;
    then ``append`` one row of values at a time (money and date cells get their formats)."""

    def __init__(self, wb: Workbook, styles: Styles, plan: TablePlan) -> None:
        self.ws = ws = wb.add_worksheet(plan.title)
        self.styles = styles
        self.title = plan.title
        self.rows = 0
        for i, column in enumerate(plan.columns):
            ws.set_column(i, i, column.width)
        ws.freeze_panes(1, plan.frozen)
        print_setup(ws, 0, width=sum(c.width for c in plan.columns), title_columns=plan.frozen)
        for i, column in enumerate(plan.columns):
            ws.write_string(0, i, column.header, styles.header)
        formats = {"money": styles.money, "date": styles.date, "percent": styles.percent}
        kinds = [formats.get(c.kind) for c in plan.columns]
        self.width = len(plan.columns)
        self.writer = writer = RowWriter(ws, 1, self.width)
        self.letters = writer.letters
        self.text_styles = [writer.style(col, None) for col in range(self.width)]
        self.number_styles = [writer.style(col, fmt) for col, fmt in enumerate(kinds)]
        self.date_styles = [writer.style(col, fmt or styles.date) for col, fmt in enumerate(kinds)]
        self.quoted = writer.style(0, styles.quoted)

    def append(self, values: Sequence[Any]) -> None:
        """One data row. Text stays text (``xlsx_sheets.write_text``'s rules, inlined here); the
        row's XML is written at once (``xlsx_cells``: text needing no escape is written as is)."""
        if len(values) != self.width:
            raise ValueError(f"{self.title}: {len(values)} values for {self.width} columns")
        self.rows += 1
        r = str(self.rows + 1)
        letters, cells = self.letters, []
        careful = CAREFUL.search
        for col, value in enumerate(values):
            if value is None:
                continue
            kind = value.__class__
            if kind is str:
                if not value:
                    continue
                if (
                    len(value) > CELL_MAX // 2
                    or careful(value)
                    or value[0].isspace()
                    or value[-1].isspace()
                ):
                    value = cell_text(value)
                    body = inline_text(value)
                else:
                    body = f"<t>{value}</t>"
                style = self.quoted if value[0] in FORMULA_STARTS else self.text_styles[col]
                cells.append(f'<c r="{letters[col]}{r}"{style} t="inlineStr"><is>{body}</is></c>')
            elif kind is float or kind is int or kind is Decimal:
                number = number_text(value)
                cells.append(
                    f'<c r="{letters[col]}{r}"{self.number_styles[col]}><v>{number}</v></c>'
                )
            elif kind is date:
                number = self.writer.date_text(value)
                cells.append(f'<c r="{letters[col]}{r}"{self.date_styles[col]}><v>{number}</v></c>')
            else:
                text = cell_text(str(value))
                body = inline_text(text) if text else "<t></t>"
                style = self.text_styles[col]
                cells.append(f'<c r="{letters[col]}{r}"{style} t="inlineStr"><is>{body}</is></c>')
        self.writer.row(self.rows, cells)

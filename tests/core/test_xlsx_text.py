"""Text in an export stays text: a note that looks like a formula is written as a string (never a
live formula) and imports back as the same text; money stays a number, negative amounts included.
Both ways of writing the workbook are covered: one process, and a helper process writing half of
the sheets (the 家庭成员 sheet is one of its)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from fieldapp.core.demo.generate import generate_demo
from fieldapp.core.reports.xlsx_export import HELPER_SHEETS, export_xlsx
from fieldapp.core.reports.xlsx_import import import_archive
from fieldapp.core.reports.xlsx_reading import cell_text
from fieldapp.core.reports.xlsx_sheets import CELL_MAX, CUT_NOTE, Styles, new_workbook, write_value
from fieldapp.core.reports.xlsx_sheets import cell_text as cell_text_written
from fieldapp.core.reports.xlsx_table import Column, TablePlan, TableSheet
from fieldapp.core.store.store import Store
from tests.stores import open_test_store

DAY = date(2026, 11, 1)
FORMULA_LIKE = {
    "basic_union_opinion": '=HYPERLINK("http://example.com/x","点此查看")',
    "upper_union_opinion": "+1 同意",
    "address": "-3 号楼 2 单元（地下室）",
    "employer": "@某机械厂",
}


@pytest.fixture
def households(store: Store) -> tuple[Store, str, str]:
    # Seed 5: no birthday between the demo's survey days and DAY (the import recomputes ages).
    generate_demo(store, 3, seed=5, author="甲")
    first, second = list(store.iter_household_ids())[:2]
    a = dict(store.current(first)["A"])
    store.save_form(first, "A", {**a, **FORMULA_LIKE}, author="甲", today=DAY)
    b = dict(store.current(second)["A"])
    members = [dict(m) for m in b["members"]]
    members[0]["monthly_income"] = -123456  # a draft may hold it; the export must keep a number
    store.save_form(second, "A", {**b, "members": members}, author="甲", today=DAY)
    return store, first, second


def test_every_formula_start_is_written_as_text(tmp_path: Path) -> None:
    """The whole family, tab and carriage return included (a saved form trims those, but rows
    come from other places too), through the table writer and the general one."""
    texts = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1+1", "\r=1+1", "=cmd|' /C calc'!A0"]
    out = tmp_path / "t.xlsx"
    wb = new_workbook(out)
    styles = Styles(wb)
    table = TableSheet(
        wb, styles, TablePlan("表", (Column("文字", 10), Column("金额", 10, "money")))
    )
    for text in texts:
        table.append([text, -0.5])
    other = wb.add_worksheet("其他")
    for row, text in enumerate(texts):
        write_value(other, row, 0, text, styles)
    wb.close()
    book = load_workbook(out)
    written = [r[0] for r in book["表"].iter_rows(min_row=2)]
    written += [r[0] for r in book["其他"].iter_rows()]
    assert [(c.data_type, cell_text(c.value), c.quotePrefix) for c in written] == [
        ("s", text, True) for text in texts * 2
    ]
    money = [r[1] for r in book["表"].iter_rows(min_row=2)]
    assert {(c.data_type, c.value, c.number_format) for c in money} == {("n", -0.5, "0.00")}


def _row(ws: Any, household_id: str) -> dict[str, Any]:
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[-1].value == household_id:
            return dict(zip(header, row, strict=True))
    raise AssertionError(f"{household_id} not on {ws.title}")


@pytest.mark.parametrize("parallel", [False, True], ids=["one process", "helper process"])
def test_formula_like_text_stays_text_and_money_a_number(
    households: tuple[Store, str, str], tmp_path: Path, parallel: bool
) -> None:
    store, first, second = households
    assert "家庭成员" in HELPER_SHEETS
    out = tmp_path / "导出.xlsx"
    export_xlsx(store, out, parallel=parallel)

    wb = load_workbook(out)
    form = store.survey.form("A")
    row = _row(wb["户信息"], first)
    for name, text in FORMULA_LIKE.items():
        cell = row[form.field(name).label]
        assert (cell.data_type, cell.value) == ("s", text), name
        assert cell.quotePrefix, name  # editing the cell in Excel keeps it text
    members = wb["家庭成员"]
    header = [c.value for c in members[1]]
    money = next(c for c in form.field("members").fields if c.name == "monthly_income")
    income = header.index(money.label)
    negative = [r[income] for r in members.iter_rows(min_row=2) if r[-1].value == second][0]
    assert (negative.data_type, negative.value) == ("n", -1234.56)
    assert negative.number_format == "0.00" and not negative.quotePrefix

    other = open_test_store(tmp_path / "other.db")
    try:
        result = import_archive(other, out, author="乙", today=DAY)
        assert first in result.household_ids
        imported = other.current(first)["A"]
        assert {name: imported.get(name) for name in FORMULA_LIKE} == FORMULA_LIKE
    finally:
        other.close()


@pytest.mark.parametrize("text", ["字" * 40_000, "😀" * 20_000], ids=["BMP", "astral"])
def test_text_longer_than_a_cell_says_it_was_shortened(text: str) -> None:
    shown = cell_text_written(text)
    assert shown.endswith(CUT_NOTE) and text.startswith(shown[: -len(CUT_NOTE)])
    assert (
        len(shown.encode("utf-16-le")) // 2 <= CELL_MAX
    )  # what Excel can hold, so no one cuts it again

"""The export's second process: it stops with the export, its failure is a message, and halves
whose formats were numbered differently are never joined into a wrong-looking workbook."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldapp.core.demo.generate import generate_demo
from fieldapp.core.reports.xlsx_export import export_xlsx
from fieldapp.core.reports.xlsx_package import PackageError, join_packages, worksheet_part
from fieldapp.core.reports.xlsx_parallel import HelperFailed, SheetHelper
from fieldapp.core.reports.xlsx_sheets import Styles, new_workbook
from fieldapp.core.reports.xlsx_table import Column, TablePlan, TableSheet
from fieldapp.core.store.errors import Cancelled, StoreError
from fieldapp.core.store.store import Store

PLAN = TablePlan("表", (Column("文字", 10), Column("金额", 10, "money")))


def test_cancelled_parallel_export_stops_the_helper_and_leaves_nothing(
    store: Store, tmp_path: Path
) -> None:
    generate_demo(store, 6, seed=5, author="甲")
    calls: list[int] = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) >= 4

    out = tmp_path / "out" / "导出.xlsx"
    out.parent.mkdir()
    cache = store.db.execute("PRAGMA cache_size").fetchone()[0]
    with pytest.raises(Cancelled):
        export_xlsx(store, out, parallel=True, cancelled=cancelled)
    assert list(out.parent.iterdir()) == []
    assert store.db.execute("PRAGMA cache_size").fetchone()[0] == cache  # the read's small cache


def test_a_failing_helper_is_a_message(tmp_path: Path) -> None:
    helper = SheetHelper(tmp_path / "helper.xlsx", ["表"], [PLAN], tmp_path)
    try:
        helper.append("表", ["三列", 1, "多了一列"])  # the helper refuses the row and stops
        with pytest.raises(HelperFailed) as failed:
            helper.finish()
    finally:
        helper.stop()
    assert isinstance(failed.value, StoreError) and "生成 Excel 文件失败" in str(failed.value)
    assert "3 values for 2 columns" in str(failed.value)
    assert not helper.process.is_alive()


def _half(path: Path, *, shifted: bool) -> Path:
    wb = new_workbook(path)
    if shifted:  # a format numbered before the shared ones: every number after it moves
        wb.add_format({"italic": True})._get_xf_index()
    sheet = TableSheet(wb, Styles(wb), PLAN)
    sheet.append(["文字", 1.5])
    wb.close()
    return path


def test_halves_with_differently_numbered_formats_are_refused(tmp_path: Path) -> None:
    base = _half(tmp_path / "a.xlsx", shifted=False)
    join_packages(
        base, _half(tmp_path / "b.xlsx", shifted=False), [worksheet_part(1)], tmp_path / "ok.xlsx"
    )
    with pytest.raises(PackageError):
        join_packages(
            base, _half(tmp_path / "c.xlsx", shifted=True), [worksheet_part(1)], tmp_path / "x.xlsx"
        )

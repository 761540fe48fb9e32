"""The archive as an Excel workbook for offices: statistics ready to send upward, then one sheet
per table (households, members, incomes, expenses, monthly incomes, policy records, visits,
problems and measures), then notes. What the sheets hold: ``xlsx_rows``.

Why it is fast at province scale (100,000 households, ~44 million cells): the households are read
in one pass (one SQL statement, each form's newest revision), every row is rendered once, and the
cells are streamed into XlsxWriter's sheets as XML (``xlsx_cells``); from ``PARALLEL_FROM``
households on, a second process writes the repeat groups' sheets (``xlsx_parallel``) and the two halves are joined without
recompressing (``xlsx_package``). Which revision is exported: each form's newest (``final_only``:
newest final).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from fieldapp.core.reports.records import region_clause
from fieldapp.core.reports.stats import Stats, compute_stats, region_label
from fieldapp.core.reports.xlsx_package import join_packages, worksheet_part
from fieldapp.core.reports.xlsx_parallel import SheetHelper
from fieldapp.core.reports.xlsx_rows import (
    HOUSEHOLD_SHEET,
    ID_COLUMN,
    REPEAT_SHEETS,
    Household,
    SheetRows,
)
from fieldapp.core.reports.xlsx_sheets import (
    Styles,
    discard,
    new_workbook,
    print_setup,
    write_value,
)
from fieldapp.core.reports.xlsx_stats import STATS_SHEET, write_stats_sheet
from fieldapp.core.reports.xlsx_table import TablePlan, TableSheet
from fieldapp.core.store.errors import CancelCheck, stop_if_cancelled
from fieldapp.core.store.history import local_time
from fieldapp.core.store.records import now_iso
from fieldapp.core.store.store import Store

__all__ = ["ID_COLUMN", "ExportSummary", "export_xlsx"]

NOTES_SHEET = "说明"
PARALLEL_FROM = 1000
"""Households from which a second process writes part of the sheets (below, starting it costs
more than it saves)."""
HELPER_SHEETS = frozenset(REPEAT_SHEETS.values())
"""The sheets the second process writes: every repeat group's (the export keeps 户信息), so that both
processes are busy about as long once the reading, rendering and statistics the export itself does
are counted (CPU seconds printed by benchmarks/bench_excel.py: 2.4 s each at 5,000 households).
Writing a row costs the helper about what handing it over costs the export (``xlsx_cells``)."""


@dataclass
class ExportSummary:
    path: str
    households: int
    rows: dict[str, int] = field(default_factory=dict)
    """Sheet title -> data rows written (headers not counted)."""
    stats: Stats | None = None


def _iter_households(store: Store, region: str | None, final_only: bool) -> Iterator[Household]:
    """Each household's index row, its newest data per form and the forms' states: one
    statement over the whole scope."""
    where, args = region_clause(region)
    final = " and state = 'final'" if final_only else ""
    sql = (
        "select h.id, h.status, h.region_code, r.form_id, r.state, r.data from households h "
        "left join revisions r on r.rowid in (select max(rowid) from revisions "
        f"where household_id = h.id{final} group by form_id) where {where} order by h.rowid"
    )
    current: dict[str, Any] | None = None
    forms: dict[str, dict[str, Any]] = {}
    states: dict[str, str] = {}
    for hid, status, region_code, form_id, form_state, data in store.db.execute(sql, args):
        if current is None or current["id"] != hid:
            if current is not None:
                yield current, forms, states
            current = {"id": hid, "status": status, "region_code": region_code}
            forms, states = {}, {}
        if form_id is not None:
            forms[form_id] = json.loads(data)
            states[form_id] = form_state
    if current is not None:
        yield current, forms, states


SCAN_CACHE_KIB = 8 * 1024
"""SQLite's page cache while the export reads: one pass never comes back to a page, so the
connection's large cache (kept for searches, ``store.connection.CACHE_KIB``) would only hold
hundreds of MB of decrypted pages the export does not need again."""


@contextlib.contextmanager
def _one_pass(store: Store) -> Iterator[None]:
    """A small page cache for the export's read, the connection's own afterwards."""
    before = int(store.db.execute("PRAGMA cache_size").fetchone()[0])
    store.db.execute(f"PRAGMA cache_size = {-SCAN_CACHE_KIB}")
    try:
        yield
    finally:
        store.db.execute(f"PRAGMA cache_size = {before}")


def _count(store: Store, region: str | None) -> int:
    where, args = region_clause(region)
    return int(
        store.db.execute(f"select count(*) from households h where {where}", args).fetchone()[0]
    )


def export_xlsx(
    store: Store,
    path: Path | str,
    *,
    region: str | None = None,
    final_only: bool = False,
    stats: Stats | None = None,
    date_from: date | str | None = None,
    date_to: date | str | None = None,
    progress: Callable[[int], None] | None = None,
    cancelled: CancelCheck | None = None,
    parallel: bool | None = None,
) -> ExportSummary:
    """Write the workbook; returns how many rows each sheet got.

    The workbook is written to a temporary file beside ``path`` and moved onto it at the end, so a
    failure or ``cancelled()`` (polled for every household: ``Cancelled``) leaves no partial file.
    ``parallel``: use a second process (default: from ``PARALLEL_FROM`` households on).
    """
    path = Path(path)
    final = path.with_name(f".{path.stem}.{os.getpid()}.tmp.xlsx")
    work = Path(tempfile.mkdtemp(prefix="fieldapp-xlsx-"))
    sheets = SheetRows(store)
    plans = sheets.plans()
    titles = [STATS_SHEET, *(plan.title for plan in plans), NOTES_SHEET]
    if parallel is None:
        parallel = _count(store, region) >= PARALLEL_FROM
    helper = None
    try:
        with _one_pass(store):
            if parallel:
                given = [plan for plan in plans if plan.title in HELPER_SHEETS]
                helper = SheetHelper(work / "helper.xlsx", titles, given, work)
            if stats is None:
                stats = compute_stats(
                    store,
                    by="region",
                    region=region,
                    final_only=final_only,
                    date_from=date_from,
                    date_to=date_to,
                    cancelled=cancelled,
                )
            own = work / "export.xlsx" if helper is not None else final
            summary = _write(
                store,
                own,
                work,
                sheets,
                plans,
                helper,
                region,
                final_only,
                stats,
                progress,
                cancelled,
            )
            if helper is not None:
                summary.rows.update(helper.finish())
                parts = [
                    worksheet_part(titles.index(title) + 1) for title in HELPER_SHEETS & set(titles)
                ]
                join_packages(own, work / "helper.xlsx", parts, final)
            os.replace(final, path)
    finally:
        if helper is not None:
            helper.stop()
        final.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)
    summary.path = str(path)
    summary.rows = {title: summary.rows[title] for title in titles if title in summary.rows}
    return summary


def _write(
    store: Store,
    target: Path,
    work: Path,
    sheets: SheetRows,
    plans: list[TablePlan],
    helper: SheetHelper | None,
    region: str | None,
    final_only: bool,
    stats: Stats,
    progress: Callable[[int], None] | None,
    cancelled: CancelCheck | None,
) -> ExportSummary:
    """The export's own workbook: every sheet set up, the helper's left without data rows."""
    wb = new_workbook(target, tmpdir=work)
    finished = False
    try:
        styles = Styles(wb)
        write_stats_sheet(wb.add_worksheet(STATS_SHEET), styles, stats, store)
        tables = {plan.title: TableSheet(wb, styles, plan) for plan in plans}
        notes = wb.add_worksheet(NOTES_SHEET)
        count = 0
        for household in _iter_households(store, region, final_only):
            stop_if_cancelled(cancelled, "已取消，未生成 Excel 文件")
            for title, values in sheets.rows(household):
                if helper is not None and helper.owns(title):
                    helper.append(title, values)
                else:
                    tables[title].append(values)
            count += 1
            if progress is not None and count % 1000 == 0:
                progress(count)
        notes.set_column(0, 0, 18)
        notes.set_column(1, 1, 90)
        print_setup(notes, None)
        for row, line in enumerate(_notes(store, region, final_only, stats)):
            for col, value in enumerate(line):
                write_value(notes, row, col, value, styles)
        finished = True
    finally:
        if finished:
            wb.close()
        else:
            discard(wb)
    rows = {
        title: table.rows
        for title, table in tables.items()
        if helper is None or not helper.owns(title)
    }
    return ExportSummary(str(target), count, rows, stats)


def _notes(store: Store, region: str | None, final_only: bool, stats: Stats) -> list[list[Any]]:
    scope = region_label(region, store.regions) if region and len(region) == 6 else region
    return [
        ["户户清数据导出", None],
        ["生成时间", local_time(now_iso())],
        ["范围", scope or "全部"],
        ["表单版本", "每张表的最新定稿版本" if final_only else "每张表的最新版本（含草稿）"],
        ["表单定义版本", store.survey.version],
        ["统计表", "与软件“统计看板”的数字相同；期间类指标（走访、措施等）按统计期间计算"],
        [HOUSEHOLD_SHEET, "一户一行：档案编号、姓名、档案状态、居住地，以及各表的非表格字段"],
        [
            "其他各表",
            "一行一条记录；前四列（档案编号、职工姓名、职工身份证号、区县）用于对应到户",
        ],
        [
            "再导入",
            "“户信息”和“家庭成员”两张表修改后可用“办公室 → 从 Excel 导入档案”导回；"
            "最后一列“户ID”是系统编号，请勿修改",
        ],
        ["金额", "以元为单位的数字（保留两位小数）"],
        ["统计期间", f"{stats.date_from or '不限'} 至 {stats.date_to or '不限'}"],
    ]

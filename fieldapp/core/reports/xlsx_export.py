"""The archive as an Excel workbook for offices: statistics ready to send upward, then one sheet
per table (households, members, incomes, expenses, monthly incomes, policy records, visits,
problems and measures).

Why openpyxl's write-only mode: rows stream to temporary files and are zipped at the end, so
100,000 households fit in modest memory; households are read one at a time from the store. All
sheets are filled in the same pass. Headers are the forms' Chinese labels, options are shown by
their labels, money is a number in 元 with the 0.00 format, dates are dates, regions are names
(codes in their own columns). Which revision is exported: each form's newest (``final_only``:
newest final).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from fieldapp.core.forms.model import Field, Form
from fieldapp.core.reports.records import region_clause
from fieldapp.core.reports.stats import Stats, city_of, compute_stats, region_label
from fieldapp.core.reports.xlsx_sheets import (
    CENTER,
    DATE_FORMAT,
    HEADER_FILL,
    HEADER_FONT,
    MONEY_FORMAT,
    PERCENT_FORMAT,
    cell_text,
    print_setup,
)
from fieldapp.core.reports.xlsx_stats import STATS_SHEET, write_stats_sheet
from fieldapp.core.store.errors import CancelCheck, stop_if_cancelled
from fieldapp.core.store.history import local_time
from fieldapp.core.store.records import now_iso
from fieldapp.core.store.store import Store
from fieldapp.core.values.money import fen_to_yuan
from fieldapp.core.values.regions import RegionTable

SUMMARY_FORMS = ("A", "B", "C", "D", "E", "LQ", "BZ")
SKIP_TYPES = frozenset({"note"})

HOUSEHOLD_SHEET = "户信息"
REPEAT_SHEETS: dict[tuple[str, str], str] = {
    ("A", "members"): "家庭成员",
    ("B", "incomes"): "收入明细",
    ("B", "expenses"): "刚性支出",
    ("B", "monthly_records"): "月度收入记录",
    ("C", "policies"): "帮扶政策资金",
    ("D", "visits"): "走访帮扶记录",
    ("E", "problems"): "问题和措施",
}


@dataclass
class ExportSummary:
    path: str
    households: int
    rows: dict[str, int] = field(default_factory=dict)
    """Sheet title -> data rows written (headers not counted)."""
    stats: Stats | None = None


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    kind: str = "text"
    """text, int, money, date, percent."""


class _Renderer:
    """Stored values -> what a cell shows."""

    def __init__(self, regions: RegionTable) -> None:
        self.regions = regions
        self.region_names: dict[str, str] = {}

    def region(self, code: Any) -> str | None:
        if not isinstance(code, str) or not code:
            return None
        name = self.region_names.get(code)
        if name is None:
            name = self.regions.full_name(code) if code in self.regions else code
            self.region_names[code] = name
        return name

    def value(self, f: Field, value: Any) -> Any:
        if value is None or value == "" or value == []:
            return None
        kind = f.type
        if kind == "money":
            return fen_to_yuan(value) if isinstance(value, int) else str(value)
        if kind == "date":
            try:
                return date.fromisoformat(value) if isinstance(value, str) else value
            except ValueError:
                return str(value)
        if kind == "select_one":
            return f.option_label(value) if isinstance(value, str) else str(value)
        if kind == "select_multiple":
            items = value if isinstance(value, list) else [value]
            return "、".join(f.option_label(str(v)) for v in items)
        if kind == "region":
            return self.region(value)
        if kind == "integer":
            return value if isinstance(value, int) and not isinstance(value, bool) else str(value)
        if kind == "signature":
            return "已签名"
        if kind == "attachment":
            items = value if isinstance(value, list) else []
            return "、".join(str(a.get("name")) for a in items if isinstance(a, dict))
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False)
        return str(value)


def _kind(f: Field) -> str:
    return {"money": "money", "date": "date", "integer": "int"}.get(f.type, "text")


def _width(f: Field) -> float:
    if f.type in ("text",) and f.multiline:
        return 30
    return {"id_number": 21, "date": 12, "money": 12, "region": 22, "phone": 14}.get(f.type, 12)


class _Sheet:
    """A write-only sheet with typed columns (money and date cells get their number formats).

    The first ``frozen`` columns (档案编号, 姓名) and the header row stay in view when scrolling."""

    def __init__(self, ws: WriteOnlyWorksheet, columns: Sequence[Column], frozen: int = 2) -> None:
        self.ws = ws
        self.columns = list(columns)
        self.rows = 0
        for i, column in enumerate(self.columns, 1):
            ws.column_dimensions[get_column_letter(i)].width = column.width
        ws.freeze_panes = f"{get_column_letter(frozen + 1)}2"
        print_setup(ws, width=sum(c.width for c in self.columns), title_columns=frozen)
        header = []
        for column in self.columns:
            cell = WriteOnlyCell(ws, value=column.header)
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            cell.alignment = CENTER
            header.append(cell)
        ws.append(header)
        self.formats = [
            {"money": MONEY_FORMAT, "date": DATE_FORMAT, "percent": PERCENT_FORMAT}.get(c.kind)
            for c in self.columns
        ]

    def append(self, values: Sequence[Any]) -> None:
        row: list[Any] = []
        for value, number_format in zip(values, self.formats, strict=True):
            if number_format is not None and value is not None and not isinstance(value, str):
                cell = WriteOnlyCell(self.ws, value=value)
                cell.number_format = number_format
                row.append(cell)
            else:
                row.append(cell_text(value) if isinstance(value, str) else value)
        self.ws.append(row)
        self.rows += 1


def _form_fields(form: Form) -> list[Field]:
    return [f for f in form.fields if f.type not in SKIP_TYPES and f.type != "repeat"]


FRONT_FIELDS = ("archive_no", "name")
"""Form A's fields that open every household row: what people look a household up by."""
ID_COLUMN = Column("户ID（系统编号，勿改）", 12)


def _household_columns(store: Store) -> tuple[list[Column], list[tuple[str, Field]]]:
    """档案编号 and 姓名 first (frozen), the household's place and state, every form's fields,
    and the system's household id last (it ties a re-imported row to its household)."""
    fields: list[tuple[str, Field]] = []
    for form_id in SUMMARY_FORMS:
        form = store.survey.forms.get(form_id)
        if form is not None:
            fields += [(form_id, f) for f in _form_fields(form)]
    front = [(i, f) for i, f in fields if i == "A" and f.name in FRONT_FIELDS]
    front.sort(key=lambda item: FRONT_FIELDS.index(item[1].name))
    fields = front + [item for item in fields if item not in front]
    place = [
        Column("档案状态", 8),
        Column("州市代码", 9),
        Column("州市", 14),
        Column("区县代码", 9),
        Column("区县", 14),
        Column("已定稿表", 14),
    ]
    columns: list[Column] = []
    seen = {c.header for c in place} | {ID_COLUMN.header}
    for n, (form_id, f) in enumerate(fields):
        if n == len(front):
            columns += place
        header = (
            f.label if f.label not in seen else f"{f.label}（{store.survey.form(form_id).title}）"
        )
        seen.add(header)
        columns.append(Column(header, 24 if f.name == "archive_no" else _width(f), _kind(f)))
    columns.append(ID_COLUMN)
    return columns, fields


KEY_COLUMNS = [
    Column("档案编号", 24),
    Column("职工姓名", 10),
    Column("职工身份证号", 21),
    Column("区县", 14),
]
"""What opens every row of a table sheet; 职工身份证号 ties a member to its household on import."""


def _repeat_columns(repeat: Field) -> list[Column]:
    columns = [*KEY_COLUMNS, Column("序号", 6, "int")]
    seen = {c.header for c in columns} | {ID_COLUMN.header}
    for child in repeat.fields:
        if child.type in SKIP_TYPES:
            continue
        header = child.label if child.label not in seen else f"{child.label}（行）"
        seen.add(header)
        columns.append(Column(header, _width(child), _kind(child)))
    return [*columns, ID_COLUMN]


def _iter_households(
    store: Store, region: str | None, final_only: bool
) -> Iterator[tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, str]]]:
    """Each household's index row, its newest data per form and the forms' states."""
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
) -> ExportSummary:
    """Write the workbook; returns how many rows each sheet got.

    The workbook is written to a temporary file beside ``path`` and moved onto it at the end, so a
    failure or ``cancelled()`` (polled for every household: ``Cancelled``) leaves no partial file.
    """
    path = Path(path)
    temp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.xlsx")
    wb = Workbook(write_only=True)
    try:
        summary = _export(
            wb, store, temp, region, final_only, stats, date_from, date_to, progress, cancelled
        )
        os.replace(temp, path)
    except BaseException:
        for ws in wb.worksheets:  # finish the sheets' streams so nothing is left half-open
            with contextlib.suppress(Exception):
                ws.close()
        raise
    finally:
        temp.unlink(missing_ok=True)
    summary.path = str(path)
    return summary


def _export(
    wb: Workbook,
    store: Store,
    path: Path,
    region: str | None,
    final_only: bool,
    stats: Stats | None,
    date_from: date | str | None,
    date_to: date | str | None,
    progress: Callable[[int], None] | None,
    cancelled: CancelCheck | None,
) -> ExportSummary:
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
    renderer = _Renderer(store.regions)
    write_stats_sheet(wb.create_sheet(STATS_SHEET), stats, store)

    columns, household_fields = _household_columns(store)
    front_count = sum(
        1 for form_id, f in household_fields if form_id == "A" and f.name in FRONT_FIELDS
    )
    households = _Sheet(wb.create_sheet(HOUSEHOLD_SHEET), columns, frozen=front_count)
    repeats: dict[tuple[str, str], tuple[Field, _Sheet]] = {}
    for (form_id, name), title in REPEAT_SHEETS.items():
        form = store.survey.forms.get(form_id)
        repeat = form.field(name) if form is not None else None
        if repeat is None or repeat.type != "repeat":
            continue
        sheet = _Sheet(wb.create_sheet(title), _repeat_columns(repeat), frozen=len(KEY_COLUMNS) - 2)
        repeats[(form_id, name)] = (repeat, sheet)

    regions = store.regions
    count = 0
    for index, forms, states in _iter_households(store, region, final_only):
        stop_if_cancelled(cancelled, "已取消，未生成 Excel 文件")
        code = index["region_code"] or ""
        city = city_of(code, regions) if code else ""
        a = forms.get("A") or {}
        row: list[Any] = []
        for n, (form_id, f) in enumerate(household_fields):
            if n == front_count:
                row += [
                    index["status"],
                    city or None,
                    region_label(city, regions) if city else None,
                    code or None,
                    region_label(code, regions) if code else None,
                    "、".join(f for f in SUMMARY_FORMS if states.get(f) == "final") or None,
                ]
            row.append(renderer.value(f, (forms.get(form_id) or {}).get(f.name)))
        households.append([*row, index["id"]])
        keys = [a.get("archive_no"), a.get("name"), a.get("id_number"), region_label(code, regions)]
        for (form_id, name), (repeat, sheet) in repeats.items():
            for i, item in enumerate((forms.get(form_id) or {}).get(name) or [], 1):
                cells = [*keys, i]
                for child in repeat.fields:
                    if child.type not in SKIP_TYPES:
                        cells.append(renderer.value(child, item.get(child.name)))
                sheet.append([*cells, index["id"]])
        count += 1
        if progress is not None and count % 1000 == 0:
            progress(count)

    notes = wb.create_sheet("说明")
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 90
    print_setup(notes, None)
    for line in _notes(store, region, final_only, stats):
        notes.append(line)
    wb.save(path)
    summary = ExportSummary(str(path), count, {HOUSEHOLD_SHEET: households.rows}, stats)
    for (_, _), (_, sheet) in repeats.items():
        summary.rows[sheet.ws.title] = sheet.rows
    return summary


def _notes(store: Store, region: str | None, final_only: bool, stats: Stats) -> list[list[Any]]:
    scope = region_label(region, store.regions) if region and len(region) == 6 else region
    return [
        ["户户清数据导出", None],
        ["生成时间", local_time(now_iso())],
        ["范围", scope or "全部"],
        ["表单版本", "每张表的最新定稿版本" if final_only else "每张表的最新版本（含草稿）"],
        ["表单定义版本", store.survey.version],
        ["统计表", "与软件“统计看板”的数字相同；期间类指标（走访、措施等）按统计期间计算"],
        ["户信息", "一户一行：档案编号、姓名、档案状态、居住地，以及各表的非表格字段"],
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

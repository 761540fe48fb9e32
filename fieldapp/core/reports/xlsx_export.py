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

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from fieldapp.core.forms.model import Field, Form
from fieldapp.core.reports.records import region_clause
from fieldapp.core.reports.stats import (
    REGION_TABLE,
    Figures,
    Stats,
    city_of,
    compute_stats,
    region_label,
    summary_lines,
)
from fieldapp.core.store.records import now_iso
from fieldapp.core.store.store import Store
from fieldapp.core.values.glyphs import code_name
from fieldapp.core.values.money import fen_to_yuan
from fieldapp.core.values.regions import RegionTable

MONEY_FORMAT = "0.00"
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.00%"
SUMMARY_FORMS = ("A", "B", "C", "D", "E", "LQ", "BZ")
SKIP_TYPES = frozenset({"note"})
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TITLE_FONT = Font(bold=True, size=16)
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)

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
STATS_SHEET = "统计表"


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
    """A write-only sheet with typed columns (money and date cells get their number formats)."""

    def __init__(self, ws: WriteOnlyWorksheet, columns: Sequence[Column]) -> None:
        self.ws = ws
        self.columns = list(columns)
        self.rows = 0
        for i, column in enumerate(self.columns, 1):
            ws.column_dimensions[get_column_letter(i)].width = column.width
        ws.freeze_panes = "A2"
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


def cell_text(text: str) -> str:
    """Text a worksheet can hold: control characters Excel refuses are shown as [U+0007] (never
    dropped, and never the traceback openpyxl would raise)."""
    shown: str = ILLEGAL_CHARACTERS_RE.sub(lambda m: f"[{code_name(m.group())}]", text)
    return shown


def _form_fields(form: Form) -> list[Field]:
    return [f for f in form.fields if f.type not in SKIP_TYPES and f.type != "repeat"]


def _household_columns(store: Store) -> tuple[list[Column], list[tuple[str, Field]]]:
    columns = [
        Column("户ID", 38),
        Column("档案状态", 8),
        Column("州市代码", 9),
        Column("州市", 14),
        Column("区县代码", 9),
        Column("区县", 14),
        Column("已定稿表", 14),
    ]
    fields: list[tuple[str, Field]] = []
    seen = {c.header for c in columns}
    for form_id in SUMMARY_FORMS:
        form = store.survey.forms.get(form_id)
        if form is None:
            continue
        for f in _form_fields(form):
            header = f.label if f.label not in seen else f"{f.label}（{form.title}）"
            seen.add(header)
            columns.append(Column(header, _width(f), _kind(f)))
            fields.append((form_id, f))
    return columns, fields


KEY_COLUMNS = [
    Column("户ID", 38),
    Column("档案编号", 24),
    Column("职工姓名", 10),
    Column("区县", 14),
]


def _repeat_columns(repeat: Field) -> list[Column]:
    columns = [*KEY_COLUMNS, Column("序号", 6, "int")]
    seen = {c.header for c in columns}
    for child in repeat.fields:
        if child.type in SKIP_TYPES:
            continue
        header = child.label if child.label not in seen else f"{child.label}（行）"
        seen.add(header)
        columns.append(Column(header, _width(child), _kind(child)))
    return columns


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
) -> ExportSummary:
    """Write the workbook; returns how many rows each sheet got."""
    path = Path(path)
    if stats is None:
        stats = compute_stats(
            store,
            by="region",
            region=region,
            final_only=final_only,
            date_from=date_from,
            date_to=date_to,
        )
    renderer = _Renderer(store.regions)
    wb = Workbook(write_only=True)
    write_stats_sheet(wb.create_sheet(STATS_SHEET), stats, store)

    columns, household_fields = _household_columns(store)
    households = _Sheet(wb.create_sheet(HOUSEHOLD_SHEET), columns)
    repeats: dict[tuple[str, str], tuple[Field, _Sheet]] = {}
    for (form_id, name), title in REPEAT_SHEETS.items():
        form = store.survey.forms.get(form_id)
        repeat = form.field(name) if form is not None else None
        if repeat is None or repeat.type != "repeat":
            continue
        repeats[(form_id, name)] = (repeat, _Sheet(wb.create_sheet(title), _repeat_columns(repeat)))

    regions = store.regions
    count = 0
    for index, forms, states in _iter_households(store, region, final_only):
        code = index["region_code"] or ""
        city = city_of(code, regions) if code else ""
        a = forms.get("A") or {}
        row: list[Any] = [
            index["id"],
            index["status"],
            city or None,
            region_label(city, regions) if city else None,
            code or None,
            region_label(code, regions) if code else None,
            "、".join(f for f in SUMMARY_FORMS if states.get(f) == "final") or None,
        ]
        for form_id, f in household_fields:
            row.append(renderer.value(f, (forms.get(form_id) or {}).get(f.name)))
        households.append(row)
        keys = [index["id"], a.get("archive_no"), a.get("name"), region_label(code, regions)]
        for (form_id, name), (repeat, sheet) in repeats.items():
            for i, item in enumerate((forms.get(form_id) or {}).get(name) or [], 1):
                cells = [*keys, i]
                for child in repeat.fields:
                    if child.type not in SKIP_TYPES:
                        cells.append(renderer.value(child, item.get(child.name)))
                sheet.append(cells)
        count += 1
        if progress is not None and count % 1000 == 0:
            progress(count)

    notes = wb.create_sheet("说明")
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 90
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
        ["生成时间", now_iso()],
        ["范围", scope or "全部"],
        ["表单版本", "每张表的最新定稿版本" if final_only else "每张表的最新版本（含草稿）"],
        ["表单定义版本", store.survey.version],
        ["统计表", "各项指标的定义见 docs/statistics.md（“统计口径”）；期间类指标按统计期间计算"],
        ["户信息", "一户一行：档案状态、居住地，以及各表的非表格字段（标签取自表单）"],
        ["其他各表", "表格字段一行一条记录，前四列（户ID、档案编号、职工姓名、区县）用于对应到户"],
        ["金额", "以元为单位的数字（保留两位小数）"],
        ["统计期间", f"{stats.date_from or '不限'} 至 {stats.date_to or '不限'}"],
    ]


# -- the statistics sheet -------------------------------------------------------------------------


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
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 14
    for i in range(3, width + 1):
        ws.column_dimensions[get_column_letter(i)].width = 11
    scope = stats.region_label or stats.region or "全部"
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
    ws.append([f"生成时间：{stats.generated_at}    口径：docs/statistics.md"])
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
        by_title = {"region": "州市 / 区县", "unit": "工作单位", "staff": "帮扶责任人"}.get(
            stats.by or "", "分组"
        )
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


def _figure_row(
    ws: WriteOnlyWorksheet, label: str, code: str, figures: Figures, *, bold: bool = False
) -> list[WriteOnlyCell]:
    formats = {"int": "0", "percent": PERCENT_FORMAT}
    fill = HEADER_FILL if bold else None
    return [_styled(ws, label, bold=bold, fill=fill), _styled(ws, code or None, fill=fill)] + [
        _styled(ws, get(figures), bold=bold, fmt=formats[kind], fill=fill)
        for _, kind, get in REGION_TABLE
    ]

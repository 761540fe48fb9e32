"""Third-party checks from a file the firm sent: an Excel workbook (the template) or JSON.

Why: a firm reports hundreds of sampled households at once, as a spreadsheet; typing them one by
one is how mistakes happen. The file is untrusted: the workbook is read through ``xlsx_reading``
(bounded, a damaged file refused with a message), JSON through ``parse_json`` (bounded), and
every cell of the wrong type becomes a problem of its row, never an exception. The rows then go
through ``check_entries.save_batch`` like a ``check add``: the whole file or nothing.

Workbook: sheet 核查结果 (one sampled household per row) and, optional, sheet 漏评人员; the
headers are ``CHECK_COLUMNS`` / ``MISSED_COLUMNS``. JSON: ``{"checks": [...], "missed": [...]}``
with the keys of ``JSON_CHECK_KEYS`` / ``JSON_MISSED_KEYS`` (docs/statistics.md §14).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from fieldapp.core.reports.xlsx_reading import SheetSpec, TemplateError, read_sheets
from fieldapp.core.store.check_entries import (
    CHECK_SHEET,
    MISSED_SHEET,
    BatchResult,
    CheckEntry,
    ChecksRefused,
    EntryProblem,
    MissedEntry,
    save_batch,
)
from fieldapp.core.store.check_scale import check_scale
from fieldapp.core.store.checks import FINDINGS
from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.records import STATUSES
from fieldapp.core.store.store import Store
from fieldapp.core.values.documents import parse_json
from fieldapp.core.values.limits import JSON_MAX_BYTES, XLSX_MAX_CHECK_ROWS

CHECK_COLUMNS = (
    "核查编号",
    "核查户（档案编号或身份证号）",
    "核查人",
    "核查日期",
    "发现问题",
    "帮扶方式是否精准",
    "满意度",
    "核查时档案状态",
    "备注",
)
MISSED_COLUMNS = (
    "核查编号",
    "姓名",
    "身份证号",
    "区县代码",
    "漏评原因",
    "应建档标准",
    "核查人",
    "核查日期",
    "所在核查户（档案编号或身份证号）",
    "备注",
)
CHECK_REQUIRED = CHECK_COLUMNS[1:5]
MISSED_REQUIRED = ("姓名", "区县代码", "漏评原因", "核查人", "核查日期")
JSON_CHECK_KEYS = (
    "record_id",
    "household",
    "checker",
    "date",
    "findings",
    "precise",
    "satisfaction",
    "status",
    "note",
)
JSON_MISSED_KEYS = (
    "record_id",
    "name",
    "id_number",
    "region",
    "reason",
    "standard",
    "checker",
    "date",
    "household",
    "note",
)
NONE_WORDS = frozenset({"", "无", "没有", "未发现", "-", "—"})
SEPARATORS = re.compile(r"[、,，;；/\s]+")


def _cell(value: Any) -> str:
    """A cell as text: whole numbers without ".0", dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def findings_of(text: str) -> tuple[str, ...]:
    """发现问题 as written: "错评、漏退", "无" or blank for none."""
    if text.strip() in NONE_WORDS:
        return ()
    return tuple(part for part in SEPARATORS.split(text.strip()) if part)


def _check_entry(cells: Mapping[str, str], row: int) -> CheckEntry:
    return CheckEntry(
        household=cells.get("household", ""),
        checker=cells.get("checker", ""),
        check_date=cells.get("date", ""),
        findings=findings_of(cells.get("findings", "")),
        precise=cells.get("precise") or None,
        satisfaction=cells.get("satisfaction") or None,
        status=cells.get("status") or None,
        note=cells.get("note", ""),
        record_id=cells.get("record_id") or None,
        row=row,
    )


def _missed_entry(cells: Mapping[str, str], row: int) -> MissedEntry:
    return MissedEntry(
        name=cells.get("name", ""),
        region=cells.get("region", ""),
        reason=cells.get("reason", ""),
        checker=cells.get("checker", ""),
        check_date=cells.get("date", ""),
        id_number=cells.get("id_number", ""),
        standard=cells.get("standard") or None,
        household=cells.get("household") or None,
        note=cells.get("note", ""),
        record_id=cells.get("record_id") or None,
        row=row,
    )


def read_workbook(path: Path) -> tuple[list[CheckEntry], list[MissedEntry]]:
    """The entries of the two sheets (TemplateError when the file cannot be read)."""
    sheets = read_sheets(
        path,
        [
            SheetSpec(CHECK_SHEET, CHECK_REQUIRED, XLSX_MAX_CHECK_ROWS),
            SheetSpec(MISSED_SHEET, MISSED_REQUIRED, XLSX_MAX_CHECK_ROWS, optional=True),
        ],
    )
    checks = [
        _check_entry(
            {k: _cell(r.cells.get(h)) for k, h in zip(JSON_CHECK_KEYS, CHECK_COLUMNS, strict=True)},
            r.number,
        )
        for r in sheets[CHECK_SHEET]
    ]
    missed = [
        _missed_entry(
            {
                k: _cell(r.cells.get(h))
                for k, h in zip(JSON_MISSED_KEYS, MISSED_COLUMNS, strict=True)
            },
            r.number,
        )
        for r in sheets.get(MISSED_SHEET, [])
    ]
    return checks, missed


def _json_items(
    doc: Mapping[str, Any],
    key: str,
    sheet: str,
    keys: tuple[str, ...],
    problems: list[EntryProblem],
) -> list[tuple[int, dict[str, str]]]:
    items = doc.get(key, [])
    if not isinstance(items, list):
        problems.append(EntryProblem(sheet, None, key, "应为列表 [{…}, …]"))
        return []
    out = []
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(EntryProblem(sheet, n, "-", "应为对象 {…}"))
            continue
        unknown = sorted(str(k) for k in item if k not in keys)
        if unknown:
            problems.append(EntryProblem(sheet, n, "、".join(unknown)[:200], "不认识的键"))
        cells: dict[str, str] = {}
        for name in keys:
            value = item.get(name)
            if name == "findings" and isinstance(value, list):
                if all(isinstance(v, str) for v in value):
                    cells[name] = "、".join(value)
                    continue
            elif value is None or isinstance(value, str):
                cells[name] = (value or "").strip()
                continue
            shown = "文字列表" if name == "findings" else "文字或 null"
            problems.append(EntryProblem(sheet, n, name, f"应为{shown}"))
        out.append((n, cells))
    return out


def read_json_document(data: bytes, name: str) -> tuple[list[CheckEntry], list[MissedEntry]]:
    """The entries of a JSON file; StoreError for anything that is not such a document."""
    try:
        doc = parse_json(data, name, max_bytes=JSON_MAX_BYTES)
    except ValueError as exc:
        raise StoreError(str(exc)) from None
    if not isinstance(doc, dict) or not set(doc) <= {"checks", "missed"}:
        raise StoreError(
            f'{name} 应为 {{"checks": [...], "missed": [...]}}（见 docs/statistics.md）'
        )
    problems: list[EntryProblem] = []
    checks = [
        _check_entry(cells, n)
        for n, cells in _json_items(doc, "checks", CHECK_SHEET, JSON_CHECK_KEYS, problems)
    ]
    missed = [
        _missed_entry(cells, n)
        for n, cells in _json_items(doc, "missed", MISSED_SHEET, JSON_MISSED_KEYS, problems)
    ]
    if problems:
        raise ChecksRefused(problems)
    return checks, missed


def read_check_file(path: Path) -> tuple[list[CheckEntry], list[MissedEntry]]:
    """A .xlsx workbook or a .json document (by its name)."""
    if path.suffix.lower() == ".json":
        try:
            with path.open("rb") as handle:
                data = handle.read(JSON_MAX_BYTES + 1)
        except OSError as exc:
            raise StoreError(f"无法读取 {path.name}：{exc.strerror or exc}") from None
        return read_json_document(data, path.name)
    if path.suffix.lower() != ".xlsx":
        raise StoreError(f"{path.name}：只能导入 .xlsx 或 .json 文件")
    try:
        return read_workbook(path)
    except OSError as exc:
        raise TemplateError(f"无法读取 {path.name}：{exc.strerror or exc}") from None


def import_checks(
    store: Store, path: Path | str, *, author: str, dry_run: bool = False, today: date | None = None
) -> BatchResult:
    """Read the file and save its entries as one batch (``ChecksRefused``: nothing written)."""
    path = Path(path)
    checks, missed = read_check_file(path)
    return save_batch(
        store, checks, missed, author=author, source=path.name, dry_run=dry_run, today=today
    )


def write_check_template(path: Path | str) -> Path:
    """A blank workbook: the two sheets with their headers, dropdowns and a 说明 sheet."""
    path, scale = Path(path), check_scale()
    wb = Workbook()
    ws = wb.active
    ws.title = CHECK_SHEET
    ws.append(list(CHECK_COLUMNS))
    for column, values in (
        ("F", scale.precise_answers),
        ("G", scale.satisfaction_answers),
        ("H", STATUSES),
    ):
        rule = DataValidation(type="list", formula1=f'"{",".join(values)}"', allow_blank=True)
        rule.add(f"{column}2:{column}{XLSX_MAX_CHECK_ROWS + 1}")
        ws.add_data_validation(rule)
    missed = wb.create_sheet(MISSED_SHEET)
    missed.append(list(MISSED_COLUMNS))
    for sheet, widths in ((ws, (12, 26, 10, 12, 16, 16, 10, 14, 30)), (missed, (12,) * 10)):
        for i, width in enumerate(widths):
            sheet.column_dimensions[chr(ord("A") + i)].width = width
    notes = wb.create_sheet("说明")
    for line in (
        "核查结果：一行一个抽查户。核查户填档案编号或身份证号；核查日期 YYYY-MM-DD。",
        f"发现问题：{'、'.join(FINDINGS)} 中的一个或几个，用顿号分开；没有问题的填“无”或不填。",
        "错评、漏退只适用于核查日在档的户；错退只适用于核查日已脱困或已解困的户。",
        "核查时档案状态：不填的，按系统记录的档案状态变更推算核查日的状态。",
        f"帮扶方式是否精准：{'、'.join(scale.precise_answers)}；满意度："
        f"{'、'.join(scale.satisfaction_answers)}（口径见 resources/checks.yaml）。",
        "漏评人员：一行一个应建档而未建档的人，姓名、区县代码（6位）、漏评原因必填；身份证号若填须正确。",
        "核查中发现漏评的户，“发现问题”写漏评，并在漏评人员的“所在核查户”填这一户。",
        "核查编号：修改已导入的记录时填写（见 fieldapp check list），新记录不填。",
        "整个文件一起检查：有任何一行有问题则全部不导入；同一文件再导入一次不会重复。",
    ):
        notes.append([line])
    wb.save(path)
    return path

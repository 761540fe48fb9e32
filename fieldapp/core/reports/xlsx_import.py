"""Bringing in the existing archive: households from the national system's spreadsheets.

The template (``write_template``) has a sheet of households (one row each: the fields of Form A,
headers = the form's labels), a sheet of family members (one row per member, tied to the
household by the worker's 身份证号) and a sheet of notes on every column. ``import_archive`` reads
a filled-in copy, validates every household with the form engine (exactly as the GUI would),
imports the households without errors in one transaction, and reports every problem as
(sheet, row, column, message). Households already on file, matched by 身份证号 and else by
档案编号, are updated instead of duplicated: importing the same sheet twice adds nothing.
"""

from __future__ import annotations

import csv
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from fieldapp.core.forms.engine import Problem
from fieldapp.core.forms.model import Field, Form
from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.records import STATUSES, BulkHousehold, now_iso
from fieldapp.core.store.store import Store

HOUSEHOLD_SHEET = "户信息"
MEMBER_SHEET = "家庭成员"
NOTES_SHEET = "填表说明"
MARK_HEADER = "说明"
EXAMPLE_MARK = "示例"
STATUS_HEADER = "档案状态"
LINK_HEADER = "职工身份证号"
SKIP_TYPES = frozenset({"repeat", "signature", "attachment", "note"})
TEXT_TYPES = frozenset({"text", "id_number", "phone", "region"})
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
EXAMPLE_FILL = PatternFill("solid", fgColor="EDEDED")

EXAMPLE_HOUSEHOLD: dict[str, Any] = {
    "archive_no": "YN-530102-2020-000001",
    "worker_no": "53010220000001",
    "category": "深度困难",
    "standard": "全国级",
    "name": "张建国",
    "gender": "男",
    "ethnicity": "汉族",
    "political": "群众",
    "id_number": "530102198001010015",
    "birth_date": "1980-01-01",
    "health": "良好",
    "work_status": "下(待)岗",
    "marital_status": "已婚",
    "phone": "13800138000",
    "medical_insurance": "职工医保",
    "serious_illness_insurance": "是",
    "pension_insurance": "未参保",
    "housing_type": "租房",
    "housing_safe": "安全",
    "floor_area": 45,
    "address": "昆明市五华区红云街道某社区3栋2单元401室",
    "residence_region": "530102",
    "hukou_type": "非农业",
    "hukou_region": "530102",
    "employer": "昆明某机械厂",
    "employer_nature": "国有企业",
    "enterprise_status": "关闭破产",
    "main_cause": "下岗失业",
    "created_by": "李干事",
}
EXAMPLE_MEMBER: dict[str, Any] = {
    "name": "王秀英",
    "relation": "配偶",
    "id_number": "53040219751231002X",
    "gender": "女",
    "birth_date": "1975-12-31",
    "health": "尿毒症/终末期肾病",
    "identity": "失(无)业",
    "monthly_income": "0",
    "medical_insurance": "城乡居民医保",
    "cohabiting": "是",
}


@dataclass(frozen=True)
class ImportProblem:
    sheet: str
    row: int
    column: str
    message: str
    severity: str = "错误"
    """错误 (the household is not imported) or 提醒 (imported anyway)."""


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    examples_skipped: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    household_ids: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def errors(self) -> list[ImportProblem]:
        return [p for p in self.problems if p.severity == "错误"]


def _columns(form: Form) -> list[Field]:
    """The fields a person fills in (not calculated, not kept by the program: ``readonly``)."""
    return [
        f
        for f in form.fields
        if f.type not in SKIP_TYPES and not f.is_calculated and not f.readonly
    ]


def household_fields(form: Form) -> list[Field]:
    return _columns(form)


def member_fields(form: Form) -> list[Field]:
    members = form.field("members")
    if members is None:
        return []
    return [f for f in members.fields if f.type not in SKIP_TYPES and not f.is_calculated]


def _format_hint(f: Field) -> str:
    kind = {
        "text": "文字",
        "integer": "整数",
        "money": "金额（元，可带两位小数）",
        "date": "日期，如 2024-03-05",
        "month": "月份，如 2024-03",
        "select_one": "从可选项中选一项",
        "select_multiple": "可选多项，用顿号“、”分隔",
        "id_number": "18位身份证号（请设为文本格式）",
        "phone": "11位手机号或带区号的座机",
        "region": "6位行政区划代码，如 530102（也可写“云南省 昆明市 五华区”）",
    }.get(f.type, f.type)
    return kind


# -- the template ---------------------------------------------------------------------------------


def write_template(path: Path | str, form: Form) -> Path:
    """The blank template: headers from Form A, one example row per sheet, notes on each column."""
    path = Path(path)
    wb = Workbook(write_only=True)
    for title, fields, example, first in (
        (HOUSEHOLD_SHEET, household_fields(form), EXAMPLE_HOUSEHOLD, STATUS_HEADER),
        (MEMBER_SHEET, member_fields(form), EXAMPLE_MEMBER, LINK_HEADER),
    ):
        ws = wb.create_sheet(title)
        ws.freeze_panes = "C2"
        headers = [MARK_HEADER, first, *(f.label for f in fields)]
        for i, header in enumerate(headers, 1):
            ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(header) * 2 + 4))
        row = []
        required = {f.label for f in fields if f.required is True}
        if first == LINK_HEADER:
            required.add(LINK_HEADER)
        for header in headers:
            cell = WriteOnlyCell(ws, value=header)
            cell.font = Font(bold=True)
            cell.fill = REQUIRED_FILL if header in required else HEADER_FILL
            cell.alignment = Alignment(horizontal="center", wrap_text=True)
            row.append(cell)
        ws.append(row)
        values: list[Any] = [
            f"{EXAMPLE_MARK}（导入时跳过）",
            "在档" if first == STATUS_HEADER else EXAMPLE_HOUSEHOLD["id_number"],
        ]
        for f in fields:
            value = example.get(f.name)
            if isinstance(value, str) and f.type == "select_one":
                value = f.option_label(value)
            values.append(value)
        cells = []
        for value in values:
            cell = WriteOnlyCell(ws, value=value)
            cell.fill = EXAMPLE_FILL
            cell.number_format = "@"
            cells.append(cell)
        ws.append(cells)

    notes = wb.create_sheet(NOTES_SHEET)
    for letter, width in zip("ABCDE", (12, 22, 8, 36, 80), strict=True):
        notes.column_dimensions[letter].width = width
    notes.append(["户户清 档案导入模板 填表说明"])
    notes.append(
        [
            "每户在“户信息”填一行；家庭成员在“家庭成员”一人一行，用“职工身份证号”对应到户。"
            "第一列“说明”写“示例”的行导入时跳过。表头浅橙色的列必填。"
            "已在系统中的户（身份证号或档案编号相同）导入时更新，不会重复建档。"
        ]
    )
    notes.append([])
    notes.append(["工作表", "列名", "必填", "填写格式", "可选项 / 说明"])
    notes.append(
        [
            HOUSEHOLD_SHEET,
            STATUS_HEADER,
            "否",
            "从可选项中选一项",
            "、".join(STATUSES) + "；不填为在档",
        ]
    )
    for f in household_fields(form):
        notes.append(_note_row(HOUSEHOLD_SHEET, f))
    notes.append(
        [MEMBER_SHEET, LINK_HEADER, "是", "18位身份证号", "该成员所在户的职工本人身份证号"]
    )
    for f in member_fields(form):
        notes.append(_note_row(MEMBER_SHEET, f))
    wb.save(path)
    return path


def _note_row(sheet: str, f: Field) -> list[Any]:
    required = "是" if f.required is True else ("视情况" if f.required else "否")
    detail = "、".join(o.label for o in f.options) if f.options else ""
    if f.relevant:
        detail = (detail + "；" if detail else "") + f"仅在满足条件时填写（{f.relevant}）"
    if f.hint:
        detail = (detail + "；" if detail else "") + f.hint
    return [sheet, f.label, required, _format_hint(f), detail]


# -- reading ---------------------------------------------------------------------------------------


class TemplateError(StoreError):
    """The workbook is not the template (missing sheet or columns)."""


def _cell_value(f: Field, value: Any) -> tuple[Any, str | None]:
    """An Excel cell's value in the shape the form engine accepts, or a message why not."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, datetime):
        value = value.date()
    if f.type == "date":
        return (value.isoformat() if isinstance(value, date) else str(value).strip()), None
    if f.type == "month":
        if isinstance(value, date):
            return f"{value.year:04d}-{value.month:02d}", None
        return str(value).strip(), None
    if f.type == "money":
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return format(Decimal(str(value)).normalize(), "f"), None
        return str(value).strip(), None
    if f.type == "integer":
        if isinstance(value, float) and value.is_integer():
            return int(value), None
        return value, None
    if f.type == "id_number" and isinstance(value, int | float) and not isinstance(value, bool):
        text = str(int(value)) if float(value).is_integer() else str(value)
        if isinstance(value, float) or len(text) > 15:
            return text, "身份证号被 Excel 存成了数字，末几位可能已丢失；请把该列设为文本格式后重填"
        return text, None
    if f.type in TEXT_TYPES or f.type.startswith("select"):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip(), None
    return value, None


@dataclass
class _Row:
    sheet: str
    number: int
    cells: dict[str, Any]


def _read_sheet(wb: Any, title: str, required: Sequence[str]) -> tuple[list[str], list[_Row]]:
    if title not in wb.sheetnames:
        raise TemplateError(
            f"工作簿中没有“{title}”工作表，请使用 `fieldapp archive template` 生成的模板"
        )
    ws = wb[title]
    rows = ws.iter_rows(values_only=True)
    try:
        header = [str(h).strip() if h is not None else "" for h in next(rows)]
    except StopIteration:
        raise TemplateError(f"“{title}”工作表是空的") from None
    missing = [h for h in required if h not in header]
    if missing:
        raise TemplateError(f"“{title}”工作表缺少列：{'、'.join(missing)}")
    out = []
    for number, values in enumerate(rows, start=2):
        cells = {h: v for h, v in zip(header, values, strict=False) if h}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells.values()):
            continue
        out.append(_Row(title, number, cells))
    return header, out


@dataclass
class _Candidate:
    row: _Row
    values: dict[str, Any]
    members: list[tuple[_Row, dict[str, Any]]]
    status: str
    problems: list[ImportProblem]


def _region_code(text: Any, store: Store) -> Any:
    """Accept a code, or a region's full name / unique name, for region fields."""
    if not isinstance(text, str) or re.fullmatch(r"\d{6}", text.strip()):
        return text
    name = text.strip()
    parts = name.split()
    matches = [r for r in store.regions.search(parts[-1]) if r.name == parts[-1]] if parts else []
    if len(parts) > 1:
        matches = [r for r in matches if store.regions.full_name(r.code) == " ".join(parts)]
    return matches[0].code if len(matches) == 1 else text


def _convert(
    fields: Iterable[Field], row: _Row, store: Store, problems: list[ImportProblem]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in fields:
        value, message = _cell_value(f, row.cells.get(f.label))
        if message:
            problems.append(ImportProblem(row.sheet, row.number, f.label, message))
        if f.type == "region":
            value = _region_code(value, store)
        if value is not None:
            values[f.name] = value
    return values


_MEMBER_PATH = re.compile(r"^members\[(\d+)\]\.(\w+)$")


def _problem_location(problem: Problem, candidate: _Candidate, form: Form) -> tuple[str, int, str]:
    match = _MEMBER_PATH.match(problem.path)
    if match:
        index = int(match[1]) - 1
        if 0 <= index < len(candidate.members):
            row = candidate.members[index][0]
            return row.sheet, row.number, problem.label
    if problem.path.startswith("members"):
        return candidate.row.sheet, candidate.row.number, "家庭成员"
    return candidate.row.sheet, candidate.row.number, problem.label


def _existing(store: Store, id_number: Any, archive_no: Any) -> str | None:
    for column, value in (("id_number", id_number), ("archive_no", archive_no)):
        if not isinstance(value, str) or not value.strip():
            continue
        rows = store.db.execute(
            f"select id from households where {column} = ? limit 2", [value.strip()]
        ).fetchall()
        if len(rows) == 1:
            return str(rows[0][0])
    return None


def import_archive(
    store: Store,
    path: Path | str,
    *,
    author: str,
    today: date | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Validate every row; import the households without errors in one transaction."""
    form = store.survey.form("A")
    hfields, mfields = household_fields(form), member_fields(form)
    id_label = next((f.label for f in hfields if f.name == "id_number"), "身份证号")
    try:
        wb = load_workbook(Path(path), read_only=True, data_only=True)
    except (OSError, ValueError, KeyError) as exc:
        raise TemplateError(f"无法读取 Excel 文件 {path}：{exc}") from None
    except Exception as exc:  # zipfile.BadZipFile and friends: not an xlsx file
        raise TemplateError(f"{path} 不是有效的 Excel (.xlsx) 文件：{exc}") from None
    try:
        _, household_rows = _read_sheet(wb, HOUSEHOLD_SHEET, [id_label])
        member_rows: list[_Row] = []
        if MEMBER_SHEET in wb.sheetnames:
            _, member_rows = _read_sheet(wb, MEMBER_SHEET, [LINK_HEADER])
    finally:
        wb.close()

    result = ImportResult(dry_run=dry_run)
    members_of: dict[str, list[tuple[_Row, dict[str, Any]]]] = {}
    member_problems: dict[str, list[ImportProblem]] = {}
    for row in member_rows:
        if str(row.cells.get(MARK_HEADER) or "").startswith(EXAMPLE_MARK):
            result.examples_skipped += 1
            continue
        link = str(row.cells.get(LINK_HEADER) or "").strip().upper()
        problems: list[ImportProblem] = []
        values = _convert(mfields, row, store, problems)
        if not link:
            result.problems.append(
                ImportProblem(
                    row.sheet, row.number, LINK_HEADER, "未填写职工身份证号，无法对应到户"
                )
            )
            continue
        members_of.setdefault(link, []).append((row, values))
        member_problems.setdefault(link, []).extend(problems)

    engine = store.engine(today)
    candidates: list[_Candidate] = []
    seen: dict[str, int] = {}
    for row in household_rows:
        if str(row.cells.get(MARK_HEADER) or "").startswith(EXAMPLE_MARK):
            result.examples_skipped += 1
            continue
        problems = []
        values = _convert(hfields, row, store, problems)
        id_number = str(values.get("id_number") or "").strip().upper()
        status = str(row.cells.get(STATUS_HEADER) or "在档").strip() or "在档"
        if status not in STATUSES:
            problems.append(
                ImportProblem(
                    row.sheet, row.number, STATUS_HEADER, f"档案状态只能是：{'、'.join(STATUSES)}"
                )
            )
        if id_number and id_number in seen:
            problems.append(
                ImportProblem(
                    row.sheet,
                    row.number,
                    id_label,
                    f"身份证号与第 {seen[id_number]} 行重复，同一户只能填一行",
                )
            )
        elif id_number:
            seen[id_number] = row.number
        members = members_of.pop(id_number, []) if id_number else []
        problems += member_problems.pop(id_number, []) if id_number else []
        values["members"] = [m for _, m in members]
        candidates.append(_Candidate(row, values, members, status, problems))
    for link, rows in members_of.items():
        for row, _ in rows:
            result.problems.append(
                ImportProblem(
                    row.sheet, row.number, LINK_HEADER, f"“户信息”中没有身份证号为 {link} 的户"
                )
            )

    new: list[BulkHousehold] = []
    updates: list[tuple[str, dict[str, Any]]] = []
    now = now_iso()
    for done, candidate in enumerate(candidates, 1):
        existing = _existing(
            store, candidate.values.get("id_number"), candidate.values.get("archive_no")
        )
        household: dict[str, dict[str, Any]] = {}
        if existing is not None:
            household = dict(store.current(existing))
        household["A"] = candidate.values
        checked = engine.validate(household, "A")
        for problem in checked.problems:
            sheet, number, column = _problem_location(problem, candidate, form)
            candidate.problems.append(
                ImportProblem(
                    sheet, number, column, problem.message, "错误" if problem.blocking else "提醒"
                )
            )
        result.problems.extend(candidate.problems)
        if any(p.severity == "错误" for p in candidate.problems):
            result.rejected += 1
            continue
        if existing is not None:
            updates.append((existing, candidate.values))
        else:
            hid = str(uuid.uuid4())
            new.append(
                BulkHousehold(
                    id=hid,
                    forms={"A": checked.values},
                    states={"A": "final"},
                    created_at=now,
                    status=candidate.status,
                    status_reason=f"从 {Path(path).name} 导入",
                )
            )
            result.household_ids.append(hid)
        if progress is not None and done % 1000 == 0:
            progress(done)
    result.problems.sort(key=lambda p: (p.sheet != HOUSEHOLD_SHEET, p.sheet, p.row))
    if dry_run:
        result.created = len(new)
        result.updated = len(updates)
        return result
    with store.db.atomic():
        result.created = store.bulk_insert_households(new, author=author)
        for hid, values in updates:
            saved = store.save_form(hid, "A", values, author=author, final=True, today=today)
            if saved.created:
                result.updated += 1
            else:
                result.unchanged += 1
            result.household_ids.append(hid)
        store.audit(
            author,
            "import_xlsx",
            detail={
                "file": Path(path).name,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "rejected": result.rejected,
            },
        )
    return result


# -- the error report -----------------------------------------------------------------------------

REPORT_HEADERS = ("工作表", "行号", "列", "问题", "严重程度")


def write_report(path: Path | str, problems: Sequence[ImportProblem], result: ImportResult) -> Path:
    """Row-by-row problems as .xlsx (or .csv when the name ends in .csv)."""
    path = Path(path)
    rows: list[tuple[Any, ...]] = [
        (p.sheet, p.row, p.column, p.message, p.severity) for p in problems
    ]
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(REPORT_HEADERS)
            writer.writerows(rows)
        return path
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("导入问题")
    for letter, width in zip("ABCDE", (10, 8, 16, 70, 10), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    ws.append([_bold(ws, h) for h in REPORT_HEADERS])
    for row in rows:
        ws.append(list(row))
    summary = wb.create_sheet("汇总")
    for line in summary_lines(result):
        summary.append(list(line))
    wb.save(path)
    return path


def _bold(ws: Any, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    cell.font = Font(bold=True)
    cell.fill = HEADER_FILL
    return cell


def summary_lines(result: ImportResult) -> list[tuple[str, int]]:
    return [
        ("新建户数", result.created),
        ("更新户数", result.updated),
        ("未变化户数", result.unchanged),
        ("因错误未导入户数", result.rejected),
        ("跳过的示例行", result.examples_skipped),
        ("错误条数", len(result.errors)),
        ("提醒条数", len(result.problems) - len(result.errors)),
    ]


def problems_by_row(problems: Iterable[ImportProblem]) -> Mapping[tuple[str, int], list[str]]:
    out: dict[tuple[str, int], list[str]] = {}
    for p in problems:
        out.setdefault((p.sheet, p.row), []).append(f"{p.column}：{p.message}")
    return out

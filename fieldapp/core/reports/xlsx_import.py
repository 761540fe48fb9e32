"""Bringing in the existing archive: households from the national system's spreadsheets.

The template is ``xlsx_template``'s (a sheet of households with Form A's fields, a sheet of family
members tied to the household by the worker's 身份证号, notes on every column); the export's
户信息 and 家庭成员 sheets are read the same way. ``import_archive`` reads a filled-in copy, validates every household with the form engine (exactly as the GUI would),
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

from fieldapp.core.forms.engine import Problem
from fieldapp.core.forms.model import Field, Form
from fieldapp.core.reports.facts_cache import refresh_after_import
from fieldapp.core.reports.xlsx_reading import SheetRow, SheetSpec, read_sheets
from fieldapp.core.reports.xlsx_rows import ID_COLUMN
from fieldapp.core.reports.xlsx_sheets import Styles, new_workbook, write_value
from fieldapp.core.reports.xlsx_template import (
    EXAMPLE_MARK,
    HOUSEHOLD_SHEET,
    LINK_HEADER,
    MARK_HEADER,
    MEMBER_SHEET,
    STATUS_HEADER,
    household_fields,
    member_fields,
)
from fieldapp.core.store.errors import CancelCheck, stop_if_cancelled
from fieldapp.core.store.records import STATUSES, BulkHousehold, now_iso
from fieldapp.core.store.store import Store
from fieldapp.core.values.limits import XLSX_MAX_HOUSEHOLD_ROWS, XLSX_MAX_MEMBER_ROWS

STOPPED = "已取消，数据库未作任何修改"
ID_HEADER = ID_COLUMN.header
"""The export's household id column: a re-imported export updates exactly its households."""
TEXT_TYPES = frozenset({"text", "id_number", "phone", "region"})


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
class _Candidate:
    row: SheetRow
    values: dict[str, Any]
    members: list[tuple[SheetRow, dict[str, Any]]]
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
    fields: Iterable[Field], row: SheetRow, store: Store, problems: list[ImportProblem]
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


def _existing(
    store: Store, id_number: Any, archive_no: Any, household_id: Any = None
) -> str | None:
    """The household a row updates: by the exported 户ID, else 身份证号, else 档案编号."""
    for column, value in (
        ("id", household_id),
        ("id_number", id_number),
        ("archive_no", archive_no),
    ):
        if not isinstance(value, str) or not value.strip():
            continue
        rows = store.db.execute(
            f"select id from households where {column} = ? limit 2", [value.strip()]
        ).fetchall()
        if len(rows) == 1:
            return str(rows[0][0])
    return None


def _new_id(exported: Any, taken: set[str]) -> str:
    """A new household keeps the 户ID an export gave it (so the same household has the same id in
    every database it is copied to), unless that is not a UUID or is used twice in the sheet."""
    try:
        hid = str(uuid.UUID(str(exported).strip()))
    except ValueError:
        hid = str(uuid.uuid4())
    if hid in taken:
        hid = str(uuid.uuid4())
    taken.add(hid)
    return hid


def import_archive(
    store: Store,
    path: Path | str,
    *,
    author: str,
    today: date | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    cancelled: CancelCheck | None = None,
) -> ImportResult:
    """Validate every row; import the households without errors in one transaction.

    ``cancelled()`` is polled for every household; ``Cancelled`` then leaves the database as it
    was (the transaction is rolled back).
    """
    form = store.survey.form("A")
    hfields, mfields = household_fields(form), member_fields(form)
    id_label = next((f.label for f in hfields if f.name == "id_number"), "身份证号")
    sheets = read_sheets(
        Path(path),
        [
            SheetSpec(HOUSEHOLD_SHEET, (id_label,), XLSX_MAX_HOUSEHOLD_ROWS),
            SheetSpec(MEMBER_SHEET, (LINK_HEADER,), XLSX_MAX_MEMBER_ROWS, optional=True),
        ],
    )
    household_rows = sheets[HOUSEHOLD_SHEET]
    member_rows = sheets.get(MEMBER_SHEET, [])
    header = list(household_rows[0].cells) if household_rows else [id_label]
    has_members = MEMBER_SHEET in sheets

    result = ImportResult(dry_run=dry_run)
    members_of: dict[str, list[tuple[SheetRow, dict[str, Any]]]] = {}
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

    covered = {f.name for f in hfields if f.label in header} | (
        {"members"} if has_members else set()
    )
    new: list[BulkHousehold] = []
    taken: set[str] = set()
    updates: list[tuple[str, dict[str, Any]]] = []
    now = now_iso()
    for done, candidate in enumerate(candidates, 1):
        stop_if_cancelled(cancelled, STOPPED)
        existing = _existing(
            store,
            candidate.values.get("id_number"),
            candidate.values.get("archive_no"),
            candidate.row.cells.get(ID_HEADER),
        )
        household: dict[str, dict[str, Any]] = {}
        if existing is not None:
            household = dict(store.current(existing))
            # What the sheet has no column for (signatures, attachments…) stays as it was.
            kept = {k: v for k, v in (household.get("A") or {}).items() if k not in covered}
            candidate.values = {**kept, **candidate.values}
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
            hid = _new_id(candidate.row.cells.get(ID_HEADER), taken)
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
        for hid, values in updates:
            if store.would_save(hid, "A", values, final=True, today=today):
                result.updated += 1
            else:
                result.unchanged += 1
        result.household_ids += [hid for hid, _ in updates]
        return result
    with store.db.atomic():
        result.created = store.bulk_insert_households(new, author=author)
        for hid, values in updates:
            stop_if_cancelled(cancelled, STOPPED)
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
    if result.created or result.updated:
        refresh_after_import(store, cancelled=cancelled)
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
    wb = new_workbook(path)
    styles = Styles(wb)
    ws = wb.add_worksheet("导入问题")
    for col, width in enumerate((10, 8, 16, 70, 10)):
        ws.set_column(col, col, width)
    ws.freeze_panes(1, 0)
    for col, header in enumerate(REPORT_HEADERS):
        write_value(ws, 0, col, header, styles, styles.header)
    for number, row in enumerate(rows, 1):
        for col, value in enumerate(row):
            write_value(ws, number, col, value, styles)
    summary = wb.add_worksheet("汇总")
    for number, line in enumerate(summary_lines(result)):
        for col, value in enumerate(line):
            write_value(summary, number, col, value, styles)
    wb.close()
    return path


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

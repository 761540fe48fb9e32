"""Local standards (低保, minimum wage) to and from Excel: a template, a list, an import.

Why: a county office receives its new 低保 standard or minimum wage as a government notice and
usually keeps the figures in a spreadsheet; typing every county into the command line is how
mistakes happen. One sheet, one row per county and effective date: 区县代码, 生效日期, 金额（元）,
依据 (the document). Every row is checked before anything is written; the good rows are added in
one transaction (a row equal to the newest entry for its county and day is skipped, so importing
the same file twice adds nothing), the others are listed with their row number. Any bytes that
are not a workbook give a clear ``StandardsFileError``, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from fieldapp.core.reports.xlsx_reading import cell_text
from fieldapp.core.reports.xlsx_sheets import Styles, new_workbook, write_value
from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.standards import standard_kind
from fieldapp.core.store.store import Store
from fieldapp.core.values.money import MoneyError, format_yuan, parse_yuan, yuan_to_fen

HEADERS = ("区县代码", "区县名称", "生效日期", "金额（元）", "依据")
REQUIRED = ("区县代码", "生效日期", "金额（元）", "依据")
MAX_ROWS = 5000


class StandardsFileError(StoreError):
    """The file cannot be read as a standards sheet (not a workbook, no header row …)."""


@dataclass(frozen=True)
class StandardRow:
    row: int
    county: str
    effective_from: str
    amount_fen: int
    source: str


@dataclass
class StandardsImport:
    kind: str
    rows: list[StandardRow] = field(default_factory=list)
    """Good rows (added, or already there)."""
    added: int = 0
    problems: list[tuple[int, str, str]] = field(default_factory=list)
    """(row number, column, message) of every refused row."""
    dry_run: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "good": len(self.rows),
            "added": self.added,
            "dry_run": self.dry_run,
            "problems": [{"row": r, "column": c, "message": m} for r, c, m in self.problems],
        }


def write_template(store: Store, kind: str, path: Path) -> None:
    """A sheet with the headers, the current entries of ``kind`` and a 说明 sheet."""
    spec = standard_kind(kind)
    wb = new_workbook(path)
    styles = Styles(wb)
    ws = wb.add_worksheet(spec.label)
    rows: list[list[Any]] = [list(HEADERS)]
    for row in store.standards(kind):
        code = str(row["county_code"])
        rows.append(
            [
                code,
                store.regions.full_name(code) if store.regions.get(code) else "",
                row["effective_from"],
                float(Decimal(format_yuan(int(row["amount_fen"])))),
                row["source"],
            ]
        )
    for number, values in enumerate(rows):
        for col, value in enumerate(values):
            write_value(ws, number, col, value, styles)
    for col, width in enumerate((12, 26, 12, 12, 40)):
        ws.set_column(col, col, width)
    notes = wb.add_worksheet("说明")
    for number, line in enumerate(
        (
            f"{spec.label}（{spec.unit}）：一行一个区县、一个生效日期。",
            "区县代码：6位行政区划代码（GB/T 2260），如 530102；填市、省的代码则适用于其下没有单独标准的区县。",
            "生效日期：YYYY-MM-DD。金额：元，可带两位小数。依据：文件号或来源，必填。",
            "区县名称只供核对，导入时不读。已有的记录不会被修改；与已有记录相同的行会跳过。",
        )
    ):
        write_value(notes, number, 0, line, styles)
    wb.close()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _day(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(_text(value)).isoformat()
    except ValueError:
        return None


def _fen(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            return yuan_to_fen(Decimal(str(value)))
        return parse_yuan(_text(value))
    except (MoneyError, ArithmeticError, ValueError):
        return None


def _rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except OSError as exc:
        raise StandardsFileError(f"无法读取 Excel 文件 {path}：{exc.strerror or exc}") from None
    except Exception as exc:  # zipfile.BadZipFile, KeyError, ValueError …: not an xlsx file
        raise StandardsFileError(f"{path.name} 不是有效的 Excel (.xlsx) 文件：{exc}") from None
    try:
        ws = wb.worksheets[0] if wb.worksheets else None
        if ws is None:
            raise StandardsFileError(f"{path.name} 中没有工作表")
        lines = ws.iter_rows(values_only=True)
        header = [_text(v) for v in next(lines, ())]
        missing = [h for h in REQUIRED if h not in header]
        if missing:
            raise StandardsFileError(
                f"{path.name} 第 1 行应为表头（{'、'.join(HEADERS)}），缺少：{'、'.join(missing)}"
            )
        out: list[tuple[int, dict[str, Any]]] = []
        for number, values in enumerate(lines, start=2):
            cells = {
                h: cell_text(v) if isinstance(v, str) else v
                for h, v in zip(header, values, strict=False)
            }
            if all(_text(v) == "" for v in cells.values()):
                continue
            if len(out) >= MAX_ROWS:
                raise StandardsFileError(f"{path.name} 超过 {MAX_ROWS} 行，请分开导入")
            out.append((number, cells))
        return out
    except StandardsFileError:
        raise
    except Exception as exc:  # a damaged sheet inside a valid zip
        raise StandardsFileError(f"{path.name} 无法读取：{exc}") from None
    finally:
        wb.close()


def import_standards(
    store: Store, kind: str, path: Path | str, *, author: str, dry_run: bool = False
) -> StandardsImport:
    """Check every row of the sheet; add the good ones (unless ``dry_run``)."""
    spec = standard_kind(kind)
    result = StandardsImport(kind=kind, dry_run=dry_run)
    for number, cells in _rows(Path(path)):
        county = _text(cells.get("区县代码"))
        since, fen = _day(cells.get("生效日期")), _fen(cells.get("金额（元）"))
        source = _text(cells.get("依据"))
        bad = []
        if not (len(county) == 6 and county.isdigit() and store.regions.get(county)):
            bad.append(("区县代码", f"“{county}”不是已知的6位行政区划代码"))
        if since is None:
            bad.append(("生效日期", f"“{_text(cells.get('生效日期'))}”应为 YYYY-MM-DD"))
        if fen is None or not 0 < fen < 10_000_000:
            bad.append(("金额（元）", f"“{_text(cells.get('金额（元）'))}”不是正数金额（元）"))
        if not source:
            bad.append(("依据", "请写明文件号或来源"))
        if bad:
            result.problems += [(number, column, message) for column, message in bad]
            continue
        assert since is not None and fen is not None
        result.rows.append(StandardRow(number, county, since, fen, source))
    if dry_run:
        return result
    with store.db.atomic():
        for row in result.rows:
            newest = store.db.execute(
                f"select amount_fen from {spec.table} where county_code = ? and "
                "effective_from = ? order by rowid desc limit 1",
                [row.county, row.effective_from],
            ).fetchone()
            if newest is not None and newest[0] == row.amount_fen:
                continue
            store.add_standard(
                kind,
                row.county,
                row.effective_from,
                row.amount_fen,
                source=row.source,
                author=author,
            )
            result.added += 1
    return result

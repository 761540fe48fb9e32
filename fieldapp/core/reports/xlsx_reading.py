"""Reading a spreadsheet that someone sent: bounded, and a damaged file refused, never a traceback.

An .xlsx file is a zip of XML parts that openpyxl unpacks and parses; a damaged one fails deep
inside zipfile, zlib or the XML parser, each with its own exception. Before openpyxl sees the
file, its size, its number of parts and their declared unpacked sizes (which zipfile holds every
read to) are checked against values.limits, so a zip bomb is refused unopened; while rows are
read, a sheet with more rows than the limit is refused, not cut. Any failure while reading becomes
a ``TemplateError`` naming the file, and nothing has been written yet.

Text comes back as it was typed: a worksheet stores a control character such as a carriage
return as ``_x000D_`` (and a literal ``_x000D_`` as ``_x005F_x000D_``), which openpyxl leaves as
it is; ``cell_text`` undoes it.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from fieldapp.core.store.errors import StoreError
from fieldapp.core.values.limits import (
    XLSX_MAX_FILE_BYTES,
    XLSX_MAX_PARTS,
    XLSX_MAX_UNPACKED_BYTES,
    count,
    size_text,
)

_ESCAPED = re.compile(r"_x005F(_x[0-9A-Fa-f]{4}_)|_x([0-9A-Fa-f]{4})_")


def cell_text(value: str) -> str:
    """A string cell's text with the worksheet's ``_xHHHH_`` escapes undone."""
    if "_x" not in value:
        return value
    return _ESCAPED.sub(lambda m: m.group(1) or chr(int(m.group(2), 16)), value)


class TemplateError(StoreError):
    """The workbook cannot be imported (damaged, too large, not the template); nothing changed."""


@dataclass(frozen=True)
class SheetSpec:
    """A sheet to read: its title, the headers it must have, at most how many data rows."""

    title: str
    required: tuple[str, ...]
    max_rows: int
    optional: bool = False


@dataclass
class SheetRow:
    sheet: str
    number: int
    cells: dict[str, Any]


def check_package(path: Path) -> None:
    """Refuse a file too large, not a zip, or unpacking to more than the limits, before opening."""
    name = path.name
    size = path.stat().st_size
    if size > XLSX_MAX_FILE_BYTES:
        raise TemplateError(
            f"{name} 过大（{size_text(size)}），导入的 Excel 文件最多 {size_text(XLSX_MAX_FILE_BYTES)}"
            "，请分批导入"
        )
    try:
        with zipfile.ZipFile(path) as package:
            parts = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise TemplateError(f"{name} 不是有效的 Excel (.xlsx) 文件：{exc}") from None
    if len(parts) > XLSX_MAX_PARTS:
        raise TemplateError(
            f"{name} 不是有效的 Excel 文件：包含 {count(len(parts))} 个部件（最多 "
            f"{count(XLSX_MAX_PARTS)} 个）"
        )
    unpacked = sum(part.file_size for part in parts)
    if unpacked > XLSX_MAX_UNPACKED_BYTES:
        raise TemplateError(
            f"{name} 解压后有 {size_text(unpacked)}，超过导入上限 "
            f"{size_text(XLSX_MAX_UNPACKED_BYTES)}（数据过多或文件异常），请分批导入"
        )


def read_sheets(path: Path, specs: Sequence[SheetSpec]) -> dict[str, list[SheetRow]]:
    """The non-blank data rows of each sheet (by title); TemplateError for any problem."""
    check_package(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            return {
                spec.title: _read_sheet(wb, spec)
                for spec in specs
                if not (spec.optional and spec.title not in wb.sheetnames)
            }
        finally:
            wb.close()
    except TemplateError:
        raise
    except Exception as exc:  # zipfile, zlib, the XML parser and openpyxl each raise their own
        raise TemplateError(
            f"{path.name} 已损坏，无法读取（{type(exc).__name__}: {str(exc)[:200]}）；"
            "请用 Excel 打开后另存为 .xlsx 再导入"
        ) from None


def _read_sheet(wb: Any, spec: SheetSpec) -> list[SheetRow]:
    title = spec.title
    if title not in wb.sheetnames:
        raise TemplateError(
            f"工作簿中没有“{title}”工作表，请使用 `fieldapp archive template` 生成的模板"
        )
    rows = wb[title].iter_rows(values_only=True)
    try:
        header = [str(h).strip() if h is not None else "" for h in next(rows)]
    except StopIteration:
        raise TemplateError(f"“{title}”工作表是空的") from None
    missing = [h for h in spec.required if h not in header]
    if missing:
        raise TemplateError(f"“{title}”工作表缺少列：{'、'.join(missing)}")
    out: list[SheetRow] = []
    for number, values in enumerate(rows, start=2):
        cells = {
            h: cell_text(v) if isinstance(v, str) else v
            for h, v in zip(header, values, strict=False)
            if h
        }
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells.values()):
            continue
        if len(out) == spec.max_rows:
            raise TemplateError(
                f"“{title}”工作表超过 {count(spec.max_rows)} 行，一次最多导入 "
                f"{count(spec.max_rows)} 行，请分成几个文件导入（未导入任何内容）"
            )
        out.append(SheetRow(title, number, cells))
    return out

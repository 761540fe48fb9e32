"""One .xlsx package out of two: a workbook whose sheets were written by two processes.

Both processes build the same workbook (same sheets in the same order, same formats numbered
alike, see ``xlsx_sheets.Styles``); each fills only its own sheets. The result is the first
package with the other's filled sheets put in place of its empty ones. Sheets are copied as they
are compressed (a sheet of a province export is hundreds of MB unpacked), so joining costs about
as much as copying the file.
"""

from __future__ import annotations

import copy
import re
import struct
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

STYLES = "xl/styles.xml"
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_CELL_FORMATS = re.compile(rb"<cellXfs[^>]*>(.*?)</cellXfs>", re.S)
_FORMAT = re.compile(rb"<xf\b.*?(?:/>|</xf>)", re.S)


class PackageError(RuntimeError):
    """The two halves do not fit together (a programming error: never a user's fault)."""


def worksheet_part(position: int) -> str:
    """The part holding the sheet at ``position`` (1-based, workbook order)."""
    return f"xl/worksheets/sheet{position}.xml"


def join_packages(base: Path, donor: Path, parts: Iterable[str], target: Path) -> None:
    """Write ``target``: ``base``'s package with ``parts`` taken from ``donor``'s."""
    wanted = set(parts)
    with zipfile.ZipFile(base) as first, zipfile.ZipFile(donor) as second:
        _check_formats(first.read(STYLES), second.read(STYLES))
        donated = {info.filename: info for info in second.infolist() if info.filename in wanted}
        missing = wanted - set(donated) | wanted - set(first.namelist())
        if missing:
            raise PackageError(f"parts missing from a half: {sorted(missing)}")
        with (
            zipfile.ZipFile(target, "w", allowZip64=True) as out,
            open(base, "rb") as base_bytes,
            open(donor, "rb") as donor_bytes,
        ):
            for info in first.infolist():
                if info.filename in donated:
                    _copy_compressed(donor_bytes, donated[info.filename], out)
                else:
                    _copy_compressed(base_bytes, info, out)


def _check_formats(base: bytes, donor: bytes) -> None:
    """The donor's cell formats must be the first of the base's (same numbers, same looks)."""
    ours, theirs = (_FORMAT.findall(_cell_formats(xml)) for xml in (base, donor))
    if theirs != ours[: len(theirs)]:
        raise PackageError("the two halves numbered their cell formats differently")


def _cell_formats(styles: bytes) -> bytes:
    found = _CELL_FORMATS.search(styles)
    return found.group(1) if found else b""


def _copy_compressed(source: BinaryIO, info: zipfile.ZipInfo, out: zipfile.ZipFile) -> None:
    """Append one member to ``out`` as it is stored in ``source`` (no inflating, no deflating).

    zipfile has no public call for this; it is what ``ZipFile.write`` does once the data is
    compressed: a local header, the data, and an entry for the central directory written on close.
    """
    source.seek(info.header_offset)
    header = _LOCAL_HEADER.unpack(source.read(_LOCAL_HEADER.size))
    if header[0] != b"PK\x03\x04":
        raise PackageError(f"{info.filename}: not a zip member header")
    name_length, extra_length = header[-2:]
    source.seek(name_length + extra_length, 1)
    entry = copy.copy(info)
    entry.extra = b""
    entry.flag_bits &= ~0x08  # sizes are in the local header, no data descriptor follows
    if out.fp is None:
        raise PackageError("the joined package is closed")
    entry.header_offset = out.fp.tell()
    out.fp.write(entry.FileHeader())
    remaining = info.compress_size
    while remaining:
        chunk = source.read(min(remaining, 1 << 20))
        if not chunk:
            raise PackageError(f"{info.filename}: member is cut short")
        out.fp.write(chunk)
        remaining -= len(chunk)
    out.filelist.append(entry)
    out.NameToInfo[entry.filename] = entry
    out.start_dir = out.fp.tell()

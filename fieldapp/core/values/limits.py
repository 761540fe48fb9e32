"""Every size limit of the program, stated once (docs/limits.md lists them with their messages).

Why limits at all: a laptop must stay usable whatever is pasted or imported. A 10-million-character
note once made a ledger run for minutes at 900 MB, and a 300,000-row spreadsheet import ran for
ten minutes. Every input that comes from a person or a file is therefore bounded, and a value over
a limit is refused whole with a message saying what the limit is — never cut to fit.

A form field's own ``max_length`` (forms/*.yaml) is not here: it only flags the value (an error
that blocks finalising, the draft keeps every character). ``TEXT_FIELD_MAX_CHARS`` is the hard cap
beyond which not even a draft is saved.
"""

from __future__ import annotations

KIB = 1024
MIB = 1024 * KIB

# -- what a form holds ---------------------------------------------------------------------------
TEXT_FIELD_MAX_CHARS = 20_000
"""Characters in one field of one record (any typed text; signatures excepted)."""
RECORD_MAX_BYTES = 1 * MIB
"""One form of one household as stored (UTF-8 JSON), signatures included."""

# -- JSON given to the command line (record --json, conflicts resolve --merge) ---------------------
JSON_MAX_BYTES = 4 * MIB
JSON_MAX_DEPTH = 64
"""Nesting of arrays and objects; a form needs 3 (form → repeat rows → row)."""

# -- archive import (archive import-xlsx) ---------------------------------------------------------
XLSX_MAX_FILE_BYTES = 50 * MIB
XLSX_MAX_UNPACKED_BYTES = 256 * MIB
"""Sum of the declared sizes of the workbook's parts: a zip bomb is refused before it is opened."""
XLSX_MAX_PARTS = 1_000
XLSX_MAX_HOUSEHOLD_ROWS = 20_000
XLSX_MAX_MEMBER_ROWS = 100_000
XLSX_MAX_CHECK_ROWS = 50_000
"""Rows of one sheet of a third-party check import (核查结果, 漏评人员)."""

# -- files kept or exchanged ----------------------------------------------------------------------
ATTACHMENT_MAX_BYTES = 50 * MIB
BUNDLE_MAX_BYTES = 2048 * MIB
"""A sync bundle file (.hhq) at import; issue 11 adds limits inside the bundle."""
ENROLLMENT_MAX_BYTES = 1 * MIB
YAML_FILE_MAX_BYTES = 1 * MIB
"""One YAML file of forms/ (also resources/policies/); nesting as JSON_MAX_DEPTH."""
YAML_FILE_MAX_NODES = 200_000
"""Values in one YAML file once its aliases are expanded (the largest file shipped has under 500)."""


class LimitError(ValueError):
    """Input over a limit: the message is Chinese, names the limit, and nothing was changed."""


def count(n: int) -> str:
    """12345 -> '12,345' (the figures in limit messages)."""
    return f"{n:,}"


def size_text(n: int) -> str:
    """Bytes as people read them: '50 MB', '1.5 MB', '900 KB'."""
    if n >= MIB:
        mb = n / MIB
        return f"{mb:.0f} MB" if mb >= 10 or mb == int(mb) else f"{mb:.1f} MB"
    if n >= KIB:
        return f"{n / KIB:.0f} KB"
    return f"{n} 字节"


def check_file_size(size: int, limit: int, what: str) -> None:
    """Refuse a file larger than ``limit`` before reading it."""
    if size > limit:
        raise LimitError(f"{what}过大（{size_text(size)}），最多 {size_text(limit)}")

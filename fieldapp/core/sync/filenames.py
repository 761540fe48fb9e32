"""File names made from people's names: a staff name must never pick the folder a bundle goes to.

A name typed at enrollment ("../../evil", "a/b", "CON", "李干事\\n") becomes part of a bundle's
file name when a command writes into a folder (``hq assign --out DIR``). ``name_part`` keeps
letters, digits and a few harmless marks, so the result is always one plain file name inside the
folder the user chose, on Windows as on Linux.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

from fieldapp.core.sync.container import BundleError

MAX_PART = 40
KEEP = frozenset("-_·（）()")
WINDOWS_RESERVED = frozenset(
    {
        "CON",
        "PRN",
        "AUX",
        "NUL",
        *(f"COM{i}" for i in range(1, 10)),
        *(f"LPT{i}" for i in range(1, 10)),
    }
)


def name_part(text: str, fallback: str = "未命名") -> str:
    """``text`` reduced to a safe piece of a file name (no separators, dots, controls or spaces)."""
    kept = []
    for char in unicodedata.normalize("NFC", str(text)):
        if char.isalnum() or char in KEEP:
            kept.append(char)
        elif kept and kept[-1] != "_":
            kept.append("_")
    part = "".join(kept).strip("_")[:MAX_PART].strip("_")
    if not part or part.upper() in WINDOWS_RESERVED:
        return fallback
    return part


def bundle_path_in(folder: Path, label: str, who: str, day: date | None = None) -> Path:
    """A new file in ``folder``: 户户清-<label>-<who>-<YYYYMMDD>-<nn>.hhq (first free number)."""
    stamp = (day or date.today()).strftime("%Y%m%d")
    stem = f"户户清-{name_part(label)}-{name_part(who)}-{stamp}"
    for n in range(1, 1000):
        candidate = folder / f"{stem}-{n:02d}.hhq"
        if not candidate.exists():
            return candidate
    raise BundleError(f"{folder} 中今天的数据包文件已有 999 个，请换一个目录")

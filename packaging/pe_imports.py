"""The DLLs a Windows executable or library loads, read from its PE import tables on Linux.

The Windows build trims PySide6 by following what each kept .pyd/.dll imports (as the Debian build
follows ELF ``NEEDED`` entries with readelf). binutils' objdump could print these too, but only if
it was built with PE support, which Debian's is not by default; the format is small enough to read
here: the import directory and the delay-load import directory (Qt delay-loads some system DLLs),
each an array of descriptors naming a DLL by RVA.

    python3 pe_imports.py FILE...      prints each file's imports
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

IMPORT_DIRECTORY = 1
DELAY_IMPORT_DIRECTORY = 13


class NotPE(ValueError):
    """The file is not a PE image (or is truncated)."""


def imports(path: Path) -> list[str]:
    """The DLL names ``path`` imports, directly or delay-loaded, in table order."""
    data = path.read_bytes()
    try:
        return _imports(data)
    except (struct.error, IndexError) as error:
        raise NotPE(f"{path}: truncated PE file ({error})") from None


def _imports(data: bytes) -> list[str]:
    if data[:2] != b"MZ":
        raise NotPE("no MZ header")
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    if data[pe : pe + 4] != b"PE\0\0":
        raise NotPE("no PE signature")
    coff = pe + 4
    sections_count, optional_size = struct.unpack_from("<H12xH", data, coff + 2)
    optional = coff + 20
    magic = struct.unpack_from("<H", data, optional)[0]
    directories = optional + {0x10B: 96, 0x20B: 112}[magic]  # PE32 / PE32+
    table = optional + optional_size
    sections = [
        struct.unpack_from("<8xIIII", data, table + 40 * i)  # size, rva, raw size, raw offset
        for i in range(sections_count)
    ]

    def offset(rva: int) -> int:
        for virtual_size, start, raw_size, raw in sections:
            if start <= rva < start + max(virtual_size, raw_size):
                return int(raw + rva - start)
        raise NotPE(f"RVA {rva:#x} outside every section")

    def name_at(rva: int) -> str:
        at = offset(rva)
        return data[at : data.index(b"\0", at)].decode("ascii", "replace")

    names: list[str] = []
    for directory, size, name_field in (
        (IMPORT_DIRECTORY, 20, 12),  # IMAGE_IMPORT_DESCRIPTOR: Name at +12
        (DELAY_IMPORT_DIRECTORY, 32, 4),  # IMAGE_DELAYLOAD_DESCRIPTOR: DllNameRVA at +4
    ):
        rva, length = struct.unpack_from("<II", data, directories + 8 * directory)
        if not rva or not length:
            continue
        at = offset(rva)
        while True:
            entry = data[at : at + size]
            if len(entry) < size or not any(entry):
                break
            names.append(name_at(struct.unpack_from("<I", entry, name_field)[0]))
            at += size
    return names


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        print(f"{argument}: {' '.join(imports(Path(argument)))}")

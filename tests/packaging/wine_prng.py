"""A stand-in ``bcryptprimitives.dll`` for Wine 8, written as bytes: test equipment, never shipped.

``cryptography``'s Rust extension (and every Rust program since 1.78) imports ``ProcessPrng`` from
``bcryptprimitives.dll``, which every Windows 10/11 has and Wine 8 does not (Wine 9 added it), so
under Wine 8 the installed app cannot import ``cryptography`` at all. ``ProcessPrng(PBYTE, SIZE_T)``
fills a buffer with random bytes, as ``RtlGenRandom`` (``advapi32.SystemFunction036``) does with the
same arguments in the same registers on x64. This writes a code-less 64-bit DLL whose only export
forwards the one to the other: no compiler needed, a page of bytes.
"""

from __future__ import annotations

import struct
from pathlib import Path

FORWARDS = {"ProcessPrng": "advapi32.SystemFunction036"}
DLL_NAME = "bcryptprimitives.dll"
SECTION_RVA = 0x1000
FILE_ALIGN = 0x200


def export_section(rva: int) -> bytes:
    """IMAGE_EXPORT_DIRECTORY, its three arrays and strings: each function RVA points at a
    forwarder string inside the export directory, which is what makes it a forwarder."""
    names = sorted(FORWARDS)
    count = len(names)
    directory_size = 40
    functions_at = rva + directory_size
    names_at = functions_at + 4 * count
    ordinals_at = names_at + 4 * count
    strings_at = ordinals_at + 2 * count
    strings = b""

    def string(text: str) -> int:
        nonlocal strings
        at = strings_at + len(strings)
        strings += text.encode("ascii") + b"\0"
        return at

    dll_name = string(DLL_NAME)
    name_rvas = [string(name) for name in names]
    forward_rvas = [string(FORWARDS[name]) for name in names]
    directory = struct.pack(
        "<IIHHIIIIIII", 0, 0, 0, 0, dll_name, 1, count, count, functions_at, names_at, ordinals_at
    )
    arrays = (
        struct.pack(f"<{count}I", *forward_rvas)
        + struct.pack(f"<{count}I", *name_rvas)
        + struct.pack(f"<{count}H", *range(count))
    )
    return directory + arrays + strings


def dll_bytes() -> bytes:
    exports = export_section(SECTION_RVA)
    raw_size = -(-len(exports) // FILE_ALIGN) * FILE_ALIGN
    dos = b"MZ" + b"\0" * 0x3A + struct.pack("<I", 0x40)
    coff = struct.pack("<HHIIIHH", 0x8664, 1, 0, 0, 0, 240, 0x2022)  # AMD64, 1 section, DLL
    optional = struct.pack(
        "<HBBIIIIIQIIHHHHHHIIIIHHQQQQII",
        0x20B,
        14,
        0,
        0,
        raw_size,
        0,
        0,
        SECTION_RVA,  # PE32+, no code, no entry point
        0x180000000,
        0x1000,
        FILE_ALIGN,  # image base, section and file alignment
        6,
        0,
        0,
        0,
        6,
        0,
        0,  # OS, image and subsystem versions, Win32VersionValue
        SECTION_RVA + 0x1000,
        FILE_ALIGN,
        0,
        3,
        0x0160,  # image/header size, sum, CUI, ASLR+NX
        0x100000,
        0x1000,
        0x100000,
        0x1000,
        0,
        16,  # stack/heap, loader flags, 16 directories
    )
    directories = struct.pack("<II", SECTION_RVA, len(exports)) + b"\0" * 8 * 15
    section = struct.pack(
        "<8sIIIIIIHHI",
        b".edata",
        len(exports),
        SECTION_RVA,
        raw_size,
        FILE_ALIGN,
        0,
        0,
        0,
        0,
        0x40000040,  # initialized data, readable
    )
    headers = dos + b"PE\0\0" + coff + optional + directories + section
    return headers.ljust(FILE_ALIGN, b"\0") + exports.ljust(raw_size, b"\0")


def install(prefix: Path) -> Path:
    """Put the stand-in into a Wine prefix's system32 (where Windows keeps the real one)."""
    target = prefix / "drive_c" / "windows" / "system32" / DLL_NAME
    target.write_bytes(dll_bytes())
    return target

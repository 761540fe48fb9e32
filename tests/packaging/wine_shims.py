"""What Wine 8 lacks and Windows 8+ has, supplied to a throw-away Wine prefix for the smoke test.

Rust's standard library (cryptography, rpds-py) imports ``ProcessPrng`` from
``bcryptprimitives.dll``, present on every Windows since 8 but missing from Wine 8. The stand-in
built here is a DLL with no code: one forwarded export, ``ProcessPrng`` ->
``advapi32.SystemFunction036`` (RtlGenRandom, the same kind of call: fill a buffer with random
bytes). It goes into the prefix's system32 only; nothing of it ships in the installer.
"""

from __future__ import annotations

import struct

IMAGE_BASE = 0x180000000
RVA = 0x1000  # the one section
FILE_ALIGN = 0x200


def forwarder_dll(dll_name: str, forwards: dict[str, str]) -> bytes:
    """A PE32+ DLL exporting each name in FORWARDS as a forwarder to 'dll.Function'."""
    names = sorted(forwards)
    count = len(names)
    functions_at = 40
    names_at = functions_at + 4 * count
    ordinals_at = names_at + 4 * count
    strings_at = ordinals_at + 2 * count
    strings = bytearray()

    def add(text: str) -> int:
        offset = strings_at + len(strings)
        strings.extend(text.encode("ascii") + b"\0")
        return RVA + offset

    name_rva = add(dll_name)
    name_rvas = [add(n) for n in names]
    target_rvas = [add(forwards[n]) for n in names]
    directory = struct.pack(
        "<IIHHIIIIII",
        0,
        0,
        0,
        0,
        name_rva,
        1,
        count,
        count,
        RVA + functions_at,
        RVA + names_at,
    ) + struct.pack("<I", RVA + ordinals_at)
    section = bytearray(directory[:40])
    section += b"".join(struct.pack("<I", r) for r in target_rvas)
    section += b"".join(struct.pack("<I", r) for r in name_rvas)
    section += b"".join(struct.pack("<H", i) for i in range(count))
    section += strings
    export_size = len(section)
    raw_size = -(-len(section) // FILE_ALIGN) * FILE_ALIGN
    section += b"\0" * (raw_size - len(section))

    dos = b"MZ" + b"\0" * 58 + struct.pack("<I", 0x40)
    coff = struct.pack("<HHIIIHH", 0x8664, 1, 0, 0, 0, 240, 0x2022)
    optional = struct.pack(
        "<HBBIIIIIQIIHHHHHHIIIIHHQQQQII",
        0x20B,
        14,
        0,
        0,
        raw_size,
        0,
        0,
        RVA,
        IMAGE_BASE,
        0x1000,
        FILE_ALIGN,
        6,
        0,
        0,
        0,
        6,
        0,
        0,
        RVA + 0x1000,
        FILE_ALIGN,
        0,
        3,
        0x0100,
        0x100000,
        0x1000,
        0x100000,
        0x1000,
        0,
        16,
    )
    directories = struct.pack("<II", RVA, export_size) + b"\0" * 8 * 15
    header = bytearray(dos + b"PE\0\0" + coff + optional + directories)
    header += struct.pack(
        "<8sIIIIIIHHI", b".rdata", raw_size, RVA, raw_size, FILE_ALIGN, 0, 0, 0, 0, 0x40000040
    )
    header += b"\0" * (FILE_ALIGN - len(header))
    return bytes(header + section)


def bcryptprimitives() -> bytes:
    return forwarder_dll("bcryptprimitives.dll", {"ProcessPrng": "advapi32.SystemFunction036"})

"""Join the PDF parts of a batch ledger into one document, part by part, without holding it.

Why: a batch ledger is rendered as parts in several processes (``ledger.batch_parts``), and a
province's batch has tens of thousands of pages, too many for a PDF library that loads a whole
document. The parts are reportlab's own output, whose shape is known and simple: numbered
objects listed by a classic cross-reference table, one catalog pointing at one page tree. So the
join copies every object of each part in turn, renumbering its references, drops each part's
catalog, page tree and document information, and writes one page tree over all the pages, one
catalog and the first part's document information (title, dates). Stream data is copied
byte for byte; only dictionaries are rewritten. Memory holds one part and the list of pages.

Anything else in a part (an outline, named destinations, compressed cross-references) is refused
with ``PdfJoinError`` rather than dropped: this joins our ledgers, not arbitrary PDFs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import BinaryIO

HEADER = b"%PDF-1.4\n%\x93\x8c\x8b\x9e fieldapp\n"
_REF = re.compile(rb"(?<![\d.])(\d+) 0 R\b")
_DICT_END = re.compile(rb">>\s*stream\r?\n")
_OBJ_HEAD = re.compile(rb"\s*(\d+) 0 obj\s*")
_TRAILER_KEY = re.compile(rb"/(Root|Info|Size) (\d+)")
_ID = re.compile(rb"/ID\s*\[\s*<([0-9a-fA-F]*)>")
_KIDS = re.compile(rb"/Kids\s*\[([^\]]*)\]")
_CATALOG_KEYS = {b"Type", b"Pages", b"PageMode"}


class PdfJoinError(ValueError):
    """A part is not the simple reportlab document this joins (a programming error)."""


@dataclass
class _Part:
    """One part, read: its objects' bodies by number, its pages in order, its info and id."""

    objects: dict[int, bytes]
    pages: list[int]
    skip: set[int]
    info: int
    document_id: bytes


def _read_part(data: bytes) -> _Part:
    start = data.rfind(b"startxref")
    trailer_at = data.rfind(b"trailer", 0, start)
    if start < 0 or trailer_at < 0:
        raise PdfJoinError("no classic trailer")
    trailer = data[trailer_at:start]
    keys = {name: int(value) for name, value in _TRAILER_KEY.findall(trailer)}
    if {b"Root", b"Info", b"Size"} - keys.keys():
        raise PdfJoinError("trailer without Root, Info or Size")
    xref_at = int(data[start + len(b"startxref") :].split()[0])
    lines = data[xref_at:trailer_at].split(b"\n")
    if lines[0].strip() != b"xref" or lines[1].split() != [b"0", str(keys[b"Size"]).encode()]:
        raise PdfJoinError("unexpected cross-reference table")
    offsets = {
        number: int(entry[:10])
        for number, entry in enumerate(lines[2 : 2 + keys[b"Size"]])
        if entry[17:18] == b"n"
    }
    ends = sorted(offsets.values()) + [xref_at]
    following = {at: ends[i + 1] for i, at in enumerate(ends[:-1])}
    objects: dict[int, bytes] = {}
    for number, at in offsets.items():
        body = data[at : following[at]]
        head = _OBJ_HEAD.match(body)
        end = body.rfind(b"endobj")
        if head is None or int(head.group(1)) != number or end < 0:
            raise PdfJoinError(f"object {number} not where the table says")
        objects[number] = body[head.end() : end].rstrip()
    root = keys[b"Root"]
    catalog = objects[root]
    extra = set(re.findall(rb"/(\w+)", _dictionary(catalog))) - _CATALOG_KEYS
    if extra - {b"UseNone", b"Catalog"}:
        raise PdfJoinError(f"catalog entries not joined: {sorted(extra)}")
    pages_root = int(re.search(rb"/Pages (\d+) 0 R", catalog).group(1))  # type: ignore[union-attr]
    pages: list[int] = []
    tree: set[int] = set()
    _collect(objects, pages_root, pages, tree)
    found = _ID.search(trailer)
    return _Part(
        objects,
        pages,
        {root, keys[b"Info"], *tree},
        keys[b"Info"],
        found.group(1) if found else b"",
    )


def _collect(objects: dict[int, bytes], number: int, pages: list[int], tree: set[int]) -> None:
    """The page objects under page-tree node ``number``, in order; the nodes go to ``tree``."""
    node = objects[number]
    kids = _KIDS.search(_dictionary(node))
    if b"/Type /Pages" not in node or kids is None:
        pages.append(number)
        return
    tree.add(number)
    for kid in _REF.findall(kids.group(1)):
        _collect(objects, int(kid), pages, tree)


def _dictionary(body: bytes) -> bytes:
    """The part of an object body before its stream data (all of it for a plain object)."""
    found = _DICT_END.search(body)
    return body if found is None else body[: found.start() + 2]


def join_pdfs(parts: Sequence[Path], out: BinaryIO) -> int:
    """Write ``parts`` (reportlab documents) one after another as one PDF to ``out``; pages."""
    pages_root, catalog, info = 1, 2, 3
    next_number = 4
    offsets: dict[int, int] = {}
    kids: list[int] = []
    info_body = b"<< >>"
    ids = hashlib.md5(usedforsecurity=False)
    written = 0

    def emit(number: int, body: bytes) -> None:
        nonlocal written
        offsets[number] = written
        chunk = b"%d 0 obj\n%s\nendobj\n" % (number, body)
        out.write(chunk)
        written += len(chunk)

    out.write(HEADER)
    written = len(HEADER)
    for index, path in enumerate(parts):
        part = _read_part(path.read_bytes())
        ids.update(part.document_id)
        numbers: dict[int, int] = {}
        for old in sorted(part.objects):
            if old not in part.skip:
                numbers[old] = next_number
                next_number += 1

        # A page's /Parent was a node of the part's page tree: now the one tree over all pages.
        in_tree = {**numbers, **dict.fromkeys(part.skip - {part.info}, pages_root)}
        page_set = set(part.pages)
        for old, new in numbers.items():
            body = part.objects[old]
            head = _dictionary(body)
            mapping = in_tree if old in page_set else numbers
            emit(new, _REF.sub(partial(_renumbered, numbers=mapping), head) + body[len(head) :])
        kids += [numbers[page] for page in part.pages]
        if index == 0:
            info_body = part.objects[part.info]
    emit(pages_root, _page_tree(kids))
    emit(catalog, b"<<\n/PageMode /UseNone /Pages %d 0 R /Type /Catalog\n>>" % pages_root)
    emit(info, info_body)
    xref_at = written
    table = [b"xref\n0 %d\n" % next_number, b"0000000000 65535 f \n"]
    table += [b"%010d 00000 n \n" % offsets[n] for n in range(1, next_number)]
    digest = ids.hexdigest().encode()
    table.append(
        b"trailer\n<<\n/ID [<%s><%s>]\n/Info %d 0 R\n/Root %d 0 R\n/Size %d\n>>\n"
        % (digest, digest, info, catalog, next_number)
    )
    table.append(b"startxref\n%d\n%%%%EOF\n" % xref_at)
    out.write(b"".join(table))
    return len(kids)


def _renumbered(match: re.Match[bytes], numbers: dict[int, int]) -> bytes:
    old = int(match.group(1))
    if old not in numbers:
        raise PdfJoinError(f"reference to object {old} that is not copied")
    return b"%d 0 R" % numbers[old]


def _page_tree(kids: list[int]) -> bytes:
    refs = b" ".join(b"%d 0 R" % kid for kid in kids)
    return b"<<\n/Count %d /Kids [ %s ] /Type /Pages\n>>" % (len(kids), refs)

"""Reading one revision of a signed PDF: objects as comparable values, the page list, the
document information and XMP metadata, and signature fields and widgets.

``ledger/changes.py`` compares revisions with these; ``ledger/policy.py`` uses
``metadata_unchanged``. Every object is read through the revision's ``HistoricalResolver``, so
references resolve as they were in that revision (the trailer's own references would otherwise
resolve in the newest one).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import HistoricalResolver

BOOKKEEPING_INFO = frozenset({"/ModDate", "/Producer"})
BOOKKEEPING_XMP = re.compile(
    rb"""\s(?:xmp:ModifyDate|xmp:MetadataDate|pdf:Producer|x:xmptk)=(?:"[^"]*"|'[^']*')"""
    rb"|<(xmp:ModifyDate|xmp:MetadataDate|pdf:Producer)>[^<]*</\1>"
)
MAX_SHOWN = 40


def short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def canon(obj: Any) -> Any:
    """A comparable value for an object's own content; references stay references."""
    if isinstance(obj, generic.IndirectObject):
        return ("R", obj.idnum, obj.generation)
    if isinstance(obj, generic.StreamObject):
        body = tuple(sorted((str(k), canon(v)) for k, v in obj.items() if k != "/Length"))
        return ("S", body, hashlib.sha256(obj.encoded_data).hexdigest())
    if isinstance(obj, dict):
        return ("D", tuple(sorted((str(k), canon(v)) for k, v in obj.items())))
    if isinstance(obj, list):
        return ("A", tuple(canon(v) for v in obj))
    return (type(obj).__name__, str(obj))


EMPTY: Any = generic.DictionaryObject()  # type: ignore[no-untyped-call]


def deref(obj: Any) -> Any:
    return obj.get_object()


def resolve(obj: Any) -> Any:
    if isinstance(obj, generic.IndirectObject):
        obj = deref(obj)
    return obj if isinstance(obj, generic.DictionaryObject) else EMPTY


def entries(obj: Any) -> list[Any]:
    if isinstance(obj, generic.IndirectObject):
        obj = deref(obj)
    return list(obj) if isinstance(obj, generic.ArrayObject) else []


def ref_key(obj: Any) -> Any:
    if isinstance(obj, generic.IndirectObject):
        return ("R", obj.idnum, obj.generation)
    return canon(obj)


def info_entries(resolver: HistoricalResolver) -> dict[str, str]:
    """The document information as of this revision (the trailer's references resolve in the
    newest revision unless looked up through the resolver)."""
    ref = resolver.trailer_view.get("/Info")
    info = resolve(resolver(ref.reference) if isinstance(ref, generic.IndirectObject) else ref)
    return {str(k): str(deref(v)) for k, v in info.items()}


def xmp_bytes(resolver: HistoricalResolver) -> bytes | None:
    stream = resolver.root.get("/Metadata")
    if isinstance(stream, generic.IndirectObject):
        stream = deref(stream)
    if not isinstance(stream, generic.StreamObject):
        return None
    try:
        data = stream.data
    except (PdfError, ValueError):
        data = stream.encoded_data
    return BOOKKEEPING_XMP.sub(b"", data)


def metadata_unchanged(old: HistoricalResolver, new: HistoricalResolver) -> bool:
    """Whether ``/Info`` and XMP agree between two revisions, bookkeeping entries aside."""
    old_info, new_info = info_entries(old), info_entries(new)
    keys = (set(old_info) | set(new_info)) - BOOKKEEPING_INFO
    return all(old_info.get(k) == new_info.get(k) for k in keys) and xmp_bytes(old) == xmp_bytes(
        new
    )


def page_list(resolver: HistoricalResolver) -> list[tuple[Any, Any]]:
    """(reference or None, page dictionary) for every page, in order."""
    pages: list[tuple[Any, Any]] = []
    seen: set[tuple[int, int]] = set()

    def walk(node: Any, depth: int) -> None:
        ref = node if isinstance(node, generic.IndirectObject) else None
        if ref is not None:
            if (ref.idnum, ref.generation) in seen or depth > 64:
                return
            seen.add((ref.idnum, ref.generation))
        item = resolve(node)
        if item.get("/Type") == "/Pages" or "/Kids" in item:
            for kid in entries(item.get("/Kids")):
                walk(kid, depth + 1)
        else:
            pages.append((ref, item))

    walk(resolver.root.get("/Pages"), 0)
    return pages


def sig_field(widget: Any) -> Any:
    """The signature field a widget belongs to (itself when merged), or None."""
    item = resolve(widget)
    for candidate in (item, resolve(item.get("/Parent"))):
        if candidate.get("/FT") == "/Sig":
            return candidate
    return None


def field_name(widget: Any) -> str:
    field = sig_field(widget)
    return short((field if field is not None else resolve(widget)).get("/T", "?"))


def is_doc_timestamp(widget: Any) -> bool:
    field = sig_field(widget)
    if field is None or "/V" not in field:
        return False
    value = resolve(field.get("/V"))
    rect = [float(v) for v in entries(resolve(widget).get("/Rect"))] or [0, 0, 0, 0]
    invisible = len(rect) == 4 and (rect[2] - rect[0]) * (rect[3] - rect[1]) == 0
    return bool(value.get("/Type") == "/DocTimeStamp" and invisible)


def annotation_name(item: Any) -> str:
    subtype = str(item.get("/Subtype", "/?"))
    if sig_field(item) is not None:
        return f"签名域“{field_name(item)}”"
    if subtype == "/Widget":
        return f"表单域“{short(item.get('/T', '?'))}”"
    return f"批注（{subtype.lstrip('/')}）"

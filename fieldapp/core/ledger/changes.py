"""What changed in a signed PDF after a signature, named for the person checking it.

pyHanko's difference analysis (with the strict policy in ``ledger/policy.py``) decides whether
the incremental updates after a signature are allowed; it says *that* something changed, not
*what*. Here each revision is compared with the one before it and every change is named: the
document information or XMP metadata, a page's content or resources, the number of pages, an
annotation added, removed or changed, a form field, the document catalog, freed objects; and
``appended_bytes`` counts the bytes after the last revision's ``%%EOF``, which no revision
declares and no signature covers. The two updates a signed ledger may receive are named as
allowed: validation information (``/DSS``) and a signature in an empty signature field (plus an
invisible document timestamp, the PAdES B-LTA path).

Only objects a revision wrote can differ from the revision before, and only objects that existed
before can lead to old content; when every such rewritten object is one compared on its own
(catalog, metadata, form, page tree, page, annotation, field) the comparison stays shallow, else
it walks everything reachable from the pages. Signing software rewrites the modification date
and producer in ``/Info`` and XMP on every save; those bookkeeping entries are not changes
(``revision.BOOKKEEPING_INFO``, ``revision.BOOKKEEPING_XMP``). Reading a revision's objects is
in ``ledger/revision.py``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from fieldapp.core.ledger.revision import (
    BOOKKEEPING_INFO,
    annotation_name,
    canon,
    deref,
    entries,
    field_name,
    info_entries,
    is_doc_timestamp,
    page_list,
    ref_key,
    resolve,
    short,
    sig_field,
    xmp_bytes,
)

ALLOWED_KINDS = ("validation_info", "signature", "timestamp")
KIND_NAMES = {
    "metadata": "元数据",
    "pages": "页面",
    "annotations": "批注",
    "form": "表单域",
    "catalog": "文档结构",
    "structure": "文件结构",
    "appended": "追加字节",
    "validation_info": "验证信息",
    "signature": "签名",
    "timestamp": "文档时间戳",
}
# catalog entries judged elsewhere (pages, form, metadata, validation info) or rewritten by
# every signing tool (the PDF version and its extensions)
CATALOG_ELSEWHERE = frozenset(
    {"/Pages", "/AcroForm", "/DSS", "/Metadata", "/Version", "/Extensions"}
)
SKIP_KEYS = frozenset({"/Parent", "/P"})  # back references: following them walks everything


@dataclass(frozen=True)
class Change:
    """One named change; ``revision`` is the incremental update that made it (0 = original)."""

    kind: str
    revision: int
    detail: str

    @property
    def allowed(self) -> bool:
        return self.kind in ALLOWED_KINDS

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "revision": self.revision,
            "detail": self.detail,
            "allowed": self.allowed,
        }


def describe_changes(changes: Sequence[Change]) -> str:
    """What changed after a signature, as people read it ("无" when nothing did)."""
    if not changes:
        return "无"
    return "；".join(f"{c.detail}（{'允许' if c.allowed else '不允许'}）" for c in changes)


class RevisionDiff:
    """Revision ``new`` against ``new - 1``: which objects really differ, and where they are."""

    def __init__(self, reader: PdfFileReader, new: int) -> None:
        self.revision = new
        self.old: Any = reader.get_historical_resolver(new - 1)
        self.new: Any = reader.get_historical_resolver(new)
        written = self.new.explicit_refs_in_revision()  # type: ignore[no-untyped-call]
        self.written = {(r.idnum, r.generation) for r in written}
        self.freed = self.new.refs_freed_in_revision()  # type: ignore[no-untyped-call]
        self._memo: dict[tuple[int, int], bool] = {}
        self._new_pages: list[tuple[Any, Any]] | None = None
        self.overridden = self._overridden_types()
        # Only objects that existed can lead to anything old: new objects are reachable only
        # through them. When every rewritten old object is one compared on its own (catalog,
        # metadata, form, page tree, pages, annotations, fields), nothing needs a deep walk.
        self.deep = not all(self.overridden.values())

    # -- objects -----------------------------------------------------------------------------

    def _overridden_types(self) -> dict[tuple[int, int], str]:
        """Each old object this revision rewrote: its kind if compared on its own, else ""."""
        root = self.new.root_ref
        own = {("R", root.idnum, root.generation), ref_key(self.new.trailer_view.get("/Info"))}
        for resolver in (self.old, self.new):
            own |= {ref_key(resolver.root.get(k)) for k in ("/Metadata", "/AcroForm", "/DSS")}
        found = {}
        for idnum, generation in self.written:
            ref = generic.Reference(idnum, generation)
            if self.old.is_ref_unassignable(ref):
                continue
            if ("R", idnum, generation) in own:
                found[(idnum, generation)] = "own"
                continue
            try:
                obj = self.new(ref)
            except (PdfError, ValueError, KeyError):
                obj = None
            kind = ""
            if isinstance(obj, generic.DictionaryObject) and not isinstance(
                obj, generic.StreamObject
            ):
                if obj.get("/Type") in ("/Page", "/Pages", "/Annot"):
                    kind = str(obj.get("/Type"))
                elif "/FT" in obj or obj.get("/Subtype") == "/Widget":
                    kind = "/Annot"
            found[(idnum, generation)] = kind
        return found

    def _object_changed(self, ref: generic.Reference) -> bool:
        key = (ref.idnum, ref.generation)
        if key not in self.written:
            return False
        if self.old.is_ref_unassignable(ref):
            return True  # a new object, referred to from something that existed
        try:
            return bool(canon(self.old(ref)) != canon(self.new(ref)))
        except (PdfError, ValueError, KeyError):
            return True

    def changed(self, obj: Any) -> bool:
        """Whether ``obj`` (as in the new revision) or anything it refers to was rewritten."""
        if not self.deep:
            return self._refers_to_written(obj)
        if isinstance(obj, generic.IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in self._memo:
                return self._memo[key]
            self._memo[key] = False  # a cycle: the rest of the walk decides
            ref = obj.reference
            result = self._object_changed(ref) or self.changed(self.new(ref))
            self._memo[key] = result
            return result
        if isinstance(obj, dict):
            return any(self.changed(v) for k, v in obj.items() if k not in SKIP_KEYS)
        if isinstance(obj, list):
            return any(self.changed(v) for v in obj)
        return False

    def _refers_to_written(self, obj: Any) -> bool:
        """Whether ``obj`` is, or directly holds, a reference this revision wrote."""
        if isinstance(obj, generic.IndirectObject):
            return (obj.idnum, obj.generation) in self.written
        if isinstance(obj, dict):
            return any(self._refers_to_written(v) for k, v in obj.items() if k not in SKIP_KEYS)
        if isinstance(obj, list):
            return any(self._refers_to_written(v) for v in obj)
        return False

    def _page_touched(self, ref: Any, page: Any) -> bool:
        if self.deep:
            return self.changed(ref)
        return self._refers_to_written(ref) or self._refers_to_written(page)  # e.g. its /Annots

    def new_pages(self) -> list[tuple[Any, Any]]:
        if self._new_pages is None:
            self._new_pages = page_list(self.new)
        return self._new_pages

    def old_pages(self) -> list[tuple[Any, Any]]:
        """The old page list; when the page tree was not rewritten it is the new one, with the
        old dictionary of each rewritten page."""
        tree_rewritten = self.deep or "/Pages" in self.overridden.values() or self._tree_moved()
        if tree_rewritten:
            return page_list(self.old)
        return [
            (ref, self.old(ref.reference) if ref_key(ref)[1:] in self.written else page)
            if ref is not None
            else (ref, page)
            for ref, page in self.new_pages()
        ]

    def _differs(self, old: Any, new: Any) -> bool:
        return bool(canon(old) != canon(new)) or self.changed(new)

    # -- the named changes -------------------------------------------------------------------

    def changes(self) -> list[Change]:
        found: list[Change] = []
        for check in (
            self._metadata,
            self._catalog,
            self._pages,
            self._form,
            self._validation_info,
        ):
            found += check()
        if self.freed:
            found.append(self._change("structure", f"删除了 {len(self.freed)} 个对象"))
        unique: dict[tuple[str, str], Change] = {(c.kind, c.detail): c for c in found}
        return list(unique.values())

    def _change(self, kind: str, detail: str) -> Change:
        return Change(kind, self.revision, detail)

    def _metadata(self) -> list[Change]:
        found = []
        old_info, new_info = info_entries(self.old), info_entries(self.new)
        for key in sorted(set(old_info) | set(new_info)):
            if key in BOOKKEEPING_INFO or old_info.get(key) == new_info.get(key):
                continue
            if key not in new_info:
                found.append(self._change("metadata", f"文档信息 {key} 被删除"))
            else:
                before = f"由“{short(old_info[key])}”" if key in old_info else ""
                found.append(
                    self._change("metadata", f"文档信息 {key} {before}改为“{short(new_info[key])}”")
                )
        if xmp_bytes(self.old) != xmp_bytes(self.new):
            found.append(self._change("metadata", "XMP 元数据被修改"))
        return found

    def _catalog(self) -> list[Change]:
        old_root, new_root = self.old.root, self.new.root
        keys = (set(old_root) | set(new_root)) - CATALOG_ELSEWHERE
        found = []
        for key in sorted(keys):
            if key not in new_root:
                found.append(self._change("catalog", f"文档目录的 {key} 被删除"))
            elif key not in old_root:
                found.append(self._change("catalog", f"文档目录被添加了 {key}"))
            elif self._differs(old_root.get(key), new_root.get(key)):
                found.append(self._change("catalog", f"文档目录的 {key} 被修改"))
        return found

    def _pages(self) -> list[Change]:
        kinds = set(self.overridden.values())
        if not (self.deep or "/Page" in kinds or "/Pages" in kinds or self._tree_moved()):
            return self._annotations_alone()
        old_pages, new_pages = self.old_pages(), self.new_pages()
        found = []
        if len(old_pages) != len(new_pages):
            found.append(
                self._change("pages", f"页数由 {len(old_pages)} 页变为 {len(new_pages)} 页")
            )
        for number, (old, new) in enumerate(zip(old_pages, new_pages, strict=False), 1):
            if old[0] != new[0]:
                found.append(self._change("pages", f"第 {number} 页被替换为另一页"))
                continue
            if new[0] is not None and not self._page_touched(new[0], new[1]):
                continue
            keys = sorted((set(old[1]) | set(new[1])) - {"/Annots", "/Parent"})
            touched = [k for k in keys if self._differs(old[1].get(k), new[1].get(k))]
            if touched:
                found.append(
                    self._change("pages", f"第 {number} 页的页面内容被修改（{'、'.join(touched)}）")
                )
            found += self._annotations(number, old[1], new[1])
        return found

    def _tree_moved(self) -> bool:
        return bool(ref_key(self.old.root.get("/Pages")) != ref_key(self.new.root.get("/Pages")))

    def _annotations_alone(self) -> list[Change]:
        """No page was rewritten, so no annotation was added or removed: judge the rewritten
        annotations themselves (a countersignature fills one) without walking the pages."""
        found = []
        for (idnum, generation), kind in sorted(self.overridden.items()):
            if kind != "/Annot":
                continue
            annot = generic.IndirectObject(idnum, generation, self.new)  # type: ignore[no-untyped-call]
            if self._newly_signed(annot):
                name = field_name(deref(annot))
                found.append(self._change("signature", f"签名域“{name}”填入了签名"))
                continue
            number = next(
                (
                    n
                    for n, (_r, page) in enumerate(self.new_pages(), 1)
                    if ref_key(annot) in {ref_key(a) for a in entries(page.get("/Annots"))}
                ),
                None,
            )
            where = f"第 {number} 页的" if number else ""
            found.append(
                self._change("annotations", f"{where}{annotation_name(deref(annot))}被修改")
            )
        return found

    def _annotations(self, number: int, old_page: Any, new_page: Any) -> list[Change]:
        old_list = entries(old_page.get("/Annots"))
        new_list = entries(new_page.get("/Annots"))
        old_keys = {ref_key(a) for a in old_list}
        new_keys = {ref_key(a) for a in new_list}
        found = []
        for annot in new_list:
            item = deref(annot) if isinstance(annot, generic.IndirectObject) else annot
            what = annotation_name(item)
            if ref_key(annot) not in old_keys:
                if is_doc_timestamp(item):
                    found.append(self._change("timestamp", "追加了文档时间戳"))
                else:
                    found.append(self._change("annotations", f"第 {number} 页添加了{what}"))
            elif self.changed(annot):
                if self._newly_signed(annot):
                    name = field_name(item)
                    found.append(self._change("signature", f"签名域“{name}”填入了签名"))
                else:
                    found.append(self._change("annotations", f"第 {number} 页的{what}被修改"))
        for annot in old_list:
            if ref_key(annot) not in new_keys:
                item = deref(annot) if isinstance(annot, generic.IndirectObject) else annot
                what = annotation_name(item)
                found.append(self._change("annotations", f"第 {number} 页的{what}被删除"))
        return found

    def _newly_signed(self, annot: Any) -> bool:
        """A signature widget whose (empty) field received its first value in this revision."""
        if not isinstance(annot, generic.IndirectObject):
            return False
        ref = annot.reference
        if self.old.is_ref_unassignable(ref):
            return False
        old, new = sig_field(self.old(ref)), sig_field(self.new(ref))
        return old is not None and new is not None and "/V" not in old and "/V" in new

    def _form(self) -> list[Change]:
        old_form = resolve(self.old.root.get("/AcroForm"))
        new_form = resolve(self.new.root.get("/AcroForm"))
        found = []
        for key in sorted((set(old_form) | set(new_form)) - {"/Fields", "/SigFlags"}):
            if self._differs(old_form.get(key), new_form.get(key)):
                found.append(self._change("form", f"表单字典的 {key} 被修改"))
        old_fields = {ref_key(f) for f in entries(old_form.get("/Fields"))}
        for entry in entries(new_form.get("/Fields")):
            field = resolve(entry)
            if field.get("/Subtype") == "/Widget":
                continue  # a field that is its own widget: judged with the page's annotations
            name = short(field.get("/T", "?"))
            if ref_key(entry) not in old_fields:
                found.append(self._change("form", f"添加了表单域“{name}”"))
            elif self.changed(entry) and not self._newly_signed(entry):
                found.append(self._change("form", f"表单域“{name}”被修改"))
        return found

    def _validation_info(self) -> list[Change]:
        old_dss = self.old.root.get("/DSS")
        new_dss = self.new.root.get("/DSS")
        if new_dss is None or not self._differs(old_dss, new_dss):
            return []
        return [self._change("validation_info", "追加了验证信息（DSS：证书、吊销信息）")]


# -- the whole file ----------------------------------------------------------------------------------


def revision_changes(reader: PdfFileReader, since: int) -> dict[int, list[Change]]:
    """The named changes of every incremental update after revision ``since``, by revision."""
    last = reader.xrefs.total_revisions
    return {rev: RevisionDiff(reader, rev).changes() for rev in range(since + 1, last)}


def appended_bytes(data: bytes, reader: PdfFileReader) -> int:
    """Bytes after the ``startxref N %%EOF`` that ends the last revision (and one line end).

    The end is searched forward from the last cross-reference section, not backward from the
    end of the file, so a copy of the marker appended after extra bytes does not hide them."""
    last = reader.xrefs.total_revisions - 1
    start = reader.xrefs.get_xref_container_info(last).end_location
    expected = reader.xrefs.get_startxref_for_revision(last)
    pos = data.find(b"startxref", start)
    found = re.compile(rb"startxref\s+(\d+)\s*%%EOF").match(data, pos) if pos >= 0 else None
    if found is None or int(found.group(1)) != expected:
        return len(data) - start
    stop = found.end()
    if data[stop : stop + 2] == b"\r\n":
        stop += 2
    elif data[stop : stop + 1] in (b"\n", b"\r"):
        stop += 1
    return len(data) - stop

"""The strict rules pyHanko's difference analysis applies to a signed ledger.

pyHanko's default policy accepts, at the "LTA updates" level, any change to the document
information dictionary and any well-formed XMP metadata, and lets new signature fields be created
after a certification: an update that retitles a ledger passed as "only validation information
was added". A ledger may receive exactly two kinds of update after it is signed:

- validation information: the ``/DSS`` with its certificates, OCSP responses and CRLs (PAdES B-LT),
  or a document timestamp in a new invisible field (B-LTA);
- the countersignature: filling the empty signature field the certification left for it
  (DocMDP P=2 allows form filling, and a ledger has no other form fields).

Signing software rewrites the modification date and producer in ``/Info`` and XMP on every save;
only those bookkeeping entries may differ (``revision.metadata_unchanged``). Everything else is
unexplained, so pyHanko reports it as ``OTHER``; ``ledger/changes.py`` names what it was.
"""

from __future__ import annotations

from collections.abc import Iterable

from pyhanko.pdf_utils.reader import HistoricalResolver
from pyhanko.sign.diff_analysis import (
    CatalogModificationRule,
    DiffPolicy,
    DocInfoRule,
    DSSCompareRule,
    FormUpdatingRule,
    MetadataUpdateRule,
    ModificationLevel,
    ObjectStreamRule,
    ReferenceUpdate,
    SigFieldCreationRule,
    SigFieldModificationRule,
    StandardDiffPolicy,
    XrefStreamRule,
)

from fieldapp.core.ledger.revision import metadata_unchanged


class BookkeepingInfoRule(DocInfoRule):
    """A new ``/Info`` dictionary is allowed only if nothing but the bookkeeping entries changed."""

    def apply(self, old: HistoricalResolver, new: HistoricalResolver) -> Iterable[ReferenceUpdate]:
        if metadata_unchanged(old, new):
            yield from super().apply(old, new)


class BookkeepingXmpRule(MetadataUpdateRule):
    """A rewritten XMP stream is allowed only if nothing but the bookkeeping entries changed.

    The XML is compared, not parsed (pyHanko's syntax check needs lxml, which is optional)."""

    def __init__(self) -> None:
        super().__init__(check_xml_syntax=False)  # type: ignore[no-untyped-call]

    def apply(self, old: HistoricalResolver, new: HistoricalResolver) -> Iterable[ReferenceUpdate]:
        if metadata_unchanged(old, new):
            yield from super().apply(old, new)


def strict_policy() -> DiffPolicy:
    lta = ModificationLevel.LTA_UPDATES
    return StandardDiffPolicy(
        global_rules=[
            CatalogModificationRule(),  # type: ignore[no-untyped-call]
            BookkeepingInfoRule().as_qualified(lta),
            BookkeepingXmpRule().as_qualified(lta),
            XrefStreamRule().as_qualified(lta),
            ObjectStreamRule().as_qualified(lta),
            DSSCompareRule().as_qualified(lta),
        ],
        form_rule=FormUpdatingRule(
            field_rules=[
                # new fields only invisible (document timestamps); never after a certification
                # if visible — pyHanko's default, kept
                SigFieldCreationRule(  # type: ignore[no-untyped-call]
                    allow_new_visible_after_certify=False
                ),
                SigFieldModificationRule(),
            ],
        ),
        reject_object_freeing=True,
        ignore_orphaned_objects=True,
        ignore_identical_objects=True,
    )

"""A received revision's fields, checked and turned into the row ``revisions`` keeps.

Checked only for a revision that is not here yet (one already here is not written again, and an
old bundle may name a form this version no longer has): the form and its declared version, the
state, the field names (for the current version), device and counter, parent, version vector
and merge sources, times and author as texts. Every refusal names the field (BundleError).

The checks need the record alone, so for a large bundle the helper process works them out
(``prepared``) and the importer only reads the result (``Checked``); a revision whose checks
fail there reaches the importer unchecked, which then refuses it where it always did.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from sys import intern
from typing import Any

from fieldapp.core.forms.model import Survey
from fieldapp.core.store.records import STATES
from fieldapp.core.store.versions import REVISION_COLUMNS, Clock, encode_clock
from fieldapp.core.sync.fields import FieldNames, check_uuid, fail, integer, text
from fieldapp.core.sync.limits import MAX_CLOCK_ENTRIES

Checked = tuple[tuple[Any, ...], Clock, str, str | None, list[str]]
"""A checked revision: its ``revisions`` row (values in ``versions.REVISION_COLUMNS`` order, the
data as its text), its clock, the clock and merge sources as ``revision_clocks`` keeps them
(``versions.clock_values``), and the ids of the revisions it merged. A plain tuple: the helper
process sends one per revision (``read_ahead``)."""

ID, HOUSEHOLD, FORM, STATE, DATA, CREATED_AT, DEVICE, SEQ = (
    REVISION_COLUMNS.index(c)
    for c in (
        "id",
        "household_id",
        "form_id",
        "state",
        "data",
        "created_at",
        "device_id",
        "device_seq",
    )
)
"""Where a checked revision's row has these columns."""


def _interned(value: str | None) -> str | None:
    return None if value is None else intern(value)


def row_of(checked: Checked) -> dict[str, Any]:
    """A checked revision's row by column name (what ``merge.receive_revision`` takes)."""
    return dict(zip(REVISION_COLUMNS, checked[0], strict=True))


class RevisionFields:
    def __init__(self, survey: Survey, declared_versions: set[str]) -> None:
        self.survey = survey
        self.versions = declared_versions
        self.field_names = FieldNames(survey)

    def checked(
        self,
        r: Mapping[str, Any],
        data: Mapping[str, Any],
        data_text: str,
        unknown: tuple[str, ...] | None = None,
    ) -> Checked:
        """The revision checked (data as ``data_text``); ``unknown``: the data's unknown field
        names if found already (``prepared``)."""
        form_id = text(r.get("form_id"), "表单", optional=False, limit=40) or ""
        if form_id not in self.survey.forms:
            raise fail(f"数据包中有未知的表单“{form_id}”")
        version = text(r.get("form_version"), "表单版本", optional=False, limit=40) or ""
        if version not in self.versions:
            raise fail(f"数据包中的表单版本 {version} 未在清单中声明")
        state = r.get("state")
        if state not in STATES:
            raise fail("数据包中的版本状态不正确")
        if version == self.survey.version:
            if unknown is None:
                unknown = tuple(self.field_names.unknown(form_id, data))
            if unknown:
                raise fail(f"数据包中的表单 {form_id} 有未知字段：{'、'.join(unknown[:5])}")
        device = text(r.get("device_id"), "设备", optional=False, limit=64) or ""
        seq = integer(r.get("device_seq"), "设备序号", 1)
        parent = r.get("parent_id")
        if parent is not None:
            parent = check_uuid(parent, "上一版本")
        clock = r.get("clock")
        if (
            not isinstance(clock, dict)
            or len(clock) > MAX_CLOCK_ENTRIES
            or not all(isinstance(k, str) and len(k) <= 64 for k in clock)
        ):
            raise fail("数据包中的版本向量格式不正确")
        clean = {intern(str(k)): integer(v, "版本向量", 1) for k, v in clock.items()}
        if clean.get(device) != seq:
            raise fail("数据包中的版本向量与设备序号不符")
        merged = r.get("merged_from") or []
        if not isinstance(merged, list) or len(merged) > 100:
            raise fail("数据包中的合并来源格式不正确")
        merged_ids = [check_uuid(x, "合并来源") for x in merged]
        # the texts most revisions share, as one object each: sent as one in a batch (pickle)
        values = (
            r["id"],
            r["household_id"],
            intern(form_id),
            intern(version),
            intern(state),
            data_text,
            text(r.get("created_at"), "保存时间", optional=False, limit=64),
            _interned(text(r.get("author"), "填写人", limit=200)),
            intern(device),
            seq,
            parent,
        )
        merged_text = json.dumps(merged_ids) if merged_ids else None
        return values, clean, encode_clock(clean), merged_text, merged_ids

"""A third-party check record's revision as it arrives in a laptop bundle (payload ``check``).

Why apart from ``apply``: the record's shape is checked field by field before anything is kept
(store.checks.data_problem for its content), and the importer only decides what to do with it.
The record is the store's row (``check_records``) once it passes; the author is checked by
``authorcheck`` like every other authored record.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from fieldapp.core.store import checks
from fieldapp.core.sync import authorship as authors
from fieldapp.core.sync.authorship import record_label
from fieldapp.core.sync.fields import check_uuid, fail
from fieldapp.core.sync.fields import text as _text
from fieldapp.core.sync.limits import MAX_AUDIT_DETAIL_BYTES


def received_row(r: Mapping[str, Any]) -> dict[str, Any]:
    """The ``check_records`` row a payload record stands for; BundleError naming what is wrong."""
    rid = check_uuid(r.get("id"), "核查记录版本 ID")
    label = record_label(authors.CHECK_RECORD, rid)
    kind = r.get("record_kind")
    data = r.get("data")
    problem = checks.data_problem(str(kind), data)
    if problem is not None:
        raise fail(f"{label}：{problem}")
    data_text = authors.stored_json(data)
    if len(data_text.encode("utf-8", "surrogatepass")) > MAX_AUDIT_DETAIL_BYTES:
        raise fail(f"{label} 的内容超过 {MAX_AUDIT_DETAIL_BYTES:,} 字节，拒绝导入")
    household = r.get("household_id")
    if household is not None:
        household = check_uuid(household, "核查户 ID")
    elif kind == checks.CHECK:
        raise fail(f"{label} 没有核查户")
    parent = r.get("parent_id")
    day = _text(r.get("check_date"), "核查日期", optional=False, limit=10) or ""
    try:
        date.fromisoformat(day)
    except ValueError:
        raise fail(f"{label} 的核查日期不正确") from None
    return {
        "revision_id": rid,
        "record_id": check_uuid(r.get("record_id"), "核查记录 ID"),
        "kind": kind,
        "parent_id": None if parent is None else check_uuid(parent, "上一版本"),
        "household_id": household,
        "region_code": _text(r.get("region_code"), "区县代码", limit=6),
        "check_date": day,
        "data": data_text,
        "created_at": _text(r.get("created_at"), "录入时间", optional=False, limit=64),
        "author": _text(r.get("author"), "录入人", limit=200),
        "device_id": _text(r.get("device_id"), "录入设备", limit=64),
        "source": _text(r.get("source"), "来源", limit=500),
    }

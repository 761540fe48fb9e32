"""An audit record's checks that need nothing but the record, and the row it becomes.

The importer (``apply``) makes them for an audit record as it comes; ``prepared`` makes them in
the helper process of a large import (``read_ahead``), so the importer, the slower of the two,
is left with what needs the database or this moment: the time (not in the future) and the
author (``authorcheck``). Two parts, because those two checks come between them: ``head``
(id, device, detail) before, ``row`` (every other field) after; a record either passes both
or is refused, with the same message, wherever they run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fieldapp.core.sync import authorship as authors
from fieldapp.core.sync.authorship import record_label
from fieldapp.core.sync.fields import check_uuid, fail, text
from fieldapp.core.sync.limits import MAX_AUDIT_DETAIL_BYTES

Head = tuple[str, str | None, str]
"""The record's id, device and detail as stored (its text: the author hash covers it)."""


def head(r: Mapping[str, Any]) -> Head:
    aid = check_uuid(r.get("id"), "审计 ID")
    device = text(r.get("device_id"), "审计设备", limit=64)
    detail = r.get("detail")
    if not isinstance(detail, dict):
        raise fail("数据包中的审计详情格式不正确")
    detail_text = authors.stored_json(detail)
    if len(detail_text.encode("utf-8", "surrogatepass")) > MAX_AUDIT_DETAIL_BYTES:
        raise fail(
            f"{record_label(authors.AUDIT, aid)} 的详情超过 {MAX_AUDIT_DETAIL_BYTES:,} 字节，"
            "拒绝导入"
        )
    return aid, device, detail_text


def row(r: Mapping[str, Any], checked: Head) -> tuple[Any, ...]:
    """The ``audit`` table's row (its columns in ``staging.TABLES`` order)."""
    aid, device, detail_text = checked
    household = r.get("household_id")
    return (
        aid,
        text(r.get("at"), "审计时间", optional=False, limit=64),
        text(r.get("actor"), "操作人", limit=200),
        device,
        text(r.get("action"), "操作", optional=False, limit=64),
        None if household is None else check_uuid(household, "审计户 ID"),
        text(r.get("form_id"), "审计表单", limit=40),
        text(r.get("revision_id"), "审计版本", limit=64),
        detail_text,
    )

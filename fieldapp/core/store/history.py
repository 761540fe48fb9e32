"""A household's revision history in the words of the form: values, differences, the timeline.

Nothing is ever overwritten in the store, so every save can be shown as it was recorded and
compared with the one before it. This is the Qt-free part of the history dialog (formatting
values, diffing two saves, listing saves and status changes), kept here so it is typed strictly
and testable without a screen.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fieldapp.core.forms.fieldtypes import is_empty
from fieldapp.core.forms.model import Field, Form
from fieldapp.core.store.lineage import held_label
from fieldapp.core.store.records import Revision
from fieldapp.core.store.store import Store
from fieldapp.core.values.money import format_yuan
from fieldapp.core.values.regions import RegionTable

STATE_LABELS = {"draft": "草稿", "final": "定稿"}
STATUS_FORM = "__status__"
EMPTY = "—"


def local_time(stamp: str) -> str:
    """'2026-11-23T01:15:00.000+00:00' -> '2026-11-23 09:15' in the laptop's time zone."""
    try:
        moment = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return str(stamp)
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")


# -- values in the words of the form ----------------------------------------------------------------


def format_value(field: Field | None, value: Any, regions: RegionTable | None = None) -> str:
    """One stored value as a cadre reads it: 元 with two decimals, option labels, region names."""
    if is_empty(value):
        return ""
    kind = field.type if field is not None else ""
    if kind == "money":
        return f"{format_yuan(value, grouping=True)} 元" if _is_int(value) else str(value)
    if kind == "select_one" and field is not None:
        return field.option_label(str(value))
    if kind == "select_multiple" and field is not None:
        if isinstance(value, list):
            return "、".join(field.option_label(str(v)) for v in value)
        return str(value)
    if kind == "region" and regions is not None:
        try:
            return regions.full_name(str(value))
        except KeyError:
            return f"{value}（代码不存在）"
    if kind == "signature":
        if isinstance(value, dict) and isinstance(value.get("strokes"), list):
            return f"已签名（{len(value['strokes'])} 笔）"
        if isinstance(value, dict) and "png" in value:
            return "已签名（图片）"
        return "签名数据无效"
    if kind == "attachment":
        items = value if isinstance(value, list) else [value]
        names = []
        for item in items:
            if isinstance(item, dict):
                kind_text = f"（{item['kind']}）" if item.get("kind") else ""
                names.append(f"{item.get('name') or '附件'}{kind_text}")
            else:
                names.append("无效附件记录")
        return f"{len(items)} 个：" + "、".join(names)
    if kind == "repeat":
        return f"{len(value)} 行" if isinstance(value, list) else str(value)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):
        return "、".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def row_title(field: Field, row: Any, number: int, regions: RegionTable | None = None) -> str:
    """'第 2 行（王秀英）': the row number and its title field, as the editor shows it."""
    text = f"第 {number} 行"
    if isinstance(row, dict) and field.row_title:
        child = field.child(field.row_title)
        title = format_value(child, row.get(field.row_title), regions)
        if title:
            text += f"（{title}）"
    return text


def fields_with_sections(form: Form) -> list[tuple[str, Field]]:
    return [(section.title, f) for section in form.sections for f in section.fields if f.has_value]


def extra_names(form: Form, data: dict[str, Any]) -> list[str]:
    known = {f.name for f in form.fields}
    return sorted(k for k in data if k not in known and not k.startswith("_"))


def same_value(a: Any, b: Any) -> bool:
    """Two stored values that read the same (all kinds of empty are one)."""
    if is_empty(a) and is_empty(b):
        return True
    return bool(a == b)


@dataclass(frozen=True)
class Change:
    """One difference between two saves, shown as ``where: old → new``."""

    where: str
    old: str
    new: str


def diff_data(
    form: Form,
    old: dict[str, Any] | None,
    new: dict[str, Any],
    regions: RegionTable | None = None,
) -> list[Change]:
    """What changed from ``old`` to ``new`` (field by field; repeat rows matched by their id)."""
    old = old or {}
    changes: list[Change] = []
    fields = [f for _, f in fields_with_sections(form)]
    for field in fields:
        before, after = old.get(field.name), new.get(field.name)
        if same_value(before, after):
            continue
        if (
            field.type == "repeat"
            and isinstance(before or [], list)
            and isinstance(after or [], list)
        ):
            changes.extend(_diff_rows(field, before or [], after or [], regions))
            continue
        changes.append(
            Change(
                field.label,
                format_value(field, before, regions) or EMPTY,
                format_value(field, after, regions) or EMPTY,
            )
        )
    for name in sorted(set(extra_names(form, old)) | set(extra_names(form, new))):
        if not same_value(old.get(name), new.get(name)):
            changes.append(
                Change(
                    name,
                    format_value(None, old.get(name)) or EMPTY,
                    format_value(None, new.get(name)) or EMPTY,
                )
            )
    return changes


def _diff_rows(
    field: Field, before: list[Any], after: list[Any], regions: RegionTable | None
) -> list[Change]:
    def key(row: Any, index: int) -> str:
        if isinstance(row, dict) and row.get("_id"):
            return str(row["_id"])
        return f"#{index}"

    old_rows = {key(row, i): (i, row) for i, row in enumerate(before)}
    new_keys = [key(row, i) for i, row in enumerate(after)]
    changes: list[Change] = []
    for i, row in enumerate(after):
        k = new_keys[i]
        where = f"{field.label} {row_title(field, row, i + 1, regions)}"
        if k not in old_rows:
            changes.append(Change(where, EMPTY, "新增：" + _row_summary(field, row, regions)))
            continue
        _, old_row = old_rows[k]
        old_row = old_row if isinstance(old_row, dict) else {}
        new_row = row if isinstance(row, dict) else {}
        for child in field.fields:
            if not child.has_value or same_value(old_row.get(child.name), new_row.get(child.name)):
                continue
            changes.append(
                Change(
                    f"{where} · {child.label}",
                    format_value(child, old_row.get(child.name), regions) or EMPTY,
                    format_value(child, new_row.get(child.name), regions) or EMPTY,
                )
            )
    for k, (i, row) in old_rows.items():
        if k not in new_keys:
            changes.append(
                Change(
                    f"{field.label} {row_title(field, row, i + 1, regions)}",
                    _row_summary(field, row, regions),
                    "已删除",
                )
            )
    kept_old = [k for k in (key(r, i) for i, r in enumerate(before)) if k in new_keys]
    kept_new = [k for k in new_keys if k in old_rows]
    if kept_old != kept_new:
        changes.append(Change(field.label, "原顺序", "行顺序已调整"))
    return changes


def _row_summary(field: Field, row: Any, regions: RegionTable | None) -> str:
    if not isinstance(row, dict):
        return str(row)
    parts = []
    for child in field.fields:
        text = format_value(child, row.get(child.name), regions)
        if text and child.has_value:
            parts.append(f"{child.label} {text}")
    return "，".join(parts[:4]) + ("……" if len(parts) > 4 else "") if parts else "（空行）"


# -- the timeline of saves and status changes -------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    at: str  # ISO timestamp as stored (UTC)
    form_id: str  # a form id, or STATUS_FORM for a status change
    what: str
    state: str
    author: str
    revision: Revision | None = None
    status: dict[str, Any] | None = None
    previous_status: str = ""
    saves: int = 1  # drafts folded into this entry (one sitting; ``history_summary.sittings``)
    first_at: str = ""  # the sitting's first save
    base: Revision | None = None  # the save before the sitting
    changed: tuple[str, ...] = ()  # names of the fields the sitting changed

    @property
    def time(self) -> str:
        return local_time(self.at)

    @property
    def span(self) -> str:
        """'2026-11-23 09:15' or, for a sitting, '2026-11-23 09:15–09:42'."""
        if not self.first_at or self.saves < 2:
            return self.time
        start, end = local_time(self.first_at), self.time
        if start == end:
            return end
        return f"{start}–{end[11:]}" if start[:10] == end[:10] else f"{start}–{end}"


def history_entries(store: Store, household_id: str) -> list[HistoryEntry]:
    """Every save of every form and every status change of the household, newest first (saves
    kept beside the current line — conflicts, late arrivals — are marked in ``state``)."""
    survey = store.survey
    entries: list[tuple[str, int, HistoryEntry]] = []
    for order, revision in enumerate(store.history(household_id)):
        title = survey.forms[revision.form_id].title if revision.form_id in survey.forms else ""
        entries.append(
            (
                revision.created_at,
                order,
                HistoryEntry(
                    at=revision.created_at,
                    form_id=revision.form_id,
                    what=f"{revision.form_id} {title}".strip(),
                    state=STATE_LABELS.get(revision.state, revision.state)
                    + (f"（{held_label(revision.held)}）" if revision.held else ""),
                    author=revision.author,
                    revision=revision,
                ),
            )
        )
    previous = "在档"
    for order, change in enumerate(store.status_history(household_id)):
        marked = "（人工认定）" if rules_check(change).get("override") else ""
        entries.append(
            (
                str(change["changed_at"]),
                order,
                HistoryEntry(
                    at=str(change["changed_at"]),
                    form_id=STATUS_FORM,
                    what=f"档案状态：{previous} → {change['status']}{marked}",
                    state="状态变更",
                    author=str(change.get("author") or ""),
                    status=dict(change),
                    previous_status=previous,
                ),
            )
        )
        previous = str(change["status"])
    entries.sort(key=lambda e: (e[0], e[2].form_id != STATUS_FORM, e[1]), reverse=True)
    return [entry for _, _, entry in entries]


def rules_check(change: Mapping[str, Any]) -> dict[str, Any]:
    """What the 脱困/解困 rules said when a status change was made ({} before version 2026.2)."""
    text = change.get("rules_check")
    try:
        check = json.loads(text) if isinstance(text, str) and text else {}
    except ValueError:
        return {}
    return check if isinstance(check, dict) else {}


def rules_check_lines(change: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, text) rows describing a status change's rules check, for the history view."""
    check = rules_check(change)
    if not check:
        return []
    verdict = "符合" if check.get("met") else "不符合"
    rows = [
        ("规则核对", f"{check.get('assessed_on', '')} {verdict}（结果：{check.get('outcome')}）")
    ]
    if check.get("override"):
        rows.append(("人工认定理由", str(check.get("override_reason") or "")))
    reasons = check.get("reasons")
    if isinstance(reasons, list) and reasons:
        rows.append(("核对依据", "；".join(str(r) for r in reasons)))
    return rows


def previous_revision(entries: list[HistoryEntry], revision: Revision) -> Revision | None:
    """The save ``revision`` replaced (its parent; else the one before it of the same form).

    ``entries`` are a household's history as ``history_entries`` gives it (newest first).
    """
    same_form = [
        e.revision
        for e in entries
        if e.revision is not None and e.revision.form_id == revision.form_id
    ]
    by_id = {r.id: r for r in same_form if r is not None}
    if revision.parent_id and revision.parent_id in by_id:
        return by_id[revision.parent_id]
    ordered = [r for r in reversed(same_form) if r is not None]  # oldest first
    for i, candidate in enumerate(ordered):
        if candidate.id == revision.id:
            return ordered[i - 1] if i > 0 else None
    return None

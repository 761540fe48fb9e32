"""What may be saved at all, even as a draft: values of a possible shape, within the hard caps.

A draft keeps every value as typed, valid or not, so nothing a cadre typed is lost. Two kinds of
input are nevertheless refused whole, with a message, because no one typed them and every later
reader (ledger, export, statistics) would have to survive them:

- a value of an impossible shape, which only a JSON file can hold: a repeat group that is not a
  list of rows (``{"problems": [null]}``), a list or object where one value belongs;
- a value beyond the hard caps of values.limits: more characters in one field than
  ``TEXT_FIELD_MAX_CHARS`` (a whole file pasted into a note), or a form larger than
  ``RECORD_MAX_BYTES``. A field's own ``max_length`` is lower and only flags (engine).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from fieldapp.core.forms.model import Field, Form
from fieldapp.core.values.limits import RECORD_MAX_BYTES, TEXT_FIELD_MAX_CHARS, count, size_text

SCALAR = (str, int, float, bool, type(None))
ROW_ID = "_id"


def unstorable(form: Form, data: Mapping[str, Any]) -> str | None:
    """Why ``data`` (one form's values) cannot be saved, or None when it can."""
    problem = next(_shape_problems(form.fields, data, ""), None)
    if problem is not None:
        return f"{problem}，未保存任何内容"
    for label, length in _long_texts(form.fields, data, ""):
        return (
            f"“{label}”已输入 {count(length)} 字，超过每项 {count(TEXT_FIELD_MAX_CHARS)} 字的"
            "上限，无法保存（草稿也不保存），请删减"
        )
    size = len(json.dumps(data, ensure_ascii=False, default=str).encode("utf-8"))
    if size > RECORD_MAX_BYTES:
        return (
            f"{form.title}的数据共 {size_text(size)}，超过每张表 {size_text(RECORD_MAX_BYTES)} "
            "的上限，无法保存"
        )
    return None


def _shape(value: Any) -> str:
    if value is None:
        return " null"
    if isinstance(value, list):
        return "列表"
    if isinstance(value, Mapping):
        return "对象"
    return "数字" if isinstance(value, int | float) else "文字"


def _shape_problems(fields: Sequence[Field], data: Mapping[str, Any], prefix: str) -> Iterator[str]:
    by_name = {f.name: f for f in fields}
    for key, value in data.items():
        f = by_name.get(key)
        if f is None:
            if key == ROW_ID and not isinstance(value, str):
                yield f"{prefix}行标识 {ROW_ID} 应为文字"
            continue  # unknown names are refused by name (engine.unknown_fields)
        label = prefix + f.label
        if value is None:
            continue
        if f.type == "repeat":
            if not isinstance(value, list):
                yield f"“{label}”应为表格行的列表，而不是{_shape(value)}"
                continue
            for i, row in enumerate(value, 1):
                if not isinstance(row, Mapping):
                    yield f'“{label}”第 {i} 行应为对象（{{"字段名": 值}}），而不是{_shape(row)}'
                else:
                    yield from _shape_problems(f.fields, row, f"{label}第 {i} 行 ")
        elif f.type == "signature":
            if not isinstance(value, Mapping):
                yield f"“{label}”应为签名数据（对象），而不是{_shape(value)}"
        elif f.type == "attachment":
            items = value if isinstance(value, list) else [value]
            if not all(isinstance(item, Mapping) for item in items):
                yield f"“{label}”应为附件记录（对象或对象列表）"
        elif f.type == "select_multiple" and isinstance(value, list):
            if not all(isinstance(item, SCALAR) for item in value):
                yield f"“{label}”应为选项的列表，列表中不能再有列表或对象"
        elif not isinstance(value, SCALAR):
            yield f"“{label}”应为一个值，而不是{_shape(value)}"


def _long_texts(
    fields: Sequence[Field], data: Mapping[str, Any], prefix: str
) -> Iterator[tuple[str, int]]:
    by_name = {f.name: f for f in fields}
    for key, value in data.items():
        f = by_name.get(key)
        label = prefix + (f.label if f is not None else str(key))
        if f is not None and f.type == "signature":
            continue  # a drawn signature is large by nature; the per-form cap still applies
        if f is not None and f.type == "repeat" and isinstance(value, list):
            for i, row in enumerate(value, 1):
                yield from _long_texts(f.fields, row, f"{label}第 {i} 行 ")
            continue
        yield from _strings(value, label)


def _strings(value: Any, label: str) -> Iterator[tuple[str, int]]:
    """Every string in ``value`` (in attachment records and option lists too) over the cap."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if len(item) > TEXT_FIELD_MAX_CHARS:
                yield label, len(item)
        elif isinstance(item, Mapping):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)

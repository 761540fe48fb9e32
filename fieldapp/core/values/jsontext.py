"""JSON from outside the program (a file given to the command line, a bundle, an enrollment file).

``json.loads`` trusts its input: 100,000 nested brackets end in a RecursionError, and a deep but
parseable document breaks whatever walks it next. ``parse_json`` bounds both the size and the
nesting depth (values.limits) and reports every failure as a ``ValueError`` with a Chinese message,
so callers turn it into their own refusal with one ``except ValueError``.
"""

from __future__ import annotations

import json
from typing import Any

from fieldapp.core.values.limits import JSON_MAX_BYTES, JSON_MAX_DEPTH, LimitError, size_text


class BadJson(ValueError):
    """Text that is not JSON; the message says where."""


def parse_json(
    data: str | bytes,
    what: str,
    *,
    max_bytes: int = JSON_MAX_BYTES,
    max_depth: int = JSON_MAX_DEPTH,
) -> Any:
    """The parsed document, or BadJson / LimitError (both ValueError) naming ``what``."""
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise LimitError(f"{what} 过大：JSON 数据最多 {size_text(max_bytes)}")
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise BadJson(f"{what} 不是 UTF-8 文本") from None
    try:
        value = json.loads(text, parse_constant=lambda name: _no_constant(name, what))
    except json.JSONDecodeError as exc:
        raise BadJson(
            f"{what} 不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列 {exc.msg}"
        ) from None
    except RecursionError:
        raise _too_deep(what, max_depth) from None
    if depth(value, max_depth) > max_depth:
        raise _too_deep(what, max_depth)
    return value


def _no_constant(name: str, what: str) -> Any:
    """NaN and Infinity are not JSON (Python reads them; SQLite's JSON functions do not)."""
    raise BadJson(f"{what} 不是有效的 JSON：{name} 不是 JSON 数值")


def depth(value: Any, stop: int = JSON_MAX_DEPTH) -> int:
    """Nesting depth of arrays and objects (a scalar is 0); stops counting past ``stop``."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        node, level = pending.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        level += 1
        deepest = max(deepest, level)
        if deepest > stop:
            return deepest
        pending.extend((child, level) for child in children)
    return deepest


def _too_deep(what: str, max_depth: int) -> LimitError:
    return LimitError(f"{what} 的嵌套层数超过 {max_depth} 层，不是户户清可以读取的数据")

"""Documents from outside the program: JSON (a file given to the command line, a bundle's
manifest, an enrollment file) and YAML (form definitions, policy catalogs edited by hand).

The parsers trust their input: 100,000 nested brackets end in a RecursionError, and a deep but
parseable document breaks whatever walks it next. ``parse_json`` and ``read_yaml`` bound the size
and the nesting (values.limits) and report every failure as a ``ValueError`` with a Chinese
message, so callers turn it into their own refusal with one ``except ValueError`` (``read_yaml``
leaves ``yaml.YAMLError``, which carries the line, to its callers).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from fieldapp.core.values.limits import (
    JSON_MAX_BYTES,
    JSON_MAX_DEPTH,
    YAML_FILE_MAX_BYTES,
    YAML_FILE_MAX_NODES,
    LimitError,
    check_file_size,
    count,
    size_text,
)


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
    check_nesting(value, what, max_depth=max_depth)
    return value


def read_yaml(path: Path, what: str) -> Any:
    """A hand-edited YAML file (yaml.safe_load), bounded in size, nesting and expanded aliases.

    Raises OSError, UnicodeDecodeError, LimitError or yaml.YAMLError."""
    check_file_size(path.stat().st_size, YAML_FILE_MAX_BYTES, what)
    text = path.read_text(encoding="utf-8")
    try:
        doc = yaml.safe_load(text)
    except RecursionError:
        raise _too_deep(what, JSON_MAX_DEPTH) from None
    check_nesting(doc, what, max_nodes=YAML_FILE_MAX_NODES)
    return doc


def _no_constant(name: str, what: str) -> Any:
    """NaN and Infinity are not JSON (Python reads them; SQLite's JSON functions do not)."""
    raise BadJson(f"{what} 不是有效的 JSON：{name} 不是 JSON 数值")


def check_nesting(
    value: Any, what: str, *, max_depth: int = JSON_MAX_DEPTH, max_nodes: int | None = None
) -> None:
    """Refuse a parsed document nested deeper than ``max_depth`` or, when given, with more than
    ``max_nodes`` values (YAML aliases can make a short file a huge tree: "billion laughs")."""
    nodes = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        node, level = pending.pop()
        nodes += 1
        if max_nodes is not None and nodes > max_nodes:
            raise LimitError(f"{what} 的内容过多（超过 {count(max_nodes)} 项），不是可以读取的数据")
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if level + 1 > max_depth:
            raise _too_deep(what, max_depth)
        pending.extend((child, level + 1) for child in children)


def _too_deep(what: str, max_depth: int) -> LimitError:
    return LimitError(f"{what} 的嵌套层数超过 {max_depth} 层，不是户户清可以读取的数据")

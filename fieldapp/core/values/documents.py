"""Documents from outside the program: JSON (a file given to the command line, a bundle's
manifest, an enrollment file) and YAML (form definitions, policy catalogs edited by hand).

The parsers trust their input: 100,000 nested brackets end in a RecursionError, a 5,000-digit
number in a ValueError, ``1e400`` becomes infinity and ``"\\ud800"`` a string SQLite cannot store;
a deep but parseable document breaks whatever walks it next. ``parse_json`` and ``read_yaml``
bound the size and the nesting (values.limits), refuse what cannot be stored, and report every
failure as a ``ValueError`` with a Chinese message, so callers turn it into their own refusal with
one ``except ValueError`` (``read_yaml`` leaves ``yaml.YAMLError``, which carries the line, to its
callers). A UTF-8 byte-order mark (Windows Notepad writes one) is accepted.
"""

from __future__ import annotations

import json
import math
import re
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

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's loader when PyYAML has it: seven times faster, and it limits nesting itself (its
error messages are vaguer, so a file it refuses is parsed again in Python for the message)."""


_BRACKETS = re.compile(r"[\[\]{}]")


class BadJson(ValueError):
    """Text that is not JSON (or not JSON the program can keep); the message says why."""


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
        raise LimitError(f"{_subject(what)}过大：JSON 数据最多 {size_text(max_bytes)}")
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise BadJson(f"{_subject(what)}不是 UTF-8 文本") from None

    def number(literal: str) -> float:
        value = float(literal)
        if not math.isfinite(value):
            raise BadJson(f"{_subject(what)}不是有效的 JSON：数值 {literal[:20]} 超出范围")
        return value

    def constant(name: str) -> Any:  # NaN and Infinity: Python reads them, JSON has none
        raise BadJson(f"{_subject(what)}不是有效的 JSON：{name} 不是 JSON 数值")

    try:
        value = json.loads(text, parse_float=number, parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise BadJson(
            f"{_subject(what)}不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列 {exc.msg}"
        ) from None
    except BadJson:
        raise
    except ValueError:  # an integer longer than Python converts (4,300 digits)
        raise BadJson(f"{_subject(what)}不是有效的 JSON：数字位数过多") from None
    except RecursionError:
        raise _too_deep(what, max_depth) from None
    check_nesting(value, what, max_depth=max_depth)
    return value


def read_yaml(path: Path, what: str) -> Any:
    """A hand-edited YAML file (safe loading), bounded in size, nesting and expanded aliases.

    Raises OSError, UnicodeDecodeError, LimitError, BadJson (text that cannot be stored) or
    yaml.YAMLError."""
    check_file_size(path.stat().st_size, YAML_FILE_MAX_BYTES, what)
    text = path.read_text(encoding="utf-8-sig")
    if _bracket_depth(text) > JSON_MAX_DEPTH:  # PyYAML's own scanner is quadratic in this
        raise _too_deep(what, JSON_MAX_DEPTH)
    try:
        try:
            doc = yaml.load(text, Loader=SAFE_LOADER)
        except yaml.YAMLError as exc:
            if "nesting depth" in str(exc):
                raise _too_deep(what, JSON_MAX_DEPTH) from None
            doc = yaml.safe_load(text)  # parse again for the pure-Python parser's clearer message
    except RecursionError:
        raise _too_deep(what, JSON_MAX_DEPTH) from None
    check_nesting(doc, what, max_nodes=YAML_FILE_MAX_NODES)
    return doc


def _bracket_depth(text: str) -> int:
    """The deepest nesting of [] and {} in ``text``, quotes ignored (an upper bound for YAML)."""
    deepest = level = 0
    for match in _BRACKETS.finditer(text):
        level = level + 1 if match.group() in "[{" else max(level - 1, 0)
        deepest = max(deepest, level)
    return deepest


def check_nesting(
    value: Any, what: str, *, max_depth: int = JSON_MAX_DEPTH, max_nodes: int | None = None
) -> None:
    """Refuse a parsed document nested deeper than ``max_depth``, with text that is not valid
    Unicode (a lone surrogate such as "\\ud800"), or, when given, with more than ``max_nodes``
    values (YAML aliases can make a short file a huge tree: "billion laughs")."""
    nodes = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        node, level = pending.pop()
        nodes += 1
        if max_nodes is not None and nodes > max_nodes:
            raise LimitError(
                f"{_subject(what)}的内容过多（超过 {count(max_nodes)} 项），不是可以读取的数据"
            )
        if isinstance(node, str):
            if not node.isascii() and not _is_unicode(node):
                raise BadJson(f"{_subject(what)}含有无效的字符（不成对的 UTF-16 代理项），无法保存")
            continue
        if isinstance(node, dict):
            children: list[Any] = [*node.keys(), *node.values()]
        elif isinstance(node, list):
            children = node
        else:
            continue
        if level + 1 > max_depth:
            raise _too_deep(what, max_depth)
        pending.extend((child, level + 1) for child in children)


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _too_deep(what: str, max_depth: int) -> LimitError:
    return LimitError(f"{_subject(what)}的嵌套层数超过 {max_depth} 层，不是户户清可以读取的数据")


def _subject(what: str) -> str:
    """``what`` at the start of a message: a file name is set apart by a space, '表单文件' is not."""
    return what + " " if what[-1:].isascii() else what

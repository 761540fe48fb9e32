"""Source text to tokens.

Why: a small scanner of our own (not Python's ``tokenize``) means only the language's tokens exist,
and the usual slips of people typing on a Chinese input method (full-width punctuation, ``=`` for
``==``, unquoted Chinese text) get a specific bilingual hint at the exact column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from fieldapp.core.forms.expr.errors import ExprError

_KEYWORDS: Final = frozenset({"and", "or", "not", "in", "true", "false", "null"})
_NAME_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER_RE: Final = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_TWO_CHAR_OPS: Final = frozenset({"==", "!=", "<=", ">="})
_ONE_CHAR_OPS: Final = frozenset("<>+-*/%()[],.")
_ESCAPES: Final = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t"}
_FULL_WIDTH: Final = {
    "（": "(", "）": ")", "，": ",", "＝": "=", "＜": "<", "＞": ">", "＋": "+", "－": "-",
    "＊": "*", "／": "/", "％": "%", "［": "[", "］": "]", "【": "[", "】": "]", "。": ".",
    "．": ".", "！": "!", "‘": "'", "’": "'", "“": '"', "”": '"',
}  # fmt: skip
_HINTS: Final = {
    "=": ("use '==' to compare", "比较请用 '=='"),
    "!": ("use 'not' or '!='", "请用 'not' 或 '!='"),
    "&": ("use 'and'", "请用 'and'"),
    "|": ("use 'or'", "请用 'or'"),
}


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "num", "str", "name", "kw", "op" or "end"
    text: str  # the source text (for "str": the decoded value)
    pos: int


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch.isspace():
            i += 1
        elif ch in "'\"":
            value, end = _read_string(source, i)
            tokens.append(Token("str", value, i))
            i = end
        elif "0" <= ch <= "9":
            m = _NUMBER_RE.match(source, i)
            assert m is not None
            end = m.end()
            if end < n and (source[end] == "." or source[end].isalnum() or source[end] == "_"):
                raise ExprError(
                    f"malformed number / 数字格式错误 '{source[i : end + 1]}'", i, source
                )
            tokens.append(Token("num", m.group(), i))
            i = end
        elif ch.isascii() and (ch.isalpha() or ch == "_"):
            m = _NAME_RE.match(source, i)
            assert m is not None
            word = m.group()
            tokens.append(Token("kw" if word in _KEYWORDS else "name", word, i))
            i = m.end()
        elif source.startswith(tuple(_TWO_CHAR_OPS), i):
            tokens.append(Token("op", source[i : i + 2], i))
            i += 2
        elif ch in _ONE_CHAR_OPS:
            tokens.append(Token("op", ch, i))
            i += 1
        else:
            raise _bad_character(source, i)
    tokens.append(Token("end", "", n))
    return tokens


def _read_string(source: str, start: int) -> tuple[str, int]:
    """Decode the quoted string at ``start``; return its value and the index after it."""
    quote = source[start]
    out: list[str] = []
    i = start + 1
    while i < len(source):
        ch = source[i]
        if ch == quote:
            return "".join(out), i + 1
        if ch == "\\":
            nxt = source[i + 1] if i + 1 < len(source) else ""
            if nxt not in _ESCAPES:
                raise ExprError(
                    f"unknown escape '\\{nxt}' in text / 文本中有无效的转义 '\\{nxt}'", i, source
                )
            out.append(_ESCAPES[nxt])
            i += 2
        else:
            out.append(ch)
            i += 1
    raise ExprError("text is missing its closing quote / 文本缺少结束引号", start, source)


def _bad_character(source: str, i: int) -> ExprError:
    ch = source[i]
    if ch in _FULL_WIDTH:
        ascii_ch = _FULL_WIDTH[ch]
        return ExprError(
            f"full-width character '{ch}', use ASCII '{ascii_ch}' / 全角字符“{ch}”，"
            f"请改用半角 '{ascii_ch}'",
            i,
            source,
        )
    if ch in _HINTS:
        en, zh = _HINTS[ch]
        return ExprError(f"unexpected '{ch}', {en} / 意外的 '{ch}'，{zh}", i, source)
    if not ch.isascii():
        return ExprError(
            f"unexpected character '{ch}'; names must be ASCII and text must be quoted"
            f" / 意外的字符“{ch}”：字段名只能用英文字母，文字需加引号",
            i,
            source,
        )
    return ExprError(f"unexpected character '{ch}' / 意外的字符 '{ch}'", i, source)

"""The small expression language used in form definitions (show-if, constraints, calculations).

Why: office staff write these snippets in YAML, so running them with Python ``eval`` would let a
typo or a hostile file execute arbitrary code, and binary floats would get money wrong. This
module therefore has its own tokenizer, precedence-climbing parser and tree-walking evaluator:
numbers are ``decimal.Decimal``, null behaves as in SQL, division by zero gives null, and every
problem (syntax, unknown function, type mismatch, too deep or too long) is an ``ExprError`` that
the host can show to the user. Nothing here imports Qt.

Grammar (lowest precedence first)::

    expr       := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := additive [("==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not in") additive]
    additive   := term (("+" | "-") term)*
    term       := unary (("*" | "/" | "%") unary)*
    unary      := "-" unary | primary
    primary    := NUMBER | STRING | "true" | "false" | "null" | "[" [expr ("," expr)*] "]"
                | NAME "(" [expr ("," expr)*] ")" | NAME ("." NAME)* | "(" expr ")"

Comparisons do not chain (``a < b < c`` is an error), and ``not`` right after an arithmetic or
comparison operator needs parentheses (``a == (not b)``).
"""

from __future__ import annotations

import calendar
import functools
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DecimalException,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from types import MappingProxyType
from typing import Any, Final, Protocol

__all__ = [
    "DEFAULT_FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MISSING",
    "CallContext",
    "DictScope",
    "ExprError",
    "Expression",
    "FunctionSpec",
    "Scope",
    "UnknownName",
    "evaluate",
    "parse",
]

MAX_LENGTH: Final = 2000
"""Longest accepted expression source, in characters."""
MAX_DEPTH: Final = 50
"""Deepest accepted nesting of parentheses, brackets, calls and prefix operators."""

# One fixed context so results never depend on the host thread's decimal settings.
_CTX: Final = Context(
    prec=28,
    rounding=ROUND_HALF_EVEN,
    Emax=999_999,
    Emin=-999_999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)


# --------------------------------------------------------------------------- errors


class ExprError(Exception):
    """Any problem with an expression. ``position`` is a 0-based offset into ``source``."""

    def __init__(
        self, message: str, position: int | None = None, source: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.source = source

    @property
    def line(self) -> int | None:
        """1-based line of the error, if known."""
        if self.position is None:
            return None
        return (self.source or "").count("\n", 0, self.position) + 1

    @property
    def column(self) -> int | None:
        """1-based column (within its line) of the error, if known."""
        if self.position is None:
            return None
        start = (self.source or "").rfind("\n", 0, self.position) + 1
        return self.position - start + 1

    def __str__(self) -> str:
        if self.position is None:
            return self.message
        if self.source is not None and "\n" in self.source:
            return (
                f"{self.message} (line {self.line}, column {self.column}"
                f" / 第 {self.line} 行第 {self.column} 列)"
            )
        return f"{self.message} (column {self.column} / 第 {self.column} 列)"


class UnknownName(ExprError):
    """A name that the scope does not know."""

    def __init__(self, path: tuple[str, ...], hint: str = "") -> None:
        dotted = ".".join(path)
        super().__init__(f"unknown name '{dotted}' / 未知名称 {dotted}{hint}")
        self.path = path


def _fail(en: str, zh: str) -> ExprError:
    return ExprError(f"{en} / {zh}")


def _locate(exc: ExprError, position: int, source: str) -> None:
    if exc.position is None:
        exc.position = position
        exc.source = source


# --------------------------------------------------------------------------- tokens

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
class _Token:
    kind: str  # "num", "str", "name", "kw", "op" or "end"
    text: str  # the source text (for "str": the decoded value)
    pos: int


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch.isspace():
            i += 1
        elif ch in "'\"":
            value, end = _read_string(source, i)
            tokens.append(_Token("str", value, i))
            i = end
        elif "0" <= ch <= "9":
            m = _NUMBER_RE.match(source, i)
            assert m is not None
            end = m.end()
            if end < n and (source[end] == "." or source[end].isalnum() or source[end] == "_"):
                raise ExprError(
                    f"malformed number / 数字格式错误 '{source[i : end + 1]}'", i, source
                )
            tokens.append(_Token("num", m.group(), i))
            i = end
        elif ch.isascii() and (ch.isalpha() or ch == "_"):
            m = _NAME_RE.match(source, i)
            assert m is not None
            word = m.group()
            tokens.append(_Token("kw" if word in _KEYWORDS else "name", word, i))
            i = m.end()
        elif source.startswith(tuple(_TWO_CHAR_OPS), i):
            tokens.append(_Token("op", source[i : i + 2], i))
            i += 2
        elif ch in _ONE_CHAR_OPS:
            tokens.append(_Token("op", ch, i))
            i += 1
        else:
            raise _bad_character(source, i)
    tokens.append(_Token("end", "", n))
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


# --------------------------------------------------------------------------- syntax tree


@dataclass(frozen=True, slots=True)
class _Literal:
    value: object
    pos: int


@dataclass(frozen=True, slots=True)
class _ListNode:
    items: tuple[_Node, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class _Name:
    path: tuple[str, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class _Neg:
    operand: _Node
    pos: int


@dataclass(frozen=True, slots=True)
class _Not:
    operand: _Node
    pos: int


@dataclass(frozen=True, slots=True)
class _BoolOp:
    """``a and b and c`` (or ``or``) as one node, so long chains do not nest deeply."""

    op: str
    operands: tuple[_Node, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class _Chain:
    """``a + b - c`` (or ``* / %``) as one left-to-right node; rest is (op, op position, node)."""

    first: _Node
    rest: tuple[tuple[str, int, _Node], ...]
    pos: int


@dataclass(frozen=True, slots=True)
class _Compare:
    op: str
    left: _Node
    right: _Node
    pos: int


@dataclass(frozen=True, slots=True)
class _Call:
    name: str
    args: tuple[_Node, ...]
    pos: int


_Node = _Literal | _ListNode | _Name | _Neg | _Not | _BoolOp | _Chain | _Compare | _Call

# Binding power of the binary operators; "not" (prefix) sits between "and" and comparisons.
_OR, _AND, _NOT, _CMP, _ADD, _MUL = 1, 2, 3, 4, 5, 6
_BINARY_POWER: Final = {
    "or": _OR,
    "and": _AND,
    "==": _CMP,
    "!=": _CMP,
    "<": _CMP,
    "<=": _CMP,
    ">": _CMP,
    ">=": _CMP,
    "in": _CMP,
    "not in": _CMP,
    "+": _ADD,
    "-": _ADD,
    "*": _MUL,
    "/": _MUL,
    "%": _MUL,
}


class _Parser:
    """Precedence climbing rather than one method per grammar rule, so the parser uses only a
    few Python frames per nesting level and MAX_DEPTH keeps it far from the recursion limit.
    Left-associative runs (``a + b - c``, ``a and b and c``) become one flat node."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = _tokenize(source)
        self.i = 0
        self.depth = 0

    # -- helpers
    def peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def advance(self) -> _Token:
        tok = self.tokens[self.i]
        if tok.kind != "end":
            self.i += 1
        return tok

    def at(self, kind: str, text: str) -> bool:
        tok = self.peek()
        return tok.kind == kind and tok.text == text

    def error(self, en: str, zh: str, tok: _Token | None = None) -> ExprError:
        tok = tok or self.peek()
        return ExprError(f"{en} / {zh}", tok.pos, self.source)

    def unexpected(self, tok: _Token | None = None) -> ExprError:
        tok = tok or self.peek()
        if tok.kind == "end":
            return self.error("unexpected end of expression", "表达式不完整", tok)
        shown = repr(tok.text) if tok.kind == "str" else f"'{tok.text}'"
        return self.error(f"unexpected {shown}", f"此处不应出现 {shown}", tok)

    def expect_op(self, text: str) -> _Token:
        if not self.at("op", text):
            tok = self.peek()
            what = "end of expression" if tok.kind == "end" else f"'{tok.text}'"
            raise self.error(f"expected '{text}' but found {what}", f"此处应为 '{text}'")
        return self.advance()

    def enter(self, tok: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(
                f"expression nested too deeply (more than {MAX_DEPTH} levels)",
                f"表达式嵌套超过 {MAX_DEPTH} 层",
                tok,
            )

    def binary_op(self) -> str | None:
        """The binary operator at the current token ('not in' spans two tokens), if any."""
        tok = self.peek()
        if tok.kind == "op" and tok.text in _BINARY_POWER:
            return tok.text
        if tok.kind == "kw":
            if tok.text in ("and", "or", "in"):
                return tok.text
            nxt = self.peek(1)
            if tok.text == "not" and nxt.kind == "kw" and nxt.text == "in":
                return "not in"
        return None

    # -- grammar
    def parse(self) -> _Node:
        if self.peek().kind == "end":
            raise self.error("empty expression", "表达式为空")
        node = self.expression(_OR)
        if self.peek().kind != "end":
            raise self.unexpected()
        return node

    def expression(self, min_power: int) -> _Node:
        left = self.prefix(min_power)
        compared = False
        while True:
            op = self.binary_op()
            if op is None or _BINARY_POWER[op] < min_power:
                return left
            power = _BINARY_POWER[op]
            tok = self.advance()
            if op == "not in":
                self.advance()
            right = self.expression(power + 1)
            if power == _CMP:
                if compared:
                    raise self.error(
                        "comparisons cannot be chained; join them with 'and'",
                        "比较不能连写，请用 'and' 连接",
                        tok,
                    )
                left = _Compare(op, left, right, tok.pos)
                compared = True
            elif power in (_OR, _AND):
                if isinstance(left, _BoolOp) and left.op == op:
                    left = _BoolOp(op, (*left.operands, right), left.pos)
                else:
                    left = _BoolOp(op, (left, right), tok.pos)
            elif isinstance(left, _Chain) and _BINARY_POWER[left.rest[0][0]] == power:
                left = _Chain(left.first, (*left.rest, (op, tok.pos, right)), left.pos)
            else:
                left = _Chain(left, ((op, tok.pos, right),), tok.pos)

    def prefix(self, min_power: int) -> _Node:
        tok = self.peek()
        if tok.kind == "kw" and tok.text == "not":
            if min_power > _NOT:
                raise self.error(
                    "put 'not ...' in parentheses here", "此处的 'not ...' 需要加括号", tok
                )
            self.advance()
            self.enter(tok)
            operand = self.expression(_NOT)
            self.depth -= 1
            return _Not(operand, tok.pos)
        if tok.kind == "op" and tok.text == "-":
            self.advance()
            self.enter(tok)
            operand = self.prefix(_MUL + 1)
            self.depth -= 1
            return _Neg(operand, tok.pos)
        return self.primary()

    def primary(self) -> _Node:
        tok = self.peek()
        if tok.kind == "num":
            self.advance()
            return _Literal(Decimal(tok.text), tok.pos)
        if tok.kind == "str":
            self.advance()
            return _Literal(tok.text, tok.pos)
        if tok.kind == "kw" and tok.text in ("true", "false", "null"):
            self.advance()
            value = {"true": True, "false": False, "null": None}[tok.text]
            return _Literal(value, tok.pos)
        if tok.kind == "name":
            return self.name_or_call()
        if self.at("op", "("):
            self.advance()
            self.enter(tok)
            node = self.expression(_OR)
            self.expect_op(")")
            self.depth -= 1
            return node
        if self.at("op", "["):
            self.advance()
            self.enter(tok)
            items = self.arguments("]")
            self.depth -= 1
            return _ListNode(items, tok.pos)
        raise self.unexpected()

    def arguments(self, closer: str) -> tuple[_Node, ...]:
        items: list[_Node] = []
        if self.at("op", closer):
            self.advance()
            return ()
        while True:
            items.append(self.expression(_OR))
            if self.at("op", ","):
                self.advance()
                continue
            if self.at("op", closer):
                self.advance()
                return tuple(items)
            tok = self.peek()
            what = "end of expression" if tok.kind == "end" else f"'{tok.text}'"
            raise self.error(
                f"expected ',' or '{closer}' but found {what}", f"此处应为 ',' 或 '{closer}'"
            )

    def name_or_call(self) -> _Node:
        tok = self.advance()
        if self.at("op", "("):
            self.advance()
            self.enter(tok)
            args = self.arguments(")")
            self.depth -= 1
            return _Call(tok.text, args, tok.pos)
        path = [tok.text]
        while self.at("op", "."):
            self.advance()
            step = self.peek()
            if step.kind != "name":
                raise self.error("expected a field name after '.'", "'.' 后应为字段名")
            self.advance()
            path.append(step.text)
        if self.at("op", "("):
            raise self.error(
                f"'{'.'.join(path)}' is not a function name", f"“{'.'.join(path)}”不是函数名"
            )
        return _Name(tuple(path), tok.pos)


def _walk(root: _Node) -> tuple[frozenset[tuple[str, ...]], tuple[tuple[str, int, int], ...]]:
    """Every name path, and every call as (name, argument count, position)."""
    names: set[tuple[str, ...]] = set()
    calls: list[tuple[str, int, int]] = []
    stack: list[_Node] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, _Name):
            names.add(node.path)
        elif isinstance(node, _Call):
            calls.append((node.name, len(node.args), node.pos))
            stack.extend(node.args)
        elif isinstance(node, _ListNode):
            stack.extend(node.items)
        elif isinstance(node, _Neg | _Not):
            stack.append(node.operand)
        elif isinstance(node, _BoolOp):
            stack.extend(node.operands)
        elif isinstance(node, _Chain):
            stack.append(node.first)
            stack.extend(operand for _, _, operand in node.rest)
        elif isinstance(node, _Compare):
            stack.extend((node.left, node.right))
    calls.sort(key=lambda call: call[2])
    return frozenset(names), tuple(calls)


# --------------------------------------------------------------------------- public API


@dataclass(frozen=True)
class Expression:
    """A parsed expression. Build with :func:`parse`; equal when the sources are equal."""

    source: str
    _root: _Node = field(repr=False, compare=False)
    _names: frozenset[tuple[str, ...]] = field(repr=False, compare=False)
    _calls: tuple[tuple[str, int, int], ...] = field(repr=False, compare=False)

    def names(self) -> set[tuple[str, ...]]:
        """Every name path referenced, e.g. {('members', 'health'), ('population',)}."""
        return set(self._names)

    def functions(self) -> set[str]:
        """Every function called."""
        return {name for name, _, _ in self._calls}


@dataclass(frozen=True)
class CallContext:
    """What a function with ``needs_context=True`` receives as its first argument."""

    today: date
    scope: Scope


@dataclass(frozen=True)
class FunctionSpec:
    """A function callable from expressions.

    ``impl`` gets the evaluated arguments (numbers as Decimal). With ``lazy`` it gets zero-argument
    callables instead and evaluates only the ones it needs (as ``if`` does). With
    ``needs_context`` a :class:`CallContext` is passed first. ``max_args`` None means varargs.
    """

    impl: Callable[..., object]
    min_args: int = 0
    max_args: int | None = None
    lazy: bool = False
    needs_context: bool = False
    doc: str = ""

    def accepts(self, count: int) -> bool:
        return count >= self.min_args and (self.max_args is None or count <= self.max_args)


class Scope(Protocol):
    """Resolves a name path. Raise :class:`UnknownName` (or return :data:`MISSING`) if unknown."""

    def resolve(self, path: tuple[str, ...]) -> object: ...


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()
"""A scope may return this instead of raising UnknownName."""


class DictScope:
    """Resolves names over a chain of dicts: row, then form, then root (other forms as A, B...).

    The first dict containing the path's first key wins. A step over a list maps the step over
    every element (a repeat group's column), flattening list-valued cells one level, so
    ``members.health`` is the list of every member's health. Missing keys inside list elements
    and steps through null give null; a missing key in a plain dict is an unknown name.
    """

    def __init__(self, *layers: Mapping[str, object]) -> None:
        self.layers = layers

    def resolve(self, path: tuple[str, ...]) -> object:
        for layer in self.layers:
            if path[0] in layer:
                value = layer[path[0]]
                for key in path[1:]:
                    value = _step(value, key, path)
                return value
        raise UnknownName(path)


def _step(value: object, key: str, path: tuple[str, ...]) -> object:
    if value is None:
        return None
    if isinstance(value, Mapping):
        if key in value:
            return value[key]
        raise UnknownName(path)
    if isinstance(value, list | tuple):
        out: list[object] = []
        for item in value:
            if isinstance(item, Mapping):
                got = item.get(key)
            elif item is None:
                got = None
            else:
                got = _step(item, key, path)
            if isinstance(got, list | tuple):
                out.extend(got)
            else:
                out.append(got)
        return out
    dotted = ".".join(path)
    en, zh = _type_name(value)
    raise _fail(f"cannot take '{key}' of {en} in '{dotted}'", f"“{dotted}”中的{zh}没有“{key}”字段")


@functools.lru_cache(maxsize=2048)
def _parse_cached(source: str) -> Expression:
    try:
        root = _Parser(source).parse()
    except RecursionError as exc:  # pragma: no cover - MAX_DEPTH keeps well below the limit
        raise ExprError("expression too complex / 表达式过于复杂", 0, source) from exc
    names, calls = _walk(root)
    return Expression(source, root, names, calls)


def _check_calls(expr: Expression, functions: Mapping[str, FunctionSpec]) -> None:
    for name, count, pos in expr._calls:
        spec = functions.get(name)
        if spec is None:
            raise ExprError(f"unknown function '{name}' / 未知函数 {name}", pos, expr.source)
        if not spec.accepts(count):
            raise ExprError(_arity_message(name, spec, count), pos, expr.source)


def _arity_message(name: str, spec: FunctionSpec, count: int) -> str:
    low, high = spec.min_args, spec.max_args
    if high is None:
        en, zh = f"at least {low}", f"至少 {low} 个"
    elif low == high:
        en, zh = f"{low}", f"{low} 个"
    else:
        en, zh = f"{low} to {high}", f"{low} 到 {high} 个"
    return (
        f"function '{name}' takes {en} argument(s), got {count}"
        f" / 函数 {name} 需要 {zh}参数，实际 {count} 个"
    )


def parse(source: str, functions: Mapping[str, FunctionSpec] | None = None) -> Expression:
    """Parse ``source``; check that every called function exists (in ``functions``, default
    :data:`DEFAULT_FUNCTIONS`) and gets a valid number of arguments. Raises ExprError."""
    if not isinstance(source, str):
        raise _fail(f"expression must be text, not {type(source).__name__}", "表达式必须是文本")
    if len(source) > MAX_LENGTH:
        raise _fail(
            f"expression longer than {MAX_LENGTH} characters", f"表达式超过 {MAX_LENGTH} 个字符"
        )
    expr = _parse_cached(source)
    _check_calls(expr, DEFAULT_FUNCTIONS if functions is None else functions)
    return expr


def evaluate(
    expr: Expression | str,
    scope: Scope | Mapping[str, object],
    *,
    today: date | None = None,
    functions: Mapping[str, FunctionSpec] | None = None,
) -> object:
    """Evaluate ``expr`` with names from ``scope`` (a Scope, or a dict wrapped in DictScope).

    Returns Decimal, str, bool, date, list, None (null) or whatever the scope holds for a bare
    name. ``today`` is what ``today()`` returns (default: the system date). Raises ExprError.
    """
    registry = DEFAULT_FUNCTIONS if functions is None else functions
    if isinstance(expr, Expression):
        _check_calls(expr, registry)
    else:
        expr = parse(expr, registry)
    if isinstance(scope, Mapping):
        scope = DictScope(scope)
    context = CallContext(today if today is not None else date.today(), scope)
    try:
        return _Evaluator(expr.source, context, registry).eval(expr._root)
    except RecursionError as exc:  # pragma: no cover - MAX_DEPTH keeps well below the limit
        raise ExprError("expression too complex / 表达式过于复杂", 0, expr.source) from exc


# --------------------------------------------------------------------------- values


def _from_host(value: object) -> object:
    """Bring a host value into the language: ints and floats become Decimal, datetimes dates."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _fail(f"number {value} is not finite", f"数值 {value} 无效")
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise _fail(f"number {value} is not finite", f"数值 {value} 无效")
        return Decimal(repr(value))
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, list | tuple):
        return [_from_host(item) for item in value]
    return value


def _type_name(value: object) -> tuple[str, str]:
    if value is None:
        return "null", "空值"
    if isinstance(value, bool):
        return "true/false", "布尔值"
    if isinstance(value, Decimal | int | float):
        return "a number", "数字"
    if isinstance(value, str):
        return "text", "文本"
    if isinstance(value, date):
        return "a date", "日期"
    if isinstance(value, list):
        return "a list", "列表"
    if isinstance(value, Mapping):
        return "a group", "分组"
    return type(value).__name__, type(value).__name__


def _truthy(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return not value.is_zero()
    if isinstance(value, str | list):
        return len(value) > 0
    return True


def _equals(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equals(x, y) for x, y in zip(a, b, strict=True))
    for kind in (Decimal, str, date):
        if isinstance(a, kind) or isinstance(b, kind):
            return isinstance(a, kind) and isinstance(b, kind) and a == b
    return type(a) is type(b) and a == b


_ORDER: Final[Mapping[str, Callable[[Any, Any], Any]]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _ordered(op: str, a: object, b: object) -> bool | None:
    if a is None or b is None:
        return None
    if any(isinstance(a, kind) and isinstance(b, kind) for kind in (Decimal, str, date)):
        return bool(_ORDER[op](a, b))
    ea, za = _type_name(a)
    eb, zb = _type_name(b)
    raise _fail(f"cannot compare {ea} with {eb} using '{op}'", f"不能用 '{op}' 比较{za}和{zb}")


def _contains(container: object, item: object) -> bool | None:
    if container is None:
        return None
    if isinstance(container, list):
        return any(_equals(element, item) for element in container)
    if isinstance(container, str):
        if item is None:
            return None
        if isinstance(item, str):
            return item in container
        en, zh = _type_name(item)
        raise _fail(f"cannot look for {en} in text", f"不能在文本中查找{zh}")
    en, zh = _type_name(container)
    raise _fail(
        f"'in' needs a list or text on the right, not {en}", f"'in' 右边应为列表或文本，不能是{zh}"
    )


def _compare(op: str, a: object, b: object) -> bool | None:
    if op == "==":
        return _equals(a, b)
    if op == "!=":
        return not _equals(a, b)
    if op == "in":
        return _contains(b, a)
    if op == "not in":
        found = _contains(b, a)
        return None if found is None else not found
    return _ordered(op, a, b)


_ARITH_WORDS: Final = {
    "+": ("add", "相加"),
    "-": ("subtract", "相减"),
    "*": ("multiply", "相乘"),
    "/": ("divide", "相除"),
    "%": ("take the remainder of", "取余"),
}


def _arith(op: str, a: object, b: object) -> object:
    if a is None or b is None:
        return None
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        try:
            if op == "+":
                return _CTX.add(a, b)
            if op == "-":
                return _CTX.subtract(a, b)
            if op == "*":
                return _CTX.multiply(a, b)
            if b.is_zero():
                return None
            if op == "/":
                return _CTX.divide(a, b)
            return _CTX.remainder(a, b)
        except DecimalException as exc:
            raise _fail("number out of range", "数值超出范围") from exc
    if op == "+" and isinstance(a, str) and isinstance(b, str):
        return a + b
    if op == "+" and isinstance(a, list) and isinstance(b, list):
        return a + b
    verb, zh_verb = _ARITH_WORDS[op]
    ea, za = _type_name(a)
    eb, zb = _type_name(b)
    raise _fail(f"cannot {verb} {ea} and {eb} ('{op}')", f"{za}和{zb}不能{zh_verb}（'{op}'）")


# --------------------------------------------------------------------------- evaluator


class _Evaluator:
    def __init__(
        self, source: str, context: CallContext, functions: Mapping[str, FunctionSpec]
    ) -> None:
        self.source = source
        self.context = context
        self.functions = functions

    def eval(self, node: _Node) -> object:
        if isinstance(node, _Literal):
            return node.value
        if isinstance(node, _Name):
            return self.name(node)
        if isinstance(node, _Chain):
            value = self.eval(node.first)
            for op, pos, operand in node.rest:
                right = self.eval(operand)
                try:
                    value = _arith(op, value, right)
                except ExprError as exc:
                    _locate(exc, pos, self.source)
                    raise
            return value
        if isinstance(node, _Compare):
            left = self.eval(node.left)
            right = self.eval(node.right)
            try:
                return _compare(node.op, left, right)
            except ExprError as exc:
                _locate(exc, node.pos, self.source)
                raise
        if isinstance(node, _BoolOp):
            stop_at = node.op == "or"  # "or" stops at the first true operand, "and" at a false one
            for operand in node.operands:
                if _truthy(self.eval(operand)) is stop_at:
                    return stop_at
            return not stop_at
        if isinstance(node, _Not):
            return not _truthy(self.eval(node.operand))
        if isinstance(node, _Neg):
            value = self.eval(node.operand)
            if value is None:
                return None
            if isinstance(value, Decimal):
                return _CTX.minus(value)
            en, zh = _type_name(value)
            raise ExprError(f"cannot negate {en} / 不能对{zh}取负", node.pos, self.source)
        if isinstance(node, _ListNode):
            return [self.eval(item) for item in node.items]
        return self.call(node)

    def name(self, node: _Name) -> object:
        try:
            value = self.context.scope.resolve(node.path)
            if value is MISSING:
                raise UnknownName(node.path)
            return _from_host(value)
        except UnknownName as exc:
            if exc.position is None and len(node.path) == 1 and node.path[0] in self.functions:
                word = node.path[0]
                exc = UnknownName(node.path, f" (did you mean {word}()? / 是否应为 {word}()？)")
            _locate(exc, node.pos, self.source)
            raise exc from None
        except ExprError as exc:
            _locate(exc, node.pos, self.source)
            raise
        except Exception as exc:
            dotted = ".".join(node.path)
            raise ExprError(
                f"cannot read '{dotted}': {exc} / 无法读取 {dotted}", node.pos, self.source
            ) from exc

    def call(self, node: _Call) -> object:
        spec = self.functions.get(node.name)
        if spec is None:
            raise ExprError(
                f"unknown function '{node.name}' / 未知函数 {node.name}", node.pos, self.source
            )
        if not spec.accepts(len(node.args)):
            raise ExprError(_arity_message(node.name, spec, len(node.args)), node.pos, self.source)
        args: list[object]
        if spec.lazy:
            args = [functools.partial(self.eval, arg) for arg in node.args]
        else:
            args = [self.eval(arg) for arg in node.args]
        try:
            result = spec.impl(self.context, *args) if spec.needs_context else spec.impl(*args)
            return _from_host(result)
        except ExprError as exc:
            _locate(exc, node.pos, self.source)
            raise
        except RecursionError:  # pragma: no cover - MAX_DEPTH keeps well below the limit
            raise
        except Exception as exc:
            raise ExprError(
                f"function '{node.name}' failed: {exc} / 函数 {node.name} 出错",
                node.pos,
                self.source,
            ) from exc


# --------------------------------------------------------------------------- functions


def _need(value: object, kind: type, fname: str, en: str, zh: str) -> object:
    if isinstance(value, kind) and not isinstance(value, bool):
        return value
    got_en, got_zh = _type_name(value)
    raise _fail(f"{fname}() needs {en}, got {got_en}", f"{fname}() 需要{zh}，实际是{got_zh}")


def _number(value: object, fname: str) -> Decimal:
    result = _need(value, Decimal, fname, "a number", "数字")
    assert isinstance(result, Decimal)
    return result


def _a_date(value: object, fname: str) -> date:
    result = _need(value, date, fname, "a date", "日期")
    assert isinstance(result, date)
    return result


def _text(value: object, fname: str) -> str:
    result = _need(value, str, fname, "text", "文本")
    assert isinstance(result, str)
    return result


def _items(args: Sequence[object]) -> list[object]:
    """Arguments with list arguments spliced in: f([1, 2], 3) works on 1, 2, 3."""
    out: list[object] = []
    for arg in args:
        if isinstance(arg, list):
            out.extend(arg)
        else:
            out.append(arg)
    return out


def _fn_count(value: object) -> Decimal:
    if value is None:
        return Decimal(0)
    if isinstance(value, list):
        return Decimal(sum(1 for item in value if item is not None))
    en, zh = _type_name(value)
    raise _fail(f"count() needs a list, got {en}", f"count() 需要列表，实际是{zh}")


def _fn_sum(*args: object) -> Decimal:
    total = Decimal(0)
    for item in _items(args):
        if item is not None:
            try:
                total = _CTX.add(total, _number(item, "sum"))
            except DecimalException as exc:
                raise _fail("number out of range", "数值超出范围") from exc
    return total


def _extreme(args: Sequence[object], fname: str, want_max: bool) -> object:
    items = [item for item in _items(args) if item is not None]
    if not items:
        return None
    for kind in (Decimal, str, date):
        if all(isinstance(item, kind) for item in items):
            same: list[Any] = items
            return max(same) if want_max else min(same)
    raise _fail(
        f"{fname}() needs all numbers, all text or all dates",
        f"{fname}() 的参数应全部是数字、全部是文本或全部是日期",
    )


def _fn_min(*args: object) -> object:
    return _extreme(args, "min", want_max=False)


def _fn_max(*args: object) -> object:
    return _extreme(args, "max", want_max=True)


def _fn_round(value: object, places: object = MISSING) -> Decimal | None:
    if places is None or value is None:
        return None
    digits = Decimal(0) if places is MISSING else _number(places, "round")
    if digits != digits.to_integral_value() or not -100 <= digits <= 100:
        raise _fail(
            "round() places must be a whole number from -100 to 100",
            "round() 的位数应为 -100 到 100 的整数",
        )
    number = _number(value, "round")
    try:
        return number.quantize(
            Decimal(1).scaleb(-int(digits)), rounding=ROUND_HALF_UP, context=_CTX
        )
    except DecimalException as exc:
        raise _fail("number out of range", "数值超出范围") from exc


def _fn_abs(value: object) -> Decimal | None:
    return None if value is None else _CTX.abs(_number(value, "abs"))


def _fn_if(
    condition: Callable[[], object], then: Callable[[], object], otherwise: Callable[[], object]
) -> object:
    return then() if _truthy(condition()) else otherwise()


def _fn_coalesce(*thunks: Callable[[], object]) -> object:
    for thunk in thunks:
        value = thunk()
        if value is not None:
            return value
    return None


def _fn_len(value: object) -> Decimal:
    if value is None:
        return Decimal(0)
    if isinstance(value, str | list):
        return Decimal(len(value))
    en, zh = _type_name(value)
    raise _fail(f"len() needs text or a list, got {en}", f"len() 需要文本或列表，实际是{zh}")


def _fn_selected(value: object, option: object) -> bool:
    if isinstance(value, list):
        return any(_equals(item, option) for item in value)
    return value is not None and _equals(value, option)


def _fn_contains(text: object, part: object) -> bool:
    if text is None or part is None:
        return False
    return _text(part, "contains") in _text(text, "contains")


def _fn_today(context: CallContext) -> date:
    return context.today


_ISO_DATE: Final = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def _fn_date(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    text = _text(value, "date").strip()
    if not text:
        return None
    m = _ISO_DATE.fullmatch(text)
    try:
        if m is None:
            raise ValueError(text)
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise _fail(
            f"'{text}' is not a date like 2024-01-31", f"“{text}”不是日期，格式如 2024-01-31"
        ) from None


def _fn_age(context: CallContext, birth: object, on: object = MISSING) -> Decimal | None:
    when = context.today if on is MISSING else on
    if birth is None or when is None:
        return None
    born, at = _a_date(birth, "age"), _a_date(when, "age")
    years = at.year - born.year - ((at.month, at.day) < (born.month, born.day))
    return Decimal(years)


def _fn_months_between(start: object, end: object) -> Decimal | None:
    """Whole months from start to end (negative if end is earlier); the last day of a month
    completes a month that started on a later day (01-31 to 02-29 is one month)."""
    if start is None or end is None:
        return None
    a, b = _a_date(start, "months_between"), _a_date(end, "months_between")
    sign = 1
    if b < a:
        a, b, sign = b, a, -1
    months = (b.year - a.year) * 12 + b.month - a.month
    if b.day < a.day and b.day != calendar.monthrange(b.year, b.month)[1]:
        months -= 1
    return Decimal(sign * months)


def _fn_year(value: object) -> Decimal | None:
    return None if value is None else Decimal(_a_date(value, "year").year)


def _fn_month(value: object) -> Decimal | None:
    return None if value is None else Decimal(_a_date(value, "month").month)


def _fn_empty(value: object) -> bool:
    return value is None or value == "" or (isinstance(value, list) and not value)


_NUMBER_TEXT: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def _fn_number(value: object) -> Decimal | None:
    """Text to number; blank or unreadable text gives null (full-width digits are fine)."""
    if value is None or isinstance(value, Decimal):
        return value
    text = _text(value, "number").strip()
    if not _NUMBER_TEXT.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the regex already guards this
        return None


DEFAULT_FUNCTIONS: Final[Mapping[str, FunctionSpec]] = MappingProxyType(
    {
        "count": FunctionSpec(_fn_count, 1, 1, doc="count(list): non-null items"),
        "sum": FunctionSpec(_fn_sum, 1, None, doc="sum(list or values...): nulls skipped"),
        "min": FunctionSpec(_fn_min, 1, None, doc="min(list or values...): null if none"),
        "max": FunctionSpec(_fn_max, 1, None, doc="max(list or values...): null if none"),
        "round": FunctionSpec(_fn_round, 1, 2, doc="round(x, places=0): half up"),
        "abs": FunctionSpec(_fn_abs, 1, 1, doc="abs(x)"),
        "if": FunctionSpec(_fn_if, 3, 3, lazy=True, doc="if(condition, then, else)"),
        "coalesce": FunctionSpec(_fn_coalesce, 1, None, lazy=True, doc="first non-null"),
        "len": FunctionSpec(_fn_len, 1, 1, doc="len(text or list); null is 0"),
        "selected": FunctionSpec(_fn_selected, 2, 2, doc="selected(choices, option)"),
        "contains": FunctionSpec(_fn_contains, 2, 2, doc="contains(text, part)"),
        "today": FunctionSpec(_fn_today, 0, 0, needs_context=True, doc="today()"),
        "date": FunctionSpec(_fn_date, 1, 1, doc="date('YYYY-MM-DD')"),
        "age": FunctionSpec(_fn_age, 1, 2, needs_context=True, doc="age(birth, on=today())"),
        "months_between": FunctionSpec(_fn_months_between, 2, 2, doc="whole months d1 to d2"),
        "year": FunctionSpec(_fn_year, 1, 1, doc="year(date)"),
        "month": FunctionSpec(_fn_month, 1, 1, doc="month(date)"),
        "empty": FunctionSpec(_fn_empty, 1, 1, doc="empty(x): null, '' or []"),
        "number": FunctionSpec(_fn_number, 1, 1, doc="number(text); unreadable is null"),
    }
)
"""The built-in functions. Hosts add their own: ``{**DEFAULT_FUNCTIONS, 'dibao': spec}``."""

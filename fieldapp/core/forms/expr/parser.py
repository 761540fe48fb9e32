"""Tokens to syntax tree, by precedence climbing.

Why: the grammar is small but must refuse hostile or broken input cleanly: every problem is an
``ExprError`` at a position, and nesting is capped at ``MAX_DEPTH`` so no input can reach Python's
recursion limit.

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

from decimal import Decimal
from typing import Final

from fieldapp.core.forms.expr.errors import ExprError
from fieldapp.core.forms.expr.syntax import (
    BoolOp,
    Call,
    Chain,
    Compare,
    ListNode,
    Literal,
    Name,
    Neg,
    Node,
    Not,
)
from fieldapp.core.forms.expr.tokenizer import Token, tokenize

MAX_DEPTH: Final = 50
"""Deepest accepted nesting of parentheses, brackets, calls and prefix operators."""

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


class Parser:
    """Precedence climbing rather than one method per grammar rule, so the parser uses only a
    few Python frames per nesting level and MAX_DEPTH keeps it far from the recursion limit.
    Left-associative runs (``a + b - c``, ``a and b and c``) become one flat node."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.i = 0
        self.depth = 0

    # -- helpers
    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind != "end":
            self.i += 1
        return tok

    def at(self, kind: str, text: str) -> bool:
        tok = self.peek()
        return tok.kind == kind and tok.text == text

    def error(self, en: str, zh: str, tok: Token | None = None) -> ExprError:
        tok = tok or self.peek()
        return ExprError(f"{en} / {zh}", tok.pos, self.source)

    def unexpected(self, tok: Token | None = None) -> ExprError:
        tok = tok or self.peek()
        if tok.kind == "end":
            return self.error("unexpected end of expression", "表达式不完整", tok)
        shown = repr(tok.text) if tok.kind == "str" else f"'{tok.text}'"
        return self.error(f"unexpected {shown}", f"此处不应出现 {shown}", tok)

    def expect_op(self, text: str) -> Token:
        if not self.at("op", text):
            tok = self.peek()
            what = "end of expression" if tok.kind == "end" else f"'{tok.text}'"
            raise self.error(f"expected '{text}' but found {what}", f"此处应为 '{text}'")
        return self.advance()

    def enter(self, tok: Token) -> None:
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
    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise self.error("empty expression", "表达式为空")
        node = self.expression(_OR)
        if self.peek().kind != "end":
            raise self.unexpected()
        return node

    def expression(self, min_power: int) -> Node:
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
                left = Compare(op, left, right, tok.pos)
                compared = True
            elif power in (_OR, _AND):
                if isinstance(left, BoolOp) and left.op == op:
                    left = BoolOp(op, (*left.operands, right), left.pos)
                else:
                    left = BoolOp(op, (left, right), tok.pos)
            elif isinstance(left, Chain) and _BINARY_POWER[left.rest[0][0]] == power:
                left = Chain(left.first, (*left.rest, (op, tok.pos, right)), left.pos)
            else:
                left = Chain(left, ((op, tok.pos, right),), tok.pos)

    def prefix(self, min_power: int) -> Node:
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
            return Not(operand, tok.pos)
        if tok.kind == "op" and tok.text == "-":
            self.advance()
            self.enter(tok)
            operand = self.prefix(_MUL + 1)
            self.depth -= 1
            return Neg(operand, tok.pos)
        return self.primary()

    def primary(self) -> Node:
        tok = self.peek()
        if tok.kind == "num":
            self.advance()
            return Literal(Decimal(tok.text), tok.pos)
        if tok.kind == "str":
            self.advance()
            return Literal(tok.text, tok.pos)
        if tok.kind == "kw" and tok.text in ("true", "false", "null"):
            self.advance()
            value = {"true": True, "false": False, "null": None}[tok.text]
            return Literal(value, tok.pos)
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
            return ListNode(items, tok.pos)
        raise self.unexpected()

    def arguments(self, closer: str) -> tuple[Node, ...]:
        items: list[Node] = []
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

    def name_or_call(self) -> Node:
        tok = self.advance()
        if self.at("op", "("):
            self.advance()
            self.enter(tok)
            args = self.arguments(")")
            self.depth -= 1
            return Call(tok.text, args, tok.pos)
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
        return Name(tuple(path), tok.pos)

"""The entry points ``parse`` and ``evaluate``, and the tree-walking evaluator behind them.

Why: this is where the pieces meet. ``parse`` caps the source length, caches the tree per source
and checks every call against the function registry before anything runs; evaluation walks the
tree, gives every error the position of its node, and turns a host function's exception into an
``ExprError`` the user can read.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Final

import fieldapp.core.forms.expr.syntax as syntax
from fieldapp.core.forms.expr.errors import ExprError, UnknownName, fail, locate
from fieldapp.core.forms.expr.functions import (
    DEFAULT_FUNCTIONS,
    CallContext,
    FunctionSpec,
    arity_message,
)
from fieldapp.core.forms.expr.parser import Parser
from fieldapp.core.forms.expr.scope import MISSING, DictScope, Scope
from fieldapp.core.forms.expr.values import CTX, arith, compare, from_host, truthy, type_name

MAX_LENGTH: Final = 2000
"""Longest accepted expression source, in characters."""


@dataclass(frozen=True)
class Expression:
    """A parsed expression. Build with :func:`parse`; equal when the sources are equal."""

    source: str
    _root: syntax.Node = field(repr=False, compare=False)
    _names: frozenset[tuple[str, ...]] = field(repr=False, compare=False)
    _calls: tuple[tuple[str, int, int], ...] = field(repr=False, compare=False)

    def names(self) -> set[tuple[str, ...]]:
        """Every name path referenced, e.g. {('members', 'health'), ('population',)}."""
        return set(self._names)

    def functions(self) -> set[str]:
        """Every function called."""
        return {name for name, _, _ in self._calls}


class _Evaluator:
    def __init__(
        self, source: str, context: CallContext, functions: Mapping[str, FunctionSpec]
    ) -> None:
        self.source = source
        self.context = context
        self.functions = functions

    def eval(self, node: syntax.Node) -> object:
        if isinstance(node, syntax.Literal):
            return node.value
        if isinstance(node, syntax.Name):
            return self.name(node)
        if isinstance(node, syntax.Chain):
            value = self.eval(node.first)
            for op, pos, operand in node.rest:
                right = self.eval(operand)
                try:
                    value = arith(op, value, right)
                except ExprError as exc:
                    locate(exc, pos, self.source)
                    raise
            return value
        if isinstance(node, syntax.Compare):
            left = self.eval(node.left)
            right = self.eval(node.right)
            try:
                return compare(node.op, left, right)
            except ExprError as exc:
                locate(exc, node.pos, self.source)
                raise
        if isinstance(node, syntax.BoolOp):
            stop_at = node.op == "or"  # "or" stops at the first true operand, "and" at a false one
            for operand in node.operands:
                if truthy(self.eval(operand)) is stop_at:
                    return stop_at
            return not stop_at
        if isinstance(node, syntax.Not):
            return not truthy(self.eval(node.operand))
        if isinstance(node, syntax.Neg):
            value = self.eval(node.operand)
            if value is None:
                return None
            if isinstance(value, Decimal):
                return CTX.minus(value)
            en, zh = type_name(value)
            raise ExprError(f"cannot negate {en} / 不能对{zh}取负", node.pos, self.source)
        if isinstance(node, syntax.ListNode):
            return [self.eval(item) for item in node.items]
        return self.call(node)

    def name(self, node: syntax.Name) -> object:
        try:
            value = self.context.scope.resolve(node.path)
            if value is MISSING:
                raise UnknownName(node.path)
            return from_host(value)
        except UnknownName as exc:
            if exc.position is None and len(node.path) == 1 and node.path[0] in self.functions:
                word = node.path[0]
                exc = UnknownName(node.path, f" (did you mean {word}()? / 是否应为 {word}()？)")
            locate(exc, node.pos, self.source)
            raise exc from None
        except ExprError as exc:
            locate(exc, node.pos, self.source)
            raise
        except Exception as exc:
            dotted = ".".join(node.path)
            raise ExprError(
                f"cannot read '{dotted}': {exc} / 无法读取 {dotted}", node.pos, self.source
            ) from exc

    def call(self, node: syntax.Call) -> object:
        spec = self.functions.get(node.name)
        if spec is None:
            raise ExprError(
                f"unknown function '{node.name}' / 未知函数 {node.name}", node.pos, self.source
            )
        if not spec.accepts(len(node.args)):
            raise ExprError(arity_message(node.name, spec, len(node.args)), node.pos, self.source)
        args: list[object]
        if spec.lazy:
            args = [functools.partial(self.eval, arg) for arg in node.args]
        else:
            args = [self.eval(arg) for arg in node.args]
        try:
            result = spec.impl(self.context, *args) if spec.needs_context else spec.impl(*args)
            return from_host(result)
        except ExprError as exc:
            locate(exc, node.pos, self.source)
            raise
        except RecursionError:  # pragma: no cover - MAX_DEPTH keeps well below the limit
            raise
        except Exception as exc:
            raise ExprError(
                f"function '{node.name}' failed: {exc} / 函数 {node.name} 出错",
                node.pos,
                self.source,
            ) from exc


@functools.lru_cache(maxsize=2048)
def _parse_cached(source: str) -> Expression:
    try:
        root = Parser(source).parse()
    except RecursionError as exc:  # pragma: no cover - MAX_DEPTH keeps well below the limit
        raise ExprError("expression too complex / 表达式过于复杂", 0, source) from exc
    names, calls = syntax.walk(root)
    return Expression(source, root, names, calls)


def _check_calls(expr: Expression, functions: Mapping[str, FunctionSpec]) -> None:
    for name, count, pos in expr._calls:
        spec = functions.get(name)
        if spec is None:
            raise ExprError(f"unknown function '{name}' / 未知函数 {name}", pos, expr.source)
        if not spec.accepts(count):
            raise ExprError(arity_message(name, spec, count), pos, expr.source)


def parse(source: str, functions: Mapping[str, FunctionSpec] | None = None) -> Expression:
    """Parse ``source``; check that every called function exists (in ``functions``, default
    :data:`DEFAULT_FUNCTIONS`) and gets a valid number of arguments. Raises ExprError."""
    if not isinstance(source, str):
        raise fail(f"expression must be text, not {type(source).__name__}", "表达式必须是文本")
    if len(source) > MAX_LENGTH:
        raise fail(
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

"""What values mean in the language: host conversion, truthiness, equality, order, arithmetic.

Why: numbers are ``Decimal`` in one fixed context (``CTX``) so money is exact and results never
depend on the host thread's decimal settings; null behaves as in SQL, and division by zero gives
null. The evaluator and the built-in functions both follow these rules, so they live apart from
either.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DecimalException,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from typing import Any, Final

from fieldapp.core.forms.expr.errors import fail

# One fixed context so results never depend on the host thread's decimal settings.
CTX: Final = Context(
    prec=28,
    rounding=ROUND_HALF_EVEN,
    Emax=999_999,
    Emin=-999_999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)


def from_host(value: object) -> object:
    """Bring a host value into the language: ints and floats become Decimal, datetimes dates."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise fail(f"number {value} is not finite", f"数值 {value} 无效")
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise fail(f"number {value} is not finite", f"数值 {value} 无效")
        return Decimal(repr(value))
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, list | tuple):
        return [from_host(item) for item in value]
    return value


def type_name(value: object) -> tuple[str, str]:
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


def truthy(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return not value.is_zero()
    if isinstance(value, str | list):
        return len(value) > 0
    return True


def equals(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equals(x, y) for x, y in zip(a, b, strict=True))
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
    ea, za = type_name(a)
    eb, zb = type_name(b)
    raise fail(f"cannot compare {ea} with {eb} using '{op}'", f"不能用 '{op}' 比较{za}和{zb}")


def _contains(container: object, item: object) -> bool | None:
    if container is None:
        return None
    if isinstance(container, list):
        return any(equals(element, item) for element in container)
    if isinstance(container, str):
        if item is None:
            return None
        if isinstance(item, str):
            return item in container
        en, zh = type_name(item)
        raise fail(f"cannot look for {en} in text", f"不能在文本中查找{zh}")
    en, zh = type_name(container)
    raise fail(
        f"'in' needs a list or text on the right, not {en}", f"'in' 右边应为列表或文本，不能是{zh}"
    )


def compare(op: str, a: object, b: object) -> bool | None:
    if op == "==":
        return equals(a, b)
    if op == "!=":
        return not equals(a, b)
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


def arith(op: str, a: object, b: object) -> object:
    if a is None or b is None:
        return None
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        try:
            if op == "+":
                return CTX.add(a, b)
            if op == "-":
                return CTX.subtract(a, b)
            if op == "*":
                return CTX.multiply(a, b)
            if b.is_zero():
                return None
            if op == "/":
                return CTX.divide(a, b)
            return CTX.remainder(a, b)
        except DecimalException as exc:
            raise fail("number out of range", "数值超出范围") from exc
    if op == "+" and isinstance(a, str) and isinstance(b, str):
        return a + b
    if op == "+" and isinstance(a, list) and isinstance(b, list):
        return a + b
    verb, zh_verb = _ARITH_WORDS[op]
    ea, za = type_name(a)
    eb, zb = type_name(b)
    raise fail(f"cannot {verb} {ea} and {eb} ('{op}')", f"{za}和{zb}不能{zh_verb}（'{op}'）")

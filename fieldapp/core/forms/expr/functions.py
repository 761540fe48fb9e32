"""The built-in functions (``DEFAULT_FUNCTIONS``) and the contract every function is called under.

Why: hosts add their own functions (the engine's ``dibao``) next to these, so how a function is
described (``FunctionSpec``: arity, lazy arguments, context) and what it may receive
(``CallContext``) sit with the stock set, apart from the tree walker that calls them.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, DecimalException, InvalidOperation
from types import MappingProxyType
from typing import Any, Final

from fieldapp.core.forms.expr.errors import fail
from fieldapp.core.forms.expr.scope import MISSING, Scope
from fieldapp.core.forms.expr.values import CTX, equals, truthy, type_name


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


def arity_message(name: str, spec: FunctionSpec, count: int) -> str:
    """The error for calling ``name`` with ``count`` arguments (at parse time and at run time)."""
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


def _need(value: object, kind: type, fname: str, en: str, zh: str) -> object:
    if isinstance(value, kind) and not isinstance(value, bool):
        return value
    got_en, got_zh = type_name(value)
    raise fail(f"{fname}() needs {en}, got {got_en}", f"{fname}() 需要{zh}，实际是{got_zh}")


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
    en, zh = type_name(value)
    raise fail(f"count() needs a list, got {en}", f"count() 需要列表，实际是{zh}")


def _fn_sum(*args: object) -> Decimal:
    total = Decimal(0)
    for item in _items(args):
        if item is not None:
            try:
                total = CTX.add(total, _number(item, "sum"))
            except DecimalException as exc:
                raise fail("number out of range", "数值超出范围") from exc
    return total


def _extreme(args: Sequence[object], fname: str, want_max: bool) -> object:
    items = [item for item in _items(args) if item is not None]
    if not items:
        return None
    for kind in (Decimal, str, date):
        if all(isinstance(item, kind) for item in items):
            same: list[Any] = items
            return max(same) if want_max else min(same)
    raise fail(
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
        raise fail(
            "round() places must be a whole number from -100 to 100",
            "round() 的位数应为 -100 到 100 的整数",
        )
    number = _number(value, "round")
    try:
        return number.quantize(Decimal(1).scaleb(-int(digits)), rounding=ROUND_HALF_UP, context=CTX)
    except DecimalException as exc:
        raise fail("number out of range", "数值超出范围") from exc


def _fn_abs(value: object) -> Decimal | None:
    return None if value is None else CTX.abs(_number(value, "abs"))


def _fn_if(
    condition: Callable[[], object], then: Callable[[], object], otherwise: Callable[[], object]
) -> object:
    return then() if truthy(condition()) else otherwise()


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
    en, zh = type_name(value)
    raise fail(f"len() needs text or a list, got {en}", f"len() 需要文本或列表，实际是{zh}")


def _fn_selected(value: object, option: object) -> bool:
    if isinstance(value, list):
        return any(equals(item, option) for item in value)
    return value is not None and equals(value, option)


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
        raise fail(
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

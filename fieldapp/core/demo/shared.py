"""Small helpers the rest of the demo generator shares and that depend on nothing else in it.

Why: the data tables, the factory base and every form builder need the weighted choice, the
``Values`` shape and a little date arithmetic; keeping them in one leaf module lets all the other
modules import them without importing each other.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Sequence
from datetime import date
from itertools import accumulate
from typing import Any, Generic, TypeVar

from fieldapp.core.forms.model import Field

T = TypeVar("T")
Values = dict[str, Any]


class _Weighted(Generic[T]):
    """Weighted choice with precomputed cumulative weights (``random.choices`` redoes them)."""

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self.values = [value for value, _ in pairs]
        self.cum = list(accumulate(weight for _, weight in pairs))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random) -> T:
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.total)]


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _template(fields: Sequence[Field]) -> Values:
    """Every stored field of a form (or a repeat row) with its empty value."""
    return {f.name: [] if f.type == "repeat" else None for f in fields if f.has_value}


def _month_first(day: date, back: int) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def _latest_day(value: Any, until: date) -> date | None:
    """The latest ISO date (YYYY-MM-DD) anywhere in a household's values, up to ``until`` (a
    deadline may lie later): the day its forms were last touched, when they are "saved"."""
    found: date | None = None
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and len(item) == 10 and item[4] == "-" and item[7] == "-":
            try:
                day = date.fromisoformat(item)
            except ValueError:
                continue
            if day <= until and (found is None or day > found):
                found = day
    return found

"""The income condition of 脱困: 家庭人均收入连续 6 个月超过当地低保标准, up to the evaluation day.

Source: seed 002 (安政办〔2019〕15号 一（三）脱困标准). The months are Form B's 月度收入记录 (the
household's actual income and rigid expenses of each month); the six months must end in the
month of the evaluation day, or at most ``recent_within_months`` before it (resources/rules.yaml),
so six good months long ago and nothing since no longer count. Months after the evaluation day
are ignored. Per-capita income is (月收入 − 月刚性支出) ÷ 共同生活人口, against the standard in
force in that month.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fieldapp.core.rules.config import RuleSet, default_rules

DibaoLookup = Callable[[str, date], int | None]


def monthly_per_capita(annual_income: int, rigid_expense: int, population: int) -> int | None:
    """月人均收入 = (年收入 − 刚性支出) ÷ 共同生活人口 ÷ 12, in 分, rounded half up."""
    if population <= 0:
        return None
    net = annual_income - rigid_expense
    if isinstance(net, int) and isinstance(population, int) and abs(net) < _EXACT_BELOW:
        # The same answer in whole numbers, several times faster (the rules run this for every
        # month of every household): below these bounds Decimal's two divisions either are exact
        # or land farther from a half than their 28 digits can err.
        divisor = population * 12
        if divisor < _EXACT_BELOW:
            whole, rest = divmod(abs(net), divisor)
            whole += 2 * rest >= divisor
            return whole if net >= 0 else -whole
    exact = Decimal(net) / population / 12
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


_EXACT_BELOW = 10**12


@functools.lru_cache(maxsize=4096)
def month_index(month: str) -> int:
    """0-based months since year 0 of a 'YYYY-MM' (remembered: the same months recur in every
    household)."""
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


@functools.lru_cache(maxsize=4096)
def _month_start(month: str) -> date:
    year, mon = month.split("-")
    return date(int(year), int(mon), 1)


def month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass(frozen=True)
class MonthCheck:
    month: str
    per_capita: int | None
    standard: int | None
    above: bool


@dataclass
class ExitAssessment:
    """Whether the income condition of 脱困 holds; 致困因素消除 is judged in ``exits``."""

    income_condition_met: bool
    consecutive_months: int
    months: list[MonthCheck] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def _usable(records: Sequence[Mapping[str, Any]], last: int) -> list[Mapping[str, Any]]:
    """Rows with a valid month no later than month index ``last`` and an income, oldest first."""
    out = [r for r in records if (index := _recorded_month(r)) is not None and index <= last]
    return sorted(out, key=lambda r: str(r["month"]))


def _recorded_month(record: Mapping[str, Any]) -> int | None:
    """The month index of a row with a valid month and an integer income (分), else None."""
    month, income = record.get("month"), record.get("income")
    if not isinstance(month, str) or not isinstance(income, int) or isinstance(income, bool):
        return None
    try:
        return month_index(month)
    except ValueError:
        return None


def change_months(records: Sequence[Mapping[str, Any]], rules: RuleSet | None = None) -> set[int]:
    """Month indexes at which ``exit_assessment`` can answer differently from the month before:
    a recorded month becomes usable when the evaluation reaches it, and the newest one stops
    counting ``recent_within_months`` + 1 months later. Nothing else in it depends on the
    evaluation month (statistics keep a household's facts until the next of these months)."""
    rules = rules or default_rules()
    stops = rules.recent_within_months + 1
    out: set[int] = set()
    for r in records:
        index = _recorded_month(r)
        if index is not None:
            out.add(index)
            out.add(index + stops)
    return out


def exit_assessment(
    records: Sequence[Mapping[str, Any]],
    population: int | None,
    county: str | None,
    dibao: DibaoLookup,
    on: date,
    rules: RuleSet | None = None,
) -> ExitAssessment:
    """家庭人均收入连续 N 个月超过当地低保标准, the run ending at the evaluation month ``on`` (or
    within ``recent_within_months`` of it). A missing month breaks the run."""
    rules = rules or default_rules()
    needed = rules.exit_months
    if not population or population <= 0:
        return ExitAssessment(False, 0, reasons=["缺少共同生活人口"])
    if not county:
        return ExitAssessment(False, 0, reasons=["缺少居住地区县，无法确定低保标准"])
    evaluation = on.year * 12 + on.month - 1
    usable = _usable(records, evaluation)
    if not usable:
        return ExitAssessment(False, 0, reasons=[f"截至 {month_text(evaluation)} 没有月度收入记录"])
    months: list[MonthCheck] = []
    for r in usable:
        standard = dibao(county, _month_start(str(r["month"])))
        raw_expense = r.get("expense")
        expense = raw_expense if isinstance(raw_expense, int) else 0
        per_capita = monthly_per_capita(int(r["income"]) * 12, expense * 12, population)
        above = standard is not None and per_capita is not None and per_capita > standard
        months.append(MonthCheck(str(r["month"]), per_capita, standard, above))
    newest = month_index(months[-1].month)
    earliest_end = evaluation - rules.recent_within_months
    run = 0
    if newest >= earliest_end:
        previous: int | None = None
        for check in reversed(months):
            index = month_index(check.month)
            if not check.above or (previous is not None and index != previous - 1):
                break
            run += 1
            previous = index
    met = run >= needed
    reasons: list[str] = []
    if newest < earliest_end:
        reasons.append(
            f"最近的月度收入记录是 {months[-1].month}，须截至 {month_text(earliest_end)} 或之后"
            f"（评估日 {on.isoformat()}）：早先的月份不能证明现在的收入"
        )
    elif met:
        reasons.append(
            f"截至 {months[-1].month} 连续 {run} 个月人均收入超过当地低保标准"
            f"（需连续 {needed} 个月）"
        )
    else:
        reasons.append(
            f"截至 {months[-1].month} 连续超过低保标准仅 {run} 个月，需连续 {needed} 个月"
        )
    if not met and any(m.standard is None for m in months):
        reasons.append("部分月份缺少当地低保标准")
    return ExitAssessment(met, run, months, reasons)

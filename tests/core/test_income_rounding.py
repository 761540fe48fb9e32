"""月人均收入 rounded in whole numbers is exactly the Decimal formula the policy text states.

``income.monthly_per_capita`` runs for every recorded month of every household on each cold
statistics run, so below a size bound it divides whole numbers instead of Decimals. These
tests hold it to the Decimal formula (half away from zero, 28 digits) on random amounts, on
every tie, and across the bound.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from fieldapp.core.rules.income import _EXACT_BELOW, monthly_per_capita


def by_decimals(annual_income: int, rigid_expense: int, population: int) -> int | None:
    if population <= 0:
        return None
    exact = Decimal(annual_income - rigid_expense) / population / 12
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


amounts = st.one_of(
    st.integers(-(10**9), 10**9),
    st.integers(-(10**13), 10**13),
    st.integers(_EXACT_BELOW - 10**6, _EXACT_BELOW + 10**6),
)
populations = st.one_of(st.integers(-2, 40), st.integers(1, 10**11))


@given(amounts, amounts, populations)
def test_whole_numbers_round_as_the_decimal_formula(income: int, expense: int, people: int) -> None:
    assert monthly_per_capita(income, expense, people) == by_decimals(income, expense, people)


@given(st.integers(-(10**10), 10**10), st.integers(1, 60), st.booleans())
def test_halves_round_away_from_zero_as_the_decimal_formula(
    whole: int, people: int, more: bool
) -> None:
    # (whole + ½) per person per month, give or take one 分 a year
    net = (2 * whole + 1) * 6 * people + (1 if more else -1)
    for income in (net, net - (1 if more else -1)):
        assert monthly_per_capita(income, 0, people) == by_decimals(income, 0, people)


def test_the_rules_own_cases() -> None:
    assert monthly_per_capita(18 * 12, 0, 12) == 2 and monthly_per_capita(17, 17, 3) == 0
    assert monthly_per_capita(6, 0, 1) == 1 and monthly_per_capita(-6, 0, 1) == -1
    assert monthly_per_capita(5, 0, 1) == 0 and monthly_per_capita(-5, 0, 1) == 0
    assert monthly_per_capita(100, 0, 0) is None and monthly_per_capita(100, 0, True) == 8

"""Money as integer 分: what cadres type is parsed exactly, shown with two decimals, never a float."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldapp.core.values.money import MoneyError, fen_to_yuan, format_yuan, parse_yuan, yuan_to_fen


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("1234.5", 123450),
        ("1,234.50", 123450),
        ("１２３４.５", 123450),  # full-width digits from a Chinese IME
        ("１２３４．５０", 123450),  # full-width full stop too
        ("¥12", 1200),
        ("￥12", 1200),  # full-width yen sign
        ("12元", 1200),
        ("12 元", 1200),
        ("1，234", 123400),  # Chinese comma as a thousands separator
        ("0.1", 10),
        ("0.01", 1),
        ("0", 0),
        (".5", 50),
        ("5.", 500),
        ("  7.05  ", 705),
        ("+3", 300),
        ("-3", -300),  # parse_yuan itself allows negatives; the money field refuses them
        ("10000000", 1_000_000_000),
    ],
)
def test_parse_yuan_accepts_what_cadres_type(text: str, fen: int) -> None:
    result = parse_yuan(text)
    assert result == fen
    assert type(result) is int


def test_parse_yuan_is_exact_where_floats_are_not() -> None:
    # 0.1 + 0.2 != 0.3 in floats; in fen it must be exact.
    assert parse_yuan("0.1") + parse_yuan("0.2") == parse_yuan("0.3") == 30
    assert parse_yuan("1.15") == 115  # float(1.15) * 100 == 114.99999999999999
    assert parse_yuan("4.35") == 435  # float(4.35) * 100 == 434.99999999999994


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "",
        "   ",
        "1e5",
        "1E5",
        "--1",
        "+-1",
        "1.2.3",
        "1_000",
        "NaN",
        "Infinity",
        "一百",
        "12块",
        "0x10",
        ".",
    ],
)
def test_parse_yuan_refuses_non_numbers(text: str) -> None:
    with pytest.raises(MoneyError) as caught:
        parse_yuan(text)
    message = str(caught.value)
    assert f"“{text}”" in message
    assert "不是有效金额" in message


@pytest.mark.parametrize("text", ["1.234", "0.001", "1,234.567"])
def test_parse_yuan_refuses_more_than_two_decimals(text: str) -> None:
    with pytest.raises(MoneyError, match="小数超过两位，金额精确到分") as caught:
        parse_yuan(text)
    assert f"“{text}”" in str(caught.value)


def test_money_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_yuan("abc")


@pytest.mark.parametrize(
    ("fen", "plain", "grouped"),
    [
        (0, "0.00", "0.00"),
        (1, "0.01", "0.01"),
        (10, "0.10", "0.10"),
        (99, "0.99", "0.99"),
        (100, "1.00", "1.00"),
        (123450, "1234.50", "1,234.50"),
        (100000000, "1000000.00", "1,000,000.00"),
        (-1, "-0.01", "-0.01"),
        (-5, "-0.05", "-0.05"),
        (-100, "-1.00", "-1.00"),
        (-123456789, "-1234567.89", "-1,234,567.89"),
    ],
)
def test_format_yuan(fen: int, plain: str, grouped: str) -> None:
    assert format_yuan(fen) == plain
    assert format_yuan(fen, grouping=True) == grouped


def test_format_yuan_of_none_is_blank() -> None:
    assert format_yuan(None) == ""
    assert format_yuan(None, grouping=True) == ""


@pytest.mark.parametrize(
    ("yuan", "fen"),
    [
        (Decimal("0.005"), 1),  # half rounds up, not to even
        (Decimal("0.015"), 2),
        (Decimal("0.025"), 3),  # banker's rounding would give 2
        (Decimal("0.0049999"), 0),
        (Decimal("100.005"), 10001),
        (Decimal("937.942777"), 93794),
        (Decimal("-0.005"), -1),  # half away from zero: symmetric for negatives
        (Decimal("-0.004"), 0),
        (Decimal("12"), 1200),
        (3, 300),
    ],
)
def test_yuan_to_fen_rounds_half_up(yuan: Decimal | int, fen: int) -> None:
    result = yuan_to_fen(yuan)
    assert result == fen
    assert type(result) is int


def test_fen_to_yuan_is_exact_decimal() -> None:
    assert fen_to_yuan(123450) == Decimal("1234.5")
    assert fen_to_yuan(1) == Decimal("0.01")
    assert fen_to_yuan(-5) == Decimal("-0.05")
    assert isinstance(fen_to_yuan(1), Decimal)


WIDE = st.integers(min_value=-(10**18), max_value=10**18)


@given(WIDE)
def test_format_then_parse_round_trips(fen: int) -> None:
    assert parse_yuan(format_yuan(fen)) == fen
    assert format_yuan(parse_yuan(format_yuan(fen))) == format_yuan(fen)
    assert parse_yuan(format_yuan(fen, grouping=True)) == fen


@given(WIDE)
def test_fen_yuan_round_trip(fen: int) -> None:
    assert yuan_to_fen(fen_to_yuan(fen)) == fen


@given(st.text(max_size=30))
def test_parse_yuan_never_fails_other_than_money_error(text: str) -> None:
    try:
        result = parse_yuan(text)
    except MoneyError:
        return
    assert type(result) is int


# -- never guess: only unambiguous amounts are accepted (issue 10) -------------------------------


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("1234", 123400),
        ("1,234,567.89", 123456789),
        ("¥1,234", 123400),
        ("1,234元", 123400),
        ("1234元", 123400),
        ("-¥12", -1200),
        ("１，２３４．５", 123450),
    ],
)
def test_parse_yuan_accepts_thousands_separators_in_their_places(text: str, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(
    "text",
    [
        "1,2,3",  # was stored as 123.00
        "1,2,3元",
        "12,34",
        "1,2345",
        "1234,567",
        "0,123",  # a decimal comma, or 123?
        ",123",
        "1,234,56",
        "1 234",
        "1.2.3",
        "--1",
        "¥-12",
        "١٢٣",  # Arabic-Indic digits: not NFKC-folded, not guessed at
        "1" * 31,
    ],
)
def test_parse_yuan_refuses_ambiguous_amounts_saying_what_is_accepted(text: str) -> None:
    with pytest.raises(MoneyError) as caught:
        parse_yuan(text)
    message = str(caught.value)
    assert f"“{text}”" in message and "不是有效金额" in message
    if text != "1" * 31:
        assert "1,234.50" in message and "逗号只能每三位一个" in message


MONEY_ALPHABET = st.sampled_from(list("0123456789,.¥元+- ，．１２"))


@settings(derandomize=True, max_examples=300)
@given(st.text(MONEY_ALPHABET, max_size=16))
def test_an_accepted_amount_is_its_digits_read_the_obvious_way(text: str) -> None:
    try:
        fen = parse_yuan(text)
    except MoneyError:
        return
    plain = unicodedata.normalize("NFKC", text)
    digits = "".join(c for c in plain if c.isdigit() or c in ".-")
    assert plain.count(".") <= 1
    assert fen == yuan_to_fen(Decimal(digits if digits.strip("-.") else "0"))
    if "," in plain:  # separators only ever between groups of exactly three digits
        whole = plain.split(".")[0]
        groups = "".join(c for c in whole if c.isdigit() or c == ",").split(",")
        assert all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3

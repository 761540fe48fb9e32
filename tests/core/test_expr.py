"""Tests for the form expression language (fieldapp.core.forms.expr)."""

from __future__ import annotations

import decimal
import subprocess
import sys
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldapp.core.forms import expr as expr_module
from fieldapp.core.forms.expr import (
    DEFAULT_FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    MISSING,
    CallContext,
    DictScope,
    ExprError,
    FunctionSpec,
    UnknownName,
    evaluate,
    parse,
)

TODAY = date(2024, 6, 15)

FORM: dict[str, object] = {
    "health": "残疾",
    "population": 3,
    "zero": 0,
    "annual_income": 36000,
    "rigid_expense": Decimal("6000.50"),
    "dibao_standard": Decimal("800"),
    "nothing": None,
    "name": "张三",
    "address": "云南省昆明市",
    "causes": ["子女上学", "因病"],
    "birth_date": date(2008, 6, 16),
    "deadline": date(2024, 6, 1),
    "status": "处理中",
    "flag": True,
    "ratio": 0.1,
    "members": [
        {"name": "甲", "health": "尿毒症/终末期肾病", "income": 1200, "tags": ["a", "b"]},
        {"name": "乙", "health": "健康", "income": None, "tags": ["c"]},
        {"name": "丙", "health": None, "tags": []},
    ],
    "incomes": [{"amount": Decimal("0.1")}, {"amount": Decimal("0.2")}],
}
ROOT: dict[str, object] = {"A": {"family_size": 4, "members": [{"age": 3}]}, "B": None}


def ev(source: str, **names: object) -> object:
    """Evaluate with FORM (overridden by keyword names) and ROOT."""
    return evaluate(source, DictScope(names, FORM, ROOT), today=TODAY)


def err(source: str, **names: object) -> ExprError:
    with pytest.raises(ExprError) as info:
        ev(source, **names)
    return info.value


# --------------------------------------------------------------------------- the brief's examples


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("health == '残疾'", True),
        ("count(members) + 1", Decimal(4)),
        (
            "(annual_income - rigid_expense) / population / 12",
            Decimal("833.3194444444444444444444444"),
        ),
        ("annual_income / population / 12 > dibao_standard * 1.5", False),
        ("if(population > 0, annual_income / population, null)", Decimal(12000)),
        ("if(zero > 0, annual_income / zero, null)", None),
        ("'尿毒症/终末期肾病' in members.health", True),
        ("selected(causes, '子女上学')", True),
        ("len(address) <= 200", True),
        ("age(birth_date) >= 16", False),
        ("A.family_size", Decimal(4)),
        ("not (status == '已解决') and deadline < today()", True),
        ("sum(incomes.amount) == 0.3", True),
    ],
)
def test_brief_examples(source: str, expected: object) -> None:
    assert ev(source) == expected


# --------------------------------------------------------------------------- literals


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("12", Decimal(12)),
        ("1.5", Decimal("1.5")),
        ("007", Decimal(7)),
        ("'健康'", "健康"),
        ('"健康"', "健康"),
        (r"'it\'s'", "it's"),
        (r'"say \"hi\""', 'say "hi"'),
        (r"'a\\b'", "a\\b"),
        (r"'line\nbreak\ttab'", "line\nbreak\ttab"),
        ("'含\"双引号'", '含"双引号'),
        ("''", ""),
        ("true", True),
        ("false", False),
        ("null", None),
        ("[]", []),
        ("['a', 'b']", ["a", "b"]),
        ("[1, 'x', null, [2]]", [Decimal(1), "x", None, [Decimal(2)]]),
        ("  \t\n 3 \n", Decimal(3)),
        ("\u30003", Decimal(3)),
    ],
)
def test_literals(source: str, expected: object) -> None:
    assert ev(source) == expected


def test_numbers_are_decimal_never_float() -> None:
    for source in ("1", "1.5", "population", "population / 2", "ratio", "sum([1, 2])", "len('ab')"):
        assert isinstance(ev(source), Decimal), source
    assert ev("ratio") == Decimal("0.1")
    assert ev("ratio * 3") == Decimal("0.3")


def test_decimal_exactness() -> None:
    assert ev("0.1 + 0.2 == 0.3") is True
    assert ev("0.1 + 0.2") == Decimal("0.3")
    assert ev("1.10 * 3") == Decimal("3.30")
    assert ev("1 / 3 * 3") == Decimal("0.9999999999999999999999999999")
    assert ev("2 / 3") == Decimal("0.6666666666666666666666666667")


# --------------------------------------------------------------------------- operators


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2", Decimal(3)),
        ("5 - 7", Decimal(-2)),
        ("2 * 3.5", Decimal(7)),
        ("7 / 2", Decimal("3.5")),
        ("7 % 3", Decimal(1)),
        ("-7 % 3", Decimal(-1)),  # Decimal semantics: the sign follows the dividend
        ("7.5 % 2", Decimal("1.5")),
        ("-5", Decimal(-5)),
        ("--5", Decimal(5)),
        ("- population", Decimal(-3)),
        ("'云南' + '省'", "云南省"),
        ("name + '的家'", "张三的家"),
        ("[1] + [2]", [Decimal(1), Decimal(2)]),
        ("1 == 1.0", True),
        ("1 != 2", True),
        ("1 < 2", True),
        ("2 <= 2", True),
        ("3 > 2", True),
        ("2 >= 3", False),
        ("'a' < 'b'", True),
        ("'b' >= 'a'", True),
        ("deadline < date('2024-06-02')", True),
        ("deadline >= date('2024-06-01')", True),
        ("'b' in ['a', 'b']", True),
        ("'c' in ['a', 'b']", False),
        ("'c' not in ['a', 'b']", True),
        ("'省' in address", True),
        ("'州' not in address", True),
        ("1 in [1.0, 2]", True),
        ("true and true", True),
        ("true and false", False),
        ("false or true", True),
        ("false or false", False),
        ("not true", False),
        ("not false", True),
        ("not not true", True),
        ("true and true and false", False),
        ("false or false or true", True),
    ],
)
def test_operators(source: str, expected: object) -> None:
    assert ev(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2 * 3", Decimal(7)),
        ("(1 + 2) * 3", Decimal(9)),
        ("10 - 4 - 3", Decimal(3)),
        ("10 - (4 - 3)", Decimal(9)),
        ("24 / 4 / 2", Decimal(3)),
        ("2 * 3 % 4", Decimal(2)),
        ("2 + 7 % 4", Decimal(5)),
        ("-2 * 3", Decimal(-6)),
        ("-(2 + 3)", Decimal(-5)),
        ("2 - -3", Decimal(5)),
        ("1 + 2 == 3", True),
        ("1 + 2 > 2 * 1", True),
        ("not 1 == 2", True),
        ("not 1 == 1 and false", False),
        ("true or false and false", True),  # and binds tighter than or
        ("(true or false) and false", False),
        ("not false and false", False),  # not binds tighter than and
        ("not (false and false)", True),
        ("1 + 1 in [2]", True),
        ("1 < 2 and 2 < 3", True),
        ("1 > 2 or 2 < 3", True),
    ],
)
def test_precedence(source: str, expected: object) -> None:
    assert ev(source) == expected


def test_long_flat_chains_do_not_nest() -> None:
    assert ev("+".join(["1"] * 999)) == Decimal(999)
    assert ev("-".join(["1"] * 999)) == Decimal(-997)
    assert ev(" and ".join(["true"] * 200)) is True
    assert ev(" or ".join(["false"] * 200)) is False


# --------------------------------------------------------------------------- null semantics


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("nothing + 1", None),
        ("1 - nothing", None),
        ("nothing * 2", None),
        ("nothing / 2", None),
        ("nothing % 2", None),
        ("-nothing", None),
        ("'a' + nothing", None),
        ("nothing < 1", None),
        ("nothing >= 1", None),
        ("deadline > nothing", None),
        ("nothing == null", True),
        ("nothing != null", False),
        ("nothing == 0", False),
        ("nothing != 0", True),
        ("0 == null", False),
        ("'' == null", False),
        ("nothing in ['a']", False),
        ("nothing in ['a', null]", True),
        ("'a' in nothing", None),
        ("'a' not in nothing", None),
        ("nothing in 'abc'", None),
        ("nothing and true", False),
        ("nothing or true", True),
        ("nothing or false", False),
        ("not nothing", True),
        ("not (nothing > 1)", True),
        ("B.family_size", None),  # a step through null is null
    ],
)
def test_null_semantics(source: str, expected: object) -> None:
    assert ev(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 and 0", False),
        ("2 and 'x'", True),
        ("'' or []", False),
        ("not ''", True),
        ("not deadline", False),
    ],
)
def test_truthiness(source: str, expected: object) -> None:
    assert ev(source) is expected


@pytest.mark.parametrize(
    "source", ["1 / 0", "population / zero", "0 / 0", "5 % 0", "1.5 / 0.0", "-1 / (2 - 2)"]
)
def test_division_by_zero_is_null(source: str) -> None:
    assert ev(source) is None


def test_and_or_short_circuit() -> None:
    # The right side would be an error (text minus number) if it were evaluated.
    assert ev("false and ('a' - 1)") is False
    assert ev("true or ('a' - 1)") is True
    with pytest.raises(ExprError):
        ev("true and ('a' - 1)")


def test_equality_across_types_is_false_not_error() -> None:
    assert ev("1 == '1'") is False
    assert ev("true == 1") is False
    assert ev("false == 0") is False
    assert ev("deadline == '2024-06-01'") is False  # ISO text is not auto-converted
    assert ev("deadline == date('2024-06-01')") is True
    assert ev("[1, 'a'] == [1.00, 'a']") is True
    assert ev("[1] == [1, 2]") is False
    assert ev("A == A") is True


# --------------------------------------------------------------------------- type errors


@pytest.mark.parametrize(
    "source",
    [
        "'a' - 1",
        "'a' + 1",
        "1 + 'a'",
        "true + 1",
        "'a' * 2",
        "deadline + 1",
        "[1] - [1]",
        "-'a'",
        "-true",
        "1 < 'a'",
        "deadline < '2024-01-01'",
        "true < false",
        "[1] < [2]",
        "1 in 2",
        "1 in 'abc'",
        "members.name.first",
    ],
)
def test_type_errors(source: str) -> None:
    error = err(source)
    assert error.position is not None
    assert " / " in error.message  # English and Chinese


def test_type_error_message_and_column() -> None:
    error = err("1 + ('a' - 1)")
    assert "cannot subtract text and a number" in str(error)
    assert "文本和数字不能相减" in str(error)
    assert error.column == 10
    assert "cannot take 'x' of a number in 'population.x'" in str(err("population.x"))


# --------------------------------------------------------------------------- names


def test_dict_scope_chain_first_match_wins() -> None:
    row = {"amount": 1, "population": 99}
    form = {"population": 3, "amount": 2}
    root = {"A": {"family_size": 4}}
    scope = DictScope(row, form, root)
    assert evaluate("population + amount", scope) == Decimal(100)
    assert evaluate("A.family_size", scope) == Decimal(4)


def test_repeat_column_resolves_to_list() -> None:
    assert ev("members.health") == ["尿毒症/终末期肾病", "健康", None]
    assert ev("members.income") == [Decimal(1200), None, None]  # missing key in a row is null
    assert ev("count(members.health)") == Decimal(2)
    assert ev("sum(members.income)") == Decimal(1200)
    assert ev("'健康' in members.health") is True
    assert ev("A.members.age") == [Decimal(3)]


def test_repeat_column_of_lists_is_flattened() -> None:
    assert ev("members.tags") == ["a", "b", "c"]
    assert ev("'c' in members.tags") is True


def test_nested_repeats_flatten() -> None:
    households = [
        {"members": [{"age": 1}, {"age": 2}]},
        {"members": [{"age": 3}]},
        None,
    ]
    assert ev("households.members.age", households=households) == [
        Decimal(1),
        Decimal(2),
        Decimal(3),
        None,
    ]


def test_tuple_and_datetime_from_host() -> None:
    assert ev("t", t=(1, 2)) == [Decimal(1), Decimal(2)]
    assert ev("dt < date('2024-01-02')", dt=datetime(2024, 1, 1, 23, 59)) is True
    assert ev("f + 0.2 == 0.3", f=0.1) is True


@pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal("Infinity"), float("nan"), float("-inf")])
def test_non_finite_host_numbers_are_errors(bad: object) -> None:
    with pytest.raises(ExprError):
        ev("x + 1", x=bad)


@pytest.mark.parametrize(
    ("source", "path"),
    [
        ("nosuch + 1", ("nosuch",)),
        ("A.nosuch", ("A", "nosuch")),
        ("C.family_size", ("C", "family_size")),
    ],
)
def test_unknown_names(source: str, path: tuple[str, ...]) -> None:
    error = err(source)
    assert isinstance(error, UnknownName)
    assert error.path == path
    assert error.column == 1
    assert "unknown name" in str(error)
    assert "未知名称" in str(error)


def test_unknown_name_that_is_a_function_gets_a_hint() -> None:
    assert "today()" in str(err("today"))


def test_scope_may_return_missing_sentinel() -> None:
    class Sentinel:
        def resolve(self, path: tuple[str, ...]) -> object:
            return 5 if path == ("x",) else MISSING

    assert evaluate("x * 2", Sentinel()) == Decimal(10)
    with pytest.raises(UnknownName):
        evaluate("y", Sentinel())


def test_custom_scope_protocol_and_plain_dict_scope() -> None:
    class Upper:
        def resolve(self, path: tuple[str, ...]) -> object:
            return ".".join(path).upper()

    assert evaluate("a.b + c", Upper()) == "A.BC"
    assert evaluate("x + 1", {"x": 1}) == Decimal(2)


def test_scope_bugs_become_expr_errors() -> None:
    class Broken:
        def resolve(self, path: tuple[str, ...]) -> object:
            raise KeyError(path)

    with pytest.raises(ExprError, match="cannot read 'x'"):
        evaluate("x", Broken())


def test_names_and_functions_are_collected() -> None:
    parsed = parse(
        "if(count(members) > 0, sum(members.income) / population, A.family_size) + len([x])"
    )
    assert parsed.names() == {
        ("members",),
        ("members", "income"),
        ("population",),
        ("A", "family_size"),
        ("x",),
    }
    assert parsed.functions() == {"if", "count", "sum", "len"}
    assert parse("1 + 'a'").names() == set()
    assert parse("not a and b or c in d").names() == {("a",), ("b",), ("c",), ("d",)}


# --------------------------------------------------------------------------- functions


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("count(members)", Decimal(3)),
        ("count(['a', null, ''])", Decimal(2)),
        ("count([])", Decimal(0)),
        ("count(nothing)", Decimal(0)),
        ("sum([1, 2, null, 3.5])", Decimal("6.5")),
        ("sum([])", Decimal(0)),
        ("sum(nothing)", Decimal(0)),
        ("sum(1, nothing, 2)", Decimal(3)),
        ("sum(members.income, 5)", Decimal(1205)),
        ("min([3, 1, null, 2])", Decimal(1)),
        ("max([3, 1, null, 2])", Decimal(3)),
        ("min(3, 1, 2)", Decimal(1)),
        ("max(3, nothing, 2)", Decimal(3)),
        ("min([])", None),
        ("max([null])", None),
        ("max('a', 'b')", "b"),
        ("min(deadline, date('2023-01-01'))", date(2023, 1, 1)),
        ("round(2.5)", Decimal(3)),
        ("round(-2.5)", Decimal(-3)),
        ("round(2.4)", Decimal(2)),
        ("round(1.005, 2)", Decimal("1.01")),
        ("round(1234.5, -2)", Decimal(1200)),
        ("round(nothing, 2)", None),
        ("round(2.5, nothing)", None),
        ("round(10 / 3, 2)", Decimal("3.33")),
        ("abs(-3.5)", Decimal("3.5")),
        ("abs(2)", Decimal(2)),
        ("abs(nothing)", None),
        ("if(true, 1, 2)", Decimal(1)),
        ("if(false, 1, 2)", Decimal(2)),
        ("if(nothing, 1, 2)", Decimal(2)),
        ("coalesce(nothing, 5)", Decimal(5)),
        ("coalesce(nothing, null)", None),
        ("coalesce('', 'x')", ""),
        ("len('云南省')", Decimal(3)),
        ("len(members)", Decimal(3)),
        ("len(nothing)", Decimal(0)),
        ("len('')", Decimal(0)),
        ("selected(causes, '因病')", True),
        ("selected(causes, '因残')", False),
        ("selected(health, '残疾')", True),
        ("selected(nothing, '残疾')", False),
        ("contains(address, '昆明')", True),
        ("contains(address, '大理')", False),
        ("contains(nothing, '昆明')", False),
        ("today()", TODAY),
        ("date('2024-01-31')", date(2024, 1, 31)),
        ("date(' 2024-01-31 ')", date(2024, 1, 31)),
        ("date('')", None),
        ("date(nothing)", None),
        ("date(deadline)", date(2024, 6, 1)),
        ("age(birth_date)", Decimal(15)),  # 16th birthday is tomorrow
        ("age(birth_date, date('2024-06-16'))", Decimal(16)),
        ("age(date('2000-02-29'), date('2023-02-28'))", Decimal(22)),
        ("age(date('2000-02-29'), date('2023-03-01'))", Decimal(23)),
        ("age(nothing)", None),
        ("age(birth_date, nothing)", None),
        ("months_between(date('2024-01-15'), date('2024-03-15'))", Decimal(2)),
        ("months_between(date('2024-01-15'), date('2024-03-14'))", Decimal(1)),
        ("months_between(date('2024-01-31'), date('2024-02-29'))", Decimal(1)),
        ("months_between(date('2024-01-31'), date('2024-02-28'))", Decimal(0)),
        ("months_between(date('2024-03-15'), date('2024-01-15'))", Decimal(-2)),
        ("months_between(date('2023-11-30'), date('2025-01-01'))", Decimal(13)),
        ("months_between(deadline, deadline)", Decimal(0)),
        ("months_between(nothing, deadline)", None),
        ("year(deadline)", Decimal(2024)),
        ("month(deadline)", Decimal(6)),
        ("year(nothing)", None),
        ("month(nothing)", None),
        ("empty(nothing)", True),
        ("empty('')", True),
        ("empty([])", True),
        ("empty(' ')", False),
        ("empty(0)", False),
        ("empty(members)", False),
        ("number('12.50')", Decimal("12.50")),
        ("number(' -3 ')", Decimal(-3)),
        ("number('１２')", Decimal(12)),
        ("number('abc')", None),
        ("number('')", None),
        ("number(nothing)", None),
        ("number(7)", Decimal(7)),
    ],
)
def test_functions(source: str, expected: object) -> None:
    result = ev(source)
    assert result == expected
    assert type(result) is type(expected)


def test_if_evaluates_only_the_chosen_branch() -> None:
    assert ev("if(true, 1, 'a' - 1)") == Decimal(1)
    assert ev("if(false, nosuch, 2)") == Decimal(2)
    assert ev("coalesce(1, nosuch)") == Decimal(1)
    with pytest.raises(UnknownName):
        ev("if(true, nosuch, 2)")


def test_today_defaults_to_system_date() -> None:
    assert evaluate("today()", {}) == date.today()


@pytest.mark.parametrize(
    "source",
    [
        "count('abc')",
        "count(3)",
        "sum(['a'])",
        "sum(true)",
        "min(1, 'a')",
        "max(true, false)",
        "round('a')",
        "round(1, 0.5)",
        "round(1, 1000)",
        "abs('a')",
        "len(3)",
        "len(deadline)",
        "contains(1, 'a')",
        "contains('a', 1)",
        "date('2024-02-30')",
        "date('2024/01/31')",
        "date('20240131')",
        "date(20240131)",
        "age('2000-01-01')",
        "months_between(deadline, '2024-01-01')",
        "year('2024')",
        "month(3)",
        "number(true)",
        "number(deadline)",
    ],
)
def test_function_type_errors(source: str) -> None:
    error = err(source)
    assert error.column == 1


def test_host_function() -> None:
    calls: list[tuple[object, ...]] = []

    def dibao(county: object, when: object) -> int:
        calls.append((county, when))
        return 800

    functions = {**DEFAULT_FUNCTIONS, "dibao": FunctionSpec(dibao, 2, 2)}
    scope = DictScope({"county_code": "530102"})
    value = evaluate("dibao(county_code, today()) * 1.5", scope, today=TODAY, functions=functions)
    assert value == Decimal(1200)
    assert calls == [("530102", TODAY)]
    with pytest.raises(ExprError, match="unknown function 'dibao'"):
        evaluate("dibao(county_code, today())", scope)  # not in the default registry


def test_host_function_with_context_and_lazy() -> None:
    def first_truthy(*thunks: object) -> object:
        for thunk in thunks:
            assert callable(thunk)
            value = thunk()
            if value:
                return value
        return None

    def scope_name(context: CallContext) -> object:
        return context.scope.resolve(("x",))

    functions: Mapping[str, FunctionSpec] = {
        **DEFAULT_FUNCTIONS,
        "first": FunctionSpec(first_truthy, 1, None, lazy=True),
        "x_again": FunctionSpec(scope_name, 0, 0, needs_context=True),
    }
    assert evaluate("first(0, 2, nosuch)", {"x": 1}, functions=functions) == Decimal(2)
    assert evaluate("x_again() + 1", {"x": 1}, functions=functions) == Decimal(2)


def test_host_function_failure_becomes_expr_error() -> None:
    def broken() -> object:
        raise LookupError("no standard for county")

    functions = {**DEFAULT_FUNCTIONS, "broken": FunctionSpec(broken, 0, 0)}
    with pytest.raises(ExprError, match="function 'broken' failed") as info:
        evaluate("1 + broken()", {}, functions=functions)
    assert info.value.column == 5
    assert isinstance(info.value.__cause__, LookupError)


def test_unknown_function_is_a_parse_error() -> None:
    with pytest.raises(ExprError) as info:
        parse("1 + foo(2)")
    assert info.value.column == 5
    assert "unknown function 'foo'" in str(info.value)
    assert "未知函数 foo" in str(info.value)
    # Checked against the registry given to parse.
    parse("foo(1)", {"foo": FunctionSpec(lambda x: x, 1, 1)})


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("round()", "takes 1 to 2 argument(s), got 0"),
        ("if(true, 1)", "takes 3 argument(s), got 2"),
        ("today(1)", "takes 0 argument(s), got 1"),
        ("sum()", "takes at least 1 argument(s), got 0"),
    ],
)
def test_wrong_argument_count_is_a_parse_error(source: str, fragment: str) -> None:
    with pytest.raises(ExprError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        parse(source)


def test_evaluate_rechecks_functions_of_a_parsed_expression() -> None:
    functions = {**DEFAULT_FUNCTIONS, "seven": FunctionSpec(lambda: 7, 0, 0)}
    parsed = parse("seven() + 1", functions)
    assert evaluate(parsed, {}, functions=functions) == Decimal(8)
    with pytest.raises(ExprError, match="unknown function 'seven'"):
        evaluate(parsed, {})


def test_default_functions_are_read_only_and_complete() -> None:
    assert set(DEFAULT_FUNCTIONS) == {
        "count", "sum", "min", "max", "round", "abs", "if", "coalesce", "len", "selected",
        "contains", "today", "date", "age", "months_between", "year", "month", "empty", "number",
    }  # fmt: skip
    with pytest.raises(TypeError):
        DEFAULT_FUNCTIONS["x"] = FunctionSpec(lambda: 1)  # type: ignore[index]


# --------------------------------------------------------------------------- syntax errors


@pytest.mark.parametrize(
    ("source", "column", "fragment"),
    [
        ("", 1, "empty expression"),
        ("   ", 4, "empty expression"),
        ("1 +", 4, "unexpected end"),
        ("(1 + 2", 7, "expected ')'"),
        ("1 + 2)", 6, "unexpected ')'"),
        ("1 2", 3, "unexpected '2'"),
        ("a = 1", 3, "use '=='"),
        ("!a", 1, "use 'not'"),
        ("a && b", 3, "use 'and'"),
        ("a || b", 3, "use 'or'"),
        ("'abc", 1, "missing its closing quote"),
        ("x + 'ab\\q'", 8, "unknown escape"),
        ("1.", 1, "malformed number"),
        ("1.2.3", 1, "malformed number"),
        ("12abc", 1, "malformed number"),
        (".5", 1, "unexpected '.'"),
        ("a.", 3, "expected a field name"),
        ("a.1", 3, "expected a field name"),
        ("a < b < c", 7, "cannot be chained"),
        ("a == b != c", 8, "cannot be chained"),
        ("a.b(1)", 4, "not a function name"),
        ("f(1,)", 5, "unexpected ')'"),
        ("f(1 2)", 5, "expected ',' or ')'"),
        ("[1, 2", 6, "expected ',' or ']'"),
        ("and", 1, "unexpected 'and'"),
        ("not in x", 5, "unexpected 'in'"),
        ("a not b", 3, "unexpected 'not'"),
        ("健康 == 1", 1, "names must be ASCII"),
        ("health == 健康", 11, "text must be quoted"),
        ("（1 + 2）", 1, "full-width character '（'"),
        ("f(1，2)", 4, "full-width character '，'"),
        ("a == ‘x’", 6, "full-width"),
        ("a $ b", 3, "unexpected character '$'"),
        ("1 + * 2", 5, "unexpected '*'"),
    ],
)
def test_syntax_errors_have_positions(source: str, column: int, fragment: str) -> None:
    with pytest.raises(ExprError) as info:
        parse(source)
    error = info.value
    assert fragment in str(error)
    assert error.column == column
    assert f"column {column}" in str(error)
    assert f"第 {column} 列" in str(error)


def test_multiline_error_reports_line_and_column() -> None:
    with pytest.raises(ExprError) as info:
        parse("a +\n  b +\n  * c")
    assert (info.value.line, info.value.column) == (3, 3)
    assert "line 3, column 3" in str(info.value)


def test_non_text_expression_is_an_error() -> None:
    with pytest.raises(ExprError, match="must be text"):
        parse(True)  # type: ignore[arg-type]
    with pytest.raises(ExprError, match="must be text"):
        parse(["a"])  # type: ignore[arg-type]


# --------------------------------------------------------------------------- limits


def test_length_limit() -> None:
    ok = "1" + " " * (MAX_LENGTH - 1)
    assert parse(ok).source == ok
    with pytest.raises(ExprError, match=f"longer than {MAX_LENGTH}"):
        parse("1" + " " * MAX_LENGTH)


@pytest.mark.parametrize(
    ("opener", "closer"),
    [("(", ")"), ("[", "]"), ("abs(", ")"), ("-", ""), ("not ", ""), ("if(true, ", ", 0)")],
)
def test_depth_limit(opener: str, closer: str) -> None:
    fine = opener * MAX_DEPTH + "1" + closer * MAX_DEPTH
    parse(fine)
    too_deep = opener * (MAX_DEPTH + 1) + "1" + closer * (MAX_DEPTH + 1)
    with pytest.raises(ExprError, match="nested too deeply"):
        parse(too_deep)


@pytest.mark.parametrize("opener", ["(", "[", "-", "not ", "abs("])
def test_huge_nesting_is_expr_error_not_recursion_error(opener: str) -> None:
    source = (opener * 5000)[:MAX_LENGTH]
    with pytest.raises(ExprError):
        parse(source)


def test_deepest_allowed_expression_evaluates() -> None:
    # Each level nests a call whose condition runs through every precedence level: the worst
    # case for the parser's and evaluator's Python stacks.
    source = "1"
    for _ in range(MAX_DEPTH):
        source = f"if(false or true and 1==0+1*{source},1,0)"
    assert len(source) <= MAX_LENGTH
    assert ev(source) == Decimal(1)
    with pytest.raises(ExprError, match="nested too deeply"):
        parse(f"if(false or true and 1==0+1*{source},1,0)")


def test_not_needs_parentheses_after_an_operator() -> None:
    assert ev("true == (not false)") is True
    assert ev("not 1 == 2 and not false") is True
    for source in ("true == not false", "1 + not 2", "- not 1"):
        with pytest.raises(ExprError, match="parentheses"):
            parse(source)


def test_parenthesised_comparisons_may_be_compared() -> None:
    assert ev("(1 < 2) == true") is True
    assert ev("(1 == 1) != (2 == 3)") is True


def test_number_out_of_range_is_expr_error() -> None:
    big = Decimal("9E+999990")
    with pytest.raises(ExprError, match="out of range"):
        ev("big * big", big=big)
    with pytest.raises(ExprError, match="out of range"):
        ev("round(big, 2)", big=big)
    with pytest.raises(ExprError, match="out of range"):
        ev("1" + "0" * 40 + " % 7")


# --------------------------------------------------------------------------- parse API


def test_parse_is_cached_and_expressions_compare_by_source() -> None:
    first = parse("population * 2")
    assert parse("population * 2") is first
    assert first == parse("population * 2")
    assert first != parse("population * 3")
    assert evaluate(first, DictScope(FORM)) == Decimal(6)
    assert "population * 2" in repr(first)


def test_core_does_not_import_qt() -> None:
    code = (
        "import sys, fieldapp.core.forms.expr; "
        "sys.exit(any(m.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6') for m in sys.modules))"
    )
    root = Path(expr_module.__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, check=False)
    assert result.returncode == 0


# --------------------------------------------------------------------------- property tests

_TEXT_ALPHABET = " ()[],.'\"\\=!<>+-*/%0123456789abdnotirfulsx_\n健（，"


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=80), st.text(alphabet=_TEXT_ALPHABET, max_size=80)))
def test_parse_arbitrary_text_only_raises_expr_error(source: str) -> None:
    try:
        parsed = parse(source)
    except ExprError as error:
        assert error.message
        str(error)
    else:
        assert parsed.source == source


# Random arithmetic trees: ("num", int) | ("neg", tree) | ("bin", op, left, right)
_Tree = tuple[object, ...]
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "%": 2}

_trees = st.recursive(
    st.integers(min_value=-20, max_value=20).map(lambda n: ("num", n)),
    lambda kids: st.one_of(
        kids.map(lambda k: ("neg", k)),
        st.tuples(st.sampled_from(sorted(_PRECEDENCE)), kids, kids).map(
            lambda t: ("bin", t[0], t[1], t[2])
        ),
    ),
    max_leaves=25,
)


def _render(tree: _Tree) -> tuple[str, int]:
    """Source text with as few parentheses as precedence allows, and its precedence."""
    if tree[0] == "num":
        n = tree[1]
        assert isinstance(n, int)
        return (str(n), 4) if n >= 0 else (f"-{-n}", 3)
    if tree[0] == "neg":
        text, prec = _render(tree[1])  # type: ignore[arg-type]
        return ("-" + (text if prec >= 3 else f"({text})"), 3)
    op = tree[1]
    assert isinstance(op, str)
    left, lprec = _render(tree[2])  # type: ignore[arg-type]
    right, rprec = _render(tree[3])  # type: ignore[arg-type]
    mine = _PRECEDENCE[op]
    left = left if lprec >= mine else f"({left})"
    right = right if rprec > mine else f"({right})"
    return (f"{left} {op} {right}", mine)


def _expected(tree: _Tree) -> Decimal | None:
    """The same computation done directly with Decimal (null propagates, x / 0 is null)."""
    if tree[0] == "num":
        n = tree[1]
        assert isinstance(n, int)
        return Decimal(n)
    if tree[0] == "neg":
        value = _expected(tree[1])  # type: ignore[arg-type]
        return None if value is None else -value
    op = tree[1]
    a = _expected(tree[2])  # type: ignore[arg-type]
    b = _expected(tree[3])  # type: ignore[arg-type]
    if a is None or b is None:
        return None
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if b == 0:
        return None
    return a / b if op == "/" else a % b


def _depth(tree: _Tree) -> int:
    if tree[0] == "num":
        return 1
    return 1 + max(_depth(child) for child in tree[1:] if isinstance(child, tuple))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_trees)
def test_arithmetic_matches_decimal(tree: _Tree) -> None:
    source, _ = _render(tree)
    if len(source) > MAX_LENGTH or _depth(tree) > MAX_DEPTH:
        return
    with decimal.localcontext(decimal.Context(prec=28)) as ctx:
        ctx.traps[decimal.InvalidOperation] = True
        try:
            expected = _expected(tree)
        except decimal.InvalidOperation:
            with pytest.raises(ExprError):
                evaluate(source, {})
            return
    assert evaluate(source, {}) == expected


_SCOPE_VALUES: dict[str, object] = {
    "n": 3,
    "z": 0,
    "s": "残疾",
    "blank": "",
    "d": date(2024, 1, 31),
    "lst": ["a", "b", None],
    "nums": [1, Decimal("2.5"), None],
    "flag": True,
    "nothing": None,
    "big": Decimal("9E+999990"),
    "tiny": Decimal("1E-999990"),
    "members": [
        {"health": "健康", "income": 1200, "causes": ["子女上学"]},
        {"health": None, "income": None},
    ],
    "A": {"size": 3},
}
_ATOMS = [
    "0", "1", "2.5", "-3", "'a'", "'健康'", "''", "'2024-01-31'", "true", "false", "null",
    "[]", "['a', null]", "[1, 2]", "n", "z", "s", "blank", "d", "lst", "nums", "flag", "nothing",
    "big", "tiny", "members", "members.health", "members.income", "members.causes", "A", "A.size",
    "nosuch", "n.x", "A.nosuch", "today()",
]  # fmt: skip
_BINARY = ["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "and", "or"]
_CALLABLE = sorted(DEFAULT_FUNCTIONS) + ["nosuchfn"]

_expressions = st.recursive(
    st.sampled_from(_ATOMS),
    lambda kids: st.one_of(
        st.tuples(kids, st.sampled_from(_BINARY), kids).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        kids.map(lambda k: f"(-{k})"),
        kids.map(lambda k: f"(not {k})"),
        st.tuples(st.sampled_from(_CALLABLE), st.lists(kids, max_size=3)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"
        ),
        st.lists(kids, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
    ),
    max_leaves=12,
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_expressions)
def test_evaluate_random_expressions_only_raises_expr_error(source: str) -> None:
    try:
        evaluate(source, DictScope(_SCOPE_VALUES), today=TODAY)
    except ExprError as error:
        assert error.message
        str(error)
        # A wrapped cause would mean a built-in let a Python exception escape.
        assert error.__cause__ is None or isinstance(error.__cause__, decimal.DecimalException)

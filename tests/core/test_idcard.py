"""居民身份证号 validator: domain examples, every problem code, normalisation, properties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldapp.core.values.idcard import (
    IdCardInfo,
    IdProblem,
    check_digit,
    check_id_number,
    has_blocking,
    make_id_number,
    normalize_id_number,
)
from fieldapp.core.values.regions import Region, RegionTable, load_regions

TODAY = date(2025, 6, 1)
REGIONS = load_regions()
CURRENT_CODES = sorted(region.code for region in REGIONS)


def check(text: str) -> tuple[IdCardInfo | None, list[IdProblem]]:
    return check_id_number(text, regions=REGIONS, today=TODAY)


@pytest.mark.parametrize(
    ("number", "region", "birth", "gender"),
    [
        ("530102198001010015", "530102", date(1980, 1, 1), "男"),
        ("53040219751231002X", "530402", date(1975, 12, 31), "女"),
        ("532301198802290076", "532301", date(1988, 2, 29), "男"),
    ],
)
def test_valid_examples(number: str, region: str, birth: date, gender: str) -> None:
    info, problems = check(number)
    assert problems == []
    assert info == IdCardInfo(number, region, birth, gender)  # type: ignore[arg-type]


def test_nonexistent_date_is_rejected_although_checksum_passes() -> None:
    number = "532301199002290072"
    assert check_digit(number[:17]) == number[17]
    info, problems = check(number)
    assert info is None
    assert problems == [IdProblem("birth_date", "身份证号中的出生日期 1990-02-29 不存在", True)]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", IdProblem("empty", "请填写身份证号", True)),
        ("   ", IdProblem("empty", "请填写身份证号", True)),
        ("530102800101001", IdProblem("old_15_digit", "15 位旧身份证号请换算为 18 位", True)),
        ("53010219800101001", IdProblem("length", "身份证号应为 18 位，现为 17 位", True)),
        ("5301021980010100155", IdProblem("length", "身份证号应为 18 位，现为 19 位", True)),
        (
            "53010219800101001a",
            IdProblem("chars", "身份证号含有无效字符「a」：只能是数字，最后一位可以是 X", True),
        ),
        (
            "530102 98001010015",
            IdProblem("chars", "身份证号含有无效字符「空格」：只能是数字，最后一位可以是 X", True),
        ),
        ("5301021980010100X5", IdProblem("chars", "身份证号中的 X 只能是最后一位", True)),
        ("530102198001010016", IdProblem("checksum", "身份证号校验位错误，应为 5", True)),
        (
            "53040219751231002Y",
            IdProblem("chars", "身份证号含有无效字符「Y」：只能是数字，最后一位可以是 X", True),
        ),
        (
            "530102198013010012",
            IdProblem("birth_date", "身份证号中的出生日期 1980-13-01 不存在", True),
        ),
        (
            make_id_number("530102", date(2025, 6, 2), 1),
            IdProblem("future_birth", "身份证号中的出生日期 2025-06-02 晚于今天", True),
        ),
        (
            make_id_number("530102", date(1905, 5, 31), 1),
            IdProblem("too_old", "身份证号中的出生日期 1905-05-31 距今超过 120 年", True),
        ),
        (
            make_id_number("999999", date(1980, 1, 1), 1),
            IdProblem(
                "unknown_region",
                "身份证号前 6 位地区码 999999 不在行政区划代码表中，请核对",
                False,
            ),
        ),
    ],
)
def test_each_problem_code_and_message(text: str, problem: IdProblem) -> None:
    _info, problems = check(text)
    assert problems == [problem]


def test_unknown_region_is_a_warning_with_info() -> None:
    info, problems = check(make_id_number("999999", date(1980, 1, 1), 2))
    assert info is not None and info.gender == "女" and info.region_code == "999999"
    assert [p.code for p in problems] == ["unknown_region"]
    assert not has_blocking(problems)


def test_abolished_region_code_is_accepted() -> None:
    # 530321 马龙县 was replaced by 530304 马龙区 in 2018; old cards keep the old code.
    number = make_id_number("530321", date(1970, 3, 4), 11)
    assert not REGIONS.is_current("530321")
    assert check(number)[1] == []


def test_region_table_can_be_passed_in() -> None:
    tiny = RegionTable([Region("530000", "云南省")], historic=["530102"])
    _info, problems = check_id_number("530102198001010015", regions=tiny, today=TODAY)
    assert problems == []
    _info, problems = check_id_number("530402197512310021", regions=tiny, today=TODAY)
    assert [p.code for p in problems] == ["checksum", "unknown_region"]


def test_every_problem_is_reported_not_just_the_first() -> None:
    info, problems = check("999999290002300000")
    assert info is None
    assert [p.code for p in problems] == ["checksum", "unknown_region", "birth_date"]
    _info, problems = check("abc")
    assert [p.code for p in problems] == ["chars", "length"]


def test_checksum_problem_still_decodes() -> None:
    info, problems = check("530102198001010025")
    assert [p.code for p in problems] == ["checksum"]
    assert has_blocking(problems)
    assert info == IdCardInfo("530102198001010025", "530102", date(1980, 1, 1), "女")


def test_age_boundary_is_120_years() -> None:
    oldest = make_id_number("530102", date(1905, 6, 1), 1)
    assert check(oldest)[1] == []
    born_today = make_id_number("530102", TODAY, 1)
    assert check(born_today)[1] == []
    # 1900-02-29 does not exist, so on 2020-02-29 the limit falls back to 1900-02-28.
    leap_today = date(2020, 2, 29)
    on_boundary = make_id_number("530102", date(1900, 2, 28), 1)
    assert check_id_number(on_boundary, regions=REGIONS, today=leap_today)[1] == []
    too_old = make_id_number("530102", date(1900, 2, 27), 1)
    problems = check_id_number(too_old, regions=REGIONS, today=leap_today)[1]
    assert [p.code for p in problems] == ["too_old"]
    just_too_old = make_id_number("530102", date(1905, 5, 31), 1)
    assert [p.code for p in check(just_too_old)[1]] == ["too_old"]


def test_today_defaults_to_the_system_date() -> None:
    tomorrow = make_id_number("530102", date.today() + timedelta(days=1), 1)
    assert [p.code for p in check_id_number(tomorrow)[1]] == ["future_birth"]


@pytest.mark.parametrize(
    "text",
    [
        "53040219751231002x",
        "  53040219751231002X\n",
        "\u300053040219751231002X\u3000",
        "５３０４０２１９７５１２３１００２Ｘ",
        "５３０４０２１９７５１２３１００２ｘ",
        "530402１９７５１２３１002X",
    ],
)
def test_input_is_normalised(text: str) -> None:
    info, problems = check(text)
    assert problems == []
    assert info is not None and info.number == "53040219751231002X"


def test_other_unicode_digits_are_not_digits() -> None:
    arabic_indic_five = "\u0665"
    _info, problems = check("53010219800101001" + arabic_indic_five)
    assert [p.code for p in problems] == ["chars"]


def test_check_digit_and_make_id_number() -> None:
    assert check_digit("53010219800101001") == "5"
    assert check_digit("53040219751231002") == "X"
    assert make_id_number("530102", date(1980, 1, 1), 1) == "530102198001010015"
    assert make_id_number("530402", date(1975, 12, 31), 2) == "53040219751231002X"
    for bad in ("5301021980010100", "530102198001010015", "5301021980010100a", "５" * 17):
        with pytest.raises(ValueError):
            check_digit(bad)
    with pytest.raises(ValueError):
        make_id_number("530102", date(1980, 1, 1), 1000)
    with pytest.raises(ValueError):
        make_id_number("530102", date(1980, 1, 1), -1)
    with pytest.raises(ValueError):
        make_id_number("53010", date(1980, 1, 1), 1)


valid_numbers = st.builds(
    make_id_number,
    st.sampled_from(CURRENT_CODES),
    st.dates(min_value=date(1905, 6, 1), max_value=TODAY),
    st.integers(min_value=0, max_value=999),
)


@given(
    region=st.sampled_from(CURRENT_CODES),
    birth=st.dates(min_value=date(1905, 6, 1), max_value=TODAY),
    seq=st.integers(min_value=0, max_value=999),
)
def test_make_id_number_round_trips(region: str, birth: date, seq: int) -> None:
    number = make_id_number(region, birth, seq)
    info, problems = check(number)
    assert not has_blocking(problems)
    assert info == IdCardInfo(number, region, birth, "男" if seq % 2 else "女")


@given(number=valid_numbers, data=st.data())
def test_any_single_character_change_is_detected(number: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(min_value=0, max_value=17))
    replacement = data.draw(
        st.characters().filter(lambda c: normalize_id_number(c) != number[position])
    )
    changed = number[:position] + replacement + number[position + 1 :]
    _info, problems = check(changed)
    assert has_blocking(problems), (changed, problems)


@given(
    text=st.one_of(
        st.text(),
        st.from_regex(r"\s*[0-9０-９xXＸｘ]{14,19}\s*", fullmatch=True),
    )
)
def test_arbitrary_text_never_raises(text: str) -> None:
    info, problems = check(text)
    assert info is not None or has_blocking(problems)
    assert all(isinstance(p, IdProblem) and p.code and p.message for p in problems)
    if info is not None:
        assert info.number == normalize_id_number(text)
        assert len(info.number) == 18
        assert info.gender in ("男", "女")

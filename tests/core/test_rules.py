"""Domain rules with worked examples computed by hand."""

from __future__ import annotations

from datetime import date
from typing import Any

from fieldapp.core.forms.engine import FormEngine
from fieldapp.core.forms.loader import default_survey
from fieldapp.core.rules.assessment import (
    MET,
    NOT_APPLICABLE,
    NOT_MET,
    UNKNOWN,
    guarantee_checks,
)
from fieldapp.core.rules.exits import assess_exit
from fieldapp.core.rules.income import exit_assessment, monthly_per_capita
from tests.conftest import TODAY
from tests.core.households import complete_household


def kunming(county: str, day: date) -> int | None:
    """590 元 from 2018-07-01, raised to 620 元 from 2026-07-01 (a made-up rise for the test)."""
    if day >= date(2026, 7, 1):
        return 62000
    return 59000 if day >= date(2018, 7, 1) else None


def test_monthly_per_capita_worked_examples() -> None:
    # (36,000 − 6,000) ÷ 3 ÷ 12 = 833.333… 元 → 833.33 元
    assert monthly_per_capita(3_600_000, 600_000, 3) == 83_333
    # (10,000.10 − 0) ÷ 1 ÷ 12 = 833.3416… → 833.34 元 (half up on the 分)
    assert monthly_per_capita(1_000_010, 0, 1) == 83_334
    # 0.06 元 ÷ 12 = 0.005 元 → rounds half up to 0.01 元
    assert monthly_per_capita(6, 0, 1) == 1
    assert monthly_per_capita(1_000_000, 2_000_000, 2) == -41_667
    assert monthly_per_capita(1_000_000, 0, 0) is None


def test_form_b_calculation_agrees_with_the_rule() -> None:
    engine = FormEngine(default_survey(), today=TODAY, dibao=kunming)
    values = engine.compute(complete_household())
    b = values["B"]
    assert b["monthly_per_capita"] == monthly_per_capita(
        b["annual_income"], b["rigid_expense"], b["population"]
    )


def _values(**changes: Any) -> dict[str, dict[str, Any]]:
    engine = FormEngine(default_survey(), today=TODAY, dibao=kunming)
    household = complete_household()
    for key, value in changes.items():
        form, _, field = key.partition("__")
        household[form][field] = value
    return engine.compute(household)


def _by_key(values: dict[str, dict[str, Any]]) -> dict[str, tuple[str, str]]:
    return {c.key: (c.status, c.reason) for c in guarantee_checks(values, TODAY)}


def test_guarantees_for_the_sample_household() -> None:
    checks = _by_key(_values())
    # 500.00 元 per person per month; the survey (2026-10-15) falls after the 620 元 rise
    assert checks["has_food"][0] == NOT_MET
    assert "500.00" in checks["has_food"][1] and "620.00" in checks["has_food"][1]
    assert checks["has_clothing"][0] == NOT_MET
    # worker 下(待)岗 aged 46, spouse ill with 尿毒症 → able worker without a job
    assert checks["employment"] == (NOT_MET, "1 名有劳动能力的成员均未就业（零就业家庭）")
    assert checks["medical"][0] == MET
    assert checks["education"] == (MET, "1 名适龄子女均在学")
    assert checks["social_security"] == (NOT_MET, "职工未参加养老保险")
    assert checks["housing"] == (MET, "住房安全（租房，未填建筑面积）")


def test_guarantees_change_with_the_data() -> None:
    a = complete_household()["A"]
    members = a["members"]
    members[1]["identity"] = "失(无)业"  # a 13-year-old out of school
    members[0]["medical_insurance"] = "未参保"
    checks = _by_key(
        _values(
            A__work_status="在岗",
            A__members=members,
            A__pension_insurance="城乡居民养老保险",
            A__housing_safe="危房",
            B__incomes=[{"kind": "工资性收入", "annual_amount": 9_000_000}],
        )
    )
    assert checks["has_food"][0] == MET
    assert checks["employment"] == (MET, "1 人就业")
    assert checks["medical"] == (NOT_MET, "未参加基本医疗保险：王秀英")
    assert checks["education"] == (NOT_MET, "义务教育年龄未在学：张小明")
    assert checks["social_security"][0] == MET
    assert checks["housing"] == (NOT_MET, "住房：危房")


def test_guarantees_unknown_and_not_applicable() -> None:
    values = _values(
        A__members=[],
        A__housing_safe=None,
        A__pension_insurance=None,
        A__health="癌症/恶性肿瘤",
        A__work_status="病休",
    )
    checks = _by_key(values)
    assert checks["employment"][0] == NOT_APPLICABLE
    assert checks["education"][0] == NOT_APPLICABLE
    assert checks["housing"][0] == UNKNOWN
    assert checks["social_security"][0] == UNKNOWN
    empty = {c.key: c.status for c in guarantee_checks({}, TODAY)}
    assert empty["has_food"] == UNKNOWN


JULY, AUGUST = date(2026, 7, 10), date(2026, 8, 10)


def months(*pairs: tuple[str, int]) -> list[dict[str, Any]]:
    return [{"month": m, "income": income} for m, income in pairs]


def test_exit_needs_six_consecutive_months_above_the_standard() -> None:
    # population 3, standard 590 元 → household income must exceed 1,770 元 a month
    records = months(*[(f"2026-0{m}", 180_000) for m in range(1, 7)])
    result = exit_assessment(records, 3, "530102", kunming, JULY)
    assert result.income_condition_met and result.consecutive_months == 6
    assert result.months[0].per_capita == 60_000 and result.months[0].standard == 59_000
    assert result.reasons == ["截至 2026-06 连续 6 个月人均收入超过当地低保标准（需连续 6 个月）"]


def test_exit_run_is_broken_by_a_low_month_a_gap_or_a_rise_of_the_standard() -> None:
    low = months(
        ("2026-01", 180_000), ("2026-02", 170_000), *[(f"2026-0{m}", 180_000) for m in range(3, 7)]
    )
    assert exit_assessment(low, 3, "530102", kunming, JULY).consecutive_months == 4
    gap = months(*[(f"2026-0{m}", 180_000) for m in (1, 2, 3, 5, 6)], ("2026-07", 190_000))
    result = exit_assessment(gap, 3, "530102", kunming, AUGUST)
    assert not result.income_condition_met
    # 2026-07: 190,000 ÷ 3 = 633.33 元 > 620 ✓; 06, 05 ✓ (590); 04 missing → run of 3
    assert result.consecutive_months == 3
    risen = months(*[(f"2026-{m:02d}", 180_000) for m in range(2, 8)])
    result = exit_assessment(risen, 3, "530102", kunming, AUGUST)
    assert result.consecutive_months == 0  # July: 600 元 is below the new 620 元
    assert not result.income_condition_met


def test_exit_expenses_count_and_missing_inputs_are_explained() -> None:
    records = [{"month": f"2026-0{m}", "income": 200_000, "expense": 30_000} for m in range(1, 7)]
    # (2,000 − 300) ÷ 3 = 566.67 元 < 590 → never above
    assert exit_assessment(records, 3, "530102", kunming, JULY).consecutive_months == 0
    assert exit_assessment(records, 0, "530102", kunming, JULY).reasons == ["缺少共同生活人口"]
    assert "缺少居住地区县" in exit_assessment(records, 3, None, kunming, JULY).reasons[0]
    assert exit_assessment([], 3, "530102", kunming, JULY).reasons == [
        "截至 2026-07 没有月度收入记录"
    ]
    no_standard = exit_assessment(records, 3, "530402", lambda c, d: None, JULY)
    assert "部分月份缺少当地低保标准" in no_standard.reasons


def test_assessment_reads_form_b_monthly_records() -> None:
    household = complete_household()
    household["B"]["monthly_records"] = [
        {"month": f"2026-{m:02d}", "income": 200_000} for m in range(5, 11)
    ]
    engine = FormEngine(default_survey(), today=TODAY, dibao=kunming)
    report = assess_exit(engine.compute(household), kunming, TODAY).to_dict()
    # population 3: 666.67 元 > 590 (May–Jun) and > 620 (Jul–Oct) → 6 months up to October,
    # within one month of the evaluation day 2026-11-01
    assert report["exit"]["income_condition_met"] is True
    assert [g["key"] for g in report["guarantees"]][:2] == ["has_food", "has_clothing"]

"""Issue 12, item 1: what counts as income, loans, the minimum wage, Form C totals (by hand)."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fieldapp.cli.main import main
from fieldapp.core.forms.engine import FormEngine
from fieldapp.core.forms.loader import default_survey
from fieldapp.core.rules.assessment import MET, NOT_MET, UNKNOWN, guarantee_checks
from tests.conftest import TODAY
from tests.core.households import complete_household


def kunming(county: str, day: date) -> int | None:
    return 59000 if county.startswith("5301") else None  # 590 元/人·月


def wage(county: str, day: date) -> int | None:
    return 167000 if county.startswith("5301") else None  # 1,670 元/月


ENGINE = FormEngine(default_survey(), today=TODAY, dibao=kunming, minimum_wage=wage)


def household(incomes: list[dict[str, Any]], **a_changes: Any) -> dict[str, dict[str, Any]]:
    """The complete household (worker earning, spouse with 尿毒症, a pupil: 3 people, nobody to
    count at the minimum wage) with these income lines and no rigid expenses."""
    data = complete_household()
    data["A"].update(copy.deepcopy(a_changes))
    data["B"]["incomes"] = incomes
    data["B"]["expenses"] = []
    return data


WAGE_12000 = {
    "member": "张建国",
    "kind": "工资性收入",
    "item": "临时工",
    "annual_amount": 1_200_000,
}


def test_a_loan_is_not_income() -> None:
    # 12,000 元 wages and a 50,000 元 business loan, 3 people. Counting the loan gave
    # (12,000 + 50,000) ÷ 3 ÷ 12 = 1,722.22 元 and 高于低保2倍; without it 12,000 ÷ 3 ÷ 12 = 333.33 元.
    loan = {"member": "张建国", "kind": "借款", "item": "创业贷款", "annual_amount": 5_000_000}
    result = ENGINE.validate(household([WAGE_12000, loan]), "B")
    b = result.values
    assert b["annual_income"] == 1_200_000 and b["excluded_income"] == 5_000_000
    assert b["monthly_per_capita"] == 33_333
    assert b["hardship_band"] == "低于低保标准"
    assert [r["counted_amount"] for r in b["incomes"]] == [1_200_000, 0]
    assert result.problems == []


def test_a_loan_typed_under_an_income_kind_is_still_left_out_with_a_warning() -> None:
    loan = {"kind": "经营性收入", "item": "小额贷款", "annual_amount": 5_000_000}
    result = ENGINE.validate(household([WAGE_12000, loan]), "B")
    assert result.values["monthly_per_capita"] == 33_333
    [warning] = result.problems
    assert warning.path == "incomes[2].item" and not warning.blocking
    assert "不计入收入" in warning.message


def test_festival_money_and_one_off_relief_are_not_income() -> None:
    # 春节慰问金 2,000 元 and a one-off 临时救助 5,000 元 beside the wages: still 333.33 元.
    extra = [
        {"kind": "节日慰问金", "item": "春节慰问金", "annual_amount": 200_000},
        {"kind": "一次性临时救助", "item": "民政临时救助", "annual_amount": 500_000},
    ]
    b = ENGINE.validate(household([WAGE_12000, *extra]), "B").values
    assert b["annual_income"] == 1_200_000 and b["excluded_income"] == 700_000
    assert b["monthly_per_capita"] == 33_333


def able_spouse() -> list[dict[str, Any]]:
    members = copy.deepcopy(complete_household()["A"]["members"])
    members[0]["health"] = "良好"  # 王秀英, 50 on 2026-11-01, 失(无)业, no 月收入
    return members


def test_an_able_jobless_member_is_counted_at_the_minimum_wage() -> None:
    # 1 person × 1,670 元 × 12 = 20,040 元; (12,000 + 20,040) ÷ 3 ÷ 12 = 890.00 元
    # = 1.508 × 590 → 低保1.5–2倍.
    result = ENGINE.validate(household([WAGE_12000], members=able_spouse()), "B")
    b = result.values
    assert b["jobless_people"] == 1 and b["min_wage_standard"] == 167_000
    assert b["imputed_income"] == 2_004_000 and b["imputed_used"] == 2_004_000
    assert b["annual_income"] == 3_204_000
    assert b["monthly_per_capita"] == 89_000
    assert b["hardship_band"] == "低保1.5–2倍"
    assert result.problems == []


def test_the_cadre_overrides_the_imputed_line_with_a_reason() -> None:
    data = household([WAGE_12000], members=able_spouse())
    data["B"]["imputed_override"] = 0
    result = ENGINE.validate(data, "B")
    assert [(p.path, p.code) for p in result.errors] == [("imputed_override_reason", "required")]
    data["B"]["imputed_override_reason"] = "长期照料瘫痪在床的老人，无法外出工作"
    result = ENGINE.validate(data, "B")
    assert result.errors == []
    assert result.values["imputed_used"] == 0
    assert result.values["monthly_per_capita"] == 33_333  # back to 12,000 ÷ 3 ÷ 12


def test_no_minimum_wage_standard_leaves_income_unknown_and_says_so() -> None:
    data = household([WAGE_12000], members=able_spouse())
    data["A"]["residence_region"] = "530402"  # 玉溪 红塔区: neither standard is known
    result = ENGINE.validate(data, "B")
    assert result.values["annual_income"] is None and result.values["monthly_per_capita"] is None
    messages = {p.path: p.message for p in result.problems}
    assert messages["min_wage_standard"].startswith("缺少当地最低工资标准")
    assert messages["dibao_standard"].startswith("缺少当地低保标准")
    values = ENGINE.compute(data)
    food = next(c for c in guarantee_checks(values, TODAY) if c.key == "has_food")
    assert food.status == UNKNOWN
    assert "当地低保标准（区县代码 530402" in food.reason
    assert "当地最低工资标准（区县代码 530402" in food.reason


def test_form_c_totals_leave_out_loans_and_what_did_not_arrive() -> None:
    rows = [
        {"date": "2026-01-10", "category": "生活救助", "policy_name": "工会生活救助"},
        {"date": "2026-03-01", "category": "创业担保贷款", "policy_name": "创业担保贷款"},
        {"date": "2026-09-01", "category": "学生资助", "policy_name": "普通高中国家助学金"},
        {"date": "2026-09-02", "category": "其他", "policy_name": "亲友借款", "fund_kind": "贷款"},
    ]
    for row, amount, done in zip(
        rows, (200_000, 8_000_000, 250_000, 300_000), "是是否是", strict=True
    ):
        row.update(amount=amount, implemented=done)
    result = ENGINE.validate({"C": {"policies": rows}}, "C")
    c = result.values
    # grants received: 2,000 元 only (the 2,500 元 助学金 is 未落实); loans 80,000 + 3,000 元
    assert c["total_amount"] == 200_000
    assert c["loan_total"] == 8_300_000
    assert [r["is_loan"] for r in c["policies"]] == ["否", "是", "否", "是"]
    rows[1]["fund_kind"] = "资金"  # marked as money although it is a loan: warned
    result = ENGINE.validate({"C": {"policies": rows}}, "C")
    assert [(p.path, p.blocking) for p in result.problems] == [("policies[2].fund_kind", False)]


def test_a_relative_hardship_household_below_dibao_is_warned() -> None:
    # 相对困难 at 300 元 below 低保: (590 − 300) × 3 × 12 = 10,440 元 a year → 290.00 元.
    line = {"kind": "工资性收入", "item": "工资", "annual_amount": 1_044_000}
    result = ENGINE.validate(household([line], category="相对困难"), "B")
    assert result.values["monthly_per_capita"] == 29_000
    [warning] = result.problems
    assert warning.path == "hardship_band" and "应属深度困难" in warning.message
    assert ENGINE.validate(household([line], category="深度困难"), "B").problems == []


def test_blank_medical_insurance_is_not_reported_as_uninsured() -> None:
    members = copy.deepcopy(complete_household()["A"]["members"])
    members[0]["medical_insurance"] = None
    values = ENGINE.compute(household([WAGE_12000], members=members))
    medical = next(c for c in guarantee_checks(values, TODAY) if c.key == "medical")
    assert (medical.status, medical.reason) == (UNKNOWN, "未填写医保状况：王秀英")
    members[0]["medical_insurance"] = "未参保"
    values = ENGINE.compute(household([WAGE_12000], members=members))
    medical = next(c for c in guarantee_checks(values, TODAY) if c.key == "medical")
    assert (medical.status, medical.reason) == (NOT_MET, "未参加基本医疗保险：王秀英")


def test_housing_type_and_area_move_the_housing_check() -> None:
    # 4 people in a rented room of 20 m²: 5.0 m² each (< 15) → 未达标; a 50 m² 公租房 → 达标.
    members = copy.deepcopy(complete_household()["A"]["members"])
    members.append({"name": "张小红", "relation": "子女", "birth_date": "2015-03-01"})
    rented = household([WAGE_12000], members=members, housing_type="租房", floor_area=20)
    housing = next(c for c in guarantee_checks(ENGINE.compute(rented), TODAY) if c.key == "housing")
    assert housing.status == NOT_MET
    assert housing.reason == "租房 20 平方米、4 人，人均 5.0 平方米，低于 15 平方米"
    public = household([WAGE_12000], members=members, housing_type="公租房/廉租房", floor_area=50)
    housing = next(c for c in guarantee_checks(ENGINE.compute(public), TODAY) if c.key == "housing")
    assert (housing.status, housing.reason) == (MET, "住房安全，公租房/廉租房（住房保障）")


def test_cli_record_and_assess_use_the_seeded_minimum_wage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The worked case as a new user rebuilds it: `fieldapp record` then `fieldapp assess`."""
    db = str(tmp_path / "cli.db")
    data = household([WAGE_12000], members=able_spouse())
    for form in "AB":
        (tmp_path / f"{form}.json").write_text(json.dumps(data[form], ensure_ascii=False), "utf-8")
    assert (
        main(
            [
                "--db",
                db,
                "--create",
                "record",
                "new",
                "--form",
                "A",
                "--json",
                str(tmp_path / "A.json"),
            ]
        )
        == 0
    )
    archive = data["A"]["archive_no"]
    b_json = str(tmp_path / "B.json")
    assert main(["--db", db, "record", archive, "--form", "B", "--json", b_json]) == 0
    capsys.readouterr()
    assert main(["--db", db, "assess", archive, "--date", "2026-11-01", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    food = next(g for g in report["guarantees"] if g["key"] == "has_food")
    # seeded: 五华区 低保 590 元 (2018-07-01), minimum wage 1,670 元 (2018-05-01) → 890.00 元
    assert food["reason"] == "月人均收入 890.00 元高于低保标准 590.00 元"

"""Issue 12, item 2: the exit rules as the policies write them, each case worked by hand."""

from __future__ import annotations

import copy
import dataclasses
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fieldapp.cli.main import main
from fieldapp.core.forms.engine import FormEngine
from fieldapp.core.forms.loader import default_survey, load_survey
from fieldapp.core.paths import FORMS_DIR
from fieldapp.core.reports.click_through import figure_households
from fieldapp.core.reports.exit_review import review_exits
from fieldapp.core.reports.stats import compute_stats
from fieldapp.core.rules.config import RULES_FILE, classification_problems, default_rules
from fieldapp.core.rules.exits import (
    EXIT,
    NEITHER,
    RESOLVE,
    WATCH,
    WRONG_EXIT,
    assess_exit,
    exit_flag,
    watch_ends,
)
from fieldapp.core.rules.income import exit_assessment
from fieldapp.core.rules.status_change import OverrideRequired, change_status, override_marks
from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.history import rules_check_lines
from fieldapp.core.store.store import Store
from tests.conftest import TODAY
from tests.core.households import complete_household


def kunming(county: str, day: date) -> int | None:
    return 59000


ENGINE = FormEngine(default_survey(), today=TODAY, dibao=kunming)
SOLVED = [
    {"category": "就业", "description": "失业", "status": "已解决", "solved_date": "2026-09-01"}
]


def months(first: str, count: int, income: int = 300_000) -> list[dict[str, Any]]:
    """``count`` consecutive monthly records from ``first`` (YYYY-MM), 3,000 元 each by default
    (÷ 3 people = 1,000 元 > 590)."""
    year, month = map(int, first.split("-"))
    out = []
    for i in range(count):
        y, m = divmod(year * 12 + month - 1 + i, 12)
        out.append({"month": f"{y:04d}-{m + 1:02d}", "income": income})
    return out


def ready(**changes: Any) -> dict[str, dict[str, Any]]:
    """The complete household made ready to exit: worker employed, spouse healthy, need solved."""
    data = complete_household()
    data["A"]["work_status"] = "在岗"
    data["A"]["members"][0].update(health="良好", identity="无劳动能力")
    data["E"]["problems"] = copy.deepcopy(SOLVED)
    for key, value in changes.items():
        form, _, name = key.partition("__")
        data[form][name] = copy.deepcopy(value)
    return data


def outcome(data: dict[str, dict[str, Any]], on: date = TODAY) -> Any:
    return assess_exit(ENGINE.compute(data), kunming, on)


def test_six_good_months_long_ago_do_not_exit_today() -> None:
    # 2024-01 … 2024-06 all above 低保, nothing since: on 2026-11-01 the run must reach 2026-10.
    result = outcome(ready(B__monthly_records=months("2024-01", 6)))
    assert result.outcome == NEITHER and not result.income_condition_met
    assert result.consecutive_months == 0
    assert "最近的月度收入记录是 2024-06，须截至 2026-10 或之后" in result.reasons[0]
    assert exit_flag("在档", result.outcome) is None  # so not listed as 漏退
    # The same six months, evaluated on 2024-07-15, were enough then.
    assert (
        outcome(ready(B__monthly_records=months("2024-01", 6)), date(2024, 7, 15)).outcome == EXIT
    )


def test_the_run_must_end_within_the_configured_month_of_the_evaluation_day() -> None:
    records = months("2026-05", 6)  # May … October
    population, county = 3, "530102"
    assert exit_assessment(
        records, population, county, kunming, date(2026, 11, 20)
    ).income_condition_met
    # On 1 December October is two months back (the default allows one):
    late = exit_assessment(records, population, county, kunming, date(2026, 12, 1))
    assert not late.income_condition_met and late.consecutive_months == 0
    two = dataclasses.replace(default_rules(), recent_within_months=2)
    assert exit_assessment(
        records, population, county, kunming, date(2026, 12, 1), two
    ).income_condition_met
    # Months after the evaluation day are not counted: on 2026-08-10 only May … August exist.
    early = exit_assessment(records, population, county, kunming, date(2026, 8, 10))
    assert early.consecutive_months == 4 and not early.income_condition_met


def test_a_dip_inside_the_watch_period_is_a_warning_and_wrong_exit_only_after() -> None:
    # Exited on 2026-07-01; the 渐退期 (6 months by default) ends 2027-01-01.
    assert watch_ends("2026-07-01") == "2027-01-01"
    assert watch_ends("2026-08-31") == "2027-02-28"  # no 31 February: the month's last day
    assert exit_flag("已脱困", NEITHER, exited_on="2026-07-01", on=date(2026, 8, 1)) == WATCH
    assert exit_flag("已脱困", NEITHER, exited_on="2026-07-01", on=date(2026, 12, 31)) == WATCH
    assert exit_flag("已脱困", NEITHER, exited_on="2026-07-01", on=date(2027, 1, 1)) == WRONG_EXIT
    assert exit_flag("已脱困", EXIT, exited_on="2026-07-01", on=date(2026, 8, 1)) is None
    none = dataclasses.replace(default_rules(), watch_months=0)
    flag = exit_flag("已脱困", NEITHER, exited_on="2026-07-01", on=date(2026, 8, 1), rules=none)
    assert flag == WRONG_EXIT
    assert exit_flag("已解困", NEITHER, exited_on="2026-03-01", on=date(2026, 11, 1)) == WRONG_EXIT


def test_blood_disease_is_a_serious_illness() -> None:
    # Main cause 患重特大疾病, six good months, the only need solved, but the spouse has 血液病.
    data = ready(B__monthly_records=months("2026-05", 6))
    data["A"]["main_cause"] = "患重特大疾病"
    assert outcome(data).outcome == EXIT  # spouse healthy
    data["A"]["members"][0]["health"] = "血液病"
    result = outcome(data)
    assert result.outcome != EXIT and not result.factors_eliminated and result.lasting_factor
    assert "主要致困原因“患重特大疾病”仍在：王秀英（血液病）" in result.reasons


def test_every_health_and_identity_option_is_classified_once(tmp_path: Path) -> None:
    assert classification_problems(default_survey()) == []
    forms = shutil.copytree(FORMS_DIR, tmp_path / "forms")
    options = forms / "options.yaml"
    text = options.read_text(encoding="utf-8")
    text = text.replace(
        "    - 其他重病\n\n  disability_type:",
        "    - 其他重病\n    - 地中海贫血\n\n  disability_type:",
    )
    text = text.replace(
        "  health_chronic:\n    - 糖尿病\n", "  health_chronic:\n    - 糖尿病\n    - 肝病\n"
    )
    options.write_text(text, encoding="utf-8")
    assert main(["forms", "check", str(forms)]) == 1  # the command office staff run
    problems = classification_problems(load_survey(forms))
    assert problems == [
        "options.yaml: health_status: “地中海贫血”应恰好属于一个分类，现属于任何分类",
        "options.yaml: health_status: “肝病”应恰好属于一个分类，现属于health_serious、health_chronic",
    ]


def lasting(**changes: Any) -> dict[str, dict[str, Any]]:
    """Spouse with 尿毒症 (lasting); (30,240 − 9,000) ÷ 3 ÷ 12 = 590.00 元 = 低保 → reaches it."""
    data = complete_household()
    data["B"]["incomes"] = [{"kind": "工资性收入", "item": "临时工", "annual_amount": 3_024_000}]
    data["C"]["policies"] = []
    for key, value in changes.items():
        form, _, name = key.partition("__")
        data[form][name] = copy.deepcopy(value)
    return data


def support(day: str, implemented: str = "是", category: str = "低保") -> list[dict[str, Any]]:
    return [
        {
            "date": day,
            "category": category,
            "policy_name": "城市最低生活保障金",
            "amount": 120_000,
            "implemented": implemented,
        }
    ]


def test_resolve_needs_support_recorded_in_form_c() -> None:
    result = outcome(lasting())
    assert result.reaches_dibao and result.outcome == NEITHER
    assert any("表C近 12 个月没有已落实的政府兜底" in r for r in result.reasons)
    assert outcome(lasting(C__policies=support("2026-06-01"))).outcome == RESOLVE
    # Applied for but not received, or received more than 12 months before the evaluation day:
    assert outcome(lasting(C__policies=support("2026-06-01", "否"))).outcome == NEITHER
    assert outcome(lasting(C__policies=support("2025-10-31"))).outcome == NEITHER
    assert outcome(lasting(C__policies=support("2025-11-01", category="送温暖"))).outcome == RESOLVE


def test_status_change_runs_the_rules_and_marks_an_override(store: Store) -> None:
    # Form A only: no monthly records, no Form E, no 低保 standard for 红塔区.
    hid = store.create_household("测试员")
    a = complete_household()["A"]
    a["residence_region"] = "530402"
    store.save_form(hid, "A", a, author="测试员", final=True, today=TODAY)
    with pytest.raises(OverrideRequired) as refused:
        change_status(store, hid, "已脱困", reason="已脱困", author="测试员", on=TODAY)
    assert refused.value.check.outcome == NEITHER and not refused.value.check.met
    assert "截至 2026-11 没有月度收入记录" in refused.value.check.reasons
    assert store.household(hid)["status"] == "在档" and store.status_history(hid) == []
    with pytest.raises(StoreError, match="原因"):
        change_status(
            store, hid, "已脱困", reason=" ", author="测试员", override_reason="x", on=TODAY
        )
    check = change_status(
        store,
        hid,
        "已脱困",
        reason="上级批准",
        author="测试员",
        override_reason="家属已接回赡养",
        on=TODAY,
    )
    assert not check.met
    [change] = store.status_history(hid)
    assert '"override": true' in change["rules_check"] and "家属已接回赡养" in change["rules_check"]
    assert override_marks(store) == {hid: True}
    assert store.audit_log(hid)[-1]["detail"]["override"] is True
    review = review_exits(store, on=TODAY)
    assert review.overrides == 1
    assert compute_stats(store, on=TODAY).total.exit_overrides == 1
    assert figure_households(store, "exit_overrides", on=TODAY) == [hid]
    lines = dict(rules_check_lines(store.status_history(hid)[0]))
    assert lines["人工认定理由"] == "家属已接回赡养" and lines["规则核对"].endswith(
        "不符合（结果：未达到）"
    )
    # 注销 and 在档 need no rule, and a later change clears the mark.
    change_status(store, hid, "在档", reason="复核后恢复在档", author="测试员", on=TODAY)
    assert override_marks(store) == {hid: False}


def test_status_change_that_meets_the_rules_needs_no_override(store: Store) -> None:
    hid = store.create_household("测试员")
    for form, values in ready(B__monthly_records=months("2026-05", 6)).items():
        store.save_form(hid, form, values, author="测试员", final=True, today=TODAY)
    check = change_status(
        store, hid, "已脱困", reason="连续6个月超过低保", author="测试员", on=TODAY
    )
    assert check.met and check.outcome == EXIT
    assert '"override": false' in store.status_history(hid)[0]["rules_check"]


def test_every_hardship_cause_says_what_shows_it_is_gone(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    text = RULES_FILE.read_text(encoding="utf-8").replace("  子女上学: education\n", "")
    rules.write_text(text, encoding="utf-8")
    assert classification_problems(default_survey(), rules) == [
        "rules.yaml: factors: 致困原因“子女上学”没有写明消除的依据"
    ]
    rules.write_text(text.replace("无劳动能力: lasting", "无劳动能力: forever"), encoding="utf-8")
    [problem] = classification_problems(default_survey(), rules)
    assert problem.startswith("rules.yaml: factors 应为“致困原因: 判断方式”")

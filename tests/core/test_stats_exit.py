"""脱困 / 解困 per household and the exit review (漏退, 错退风险) on the hand-made households."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from fieldapp.core.forms.engine import FormEngine
from fieldapp.core.forms.loader import default_survey
from fieldapp.core.reports.exit_review import review_exits
from fieldapp.core.rules.exits import (
    EXIT,
    MISSED_EXIT,
    NEITHER,
    RESOLVE,
    WATCH,
    WRONG_EXIT,
    assess_exit,
    exit_flag,
)
from fieldapp.core.store.store import Store
from tests.conftest import TODAY
from tests.core.households import complete_household
from tests.core.hq_households import Built, build


def kunming(county: str, day: date) -> int | None:
    return 59000


def computed(**changes: Any) -> dict[str, dict[str, Any]]:
    household = complete_household()
    for key, value in changes.items():
        form, _, name = key.partition("__")
        household.setdefault(form, {})[name] = copy.deepcopy(value)
    engine = FormEngine(default_survey(), today=TODAY, dibao=kunming)
    return engine.compute(household)


SIX_MONTHS = [{"month": f"2026-{m:02d}", "income": 300_000} for m in range(5, 11)]
EMPLOYED = {"A__work_status": "在岗"}
SOLVED = {
    "E__problems": [
        {"category": "就业", "description": "失业", "status": "已解决", "solved_date": "2026-09-01"}
    ]
}


def test_exit_needs_income_and_factors_eliminated() -> None:
    # The complete household: no monthly records, worker 下(待)岗 (cause 下岗失业 still there),
    # spouse with 尿毒症 (a lasting factor) and 500 元 < 590 元 → neither.
    result = assess_exit(computed(), kunming, TODAY)
    assert result.outcome == NEITHER and not result.income_condition_met
    assert any("下岗失业" in r for r in result.reasons)
    assert any("未达到解困" in r for r in result.reasons)

    # 6 months of 3000 元 ÷ 3 people = 1000 元 > 590, worker employed, need solved, spouse healthy.
    healthy = copy.deepcopy(complete_household()["A"]["members"])
    healthy[0]["health"] = "良好"
    values = computed(B__monthly_records=SIX_MONTHS, A__members=healthy, **EMPLOYED, **SOLVED)
    result = assess_exit(values, kunming, TODAY)
    assert result.outcome == EXIT and result.factors_eliminated and result.consecutive_months == 6
    assert "符合脱困标准" in result.reasons[-1]

    # Same but the cause 下岗失业 is still visible (nobody employed) → not eliminated.
    values = computed(B__monthly_records=SIX_MONTHS, A__members=healthy, **SOLVED)
    result = assess_exit(values, kunming, TODAY)
    assert result.outcome == NEITHER and result.income_condition_met
    assert not result.factors_eliminated

    # An open need keeps the factor.
    open_need = {"E__problems": [{"category": "医疗", "description": "x", "status": "办理中"}]}
    values = computed(B__monthly_records=SIX_MONTHS, A__members=healthy, **EMPLOYED, **open_need)
    result = assess_exit(values, kunming, TODAY)
    assert result.outcome == NEITHER
    assert any("尚有 1 项未解决" in r for r in result.reasons)

    # No Form E at all: 致困因素消除 cannot be shown.
    household = computed(B__monthly_records=SIX_MONTHS, A__members=healthy, **EMPLOYED)
    household.pop("E")
    assert assess_exit(household, kunming, TODAY).outcome == NEITHER


def test_resolve_for_lasting_factor_at_dibao_level() -> None:
    # Spouse with 尿毒症 (lasting), income raised to 21,240 + … so that 月人均 ≥ 590.
    incomes = [{"kind": "工资性收入", "item": "临时工", "annual_amount": 3_000_000}]
    values = computed(B__incomes=incomes)  # (30,000 − 9,000) ÷ 3 ÷ 12 = 583.33 < 590
    assert values["B"]["monthly_per_capita"] == 58_333
    assert assess_exit(values, kunming, TODAY).outcome == NEITHER
    incomes[0]["annual_amount"] = 3_024_000  # (30,240 − 9,000) ÷ 3 ÷ 12 = 590.00 = 590 → reaches
    values = computed(B__incomes=incomes)
    result = assess_exit(values, kunming, TODAY)
    assert result.outcome == RESOLVE and result.lasting_factor and result.reaches_dibao
    assert "王秀英（尿毒症/终末期肾病）" in result.reasons[-1]
    # 无劳动能力 as the main cause is lasting even when everyone is healthy.
    healthy = copy.deepcopy(complete_household()["A"]["members"])
    healthy[0]["health"] = "良好"
    healthy[0]["identity"] = "无劳动能力"  # not jobless: no minimum wage is counted for her
    values = computed(B__incomes=incomes, A__members=healthy, A__main_cause="无劳动能力")
    assert assess_exit(values, kunming, TODAY).outcome == RESOLVE


def test_flags() -> None:
    assert exit_flag("在档", EXIT) == MISSED_EXIT
    assert exit_flag("在档", RESOLVE) == MISSED_EXIT
    assert exit_flag("在档", NEITHER) is None
    assert exit_flag("已脱困", EXIT) is None
    assert exit_flag("已脱困", RESOLVE) == WRONG_EXIT
    assert exit_flag("已解困", RESOLVE) is None
    assert exit_flag("已解困", EXIT) is None
    assert exit_flag("已解困", NEITHER) == WRONG_EXIT
    assert exit_flag("注销", EXIT) is None


@pytest.fixture
def built(store: Store, monkeypatch: pytest.MonkeyPatch) -> Built:
    return build(store, monkeypatch)


def test_review_lists_missed_and_wrong_exits(store: Store, built: Built) -> None:
    review = review_exits(store, on=TODAY)
    # 漏退: H2 (脱困) and H5 (解困) are still 在档. 错退风险: H6 已解困 on 2026-03-01 without
    # income data (its 6-month 渐退期 ended 2026-09-01). H3 已脱困 on 2026-07-01 but below 低保
    # with an open need: within its 渐退期 (to 2027-01-01), a 渐退期预警. H4 注销 is not assessed.
    assert {d.household_id: d.outcome for d in review.missed} == {
        built["H2"]: EXIT,
        built["H5"]: RESOLVE,
    }
    assert {d.household_id for d in review.wrong} == {built["H6"]}
    assert {d.household_id for d in review.watch} == {built["H3"]}
    assert review.missed_rate == pytest.approx(2 / 3)  # 2 of 3 在档
    assert review.wrong_rate == pytest.approx(1 / 2)  # 1 of 2 exited (已脱困 + 已解困)
    assert review.outcomes["在档"] == {EXIT: 1, RESOLVE: 1, NEITHER: 1}
    h3 = next(d for d in review.watch if d.household_id == built["H3"])
    assert h3.flag == WATCH and h3.archive_no == "YN-530102-2019-000003"
    assert any("尚有 1 项未解决" in r for r in h3.reasons)
    assert h3.region == "云南省 昆明市 五华区"
    everyone = review_exits(store, on=TODAY, include_all=True)
    assert len(everyone.households) == 5 and everyone.to_dict()["households"][0]["reasons"]


def test_cached_facts_follow_the_evaluation_month(store: Store, built: Built) -> None:
    """H2's six months run to October: 符合 on 2026-11-01, no longer on 2026-12-15 (November is
    missing) although nobody's age changed in between — the cached entry must not be reused."""
    from fieldapp.core.reports.click_through import figure_households
    from fieldapp.core.reports.stats import compute_stats

    assert built["H2"] in figure_households(store, "exit_income_met", on=TODAY)
    assert compute_stats(store, on=date(2026, 12, 15)).total.exit_income_met == 0
    assert compute_stats(store, on=TODAY).total.exit_income_met == 1

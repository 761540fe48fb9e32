"""Statistics worked by hand on six households (tests/core/hq_households.py), docs/statistics.md.

Each expected number is derived in a comment from what the households hold. 低保 standards: the
store's seed values (五华区/盘龙区/官渡区 590 元, 麒麟区 557 元, from 2018-07-01).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from fieldapp.core.reports import facts_compute as hq_facts
from fieldapp.core.reports.click_through import figure_households
from fieldapp.core.reports.facts_cache import clear_cache, iter_household_facts
from fieldapp.core.reports.stats import Figures, compute_stats
from fieldapp.core.store.store import Store
from tests.conftest import TODAY
from tests.core.hq_households import Built, build, clock


@pytest.fixture
def built(store: Store, monkeypatch: pytest.MonkeyPatch) -> Built:
    return build(store, monkeypatch)


def guarantee(figures: Figures, key: str) -> tuple[int, dict[str, int]]:
    g = next(g for g in figures.guarantees if g.key == key)
    return g.met, g.counts


def counts(**values: int) -> dict[str, int]:
    out = {"达标": 0, "未达标": 0, "不适用": 0, "待核实": 0}
    out.update(
        {
            {"met": "达标", "not_met": "未达标", "na": "不适用", "unknown": "待核实"}[k]: v
            for k, v in values.items()
        }
    )
    return out


def test_every_figure_without_a_period(store: Store, built: Built) -> None:
    f = compute_stats(store, on=TODAY).total
    # H1–H6; statuses: 在档 H1 H2 H5, 已脱困 H3, 已解困 H6, 注销 H4.
    assert f.households == 6
    assert f.by_status == {"在档": 3, "已脱困": 1, "已解困": 1, "注销": 1}
    assert f.in_archive == 3
    # 在档 categories: H1 深度困难, H2 相对困难, H5 意外致困.
    assert f.by_category == {"深度困难": 1, "相对困难": 1, "意外致困": 1}
    # Visits (newest revisions, the draft D of H2 included): H1 1, H2 3, H3 1, H4 2 = 7;
    # 入户走访: H1 1 + H2 2 + H3 1 + H4 1 = 5; households with a visit: H1 H2 H3 H4.
    assert (f.visits, f.home_visits, f.households_visited) == (7, 5, 4)
    # Form E rows: H1 1, H2 2, H3 1, H4 1, H5 1 = 6. Measures: H1 1 (措施条数 default 1),
    # H2 2 + 0, H3 3, H4 1, H5 1 = 8. Solved: H1 1, H2 2, H4 1 = 4.
    assert (f.needs_found, f.measures, f.needs_solved) == (6, 8, 4)
    # 两有五保障 of the 在档 households H1 H2 H5 on 2026-11-01:
    # 有吃/有穿: H1 500 元 ≤ 590 未达标; H2 4000 > 590 达标; H5 1000 > 557 达标.
    assert guarantee(f, "has_food") == (2, counts(met=2, not_met=1))
    assert guarantee(f, "has_clothing") == (2, counts(met=2, not_met=1))
    # 就业: H1 worker 下(待)岗 aged 46 able, nobody employed → 未达标; H2 在岗 → 达标;
    # H5 残疾 on sick leave, nobody able → 不适用.
    assert guarantee(f, "employment") == (2, counts(met=1, not_met=1, na=1))
    # 就医: all insured and 大病保险 是 in H1 H2 H5.
    assert guarantee(f, "medical") == (3, counts(met=3))
    # 就学: H1's son (13, 初中) in school → 达标; H2 H5 no child 6–15 → 不适用.
    assert guarantee(f, "education") == (3, counts(met=1, na=2))
    # 社保: H1 未参保 → 未达标; H2 H5 职工养老保险 → 达标.
    assert guarantee(f, "social_security") == (2, counts(met=2, not_met=1))
    # 住房: H1 H2 安全; H5 危房.
    assert guarantee(f, "housing") == (2, counts(met=2, not_met=1))
    # Only H2 meets all seven.
    assert f.all_guarantees_met == 1
    # 6-month rule: only H2 has monthly records (2026-04…09, 4000 元 each > 590).
    assert f.exit_income_met == 1
    # 脱困: H2 (income rule, E all solved, cause 下岗失业 gone: 就业 达标).
    # 解困: H5 (残疾, 1000 元 ≥ 557 元). H1: lasting factor (spouse 尿毒症) but 500 < 590.
    assert (f.exit_qualified, f.resolve_qualified) == (1, 1)
    # No period: by current status.
    assert (f.exited, f.resolved, f.cancelled) == (1, 1, 1)
    # Pairing: helpers for H1 and H2 (H5 has no Form D); both visited → 2 of 3.
    assert (f.paired, f.paired_visited, f.coverage_gap) == (2, 2, 1)
    assert f.pairing_coverage == pytest.approx(2 / 3)


def test_every_figure_in_a_period(store: Store, built: Built) -> None:
    stats = compute_stats(store, date_from="2026-01-01", date_to="2026-10-31")
    f = stats.total
    assert stats.as_of == "2026-10-31"  # evaluation day: the end of the period
    assert f.households == 6 and f.in_archive == 3  # stock figures do not move
    # Visits dated 2026-01-01…10-31: H1 10-15; H2 03-10, 09-20 and the draft's 10-25; H3's
    # 2025-12-20 is outside; H4 02-01, 02-15 → 6; 入户走访: H1 1, H2 2, H4 1 → 4.
    assert (f.visits, f.home_visits, f.households_visited) == (6, 4, 3)
    # Needs first recorded in the period (Beijing dates): H1 10-15; H2 r1 on 2026-01-01 (saved
    # 2025-12-31 17:30 UTC), not r2 (2026-11-01 01:00 Beijing); H3 05-01; H4 02-20; H5 10-01 → 5.
    # Their measures: 1 + 2 + 3 + 1 + 1 = 8.
    assert (f.needs_found, f.measures) == (5, 8)
    # Solved with a 解决日期 in the period: H1 10-20, H2 08-01 and 06-15, H4 02-20 → 4.
    assert f.needs_solved == 4
    # Status changes in the period: H3 → 已脱困 on 07-01 (UTC 06-30 17:00), H6 → 已解困 03-01;
    # H4's 注销 fell on Beijing 2025-12-31 23:00 → outside.
    assert (f.exited, f.resolved, f.cancelled) == (1, 1, 0)
    # Coverage: H1 and H2 have a helper and a visit in the period; H5 none.
    assert (f.paired_visited, f.coverage_gap) == (2, 1)


def test_final_only_reads_final_revisions(store: Store, built: Built) -> None:
    f = compute_stats(store, final_only=True, on=TODAY).total
    # H2's newest final D has 2 visits (电话, 入户走访), not the draft's 3.
    assert (f.visits, f.home_visits) == (6, 4)


def test_groups_by_region_unit_and_staff(store: Store, built: Built) -> None:
    stats = compute_stats(store, by="region", on=TODAY)
    keys = [(g.key, g.level, g.parent) for g in stats.groups]
    assert keys == [
        ("530100", "city", None),
        ("530102", "county", "530100"),
        ("530103", "county", "530100"),
        ("530111", "county", "530100"),
        ("530300", "city", None),
        ("530302", "county", "530300"),
    ]
    kunming, wuhua = stats.groups[0].figures, stats.groups[1].figures
    assert stats.groups[0].label == "昆明市" and stats.groups[1].label == "五华区"
    # 昆明: H1 H2 H3 H4 H6; 五华区: H1 H3 H6.
    assert (kunming.households, kunming.in_archive, kunming.visits) == (5, 2, 7)
    assert wuhua.by_status == {"在档": 1, "已脱困": 1, "已解困": 1, "注销": 0}
    assert (wuhua.needs_found, wuhua.measures) == (2, 4)
    qujing = stats.groups[4].figures
    assert (qujing.households, qujing.resolve_qualified, qujing.pairing_coverage) == (1, 1, 0.0)
    # A city is the sum of its counties; the cities add up to the total.
    for field in ("households", "visits", "needs_found", "measures", "paired_visited"):
        counties = sum(getattr(g.figures, field) for g in stats.groups if g.parent == "530100")
        assert getattr(kunming, field) == counties
        cities = sum(getattr(g.figures, field) for g in stats.groups if g.level == "city")
        assert getattr(stats.total, field) == cities

    units = compute_stats(store, by="unit", on=TODAY)
    assert [(g.key, g.figures.households) for g in units.groups] == [
        ("（未填工作单位）", 4),
        ("昆明机床厂", 2),
    ]
    staff = {g.key: g.figures for g in compute_stats(store, by="staff", on=TODAY).groups}
    assert set(staff) == {"李干事", "赵干事", "王干事", "孙干事", "（未确定帮扶责任人）"}
    assert staff["赵干事"].visits == 3 and staff["（未确定帮扶责任人）"].households == 2

    only = compute_stats(store, region="530302", on=TODAY)
    assert only.total.households == 1 and only.region_label == "麒麟区"
    assert compute_stats(store, region="5301", on=TODAY).total.households == 5


def test_click_through_lists_the_households_behind_a_number(store: Store, built: Built) -> None:
    def ids(figure: str, **kwargs: Any) -> set[str]:
        return set(figure_households(store, figure, on=TODAY, **kwargs))

    assert ids("status.在档") == {built["H1"], built["H2"], built["H5"]}
    assert ids("coverage_gap") == {built["H5"]}
    assert ids("guarantee.housing.未达标") == {built["H5"]}
    assert ids("exit_qualified") == {built["H2"]}
    assert ids("resolve_qualified") == {built["H5"]}
    assert ids("needs_found") == {built[k] for k in ("H1", "H2", "H3", "H4", "H5")}
    assert ids("households", by="region", group="530102") == {built[k] for k in ("H1", "H3", "H6")}
    assert len(ids("households", by="region", group="530100")) == 5
    assert ids("visits", by="staff", group="赵干事") == {built["H2"]}
    period = {"date_from": "2026-01-01", "date_to": "2026-10-31"}
    assert ids("exited", **period) == {built["H3"]}
    assert ids("cancelled", **period) == set()
    # Every click-through agrees with its figure.
    total = compute_stats(store, on=TODAY).total
    assert len(ids("households_visited")) == total.households_visited
    assert len(ids("all_guarantees_met")) == total.all_guarantees_met


def test_stats_are_plain_json(store: Store, built: Built) -> None:
    stats = compute_stats(
        store, by="region", date_from=date(2026, 1, 1), date_to=date(2026, 10, 31)
    )
    doc = json.loads(json.dumps(stats.to_dict(), ensure_ascii=False))
    assert doc["total"]["households"] == 6 and doc["groups"][0]["key"] == "530100"
    assert doc["date_from"] == "2026-01-01" and doc["by"] == "region"


def test_bad_arguments_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="分组方式"):
        compute_stats(store, by="county")
    with pytest.raises(ValueError, match="晚于"):
        compute_stats(store, date_from="2026-10-01", date_to="2026-01-01")
    empty = compute_stats(store).total
    assert empty.households == 0 and empty.pairing_coverage is None


def test_cache_gives_the_same_answers_and_follows_changes(
    store: Store, built: Built, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = compute_stats(store, by="region", on=TODAY)
    assert store.db.execute("select count(*) from hq_facts").fetchone()[0] == 7  # 6 + the mark
    cached = compute_stats(store, by="region", on=TODAY)
    fresh = [h.facts for h in iter_household_facts(store, on=TODAY, use_cache=False)]
    assert cached.total == first.total and cached.groups == first.groups
    assert len(fresh) == 6
    assert clear_cache(store) == 7
    assert compute_stats(store, by="region", on=TODAY).total == first.total

    # A new visit for H5 is seen at once (new revision → entry recomputed).
    with clock(monkeypatch, "2026-10-28T02:00:00.000+00:00"):
        store.save_form(
            built["H5"],
            "D",
            {"helper_name": "杨干事", "visits": [{"date": "2026-10-28", "method": "入户走访"}]},
            author="测试员",
            final=True,
            today=TODAY,
        )
    # Only that household is recomputed, once, even by runs limited to a region.
    recomputed: list[str] = []
    original = hq_facts.entry

    def counting(record: Any, *args: Any) -> Any:
        recomputed.append(record.id)
        return original(record, *args)

    monkeypatch.setattr(hq_facts, "entry", counting)
    assert compute_stats(store, region="530302", on=TODAY).total.visits == 1
    assert compute_stats(store, region="530302", on=TODAY).total.visits == 1
    assert recomputed == [built["H5"]]
    after = compute_stats(store, on=TODAY).total
    assert (after.visits, after.paired_visited, after.coverage_gap) == (8, 3, 0)
    assert recomputed == [built["H5"]]

    # A higher 低保 standard for 盘龙区 from 2026-01-01 (5000 元) breaks H2's 6-month run.
    store.add_dibao_standard("530103", "2026-01-01", 500_000, source="测试", author="测试员")
    assert compute_stats(store, on=TODAY).total.exit_income_met == 0

    # Ages move: H1's son turns 16 on 2029-05-20, so 就学 becomes 不适用 for H1 that day.
    before_birthday = compute_stats(store, on=date(2029, 5, 19)).total
    on_birthday = compute_stats(store, on=date(2029, 5, 20)).total
    assert guarantee(before_birthday, "education")[1]["达标"] == 1
    assert guarantee(on_birthday, "education")[1] == counts(na=3)

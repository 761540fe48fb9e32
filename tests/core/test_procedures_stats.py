"""Filings and exits counted from the signed procedures: a small region worked out by hand.

Seven households in two counties of 昆明 (五华 530102, 盘龙 530103):

| household | county | case                                   | closed on   |
| --------- | ------ | -------------------------------------- | ----------- |
| 1         | 五华   | filing, completed                      | 2026-11-08  |
| 2         | 五华   | filing, completed                      | 2026-10-13  |
| 3         | 盘龙   | filing, waiting for 审核                | (open)      |
| 4         | 五华   | exit to 注销, completed                 | 2026-11-13  |
| 5         | 盘龙   | exit to 已脱困, completed against rules | 2026-11-13  |
| 6         | 五华   | exit to 已解困, 不予通过 at 上级审批      | 2026-11-13  |
| 7         | 盘龙   | filing, 不予通过 at 审核                 | 2026-11-03  |

All time: 2 filings, 2 exits (注销 1, 已脱困 1, 已解困 0), 1 of them against the rules, 1 filing
and 1 exit not passed, 1 filing open. November only: 1 filing (household 1), the same exits and
refusals. 盘龙 only: 0 filings, 1 exit (已脱困, the override), 1 filing refused, 1 open.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fieldapp.core import procedures as proc
from fieldapp.core.reports.procedure_stats import procedure_figures
from fieldapp.core.reports.stats import compute_stats
from tests.core.procedure_people import Region, complete, day, decide, publicity, region

WUHUA, PANLONG = "530102", "530103"
OVERRIDE = "经入户核实已稳定就业"


def lodged(r: Region, county: str, name: str) -> str:
    hid = r.hq.create_household("李干事")
    r.hq.save_form(hid, "A", {"name": name, "residence_region": county}, author="李干事")
    return hid


@pytest.fixture(scope="module")
def worked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Region]:
    r = region(tmp_path_factory.mktemp("region"))
    hq = r.hq

    def opened(hid: str, key: str, on: str, target: str | None = None) -> str:
        return proc.open_case(hq, hid, key, signer=r.cadre, target=target, opened_on=day(on)).id

    complete(r, hq, opened(lodged(r, WUHUA, "一"), "filing", "2026-10-27"), start="2026-10-28")
    complete(r, hq, opened(lodged(r, WUHUA, "二"), "filing", "2026-10-01"), start="2026-10-02")
    three = opened(lodged(r, PANLONG, "三"), "filing", "2026-11-01")
    decide(hq, three, r.cadre, "通过", "2026-11-02")
    complete(r, hq, opened(lodged(r, WUHUA, "四"), "exit", "2026-11-01", "注销"))
    five = opened(lodged(r, PANLONG, "五"), "exit", "2026-11-01", "已脱困")
    complete(r, hq, five, override=OVERRIDE)
    six = opened(lodged(r, WUHUA, "六"), "exit", "2026-11-01", "已解困")
    decide(hq, six, r.cadre, "通过", "2026-11-02", override_reason=OVERRIDE)
    decide(hq, six, r.reviewer, "通过", "2026-11-03", override_reason=OVERRIDE)
    shown = publicity("2026-11-04", "2026-11-11")
    decide(hq, six, r.reviewer, "通过", "2026-11-12", publicity=shown, override_reason=OVERRIDE)
    decide(hq, six, r.office, "不予通过", "2026-11-13", opinion="尚未纳入低保")
    seven = opened(lodged(r, PANLONG, "七"), "filing", "2026-11-01")
    decide(hq, seven, r.cadre, "通过", "2026-11-02")
    decide(hq, seven, r.reviewer, "不予通过", "2026-11-03", opinion="收入超标")
    yield r
    hq.close()


def test_all_time(worked: Region) -> None:
    f = procedure_figures(worked.hq)
    assert (f.filings, f.exits, f.exit_overrides) == (2, 2, 1)
    assert f.exits_by_target == {"已脱困": 1, "已解困": 0, "注销": 1}
    assert (f.rejected_filings, f.rejected_exits, f.open_filings, f.open_exits) == (1, 1, 1, 0)
    assert f.by_month == {
        "2026-10": {"filings": 1},
        "2026-11": {"filings": 1, "注销": 1, "已脱困": 1},
    }


def test_a_period_and_a_county(worked: Region) -> None:
    november = procedure_figures(worked.hq, date_from="2026-11-01", date_to="2026-11-30")
    assert (november.filings, november.exits, november.rejected_filings) == (1, 2, 1)
    assert november.open_filings == 1  # a stock: open now, whatever the period
    october = procedure_figures(worked.hq, date_to="2026-10-31")
    assert (october.filings, october.exits, october.rejected_exits) == (1, 0, 0)
    panlong = procedure_figures(worked.hq, region=PANLONG)
    assert (panlong.filings, panlong.exits, panlong.exit_overrides) == (0, 1, 1)
    assert panlong.exits_by_target["已脱困"] == 1 and panlong.rejected_filings == 1
    assert (panlong.open_filings, panlong.rejected_exits) == (1, 0)


def test_the_statistics_report_carries_them(worked: Region) -> None:
    stats = compute_stats(worked.hq, date_from="2026-11-01", date_to="2026-11-30", region="5301")
    assert stats.procedures is not None
    assert stats.procedures["filings"] == 1 and stats.procedures["exits_by_target"]["注销"] == 1
    statuses = {
        worked.hq.household(h)["name"]: worked.hq.household(h)["status"]
        for h in worked.hq.iter_household_ids()
    }
    assert statuses == {
        "一": "在档",
        "二": "在档",
        "三": "在档",
        "四": "注销",
        "五": "已脱困",
        "六": "在档",
        "七": "在档",
    }

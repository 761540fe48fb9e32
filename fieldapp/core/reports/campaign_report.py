"""The campaign's own figures beside the household statistics, laid out once for every reader.

Why: seed 004 reports the third-party check's rates, help in 户次 and 人次, and its base of
全国级 households — figures the household statistics (``stats``) do not hold. ``campaign_report``
computes them for the same scope as a ``Stats`` (region, 建档标准, period, final only, by region)
and ``tables`` lays them out as plain tables that `fieldapp stats` prints and the 统计表 sheet
writes below its own, so the command line and Excel always show the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fieldapp.core.reports.aid_counts import AidCounts, AidFigures, compute_aid_counts
from fieldapp.core.reports.check_rates import COUNT_LABELS, RATES, CheckRates, compute_check_rates
from fieldapp.core.reports.stats import Stats, city_of, region_label
from fieldapp.core.store.records import STATUSES
from fieldapp.core.store.store import Store
from fieldapp.core.values.money import fen_to_yuan

INT, PERCENT, MONEY = "int", "percent", "money"


@dataclass
class TableRow:
    label: str
    cells: list[tuple[Any, str]]
    """(value, kind) with kind int / percent / money (元, a Decimal) / text."""
    bold: bool = False
    indent: int = 0


@dataclass
class Table:
    title: str
    headers: list[str]
    """The label column's header first, then one per cell."""
    rows: list[TableRow] = field(default_factory=list)


@dataclass
class CampaignReport:
    aid: AidCounts
    checks: CheckRates
    by_region: bool

    def to_dict(self) -> dict[str, Any]:
        return {"aid": self.aid.to_dict(), "checks": self.checks.to_dict()}


def campaign_report(store: Store, stats: Stats) -> CampaignReport:
    """The campaign figures for the scope of ``stats``."""
    by_region = stats.by == "region"
    region, standard, start, end = stats.region, stats.standard, stats.date_from, stats.date_to
    aid = compute_aid_counts(
        store,
        region=region,
        standard=standard,
        date_from=start,
        date_to=end,
        final_only=stats.final_only,
        by_region=by_region,
    )
    checks = compute_check_rates(
        store, region=region, standard=standard, date_from=start, date_to=end, by_region=by_region
    )
    return CampaignReport(aid, checks, by_region)


def _aid_cells(report: CampaignReport, f: AidFigures) -> list[tuple[Any, str]]:
    aid = report.aid
    return (
        [(f.get(f"aid.{item}"), INT) for item in aid.aid_items]
        + [(f.get(f"training.{item}"), INT) for item in aid.training_items]
        + [(f.get(f"trained_people.{item}"), INT) for item in aid.training_items]
        + [(fen_to_yuan(f.get("union_funds_fen")), MONEY)]
    )


def _aid_headers(aid: AidCounts) -> list[str]:
    return (
        [f"{item}（户次）" for item in aid.aid_items]
        + [f"{item}（人次）" for item in aid.training_items]
        + [f"{item}（人数）" for item in aid.training_items]
        + ["工会投入资金（元）"]
    )


def _standard_table(report: CampaignReport) -> Table:
    aid = report.aid
    table = Table(
        "按建档标准（户数为档案现状；户次、人次、资金为统计期间内）",
        ["建档标准", "户数", *STATUSES, *_aid_headers(aid)],
    )
    for label, figures, bold in [
        ("合计", aid.total, True),
        *((s, f, False) for s, f in aid.by_standard.items()),
    ]:
        if not bold and not figures.get("households"):
            continue
        cells = [(figures.get("households"), INT)]
        cells += [(figures.get(f"status.{s}"), INT) for s in STATUSES]
        table.rows.append(TableRow(label, cells + _aid_cells(report, figures), bold=bold))
    return table


def _rates_table(report: CampaignReport) -> Table:
    total = report.checks.total
    table = Table(
        f"第三方核查（{report.checks.records} 条记录）",
        ["指标：分子 ÷ 分母", "比率", "分子", "分母"],
    )
    for d in RATES:
        rate = total.rate(d.key)
        label = f"{d.label}：{COUNT_LABELS[d.numerator]} ÷ {COUNT_LABELS[d.denominator]}"
        cells = [(rate.value, PERCENT), (rate.numerator, INT), (rate.denominator, INT)]
        table.rows.append(TableRow(label, cells))
    return table


def _region_rates_table(report: CampaignReport) -> Table:
    table = Table(
        "第三方核查（按省、州市、区县）",
        ["地区", "代码", "抽查户数", "漏评人数", *(d.label for d in RATES)],
    )
    for group in report.checks.groups:
        f = group.figures
        cells: list[tuple[Any, str]] = [(group.key, ""), (f.counts["sampled"], INT)]
        cells += [(f.counts["missed_people"], INT)]
        cells += [(f.rate(d.key).value, PERCENT) for d in RATES]
        indent = {"province": 0, "city": 1, "county": 2}.get(group.level, 0)
        table.rows.append(TableRow(group.label, cells, bold=indent == 0, indent=indent))
    return table


def _region_aid_table(store: Store, report: CampaignReport) -> Table:
    aid = report.aid
    table = Table("帮扶户次和人次（按州市、区县）", ["地区", "代码", *_aid_headers(aid)])
    cities: dict[str, AidFigures] = {}
    for code, figures in aid.by_region.items():
        cities.setdefault(city_of(code, store.regions), AidFigures()).add(figures.counts)
    for city in sorted(cities):
        label = region_label(city, store.regions)
        table.rows.append(
            TableRow(label, [(city, ""), *_aid_cells(report, cities[city])], bold=True)
        )
        for code in sorted(c for c in aid.by_region if city_of(c, store.regions) == city):
            if code != city:
                cells = [(code, ""), *_aid_cells(report, aid.by_region[code])]
                table.rows.append(TableRow(region_label(code, store.regions), cells, indent=1))
    return table


def tables(store: Store, report: CampaignReport) -> list[Table]:
    """The report's tables in order: by 建档标准, the check's rates, then the regional ones."""
    out = [_standard_table(report), _rates_table(report)]
    if report.by_region:
        out += [_region_rates_table(report), _region_aid_table(store, report)]
    return out


def cell_text(value: Any, kind: str) -> str:
    """A cell as the command line prints it."""
    if value is None:
        return "—"
    if kind == PERCENT:
        return f"{value * 100:.2f}%"
    if kind == MONEY and isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)

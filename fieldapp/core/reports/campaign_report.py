"""The campaign's own figures beside the household statistics, laid out once for every reader.

Why: seed 004 reports the third-party check's rates, help in 户次 and 人次, and its base of
全国级 households. Help is a household figure (``stats``, from ``aid``); the check's rates come
from the check records and the 建档标准 counts from the list index. ``campaign_report`` computes
what ``stats`` does not hold for the same scope (region, 建档标准, period, by region), and
``tables`` lays everything out as plain tables that `fieldapp stats` prints and the 统计表 sheet
writes below its own, so the command line and Excel always show the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fieldapp.core.reports.aid import aid_config
from fieldapp.core.reports.check_rates import COUNT_LABELS, RATES, CheckRates, compute_check_rates
from fieldapp.core.reports.records import region_clause
from fieldapp.core.reports.stats import NO_STANDARD, Stats
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
    standards: dict[str, dict[str, int]]
    """建档标准 -> households and status.S counts (now), for the scope's region."""
    checks: CheckRates
    by_region: bool

    def to_dict(self) -> dict[str, Any]:
        return {"standards": self.standards, "checks": self.checks.to_dict()}


def standard_counts(
    store: Store, region: str | None, standard: str | None
) -> dict[str, dict[str, int]]:
    """Households by 建档标准 and 档案状态 as they stand (one query on the list index)."""
    where, args = region_clause(region)
    if standard is not None:
        where, args = f"{where} and h.filing_standard = ?", [*args, standard]
    options = [o.value for o in store.survey.options.get("filing_standard", ())]
    out: dict[str, dict[str, int]] = {s: {} for s in options}
    rows = store.db.execute(
        f"select h.filing_standard, h.status, count(*) from households h where {where} "
        "group by 1, 2",
        args,
    )
    for filed_at, status, n in rows:
        counts = out.setdefault(filed_at or NO_STANDARD, {})
        counts["households"] = counts.get("households", 0) + n
        counts[f"status.{status}"] = n
    return {k: v for k, v in out.items() if v}


def campaign_report(store: Store, stats: Stats) -> CampaignReport:
    """The campaign figures for the scope of ``stats`` (its help figures are in ``stats``)."""
    by_region = stats.by == "region"
    checks = compute_check_rates(
        store,
        region=stats.region,
        standard=stats.standard,
        date_from=stats.date_from,
        date_to=stats.date_to,
        by_region=by_region,
    )
    return CampaignReport(standard_counts(store, stats.region, stats.standard), checks, by_region)


def _standard_table(report: CampaignReport) -> Table:
    table = Table("按建档标准（档案现状）", ["建档标准", "户数", *STATUSES])
    total: dict[str, int] = {}
    for counts in report.standards.values():
        for key, n in counts.items():
            total[key] = total.get(key, 0) + n
    for label, counts, bold in [
        ("合计", total, True),
        *((s, c, False) for s, c in report.standards.items()),
    ]:
        cells = [(counts.get("households", 0), INT)]
        cells += [(counts.get(f"status.{s}", 0), INT) for s in STATUSES]
        table.rows.append(TableRow(label, cells, bold=bold))
    return table


def _aid_table(stats: Stats) -> Table:
    config = aid_config()
    columns = (
        [(f"{item}（户次）", f"aid.{item}") for item in config.aid]
        + [(f"{item}（人次）", f"training.{item}") for item in config.training]
        + [(f"{item}（人数）", f"trained_people.{item}") for item in config.training]
    )
    table = Table(
        "帮扶户次、人次和工会投入资金（表C，统计期间内）",
        ["分组", *(h for h, _ in columns), "工会投入资金（元）"],
    )
    groups = [("合计", stats.total, True, 0)]
    groups += [
        (g.label, g.figures, g.level == "city", int(g.level == "county")) for g in stats.groups
    ]
    for label, figures, bold, indent in groups:
        aid = figures.aid
        cells: list[tuple[Any, str]] = [(aid.get(key, 0), INT) for _, key in columns]
        cells.append((fen_to_yuan(aid.get("union_funds_fen", 0)), MONEY))
        table.rows.append(TableRow(label, cells, bold=bold, indent=indent))
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


def tables(stats: Stats, report: CampaignReport) -> list[Table]:
    """The report's tables in order: by 建档标准, help from Form C (per group of ``stats``), the
    check's rates (and by region)."""
    out = [_standard_table(report), _aid_table(stats), _rates_table(report)]
    if report.by_region:
        out.append(_region_rates_table(report))
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

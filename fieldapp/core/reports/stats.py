"""The campaign's figures, as headquarters reports them upward (docs/statistics.md defines each).

Every figure is a sum over households of what each household contributes (0 or more), so a
figure of a group is the sum of its households, a city is the sum of its counties, and the
households behind any number are the ones contributing to it (``figure_households``: the GUI's
click-through). Per-household facts come from ``fieldapp.core.reports.facts`` (cached, recomputed when
stale); the rules are ``fieldapp.core.rules.assessment`` and ``fieldapp.core.rules.exits``.

API for the GUI: ``compute_stats(store, by=..., date_from=..., date_to=...) -> Stats`` (plain
dataclasses; ``Stats.to_dict()`` is JSON-serialisable); the households behind a number are
``click_through.figure_households``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from fieldapp.core.reports.aid import aid_figures
from fieldapp.core.reports.facts import HouseholdFacts, canonical
from fieldapp.core.reports.facts_cache import (
    iter_household_facts,
    recompute_households,
    staleness,
)
from fieldapp.core.reports.facts_compute import early_helper
from fieldapp.core.reports.facts_totals import Sums, buckets, summable
from fieldapp.core.reports.figures import (
    IN_ARCHIVE,
    Period,
    activity_contributions,
    base_contributions,
    contributions,
    coverage_contributions,
    override_contributions,
)
from fieldapp.core.reports.procedure_stats import procedure_figures
from fieldapp.core.rules.assessment import GUARANTEE_ITEMS, MET, NOT_APPLICABLE, NOT_MET, UNKNOWN
from fieldapp.core.rules.status_change import override_marks
from fieldapp.core.store.errors import CancelCheck
from fieldapp.core.store.records import STATUSES, now_iso
from fieldapp.core.store.store import Store
from fieldapp.core.values.regions import RegionTable

GUARANTEE_STATUSES = (MET, NOT_MET, NOT_APPLICABLE, UNKNOWN)
BY_CHOICES = ("region", "unit", "staff", "standard")
NO_REGION = "（未填居住地）"
STANDING_ONLY = "S:"  # tally marker: standing contributions without the all-time coverage
COVERAGE_KEYS = frozenset({"paired_visited", "coverage_gap"})
NO_UNIT = "（未填工作单位）"
NO_STAFF = "（未确定帮扶责任人）"
NO_STANDARD = "（未填建档标准）"
_NO_KEY = {None: "", "region": "", "unit": NO_UNIT, "staff": NO_STAFF, "standard": NO_STANDARD}
"""The finest key of a household without one (``_finest_key``)."""

FIGURE_LABELS: dict[str, str] = {
    "households": "户数（全部档案状态）",
    "in_archive": "在档户数",
    "visits": "走访帮扶人次",
    "home_visits": "其中入户走访人次",
    "households_visited": "走访户数",
    "needs_found": "困难需求数",
    "measures": "帮扶措施数",
    "needs_solved": "已解决困难数",
    "all_guarantees_met": "两有五保障全部达标户数",
    "exit_income_met": "人均收入连续6个月超过低保标准户数",
    "exit_qualified": "符合脱困标准的在档户数",
    "resolve_qualified": "符合解困标准的在档户数",
    "exited": "脱困户数",
    "resolved": "解困户数",
    "exit_overrides": "其中人工认定（不符合条件仍退出）户数",
    "cancelled": "注销户数",
    "paired": "有结对帮扶责任人的在档户数",
    "paired_visited": "结对帮扶覆盖户数",
    "coverage_gap": "未覆盖结对帮扶的在档户数",
}
"""Chinese labels of the flat figure keys (plus status.X, category.X, guarantee.K.S,
guarantee_met.K)."""


@dataclass
class GuaranteeFigure:
    key: str
    label: str
    met: int
    """在档 households with 达标 or 不适用."""
    counts: dict[str, int]
    """达标 / 未达标 / 不适用 / 待核实 -> 在档 households."""


@dataclass
class Figures:
    """Every figure of one group (or of the whole selection). See docs/statistics.md."""

    households: int
    by_status: dict[str, int]
    in_archive: int
    by_category: dict[str, int]
    visits: int
    home_visits: int
    households_visited: int
    needs_found: int
    measures: int
    needs_solved: int
    guarantees: list[GuaranteeFigure]
    all_guarantees_met: int
    exit_income_met: int
    exit_qualified: int
    resolve_qualified: int
    exited: int
    resolved: int
    exit_overrides: int
    """已脱困 / 已解困 households whose status was changed against the rules (stock)."""
    cancelled: int
    paired: int
    paired_visited: int
    coverage_gap: int
    pairing_coverage: float | None
    """paired_visited ÷ in_archive (None when there is no 在档 household)."""
    aid: dict[str, int] = field(default_factory=dict)
    """Help from Form C: aid.ITEM 户次, training.ITEM 人次, union_funds_fen … (reports.aid)."""

    @classmethod
    def from_counts(cls, counts: Mapping[str, int], categories: Iterable[str]) -> Figures:
        get = counts.get
        in_archive = get("in_archive", 0)
        by_category = {c: get(f"category.{c}", 0) for c in categories}
        for key, value in counts.items():
            if key.startswith("category.") and key[9:] not in by_category:
                by_category[key[9:]] = value
        guarantees = [
            GuaranteeFigure(
                key=key,
                label=label,
                met=get(f"guarantee_met.{key}", 0),
                counts={s: get(f"guarantee.{key}.{s}", 0) for s in GUARANTEE_STATUSES},
            )
            for key, label in GUARANTEE_ITEMS
        ]
        return cls(
            households=get("households", 0),
            by_status={s: get(f"status.{s}", 0) for s in STATUSES},
            in_archive=in_archive,
            by_category=by_category,
            visits=get("visits", 0),
            home_visits=get("home_visits", 0),
            households_visited=get("households_visited", 0),
            needs_found=get("needs_found", 0),
            measures=get("measures", 0),
            needs_solved=get("needs_solved", 0),
            guarantees=guarantees,
            all_guarantees_met=get("all_guarantees_met", 0),
            exit_income_met=get("exit_income_met", 0),
            exit_qualified=get("exit_qualified", 0),
            resolve_qualified=get("resolve_qualified", 0),
            exited=get("exited", 0),
            resolved=get("resolved", 0),
            exit_overrides=get("exit_overrides", 0),
            cancelled=get("cancelled", 0),
            paired=get("paired", 0),
            paired_visited=get("paired_visited", 0),
            coverage_gap=get("coverage_gap", 0),
            pairing_coverage=(get("paired_visited", 0) / in_archive) if in_archive else None,
            aid=aid_figures(counts),
        )


@dataclass
class Group:
    """One row of a breakdown: a 州市 or county (by region), a unit, a helper (staff) or a
    建档标准 (standard)."""

    key: str
    label: str
    level: str
    """city / county (by region), unit, staff, standard."""
    parent: str | None
    figures: Figures


@dataclass
class Stats:
    generated_at: str
    as_of: str
    """Evaluation day for ages in the 两有五保障 checks (the end of the period, else today)."""
    date_from: str | None
    date_to: str | None
    by: str | None
    region: str | None
    region_label: str
    final_only: bool
    total: Figures
    groups: list[Group] = field(default_factory=list)
    standard: str | None = None
    """Only households filed at this 建档标准 (全国级 …); None: every household."""
    procedures: dict[str, Any] | None = None
    """Filings and exits through their procedures (``procedure_stats``)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def group(self, key: str) -> Group | None:
        return next((g for g in self.groups if g.key == key), None)


# -- grouping ---------------------------------------------------------------------------------


def city_of(code: str | None, regions: RegionTable) -> str:
    """The 州市 a county belongs to: its prefecture in the GB/T 2260 cascade (a county directly
    under its province stands for itself; an unknown code falls back to its first four digits)."""
    if not code:
        return ""
    path = regions.path(code)
    if len(path) >= 2:
        return path[1].code
    return code[:4] + "00"


def region_label(code: str, regions: RegionTable) -> str:
    if not code:
        return NO_REGION
    region = regions.get(code)
    return region.name if region is not None else f"{code}（代码已撤销或未知）"


def _finest_key(h: HouseholdFacts, by: str | None) -> str:
    if by == "region":
        return h.region_code or ""
    if by == "unit":
        return h.unit or NO_UNIT
    if by == "staff":
        return h.staff or NO_STAFF
    if by == "standard":
        return h.standard or NO_STANDARD
    return ""


def household_contributions(
    h: HouseholdFacts, period: Period, status_changes: Iterable[tuple[str, str]] = ()
) -> dict[str, int]:
    """Everything one household adds to the figures (figures.contributions)."""
    return contributions(h.facts, h.status, h.category, period, status_changes)


def _status_changes(store: Store) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    rows = store.db.execute(
        "select household_id, status, date(changed_at, '+8 hours') from status_changes "
        "order by rowid"
    )
    for hid, status, day in rows:
        out.setdefault(hid, []).append((status, day))
    return out


def _iso(value: date | str | None) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()
    return date.fromisoformat(value).isoformat()


def _categories(store: Store) -> list[str]:
    a = store.survey.forms.get("A")
    f = a.field("category") if a is not None else None
    return [o.value for o in f.options] if f is not None else []


def _add(target: dict[str, int], amounts: Mapping[str, int]) -> None:
    for key, value in amounts.items():
        target[key] = target.get(key, 0) + value


def _all_time(
    store: Store,
    by: str | None,
    overrides: Mapping[str, bool],
    region: str | None,
    standard: str | None,
    final_only: bool,
    on: date,
    progress: Callable[[int], None] | None,
    cancelled: CancelCheck | None,
) -> dict[str, dict[str, int]] | None:
    """Every finest group's all-time counts, summed by SQL from the cache (``facts_totals``)
    once every entry is current; None when the cache cannot be kept current (read-only, busy)."""
    if store.readonly or not summable():
        return None
    marked = [hid for hid, overridden in overrides.items() if overridden]
    options: dict[str, Any] = {
        "by": by,
        "overridden": marked,
        "region": region,
        "standard": standard,
        "final_only": final_only,
    }
    complete = region is None and standard is None
    # A cache lacking many entries (a first run): the helper process starts while we look.
    helper = early_helper(store, on=on, final_only=final_only) if complete else None
    try:
        check = staleness(store, on=on, final_only=final_only)
        found = list(buckets(store, staleness=check, **options))
        stale = [hid for b in found if b.stale for hid in b.stale_ids]
        if stale:
            # The recomputed entries are summed as they come (not by standard: SQL reads it).
            sums = Sums(by, marked) if by != "standard" else None
            kept = recompute_households(
                store,
                stale,
                on=on,
                final_only=final_only,
                check=check,
                complete=complete,
                progress=progress,
                cancelled=cancelled,
                helper=helper,
                each=None if sums is None else sums.add,
            )
            if not kept:
                return None
            # The other households' entries did not change: their buckets stand.
            found = [b for b in found if not b.stale]
            found += buckets(store, only=stale, **options) if sums is None else sums.buckets()
    finally:
        if helper is not None:
            helper.stop()
    finest: dict[str, dict[str, int]] = {}
    parsed: dict[str, dict[str, int]] = {}
    for b in found:
        bucket = finest.setdefault(b.key if b.key is not None else _NO_KEY[by], {})
        base = {
            **base_contributions(b.status, b.category),
            **override_contributions(b.status, b.overridden),
        }
        standing: Mapping[str, int] = {}
        if b.standing is not None:
            standing = parsed.get(b.standing) or parsed.setdefault(
                b.standing, json.loads(b.standing)
            )
        for amounts, times in ((base, b.households), (standing, b.households), (b.activity, 1)):
            for name, value in amounts.items():
                bucket[name] = bucket.get(name, 0) + value * times
    return finest


def compute_stats(
    store: Store,
    *,
    by: str | None = None,
    date_from: date | str | None = None,
    date_to: date | str | None = None,
    region: str | None = None,
    final_only: bool = False,
    on: date | None = None,
    progress: Callable[[int], None] | None = None,
    cancelled: CancelCheck | None = None,
    standard: str | None = None,
) -> Stats:
    """Every figure for the households of ``region`` (a code or code prefix; all if None) and
    ``standard`` (建档标准; all if None), broken down ``by`` region (州市 and county), unit (工作单位),
    staff (帮扶责任人) or standard (建档标准)."""
    if by is not None and by not in BY_CHOICES:
        raise ValueError(f"分组方式只能是：{'、'.join(BY_CHOICES)}（收到“{by}”）")
    period = Period(_iso(date_from), _iso(date_to))
    if period.start and period.end and period.start > period.end:
        raise ValueError(f"统计期间起始日期 {period.start} 晚于结束日期 {period.end}")
    evaluation_day = on or (date.fromisoformat(period.end) if period.end else date.today())
    changes = _status_changes(store) if period.bounded else {}
    overrides = override_marks(store)
    # Households with the same contributions share the same cached text: count texts per group
    # and parse each distinct text once (figures.contributions, summed; see hq_facts).
    tally: dict[tuple[str, str], int] = {}
    shapes: dict[tuple[str, tuple[tuple[str, int], ...]], int] = {}
    finest: dict[str, dict[str, int]] = {}
    base_texts: dict[tuple[str, str | None, bool], str] = {}
    summed = None
    if not period.bounded:
        summed = _all_time(
            store, by, overrides, region, standard, final_only, evaluation_day, progress, cancelled
        )
    if summed is not None:  # every entry current in the table: SQL summed them (facts_totals)
        finest = summed
    each: Iterable[HouseholdFacts] = (
        ()
        if summed is not None
        else iter_household_facts(
            store,
            on=evaluation_day,
            region=region,
            standard=standard,
            final_only=final_only,
            details=period.bounded,
            progress=progress,
            cancelled=cancelled,
        )
    )
    for h in each:
        key = _finest_key(h, by)
        in_archive = h.status == IN_ARCHIVE
        overridden = overrides.get(h.id, False)
        if not period.bounded:
            base = base_texts.get((h.status, h.category, overridden))
            if base is None:
                base = base_texts[(h.status, h.category, overridden)] = canonical(
                    {
                        **base_contributions(h.status, h.category),
                        **override_contributions(h.status, overridden),
                    }
                )
            for text in (base, h.activity, h.standing) if in_archive else (base, h.activity):
                tally[(key, text)] = tally.get((key, text), 0) + 1
            continue
        facts = h.facts
        amounts = base_contributions(h.status, h.category, period, changes.get(h.id, ()))
        amounts.update(override_contributions(h.status, overridden))
        amounts.update(activity_contributions(facts, period))
        if in_archive:
            amounts.update(coverage_contributions(facts, period))
            tally[(key, STANDING_ONLY + h.standing)] = (
                tally.get((key, STANDING_ONLY + h.standing), 0) + 1
            )
        shape = (key, tuple(sorted(amounts.items())))
        shapes[shape] = shapes.get(shape, 0) + 1
    for (key, items), households in shapes.items():
        bucket = finest.setdefault(key, {})
        for name, value in items:
            bucket[name] = bucket.get(name, 0) + value * households
    parsed: dict[str, dict[str, int]] = {}
    for (key, text), households in tally.items():
        known = parsed.get(text)
        if known is None:
            if text.startswith(STANDING_ONLY):
                doc = json.loads(text[len(STANDING_ONLY) :])
                known = {k: v for k, v in doc.items() if k not in COVERAGE_KEYS}
            else:
                known = json.loads(text)
            parsed[text] = known
        bucket = finest.setdefault(key, {})
        for name, value in known.items():
            bucket[name] = bucket.get(name, 0) + value * households
    categories = _categories(store)
    total: dict[str, int] = {}
    for counts in finest.values():
        _add(total, counts)
    groups: list[Group] = []
    regions = store.regions
    if by == "region":
        cities: dict[str, dict[str, int]] = {}
        for code, counts in finest.items():
            _add(cities.setdefault(city_of(code, regions), {}), counts)
        for city in sorted(cities):
            groups.append(
                Group(
                    city,
                    region_label(city, regions),
                    "city",
                    None,
                    Figures.from_counts(cities[city], categories),
                )
            )
            for code in sorted(c for c in finest if city_of(c, regions) == city):
                if code == city:
                    continue
                groups.append(
                    Group(
                        code,
                        region_label(code, regions),
                        "county",
                        city,
                        Figures.from_counts(finest[code], categories),
                    )
                )
    elif by is not None:
        for key in sorted(finest, key=lambda k: (-finest[k].get("households", 0), k)):
            groups.append(Group(key, key, by, None, Figures.from_counts(finest[key], categories)))
    label = ""
    if region:
        label = region_label(region, regions) if len(region) == 6 else region
    return Stats(
        generated_at=now_iso(),
        as_of=evaluation_day.isoformat(),
        date_from=period.start,
        date_to=period.end,
        by=by,
        region=region,
        region_label=label,
        final_only=final_only,
        total=Figures.from_counts(total, categories),
        groups=groups,
        standard=standard,
        procedures=procedure_figures(
            store, date_from=period.start, date_to=period.end, region=region
        ).to_dict(),
    )

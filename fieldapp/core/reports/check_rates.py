"""The third-party check's rates, each with the counts it is made of, per region.

Why: a rate without its denominator cannot be checked, added up or compared (seed 004 gives 错评
0.05 %, 漏评 0.12 %, 错退 0.04 %, 漏退 0.81 %, 帮扶方式精准率 99.82 %, 满意度 98.97 % and no
denominators). Every count here is a sum over check records of what each record contributes
(``record_counts``), so a county's counts add up to its city's and a city's to its province's,
and each rate is one count over another (``RATES``; docs/statistics.md §14 says why each
denominator is the one it is). Records come from ``fieldapp.core.store.checks``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from fieldapp.core.reports.figures import Period
from fieldapp.core.reports.stats import city_of, region_label
from fieldapp.core.store.check_scale import CheckScale, check_scale
from fieldapp.core.store.checks import (
    CHECK,
    MISSED,
    MISSED_EXIT,
    WRONG_EXIT,
    WRONG_FILED,
    CheckRecord,
    current_records,
)
from fieldapp.core.store.store import Store
from fieldapp.core.values.regions import RegionTable, code_prefix

IN_ARCHIVE, EXITED_STATUSES = "在档", ("已脱困", "已解困")
NO_REGION = "（未知区县）"

COUNT_LABELS: dict[str, str] = {
    "sampled": "抽查户数",
    "sampled_in_archive": "抽查时在档户数",
    "sampled_exited": "抽查时已退出户数（已脱困、已解困）",
    "wrong_filed": "错评户数",
    "missed_people": "漏评人数",
    "filing_base": "应建档数（抽查在档户＋漏评人）",
    "wrong_exit": "错退户数",
    "missed_exit": "漏退户数",
    "should_have_exited": "应退出户数（漏退户＋未错退的已退出户）",
    "precise_answered": "回答帮扶方式是否精准的户数",
    "precise": "帮扶方式精准户数",
    "satisfaction_answered": "回答满意度的户数",
    "satisfied": "满意户数",
}


@dataclass(frozen=True)
class RateDefinition:
    key: str
    label: str
    numerator: str
    denominator: str


RATES = (
    RateDefinition("wrong_filed_rate", "错评率", "wrong_filed", "sampled_in_archive"),
    RateDefinition("missed_filing_rate", "漏评率", "missed_people", "filing_base"),
    RateDefinition("wrong_exit_rate", "错退率", "wrong_exit", "sampled_exited"),
    RateDefinition("missed_exit_rate", "漏退率", "missed_exit", "should_have_exited"),
    RateDefinition("precise_rate", "帮扶方式精准率", "precise", "precise_answered"),
    RateDefinition("satisfaction_rate", "满意度", "satisfied", "satisfaction_answered"),
)


def record_counts(record: CheckRecord, scale: CheckScale) -> dict[str, int]:
    """What one current, not withdrawn record adds to the counts."""
    if record.kind == MISSED:
        return {"missed_people": 1, "filing_base": 1}
    data = record.data
    findings = set(data.get("findings") or ())
    status = data.get("status_at_check")
    out = {"sampled": 1}
    if status == IN_ARCHIVE:
        out.update(sampled_in_archive=1, filing_base=1)
        if WRONG_FILED in findings:
            out["wrong_filed"] = 1
        if MISSED_EXIT in findings:
            out.update(missed_exit=1, should_have_exited=1)
    elif status in EXITED_STATUSES:
        out["sampled_exited"] = 1
        if WRONG_EXIT in findings:
            out["wrong_exit"] = 1
        else:
            out["should_have_exited"] = 1
    if data.get("precise"):
        out["precise_answered"] = 1
        if data["precise"] in scale.precise:
            out["precise"] = 1
    if data.get("satisfaction"):
        out["satisfaction_answered"] = 1
        if data["satisfaction"] in scale.satisfied:
            out["satisfied"] = 1
    return out


@dataclass(frozen=True)
class Rate:
    key: str
    label: str
    numerator: int
    denominator: int
    value: float | None
    """numerator ÷ denominator; None when nothing was sampled for it."""


@dataclass
class RateFigures:
    counts: dict[str, int]
    rates: list[Rate]

    @classmethod
    def from_counts(cls, counts: Mapping[str, int]) -> RateFigures:
        full = {key: int(counts.get(key, 0)) for key in COUNT_LABELS}
        rates = [
            Rate(
                d.key,
                d.label,
                full[d.numerator],
                full[d.denominator],
                full[d.numerator] / full[d.denominator] if full[d.denominator] else None,
            )
            for d in RATES
        ]
        return cls(full, rates)

    def rate(self, key: str) -> Rate:
        return next(r for r in self.rates if r.key == key)


@dataclass
class RateGroup:
    key: str
    label: str
    level: str
    """province / city / county."""
    parent: str | None
    figures: RateFigures


@dataclass
class CheckRates:
    total: RateFigures
    groups: list[RateGroup] = field(default_factory=list)
    records: int = 0
    """Records counted (checks and 漏评 people)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _region_of(record: CheckRecord, households: Mapping[str, tuple[str | None, str | None]]) -> str:
    known = households.get(record.household_id or "") if record.kind == CHECK else None
    if known is not None:
        return known[0] or record.region_code or ""
    return record.region_code or ""


def _standard_of(
    record: CheckRecord, households: Mapping[str, tuple[str | None, str | None]]
) -> str | None:
    if record.kind == CHECK:
        return households.get(record.household_id or "", (None, None))[1]
    standard = record.data.get("standard")
    return str(standard) if standard else None


def chain(code: str, regions: RegionTable) -> list[tuple[str, str, str | None]]:
    """(code, level, parent) from the province down to the county a record counts in."""
    if not code:
        return [("", "county", None)]
    province = code[:2] + "0000"
    city = city_of(code, regions)
    out: list[tuple[str, str, str | None]] = [(province, "province", None)]
    if city != province:
        out.append((city, "city", province))
    if code not in (city, province):
        out.append((code, "county", city if city != province else province))
    return out


def compute_check_rates(
    store: Store,
    *,
    region: str | None = None,
    standard: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    by_region: bool = False,
    records: Iterable[CheckRecord] | None = None,
) -> CheckRates:
    """The rates over the current, not withdrawn records checked in the period, in ``region`` (a
    code or prefix) and, with ``standard``, of households filed at that 建档标准 (漏评 people the
    firm said should be filed at it); ``by_region`` adds a row per province, city and county."""
    scale = check_scale()
    period = Period(date_from, date_to)
    prefix = code_prefix(region) if region else ""
    households = {
        str(hid): (code, std)
        for hid, code, std in store.db.execute(
            "select id, region_code, filing_standard from households where id in "
            "(select household_id from check_records where household_id is not null)"
        )
    }
    total: Counter[str] = Counter()
    groups: dict[str, Counter[str]] = {}
    shape: dict[str, tuple[str, str | None]] = {}
    counted = 0
    for record in current_records(store) if records is None else records:
        if record.withdrawn or not period.contains(record.check_date):
            continue
        code = _region_of(record, households)
        if not code.startswith(prefix) or (
            standard is not None and _standard_of(record, households) != standard
        ):
            continue
        counts = record_counts(record, scale)
        counted += 1
        total.update(counts)
        if by_region:
            for key, level, parent in chain(code, store.regions):
                groups.setdefault(key, Counter()).update(counts)
                shape[key] = (level, parent)
    rows = [
        RateGroup(
            key,
            region_label(key, store.regions) if key else NO_REGION,
            shape[key][0],
            shape[key][1],
            RateFigures.from_counts(groups[key]),
        )
        for key in sorted(groups)
    ]
    return CheckRates(RateFigures.from_counts(total), rows, counted)

"""Local standards by county and date, append-only: 低保 (元/人·月) and the monthly minimum wage.

The form engine asks ``dibao_standard`` when it checks income against the 低保 standard, and
``minimum_wage`` when it counts an able-bodied member without a job at the local minimum wage.
A new store is seeded with the known values (below, with their sources); later entries are added,
never changed. Both kinds share one shape and one code path (``STANDARD_KINDS``).
"""

from __future__ import annotations

import bisect
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from fieldapp.core.store.base import StoreBase
from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.records import now_iso

DIBAO, MINIMUM_WAGE = "dibao", "minimum_wage"


@dataclass(frozen=True)
class StandardKind:
    key: str
    table: str
    label: str
    unit: str
    audit_action: str


STANDARD_KINDS = {
    DIBAO: StandardKind(DIBAO, "dibao_standards", "低保标准", "元/人·月", "add_dibao_standard"),
    MINIMUM_WAGE: StandardKind(
        MINIMUM_WAGE,
        "minimum_wage_standards",
        "最低工资标准",
        "元/月",
        "add_minimum_wage_standard",
    ),
}

# Seed values from shared/domain.md (昆明 主城 590 元/人·月 from 2018-07-01; 东川/禄劝/寻甸 570;
# 曲靖 麒麟 557). The brief gives one effective date; it is applied to all of them.
SEED_DIBAO: tuple[tuple[str, str, int, str], ...] = (
    ("530102", "2018-07-01", 59000, "昆明主城（五华区）"),
    ("530103", "2018-07-01", 59000, "昆明主城（盘龙区）"),
    ("530111", "2018-07-01", 59000, "昆明主城（官渡区）"),
    ("530112", "2018-07-01", 59000, "昆明主城（西山区）"),
    ("530114", "2018-07-01", 59000, "昆明主城（呈贡区）"),
    ("530113", "2018-07-01", 57000, "昆明东川区"),
    ("530128", "2018-07-01", 57000, "昆明禄劝县"),
    ("530129", "2018-07-01", 57000, "昆明寻甸县"),
    ("530302", "2018-07-01", 55700, "曲靖麒麟区"),
)

# Monthly minimum wage of Yunnan's 一类 areas, 1,670 元 from 2018-05-01: a public figure, not in
# the seeds (docs/rules.md); seeded for Kunming's main districts only, so an office checks and adds
# its own counties (GUI 低保和最低工资标准, or `fieldapp minwage add`).
SEED_MINIMUM_WAGE: tuple[tuple[str, str, int, str], ...] = tuple(
    (code, "2018-05-01", 167000, f"云南省一类地区月最低工资标准（公开资料，须核对）：{name}")
    for code, name in (
        ("530102", "五华区"),
        ("530103", "盘龙区"),
        ("530111", "官渡区"),
        ("530112", "西山区"),
        ("530114", "呈贡区"),
    )
)

SEEDS = {DIBAO: SEED_DIBAO, MINIMUM_WAGE: SEED_MINIMUM_WAGE}


def fallback_codes(county_code: str) -> list[str]:
    """Where a county's standard is looked for: its own code, its city's, its province's."""
    return list(dict.fromkeys([county_code, county_code[:4] + "00", county_code[:2] + "0000"]))


class StandardTable:
    """One kind of standard read into memory once, answering like ``Store.standard`` (for runs
    over many households: headquarters statistics)."""

    def __init__(self, rows: list[tuple[str, str, int]]) -> None:
        """``rows``: (county code, effective from, 分) in the order they were entered."""
        by_code: dict[str, dict[str, int]] = {}
        for code, since, fen in rows:
            by_code.setdefault(code, {})[since] = fen  # a later entry for the same day wins
        self.days = {code: sorted(days) for code, days in by_code.items()}
        self.amounts = by_code

    def lookup(self, county_code: str, day: date) -> int | None:
        text = day.isoformat()
        for code in fallback_codes(county_code):
            days = self.days.get(code)
            if days:
                at = bisect.bisect_right(days, text)
                if at:
                    return self.amounts[code][days[at - 1]]
        return None


def standard_kind(kind: str) -> StandardKind:
    try:
        return STANDARD_KINDS[kind]
    except KeyError:
        raise StoreError(f"没有这种标准：{kind}（可用：{'、'.join(STANDARD_KINDS)}）") from None


class StandardsMixin(StoreBase):
    """``Store.add_standard``, ``standard``, ``standards`` and the 低保 / minimum-wage shortcuts."""

    def _seed_dibao_standards(self) -> None:
        """A store without any entry of a kind gets that kind's seed values (once)."""
        for kind, seeds in SEEDS.items():
            if not self.db.table(standard_kind(kind).table).count:
                for county, since, fen, note in seeds:
                    self.add_standard(
                        kind, county, since, fen, source=f"系统初始值：{note}", author="系统初始值"
                    )

    def add_standard(
        self,
        kind: str,
        county_code: str,
        effective_from: str,
        amount_fen: int,
        *,
        source: str,
        author: str,
    ) -> None:
        """Record a local standard (分 per month); a later entry for the same day wins."""
        spec = standard_kind(kind)
        if not self.regions.get(county_code):
            raise StoreError(f"行政区划代码 {county_code} 不存在")
        try:
            date.fromisoformat(effective_from)
        except ValueError:
            raise StoreError(f"生效日期“{effective_from}”应为 YYYY-MM-DD") from None
        if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
            raise StoreError(f"{spec.label}应为正数金额（{spec.unit}）")
        if not 0 < amount_fen < 10_000_000:
            raise StoreError(f"{spec.label}应为正数金额（{spec.unit}），且小于10万元")
        if not source.strip():
            raise StoreError(f"请写明{spec.label}的依据（文件号或来源）")
        with self.db.atomic():
            self.db.table(spec.table).insert(
                {
                    "id": str(uuid.uuid4()),
                    "county_code": county_code,
                    "effective_from": effective_from,
                    "amount_fen": amount_fen,
                    "source": source.strip(),
                    "entered_at": now_iso(),
                    "entered_by": author,
                }
            )
            self.audit(
                author,
                spec.audit_action,
                detail={"county": county_code, "from": effective_from, "fen": amount_fen},
            )

    def standard(self, kind: str, county_code: str, day: date) -> int | None:
        """Standard in force in the county on ``day`` (falls back to the city, then province)."""
        table = standard_kind(kind).table
        for code in fallback_codes(county_code):
            row = self.db.execute(
                f"select amount_fen from {table} where county_code = ? and "
                "effective_from <= ? order by effective_from desc, rowid desc limit 1",
                [code, day.isoformat()],
            ).fetchone()
            if row is not None:
                return int(row[0])
        return None

    def standard_table(self, kind: str) -> StandardTable:
        rows = self.db.execute(
            f"select county_code, effective_from, amount_fen from {standard_kind(kind).table} "
            "order by rowid"
        ).fetchall()
        return StandardTable([(str(c), str(d), int(f)) for c, d, f in rows])

    def standards(self, kind: str) -> list[dict[str, Any]]:
        table = standard_kind(kind).table
        return list(self.db.table(table).rows_where(order_by="county_code, effective_from"))

    # -- the two kinds by name (the engine's lookups, older callers) ----------------------------

    def add_dibao_standard(
        self, county_code: str, effective_from: str, amount_fen: int, *, source: str, author: str
    ) -> None:
        self.add_standard(
            DIBAO, county_code, effective_from, amount_fen, source=source, author=author
        )

    def dibao_standard(self, county_code: str, day: date) -> int | None:
        return self.standard(DIBAO, county_code, day)

    def minimum_wage(self, county_code: str, day: date) -> int | None:
        return self.standard(MINIMUM_WAGE, county_code, day)

    def dibao_standards(self) -> list[dict[str, Any]]:
        return self.standards(DIBAO)

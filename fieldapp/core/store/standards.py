"""Local 低保 standards: the 元/人·月 each county applies from a date on, append-only.

The form engine asks ``dibao_standard`` when it checks income against the standard; a new store is
seeded with the values from the domain notes, and later entries are added, never changed.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from fieldapp.core.store.base import StoreBase
from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.records import now_iso

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


class StandardsMixin(StoreBase):
    """``Store.add_dibao_standard``, ``dibao_standard`` and ``dibao_standards``."""

    def _seed_dibao_standards(self) -> None:
        """A store without any 低保 standard gets the seed values (once, when it is created)."""
        if not self.db.table("dibao_standards").count:
            for county, since, fen, note in SEED_DIBAO:
                self.add_dibao_standard(
                    county, since, fen, source=f"domain.md：{note}", author="系统初始值"
                )

    def add_dibao_standard(
        self, county_code: str, effective_from: str, amount_fen: int, *, source: str, author: str
    ) -> None:
        """Record a local 低保 standard (元/人·月 as 分); a later entry for the same day wins."""
        if not self.regions.get(county_code):
            raise StoreError(f"行政区划代码 {county_code} 不存在")
        try:
            date.fromisoformat(effective_from)
        except ValueError:
            raise StoreError(f"生效日期“{effective_from}”应为 YYYY-MM-DD") from None
        if not isinstance(amount_fen, int) or not 0 < amount_fen < 10_000_000:
            raise StoreError("低保标准应为正数金额（元/人·月）")
        with self.db.atomic():
            self.db.table("dibao_standards").insert(
                {
                    "id": str(uuid.uuid4()),
                    "county_code": county_code,
                    "effective_from": effective_from,
                    "amount_fen": amount_fen,
                    "source": source,
                    "entered_at": now_iso(),
                    "entered_by": author,
                }
            )
            self.audit(
                author,
                "add_dibao_standard",
                detail={"county": county_code, "from": effective_from, "fen": amount_fen},
            )

    def dibao_standard(self, county_code: str, day: date) -> int | None:
        """Standard in force in the county on ``day`` (falls back to the city, then province)."""
        candidates = [county_code, county_code[:4] + "00", county_code[:2] + "0000"]
        for code in dict.fromkeys(candidates):
            row = self.db.execute(
                "select amount_fen from dibao_standards where county_code = ? and "
                "effective_from <= ? order by effective_from desc, rowid desc limit 1",
                [code, day.isoformat()],
            ).fetchone()
            if row is not None:
                return int(row[0])
        return None

    def dibao_standards(self) -> list[dict[str, Any]]:
        return list(
            self.db.table("dibao_standards").rows_where(order_by="county_code, effective_from")
        )

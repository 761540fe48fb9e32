"""All-time figures summed by SQL from the facts cache, without bringing every household to Python.

Why: with the cache current, an all-time statistics run is only sums of what the cached entries
contribute. Reading 100,000 entries into Python and parsing each one's JSON cost more than the
read itself; here one statement groups the households by the breakdown's key, archive status,
困难类别, 人工认定 mark and standing text (few distinct values) and sums each activity figure
(``figures.activity_keys``: every key an entry can hold, checked when the entry is computed) with
``json_extract``. Asked with ``facts_cache.staleness``, it also puts the households whose entries
are not current in buckets of their own, named; ``stats`` recomputes those and sums them again.
Python then adds the few groups up.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from fieldapp.core.reports.facts import VARIANTS, HouseholdFacts
from fieldapp.core.reports.facts_cache import STALE_JOIN, Staleness
from fieldapp.core.reports.figures import IN_ARCHIVE, activity_keys
from fieldapp.core.reports.records import region_clause
from fieldapp.core.store.store import Store

GROUP_COLUMNS = {
    None: "''",
    "region": "coalesce(h.region_code, '')",
    "unit": "nullif(c.unit, '')",
    "staff": "nullif(c.staff, '')",
    "standard": "nullif(h.filing_standard, '')",
}
"""SQL for each breakdown's finest key (None where the household has none)."""


@dataclass
class Bucket:
    """Households alike in everything the all-time figures ask about them but their activity."""

    key: str | None
    status: str
    category: str | None
    overridden: bool
    standing: str | None
    """The entry's standing text (在档 households only)."""
    households: int
    activity: dict[str, int]
    stale: bool = False
    """These households' entries are not current (only asked with ``staleness``)."""
    stale_ids: list[str] = field(default_factory=list)
    """Then: these households (ids are UUIDs)."""


def summable() -> bool:
    """Whether every activity key can be named in a JSON path (no double quote in an aid item's
    name, resources/statistics.yaml); if not, statistics sum household by household."""
    return not any('"' in key for key in activity_keys())


def buckets(
    store: Store,
    *,
    by: str | None,
    overridden: Sequence[str],
    region: str | None = None,
    standard: str | None = None,
    final_only: bool = False,
    staleness: Staleness | None = None,
    only: Sequence[str] | None = None,
) -> Iterator[Bucket]:
    """The households of ``region`` / ``standard`` grouped. Their entries must be current, or,
    with ``staleness``, the households whose entries may not be are told apart (``stale``): the
    sums are then right only if no bucket is stale. ``only``: just these households."""
    keys = activity_keys()
    where, args = region_clause(region)
    if standard is not None:
        where, args = f"{where} and h.filing_standard = ?", [*args, standard]
    if only is not None:
        where, args = (
            f"{where} and h.id in (select value from json_each(?))",
            [*args, json.dumps(list(only))],
        )
    sums = ", ".join("sum(json_extract(c.activity, ?))" for _ in keys)
    stale, join, check_args = "0", "join", []
    if staleness is not None:
        stale, join, check_args = f"({staleness.sql})", "left join", staleness.args
    sql = (
        f"select {GROUP_COLUMNS[by]} as k, h.status, h.category, "
        "h.id in (select value from json_each(?)) as o, "
        f"case when h.status = ? then c.standing end as s, {stale} as st, "
        f"case when {stale} then group_concat(h.id, ',') end, "
        f"count(*), {sums} from households h "
        f"{join} hq_facts c on c.household_id = h.id and c.variant = ? "
        f"{STALE_JOIN if staleness is not None else ''} "
        f"where {where} group by k, h.status, h.category, o, s, st"
    )
    paths = [f'$."{key}"' for key in keys]
    overridden_ids = json.dumps(list(overridden))
    rows = store.db.execute(
        sql,
        [
            overridden_ids,
            IN_ARCHIVE,
            *check_args,
            *check_args,
            *paths,
            VARIANTS[final_only],
            *args,
        ],
    )
    for key, status, category, marked, standing, maybe, ids, households, *amounts in rows:
        activity = {name: int(value) for name, value in zip(keys, amounts, strict=True) if value}
        yield Bucket(
            key,
            status,
            category,
            bool(marked),
            standing,
            households,
            activity,
            bool(maybe),
            ids.split(",") if ids else [],
        )


class Sums:
    """The buckets of households whose entries were just computed, summed as they come: what
    ``buckets(only=...)`` would read back once they are saved, without a second pass over the
    cache (at a first run, every household). Not for ``by="standard"``: a recomputed entry does
    not carry its 建档标准."""

    def __init__(self, by: str | None, overridden: Sequence[str]) -> None:
        if by == "standard":
            raise ValueError("Sums cannot group by standard")
        self.by = by
        self.overridden = frozenset(overridden)
        self.groups: dict[tuple[Any, ...], tuple[list[int], dict[str, int]]] = {}
        self.parsed: dict[str, dict[str, int]] = {}

    def add(self, h: HouseholdFacts) -> None:
        if self.by == "region":
            key: str | None = h.region_code or ""
        elif self.by == "unit":
            key = h.unit or None
        elif self.by == "staff":
            key = h.staff or None
        else:
            key = ""
        standing = h.standing if h.status == IN_ARCHIVE else None
        group = (key, h.status, h.category, h.id in self.overridden, standing)
        count, sums = self.groups.setdefault(group, ([0], {}))
        count[0] += 1
        activity = self.parsed.get(h.activity)
        if activity is None:
            activity = self.parsed[h.activity] = json.loads(h.activity)
        for name, value in activity.items():
            sums[name] = sums.get(name, 0) + value

    def buckets(self) -> list[Bucket]:
        return [
            Bucket(
                key,
                status,
                category,
                overridden,
                standing,
                count[0],
                {name: int(value) for name, value in sums.items() if value},
            )
            for (key, status, category, overridden, standing), (count, sums) in self.groups.items()
        ]

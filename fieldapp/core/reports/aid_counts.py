"""Help as the campaign counted it: 户次 of 生活救助 / 子女助学 / 医疗救助, 人次 of training, the
money unions put in, and every household by 建档标准 (docs/statistics.md §15).

Why a pass of its own: these figures read Form C's rows and Form A's 建档标准, which the cached
per-household facts (``facts``) do not hold; one SQL statement cuts out just those cells from
each household's newest Form C, so the pass stays cheap beside the cached figures. Which Form C
categories make up each item is data (resources/statistics.yaml). Like every other figure, each
count is a sum over households, so groups add up to the total.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from fieldapp.core.paths import RESOURCES_DIR
from fieldapp.core.reports.figures import Period
from fieldapp.core.reports.records import region_clause
from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.records import STATUSES
from fieldapp.core.store.store import Store
from fieldapp.core.values.documents import read_yaml

STATISTICS_FILE = RESOURCES_DIR / "statistics.yaml"
NO_STANDARD = "（未填建档标准）"
NOT_IMPLEMENTED = "否"
WORKER = "（职工本人）"
"""Who a training row without 享受人 counts as."""


@dataclass(frozen=True)
class AidConfig:
    aid: Mapping[str, frozenset[str]]
    """Report item (生活救助 …) -> the Form C categories counted as its 户次."""
    training: Mapping[str, frozenset[str]]
    """Report item -> the Form C categories counted as its 人次."""
    union_fund_sources: frozenset[str]


def _items(doc: Mapping[str, Any], key: str, categories: set[str]) -> dict[str, frozenset[str]]:
    raw = doc.get(key)
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(c, str) for c in v)
        for k, v in raw.items()
    ):
        raise StoreError(f"statistics.yaml: {key} 应为“报告项目: [表C项目类别, …]”")
    unknown = sorted({c for v in raw.values() for c in v} - categories)
    if unknown:
        raise StoreError(f"statistics.yaml: {key} 中的“{'、'.join(unknown)}”不是表C的项目类别")
    return {k: frozenset(v) for k, v in raw.items()}


def parse_config(doc: Any, categories: set[str]) -> AidConfig:
    if not isinstance(doc, dict):
        raise StoreError("statistics.yaml: 顶层应为对象（aid, training, union_fund_sources）")
    sources = doc.get("union_fund_sources")
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise StoreError("statistics.yaml: union_fund_sources 应为资金来源的列表")
    return AidConfig(
        _items(doc, "aid", categories), _items(doc, "training", categories), frozenset(sources)
    )


@functools.cache
def _config(path: Path, categories: frozenset[str]) -> AidConfig:
    try:
        doc = read_yaml(path, path.name)
    except Exception as exc:  # OSError, YAML errors, the limits: a broken resource file
        raise StoreError(f"{path.name} 无法读取：{exc}") from None
    return parse_config(doc, set(categories))


def aid_config(store: Store) -> AidConfig:
    categories = frozenset(o.value for o in store.survey.options.get("policy_category", ()))
    return _config(STATISTICS_FILE, categories)


ROW_CELLS = ("date", "category", "member", "implemented", "counted_amount", "fund_source")


def _query(final_only: bool, where: str) -> str:
    state = " and state = 'final'" if final_only else ""
    cells = ", ".join(f"'$.{c}'" for c in ROW_CELLS)
    return (
        "select h.id, h.status, h.region_code, h.filing_standard, "
        f"(select json_group_array(json_extract(x.value, {cells})) "
        "from json_each(c.data, '$.policies') x where x.type = 'object') "
        "from households h left join revisions c on c.rowid = (select max(rowid) from revisions "
        f"where household_id = h.id and form_id = 'C'{state}) where {where} order by h.rowid"
    )


def household_counts(
    status: str, rows: list[list[Any]], config: AidConfig, period: Period
) -> dict[str, int]:
    """What one household adds to the figures (its Form C ``rows``: ROW_CELLS)."""
    out = {"households": 1, f"status.{status}": 1}
    people: dict[str, set[str]] = {}
    for day, category, member, implemented, amount, source in rows:
        if implemented == NOT_IMPLEMENTED or not isinstance(day, str) or not period.contains(day):
            continue
        for item, categories in config.aid.items():
            if category in categories:
                out[f"aid.{item}"] = out.get(f"aid.{item}", 0) + 1
                out[f"aid_households.{item}"] = 1
        for item, categories in config.training.items():
            if category in categories:
                out[f"training.{item}"] = out.get(f"training.{item}", 0) + 1
                named = member.strip() if isinstance(member, str) else ""
                people.setdefault(item, set()).add(named or WORKER)
        if source in config.union_fund_sources and isinstance(amount, int):
            out["union_funds_fen"] = out.get("union_funds_fen", 0) + amount
    for item, names in people.items():
        out[f"trained_people.{item}"] = len(names)
    return out


@dataclass
class AidFigures:
    counts: dict[str, int] = field(default_factory=dict)
    """households, status.S, aid.ITEM (户次), aid_households.ITEM, training.ITEM (人次),
    trained_people.ITEM (人数), union_funds_fen (分)."""

    def add(self, amounts: Mapping[str, int]) -> None:
        for key, value in amounts.items():
            self.counts[key] = self.counts.get(key, 0) + value

    def get(self, key: str) -> int:
        return self.counts.get(key, 0)


@dataclass
class AidCounts:
    aid_items: list[str]
    training_items: list[str]
    total: AidFigures
    by_standard: dict[str, AidFigures]
    """建档标准 (the form's options, then 未填) -> its households' figures."""
    by_region: dict[str, AidFigures]
    """County code -> figures (filled only when asked for)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def compute_aid_counts(
    store: Store,
    *,
    region: str | None = None,
    standard: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    final_only: bool = False,
    by_region: bool = False,
) -> AidCounts:
    """The figures of the households in ``region`` (and filed at ``standard``), help dated in the
    period (``date_from``/``date_to`` included; each Form C row by its 日期)."""
    config = aid_config(store)
    period = Period(date_from, date_to)
    where, args = region_clause(region)
    if standard is not None:
        where, args = f"{where} and h.filing_standard = ?", [*args, standard]
    standards = [o.value for o in store.survey.options.get("filing_standard", ())]
    result = AidCounts(
        list(config.aid),
        list(config.training),
        AidFigures(),
        {s: AidFigures() for s in [*standards, NO_STANDARD]},
        {},
    )
    for _, status, code, filed_at, rows in store.db.execute(_query(final_only, where), args):
        counts = household_counts(status, json.loads(rows or "[]"), config, period)
        std = filed_at if isinstance(filed_at, str) and filed_at else NO_STANDARD
        result.total.add(counts)
        result.by_standard.setdefault(std, AidFigures()).add(counts)
        if by_region:
            result.by_region.setdefault(code or "", AidFigures()).add(counts)
    return result


STATUS_COLUMNS = tuple(f"status.{s}" for s in STATUSES)

"""Help as the campaign counted it: 户次 of 生活救助 / 子女助学 / 医疗救助, 人次 of training, and
the money unions put in — what one household's Form C rows add (docs/statistics.md §15).

Why data: which Form C 项目类别 make up each item of the report is a choice an office may make
differently (resources/statistics.yaml), so it is read, not written in code. The contributions
join the other per-household figures (``figures.activity_contributions``): they are cached with
them, summed into every group, and each number has its households behind it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fieldapp.core.forms.loader import default_survey
from fieldapp.core.paths import RESOURCES_DIR
from fieldapp.core.store.errors import StoreError
from fieldapp.core.values.documents import read_yaml

STATISTICS_FILE = RESOURCES_DIR / "statistics.yaml"
ROW_CELLS = ("date", "category", "member", "implemented", "counted_amount", "fund_source")
"""The Form C cells a household's facts keep for these figures, in this order."""
NOT_IMPLEMENTED = "否"
WORKER = "（职工本人）"
"""Who a training row naming nobody (享受人 blank) counts as."""
PREFIXES = ("aid.", "aid_households.", "training.", "trained_people.", "union_funds_fen")


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
def aid_config() -> AidConfig:
    """resources/statistics.yaml, its categories checked against Form C's (read once)."""
    try:
        doc = read_yaml(STATISTICS_FILE, STATISTICS_FILE.name)
    except Exception as exc:  # OSError, YAML errors, the limits: a broken resource file
        raise StoreError(f"{STATISTICS_FILE.name} 无法读取：{exc}") from None
    options = default_survey().options.get("policy_category", ())
    return parse_config(doc, {o.value for o in options})


def policy_rows(form_c: Mapping[str, Any]) -> list[list[Any]]:
    """The ROW_CELLS of the Form C rows these figures can count (what the facts keep: a row of
    no item's category and not from the unions' funds never counts, so it is not kept)."""
    config = aid_config()
    counted = set().union(*config.aid.values(), *config.training.values())
    rows = form_c.get("policies") or []
    return [
        [row.get(c) for c in ROW_CELLS]
        for row in rows
        if isinstance(row, dict)
        and (row.get("category") in counted or row.get("fund_source") in config.union_fund_sources)
    ]


def aid_contributions(
    rows: Sequence[Sequence[Any]], contains: Callable[[str | None], bool]
) -> dict[str, int]:
    """What one household's Form C rows dated in the period (``contains``) add: 户次 and 户数 per
    aid item, 人次 and 人数 per training item, the unions' money (分). Rows 未落实 never count."""
    config = aid_config()
    out: dict[str, int] = {}
    people: dict[str, set[str]] = {}
    for day, category, member, implemented, amount, source in rows:
        if implemented == NOT_IMPLEMENTED or not isinstance(day, str) or not contains(day):
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
        if source in config.union_fund_sources and type(amount) is int and amount > 0:
            out["union_funds_fen"] = out.get("union_funds_fen", 0) + amount
    for item, names in people.items():
        out[f"trained_people.{item}"] = len(names)
    return out


def contribution_keys() -> list[str]:
    """Every key ``aid_contributions`` can give (statistics sum them in SQL: ``facts_totals``)."""
    config = aid_config()
    keys = [f"{prefix}{item}" for item in config.aid for prefix in ("aid.", "aid_households.")]
    keys += [f"{p}{item}" for item in config.training for p in ("training.", "trained_people.")]
    return [*keys, "union_funds_fen"]


def aid_figures(counts: Mapping[str, int]) -> dict[str, int]:
    """The aid keys of a group's counts (the rest are the household figures)."""
    return {k: v for k, v in counts.items() if k.startswith(PREFIXES)}

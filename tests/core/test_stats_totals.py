"""All-time figures summed by SQL from the cache equal those summed household by household.

``compute_stats`` without a period brings the cache current and lets SQL sum it
(``facts_totals``); with a period, on a read-only store, or when the cache cannot be kept, it
sums every household's contributions in Python. Both must give the same figures for every
breakdown and filter, with status changes and 人工认定 overrides among the households.
"""

from __future__ import annotations

from typing import Any

import pytest

from fieldapp.core.demo.generate import generate_demo
from fieldapp.core.reports import facts_totals, stats
from fieldapp.core.reports.facts_cache import clear_cache, iter_household_facts
from fieldapp.core.store.store import Store
from tests.conftest import TODAY
from tests.stores import open_test_store

OPTIONS: tuple[dict[str, Any], ...] = (
    {},
    {"by": "region"},
    {"by": "unit"},
    {"by": "staff"},
    {"by": "standard"},
    {"final_only": True},
    {"by": "region", "region": "5301"},
    {"by": "unit", "standard": "全国级"},
)


def figures(store: Store, **options: Any) -> dict[str, Any]:
    doc = stats.compute_stats(store, on=TODAY, **options).to_dict()
    doc.pop("generated_at")
    return doc


@pytest.fixture
def demo(store: Store) -> Store:
    generate_demo(store, 120, author="测试员", today=TODAY)
    ids = [row[0] for row in store.db.execute("select id from households order by rowid")]
    store.set_status(ids[3], "已脱困", reason="测试", author="测试员", check={"override": True})
    store.set_status(ids[4], "已解困", reason="测试", author="测试员", check={"override": False})
    store.set_status(ids[5], "注销", reason="测试", author="测试员")
    return store


def test_sql_sums_equal_household_sums(demo: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    summed_in_sql = [figures(demo, **options) for options in OPTIONS]
    calls: list[Any] = []
    original = facts_totals.buckets
    monkeypatch.setattr(stats, "buckets", lambda *a, **k: calls.append(1) or original(*a, **k))
    assert [figures(demo, **options) for options in OPTIONS] == summed_in_sql
    assert len(calls) == len(OPTIONS)  # the SQL path was the one taken
    monkeypatch.setattr(stats, "summable", lambda: False)  # household by household
    assert [figures(demo, **options) for options in OPTIONS] == summed_in_sql


def test_a_read_only_store_sums_household_by_household(demo: Store) -> None:
    kept = figures(demo, by="region")
    demo.db.execute("delete from hq_facts")  # a cache a viewer cannot fill
    viewer = open_test_store(demo.path, readonly=True)  # type: ignore[arg-type]
    try:
        assert figures(viewer, by="region") == kept
        assert viewer.db.execute("select count(*) from hq_facts").fetchone()[0] == 0
    finally:
        viewer.close()


def test_the_cache_is_brought_current_before_summing(demo: Store) -> None:
    before = figures(demo)
    hid = demo.db.execute("select id from households where status = '在档' limit 1").fetchone()[0]
    visits = demo.current(hid).get("D") or {}
    data = {**visits, "visits": [*(visits.get("visits") or []), {"date": "2026-10-30"}]}
    demo.save_form(hid, "D", data, author="测试员")
    other = demo.db.execute("select id from households where status != '在档' limit 1").fetchone()
    form_a = demo.current(other[0])["A"]
    demo.save_form(other[0], "A", {**form_a, "employer": "新单位"}, author="测试员")
    # Only the two saved households are recomputed and summed again; the rest stand.
    after = [figures(demo, by=by) for by in (None, "unit", "region")]
    assert after[0]["total"]["visits"] == before["total"]["visits"] + 1
    clear_cache(demo)
    assert [figures(demo, by=by) for by in (None, "unit", "region")] == after


@pytest.mark.parametrize("options", [o for o in OPTIONS if o.get("by") != "standard"])
def test_recomputed_entries_summed_as_they_come_equal_sql(
    demo: Store, options: dict[str, Any]
) -> None:
    """A run that recomputes entries sums them as they come (``facts_totals.Sums``): the same
    figures as SQL summing them from the cache, bucket for bucket."""
    clear_cache(demo)
    first = figures(demo, **options)  # every entry recomputed and summed as it came
    assert figures(demo, **options) == first  # every entry read back and summed by SQL
    final_only = options.get("final_only", False)
    marked = [row[0] for row in demo.db.execute("select household_id from status_changes")][:1]
    items = list(iter_household_facts(demo, on=TODAY, final_only=final_only, workers=1))
    sums = facts_totals.Sums(options.get("by"), marked)
    for item in items:
        sums.add(item)
    by_sql = facts_totals.buckets(
        demo,
        by=options.get("by"),
        overridden=marked,
        final_only=final_only,
        only=[h.id for h in items],
    )

    def shape(b: facts_totals.Bucket) -> tuple[Any, ...]:
        return (b.key, b.status, b.category, b.overridden, b.standing, b.households, b.activity)

    assert sorted(map(shape, sums.buckets()), key=repr) == sorted(map(shape, by_sql), key=repr)

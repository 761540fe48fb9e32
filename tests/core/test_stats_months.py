"""Cached facts kept past the month they were computed in are exactly what the rules say then.

A statistics entry used to be kept only for the month it was computed in, so the first run of
every month (and on every birthday in the household) computed it again. Now it is kept until the
first later birthday or month start on which the household's rules decide differently
(``facts.validity``). These tests walk the cache
of a demo data set over the next two years: every entry still counted as current on a day must be
what the rules compute for that day, and the figures of the first run of each new month must
equal those of a full rebuild on that day.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from fieldapp.core.demo.generate import generate_demo
from fieldapp.core.reports import facts_compute
from fieldapp.core.reports.facts import CachedDibao, canonical, evaluate, validity
from fieldapp.core.reports.facts_cache import MARK, clear_cache, refresh_facts
from fieldapp.core.reports.records import HouseholdRecord, iter_records
from fieldapp.core.reports.stats import compute_stats
from fieldapp.core.store.store import Store
from tests.conftest import TODAY

HOUSEHOLDS = 150


def later_days(start: date, months: int) -> list[date]:
    """The first, a middle and the last day of each of the next ``months`` months."""
    days = []
    for offset in range(1, months + 1):
        index = start.year * 12 + start.month - 1 + offset
        year, month = divmod(index, 12)
        first = date(year, month + 1, 1)
        following = date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
        days += [first, first.replace(day=15), date.fromordinal(following.toordinal() - 1)]
    return days


def cached(store: Store) -> dict[str, tuple[str, str, str]]:
    rows = store.db.execute(
        "select household_id, valid_from, valid_to, facts from hq_facts "
        "where variant = 'all' and household_id != ?",
        [MARK],
    )
    return {hid: (start, end, doc) for hid, start, end, doc in rows}


def records(store: Store) -> list[HouseholdRecord]:
    ids = [row[0] for row in store.db.execute("select id from households order by rowid")]
    return list(iter_records(store, ids=ids, first_recorded=True))


def figures(store: Store, on: date, **options: Any) -> dict[str, Any]:
    doc = compute_stats(store, on=on, **options).to_dict()
    doc.pop("generated_at")
    return doc


@pytest.fixture
def demo(store: Store) -> Store:
    generate_demo(store, HOUSEHOLDS, author="测试员", today=TODAY)
    return store


def test_entries_kept_past_their_month_are_what_the_rules_say_then(demo: Store) -> None:
    refresh_facts(demo, on=TODAY, workers=1)
    entries = cached(demo)
    assert len(entries) == HOUSEHOLDS
    dibao = CachedDibao(demo)
    following = date(TODAY.year + TODAY.month // 12, TODAY.month % 12 + 1, 1).isoformat()
    kept_on = sum(end > following for _, end, _ in entries.values())
    assert kept_on > HOUSEHOLDS // 2  # most households' facts outlive the month
    checked = 0
    for record in records(demo):
        start, end, doc = entries[record.id]
        for day in later_days(TODAY, 24):
            if start <= day.isoformat() < end:
                assert canonical(evaluate(record, dibao, day).to_json()) == doc, (record.id, day)
                checked += 1
    assert checked > HOUSEHOLDS * 6


def test_validity_stops_at_the_month_the_income_run_goes_stale(demo: Store) -> None:
    # Six good months up to TODAY's month: 脱困's income condition holds through the month after
    # (recent_within_months = 1) and no longer from the month after that.
    record = records(demo)[0]
    a = record.forms["A"]
    record.forms["B"] = {
        **record.forms.get("B", {}),
        "population": 1,
        "monthly_records": [
            {"month": f"2026-{m:02d}", "income": 9_000_000, "expense": 0} for m in range(6, 12)
        ],
    }
    a.update({"members": [], "birth_date": "1980-06-30", "main_cause": "灾害"})
    record.forms["E"] = {"problems": []}
    dibao = CachedDibao(demo)
    facts = evaluate(record, dibao, TODAY)
    assert facts.income_met
    start, end = validity(record, TODAY, facts=facts, dibao=dibao)
    assert (start, end) == ("2026-11-01", "2027-01-01")
    assert not evaluate(record, dibao, date(2027, 1, 1)).income_met
    # Values recomputed for the day (derived values out of date) are kept for its month only.
    assert validity(record, TODAY) == ("2026-11-01", "2026-12-01")


def test_first_run_of_each_month_equals_a_rebuild(
    demo: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    refresh_facts(demo, on=TODAY, workers=1)
    recomputed: list[str] = []
    original = facts_compute.entry

    def counting(record: Any, *args: Any) -> Any:
        recomputed.append(record.id)
        return original(record, *args)

    monkeypatch.setattr(facts_compute, "entry", counting)
    months_with_few = 0
    for day in later_days(TODAY, 14)[::3]:  # the first day of each month
        recomputed.clear()
        kept = [figures(demo, day, by=by) for by in (None, "region", "unit")]
        kept.append(figures(demo, day, date_from="2026-01-01", date_to=day.isoformat()))
        if len(recomputed) < HOUSEHOLDS // 2:
            months_with_few += 1
        clear_cache(demo)
        rebuilt = [figures(demo, day, by=by) for by in (None, "region", "unit")]
        rebuilt.append(figures(demo, day, date_from="2026-01-01", date_to=day.isoformat()))
        assert kept == rebuilt, day
    assert months_with_few >= 10

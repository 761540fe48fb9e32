"""run_all rows: ``stats`` on a cold cache (first run) and on a current one (warm), against floors.

- first run — floor: the statistics read query (``records.build_query``, every household's
  current A–E values and Form E first-recorded days) executed and every row fetched, without
  parsing or rules; project: the cache emptied, then ``compute_stats`` (reads, runs the rules on
  both cores, fills the cache). Few samples (each takes seconds): 10 with --quick, else 5.
- first run of a month — floor: as the first run; project: ``compute_stats`` today over a cache
  last brought current on the same day a month ago (each sample fills the cache so first, not
  timed): what the first run of each month costs now that entries outlive their month (a
  household's entry is recomputed only when its rules decide differently in the new month).
- warm — floor: the cache rows only (households joined with ``hq_facts``, every row fetched);
  project: ``compute_stats`` with the cache current.

Both in this process, over run_all's database, alternating which runs first. Below the table:
what the next run costs after one household is saved (autosave writes only the revision; the
next run recomputes that household). Goal (issue 17): ≤ 2× floor both.
"""

from __future__ import annotations

import random
import time
from datetime import date

from harness import Bench, Pairs, bench_row

from fieldapp.core.reports import records
from fieldapp.core.reports.stats import compute_stats

try:
    from fieldapp.core.reports.facts_cache import clear_cache, refresh_facts
except ImportError:  # before the cache was split by job (base-commit figures)
    from fieldapp.core.reports.facts import (  # type: ignore[attr-defined,no-redef]
        clear_cache,
        refresh_facts,
    )


def read_query(bench: Bench) -> None:
    try:
        query = records.build_query(final_only=False, first_recorded=True)
    except TypeError:  # base commit: no first-recorded column
        query = records.build_query(final_only=False)
    for _ in bench.store.db.execute(query):
        pass


def cache_rows(bench: Bench) -> None:
    query = (
        "select h.id, h.status, h.region_code, h.category, c.key, c.valid_from, c.valid_to, "
        "c.unit, c.staff, c.activity, c.standing, null, h.filing_standard from households h "
        "left join hq_facts c on c.household_id = h.id and c.variant = 'all' order by h.rowid"
    )
    for _ in bench.store.db.execute(query):
        pass


@bench_row("`stats` first run (cache empty)", goal_ratio=2)
def stats_first_run(bench: Bench) -> Pairs:
    def project() -> float:
        clear_cache(bench.store)
        start = time.perf_counter()
        compute_stats(bench.store)
        return (time.perf_counter() - start) * 1000

    for _ in range(10 if bench.samples <= 30 else 5):
        yield (lambda: read_query(bench)), project


def month_ago(day: date) -> date:
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return date(year, month, min(day.day, 28))


@bench_row("`stats` first run of a month (cache of a month ago)", goal_ratio=2)
def stats_new_month(bench: Bench) -> Pairs:
    def project() -> float:
        clear_cache(bench.store)
        refresh_facts(bench.store, on=month_ago(date.today()))
        start = time.perf_counter()
        compute_stats(bench.store)
        return (time.perf_counter() - start) * 1000

    for _ in range(3 if bench.samples <= 30 else 5):
        yield (lambda: read_query(bench)), project


@bench_row("`stats` warm (cache current)", goal_ratio=2)
def stats_warm(bench: Bench) -> Pairs:
    compute_stats(bench.store)  # current for today
    for _ in range(bench.samples):
        yield (lambda: cache_rows(bench)), (lambda: compute_stats(bench.store))
    store = bench.store
    ids = [row[0] for row in store.db.execute("select id from households")]
    rng = random.Random(17)
    saves, runs = [], []
    for hid in rng.sample(ids, 5):
        visits = store.current(hid).get("D", {})
        data = {
            **visits,
            "visits": [
                *(visits.get("visits") or []),
                {"date": str(date.today()), "method": "电话"},
            ],
        }
        start = time.perf_counter()
        store.save_form(hid, "D", data, author="bench")
        saves.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        compute_stats(store)
        runs.append((time.perf_counter() - start) * 1000)
    bench.notes.append(
        f"stats: after one household's Form D saved ({max(saves):.0f} ms, nothing more at save "
        f"time), the next run takes {min(runs):.0f}–{max(runs):.0f} ms (that household recomputed)"
    )

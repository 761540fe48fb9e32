"""The facts cache (``hq_facts``, migration m004_hq_facts): which entries are current, keeping it
current, and rebuilding it.

Why: computing every household's facts (``fieldapp.core.reports.facts``) takes most of a cold
statistics run; revisions never change once written, so an entry stays right until something it
depends on changes, and a run recomputes only the stale ones (on both cores when there are many:
``facts_compute``). Nothing is done when a form is saved: the new revision itself marks its
household stale (see below), so an autosave costs nothing more. Imports of many households call
``refresh_facts`` at their end (the CLI, the GUI and the Excel archive import), so the first
statistics run afterwards finds the cache current. ``rebuild_facts`` (``fieldapp stats
--rebuild``) empties and refills it, for repairs.

An entry is used only while all of these still match, otherwise it is recomputed:
- it has seen the household's newest revision of A, B, C, D and E (revisions are append-only and
  each insert gets a higher rowid; a mark row keeps the rowid up to which a complete run found
  every entry current, so one range query above it finds the households to look at);
- the 低保 standards that can apply to its county (the county's, its city's, its province's rows);
- the code of the rules (``facts.CODE_FINGERPRINT``), so a changed rule never serves an old answer;
- the evaluation day lies in the entry's window: the ages of all its people stay the same and
  the rules decide the same in every month of it (the day enters the rules through ages and the
  evaluation month; ``facts.validity`` keeps an entry past its month up to the first month start
  at which its household's outcome changes, so a new month recomputes only those households).
The cache is derived data: emptying the table loses nothing.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from fieldapp.core.reports.facts import EARLIEST, LATEST, VARIANTS, CachedDibao, HouseholdFacts
from fieldapp.core.reports.facts import cache_key as _key
from fieldapp.core.reports.facts_compute import MARK, WORKERS, Helper, fresh_entries
from fieldapp.core.reports.records import FORM_IDS, region_clause
from fieldapp.core.store import driver
from fieldapp.core.store.errors import CancelCheck, StoreError, stop_if_cancelled
from fieldapp.core.store.store import Store

_SAVE_EVERY = 5000
_DIRECT_READ = 5000
"""Up to this many revision rowids above the mark, ``_changed_since`` reads those rows by rowid."""


def _index_query(details: bool, where: str) -> str:
    facts = ", c.facts" if details else ", null"
    return (
        "select h.id, h.status, h.region_code, h.category, c.key, c.valid_from, c.valid_to, "
        f"c.unit, c.staff, c.activity, c.standing{facts}, h.filing_standard from households h "
        "left join hq_facts c on c.household_id = h.id and c.variant = ? "
        f"where {where} order by h.rowid"
    )


def _changed_since(store: Store, variant: str, final_only: bool) -> tuple[dict[str, int], int]:
    """Households with a revision of A, B, D or E above the mark (with their newest such rowid),
    and the newest rowid now.

    Revisions are append-only and every insert gets a higher rowid, so an entry computed before
    the mark can only have gone stale through a revision above it.
    """
    row = store.db.execute(
        "select key from hq_facts where household_id = ? and variant = ?", [MARK, variant]
    ).fetchone()
    mark = int(row[0]) if row is not None and str(row[0]).isdigit() else 0
    top = store.db.execute("select coalesce(max(rowid), 0) from revisions").fetchone()[0]
    state = " and state = 'final'" if final_only else ""
    # Left to itself SQLite walks the whole (household, form) index to group by household, ~0.2 s
    # at 100,000 households on every warm run; a few revisions above the mark are read directly
    # by rowid instead (many would cost more that way: their rows hold the forms' data).
    group = "+household_id" if int(top) - mark <= _DIRECT_READ else "household_id"
    changed = {
        str(hid): int(newest)
        for hid, newest in store.db.execute(
            "select household_id, max(rowid) from revisions where rowid > ? "
            f"and form_id in ({', '.join(repr(f) for f in FORM_IDS)}){state} group by {group}",
            [mark],
        )
    }
    return changed, int(top)


def _fresh(cached_key: str | None, expected: str, newer: int | None) -> bool:
    """The entry's rules and 低保 rows still apply, and it saw the household's newest revision."""
    if cached_key is None:
        return False
    prefix, _, seen = cached_key.rpartition("|")
    return prefix == expected and (newer is None or (seen.isdigit() and int(seen) >= newer))


def iter_household_facts(
    store: Store,
    *,
    on: date,
    region: str | None = None,
    standard: str | None = None,
    final_only: bool = False,
    details: bool = True,
    use_cache: bool = True,
    progress: Callable[[int], None] | None = None,
    cancelled: CancelCheck | None = None,
    workers: int = WORKERS,
) -> Iterator[HouseholdFacts]:
    """Every household's facts (those whose region code starts with ``region``, and with
    ``standard`` only those filed at that 建档标准, ``households.filing_standard``). Stale or missing
    cache entries are recomputed and saved; fresh ones come first, then the recomputed ones.
    Without ``details`` the facts document is not read (``.facts`` is then unavailable).
    ``cancelled()`` is polled for every household (``Cancelled`` stops the iteration); many stale
    entries are computed by ``workers`` processes."""
    variant = VARIANTS[final_only]
    version = store.survey.version
    dibao = CachedDibao(store)
    where, args = region_clause(region)
    if standard is not None:
        where, args = f"{where} and h.filing_standard = ?", [*args, standard]
    day = on.isoformat()
    changed, top = _changed_since(store, variant, final_only)
    stale: list[str] = []
    standards: dict[str, str | None] = {}
    for row in store.db.execute(_index_query(details, where), [variant, *args]):
        stop_if_cancelled(cancelled)
        hid, status, region_code, category, cached_key, valid_from, valid_to = row[:7]
        if (
            use_cache
            and _fresh(cached_key, _key(dibao.version(region_code), version), changed.get(hid))
            and valid_from <= day < valid_to
        ):
            yield HouseholdFacts(hid, status, region_code, category, *row[7:])
        else:
            stale.append(hid)
            standards[hid] = row[-1]
    yield from _recompute(
        store,
        stale,
        standards,
        on=on,
        final_only=final_only,
        complete=region is None and standard is None,
        top=top,
        use_cache=use_cache,
        progress=progress,
        cancelled=cancelled,
        workers=workers,
    )


def _recompute(
    store: Store,
    stale: list[str],
    standards: dict[str, str | None],
    *,
    on: date,
    final_only: bool,
    complete: bool,
    top: int,
    use_cache: bool = True,
    progress: Callable[[int], None] | None = None,
    cancelled: CancelCheck | None = None,
    workers: int = WORKERS,
    helper: Helper | None = None,
) -> Generator[HouseholdFacts, None, bool]:
    """Compute the ``stale`` entries, keep them, and (``complete``: every household was just
    checked) mark the cache current up to revision rowid ``top``. Returns whether all were kept
    (``helper``: see ``facts_compute.fresh_entries``)."""
    saved = True
    fresh: list[tuple[Any, ...]] = []
    done = 0
    for item, row in fresh_entries(
        store,
        stale,
        on=on,
        final_only=final_only,
        standards=standards,
        cancelled=cancelled,
        workers=workers,
        helper=helper,
    ):
        yield item
        if use_cache:
            fresh.append(row)
        done += 1
        if progress is not None and done % 1000 == 0:
            progress(done)
        if len(fresh) >= _SAVE_EVERY:
            saved = _save(store, fresh) and saved
    saved = _save(store, fresh) and saved
    if use_cache and saved and complete:
        # Every household was just checked: entries are current up to the rowid seen at the start.
        variant = VARIANTS[final_only]
        _save(store, [(MARK, variant, str(top), EARLIEST, LATEST, None, None, None, None, "{}")])
    return use_cache and saved


STALE_JOIN = "left join temp.hq_expected e on e.region_code = coalesce(h.region_code, '')"
"""What ``Staleness.sql`` needs joined besides households h and their hq_facts row c."""


@dataclass
class Staleness:
    """Which cache entries may be stale on a day, as SQL (see ``staleness``)."""

    sql: str
    args: list[Any]
    top: int
    """The newest revision rowid when it was made (the mark, once all are current)."""


def staleness(store: Store, *, on: date, final_only: bool) -> Staleness:
    """A condition over households h, their entry c (left-joined) and ``STALE_JOIN`` that is true
    for every entry not current on ``on``: missing, its day window passed, computed under other
    rules or 低保 rows (the key each region code expects is put in temp.hq_expected), or not
    having seen its household's newest revision (``_behind``)."""
    variant = VARIANTS[final_only]
    version = store.survey.version
    dibao = CachedDibao(store)
    day = on.isoformat()
    changed, top = _changed_since(store, variant, final_only)
    db = store.db.conn
    db.execute("create temp table if not exists hq_expected (region_code text primary key, prefix)")
    db.execute("delete from temp.hq_expected")
    codes = [row[0] for row in db.execute("select distinct region_code from households")]
    db.executemany(
        "insert into temp.hq_expected values (?, ?)",
        [(code or "", _key(dibao.version(code), version) + "|") for code in codes],
    )
    sql = (
        "c.key is null or c.valid_from > ? or c.valid_to <= ? "
        "or coalesce(substr(c.key, 1, length(e.prefix)) != e.prefix, 1) "
        "or h.id in (select value from json_each(?))"
    )
    behind = _behind(store, variant, changed)
    return Staleness(sql, [day, day, json.dumps(behind)], top)


def _behind(store: Store, variant: str, changed: dict[str, int]) -> list[str]:
    """The households saved since the mark whose entry has not seen their newest revision (an
    entry computed after the save, as a run limited to a region does, is current)."""
    ids = list(changed)
    behind: list[str] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        seen = dict(
            store.db.execute(
                "select household_id, substr(key, length(rtrim(key, '0123456789')) + 1) "
                f"from hq_facts where variant = ? and household_id in ({marks})",
                [variant, *chunk],
            ).fetchall()
        )
        for hid in chunk:
            text = seen.get(hid) or ""
            if not (text.isdigit() and int(text) >= changed[hid]):
                behind.append(hid)
    return behind


def recompute_households(
    store: Store,
    ids: list[str],
    *,
    on: date,
    final_only: bool,
    check: Staleness,
    complete: bool,
    progress: Callable[[int], None] | None = None,
    cancelled: CancelCheck | None = None,
    workers: int = WORKERS,
    helper: Helper | None = None,
    each: Callable[[HouseholdFacts], object] | None = None,
) -> bool:
    """Recompute and keep the entries of ``ids``, found stale by ``check`` (``complete``: they
    are all the stale ones, so the cache is then marked current). Whether all were kept
    (``helper``: one started early, ``facts_compute.early_helper``; ``each``: called with every
    recomputed entry)."""
    recompute = _recompute(
        store,
        ids,
        {},
        on=on,
        final_only=final_only,
        complete=complete,
        top=check.top,
        progress=progress,
        cancelled=cancelled,
        workers=workers,
        helper=helper,
    )
    while True:
        try:
            item = next(recompute)
        except StopIteration as done:
            return bool(done.value)
        if each is not None:
            each(item)


def _save(store: Store, rows: list[tuple[Any, ...]]) -> bool:
    """Keep recomputed entries; a store that cannot be written (opened read-only while another
    program holds it, a read-only copy, or busy) just misses out."""
    if not rows:
        return True
    if store.readonly:
        rows.clear()
        return False
    try:
        with store.db.atomic():
            store.db.conn.executemany(
                "insert or replace into hq_facts (household_id, variant, key, valid_from, "
                "valid_to, unit, staff, activity, standing, facts) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
    except (driver.OperationalError, StoreError):
        rows.clear()
        return False
    rows.clear()
    return True


def clear_cache(store: Store) -> int:
    """Empty the cache (it is rebuilt on the next run); returns how many entries were dropped."""
    with store.db.atomic():
        cursor = store.db.execute("delete from hq_facts")
    return int(cursor.rowcount)


def refresh_facts(
    store: Store,
    *,
    on: date | None = None,
    workers: int = WORKERS,
    progress: Callable[[int], None] | None = None,
    cancelled: CancelCheck | None = None,
) -> int:
    """Bring every household's entry up to date for day ``on`` (today), as a statistics run
    would, computing the stale ones in bulk; returns how many households were looked at. Called
    after imports, so that the next statistics run finds nothing to compute."""
    if store.readonly:
        return 0  # nothing could be kept
    households = 0
    for _ in iter_household_facts(
        store,
        on=on or date.today(),
        details=False,
        workers=workers,
        progress=progress,
        cancelled=cancelled,
    ):
        households += 1
    return households


def rebuild_facts(
    store: Store,
    *,
    on: date | None = None,
    workers: int = WORKERS,
    progress: Callable[[int], None] | None = None,
    cancelled: CancelCheck | None = None,
) -> int:
    """Empty the cache and compute every entry again (repairs); returns the households done."""
    clear_cache(store)
    return refresh_facts(store, on=on, workers=workers, progress=progress, cancelled=cancelled)


def refresh_after_import(store: Store, *, cancelled: CancelCheck | None = None) -> None:
    """``refresh_facts`` at the end of an import that changed households: the import is done
    whatever happens here; a refresh that is cancelled or cannot write leaves the rest to the next
    statistics run."""
    with contextlib.suppress(StoreError, driver.OperationalError):
        refresh_facts(store, cancelled=cancelled)

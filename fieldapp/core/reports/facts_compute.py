"""Stale entries of the facts cache computed on both cores.

Why: computing an entry (reading the household, running the 两有五保障 and 脱困 rules) costs about
a fifth of a millisecond, so a cold run at 100,000 households spends most of its time here, and an
office PC has at least two cores. When many entries are stale, a helper process (``spawn``, never
``fork``: the GUI has threads) opens the same database read-only, with the key this process holds
(handed over through the spawn pipe, never written anywhere), and computes pieces of them while
this process computes others. The stale households are cut into pieces of ``PIECE``; this process
takes them from the front, the helper is handed them from the back, and they meet wherever their
speeds bring them: the helper starts later, this process also writes the cache and reads the
helper's entries, and either may share its core with other programs, so no fixed split keeps both
busy. The helper's entries are read between households as they come, so it never waits on a full
pipe. Only this process writes the cache. The entries come in the households' order either way.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from fieldapp.core.reports.facts import (
    VARIANTS,
    CachedDibao,
    HouseholdFacts,
    cache_key,
    entry,
    evaluate,
    fresh_forms,
    validity,
)
from fieldapp.core.reports.records import iter_records
from fieldapp.core.store.database import open_store
from fieldapp.core.store.errors import CancelCheck, StoreError, stop_if_cancelled
from fieldapp.core.store.store import Store

Computed = tuple[HouseholdFacts, tuple[Any, ...]]
"""An entry as statistics use it, and its row for ``hq_facts``."""
PARALLEL_FROM = 2000
"""Fewer stale entries than this are computed here alone: starting the helper (imports, survey,
opening the database) costs about a second, what ~2,000 entries cost."""
MARK = ""
"""household_id of the cache's row whose key is the revisions rowid up to which all entries are
current (written by ``facts_cache`` once every entry is)."""
PIECE = 100
"""Households in a piece of work (one read statement; the last pieces decide how long one side
may wait for the other at the end)."""
AHEAD = 2
"""Pieces the helper holds at a time: the one it computes and the next, waiting in the pipe
(one only once few are left)."""
POLL_EVERY = 16
"""Households this process computes between looks for the helper's finished pieces."""
WORKERS = 2


def compute(
    store: Store,
    ids: Sequence[str],
    *,
    on: date,
    final_only: bool,
    standards: Mapping[str, str | None],
    cancelled: CancelCheck | None = None,
    dibao: CachedDibao | None = None,
) -> Iterator[Computed]:
    """Fresh entries for ``ids`` (``standards``: their 建档标准), in the households' order
    (``dibao``: the run's standards lookups, when it computes several pieces)."""
    variant = VARIANTS[final_only]
    version = store.survey.version
    dibao = dibao or CachedDibao(store)
    for record in iter_records(store, ids=ids, final_only=final_only, first_recorded=True):
        stop_if_cancelled(cancelled)
        forms = fresh_forms(store, record, dibao, on, final_only)
        recomputed, record.forms = forms is not record.forms, forms
        facts = evaluate(record, dibao, on)
        item = entry(record, dibao, on, facts)
        item.standard = standards.get(record.id)
        seen = max(record.rowids.values(), default=0)
        key = f"{cache_key(dibao.version(record.region_code), version)}|{seen}"
        # Values recomputed for ``on`` (derived values out of date) are kept for its month only.
        valid = (
            validity(record, on) if recomputed else validity(record, on, facts=facts, dibao=dibao)
        )
        row = (item.id, variant, key, *valid, item.unit, item.staff)
        yield item, (*row, item.activity, item.standing, item.facts_json)


def fresh_entries(
    store: Store,
    ids: Sequence[str],
    *,
    on: date,
    final_only: bool,
    standards: Mapping[str, str | None],
    cancelled: CancelCheck | None = None,
    workers: int = WORKERS,
    helper: Helper | None = None,
) -> Iterator[Computed]:
    """``compute``, on two processes when there are many and the store is a file (``helper``:
    one started early for this day and variant, ``early_helper``; the caller stops it if it is
    not used, this stops it if it is)."""
    if workers < 2 or len(ids) < PARALLEL_FROM or store.path is None:
        yield from compute(
            store, ids, on=on, final_only=final_only, standards=standards, cancelled=cancelled
        )
        return
    pieces = [ids[start : start + PIECE] for start in range(0, len(ids), PIECE)]
    helper = helper or Helper(store, on, final_only)
    finished = False
    try:
        yield from Shared(store, pieces, helper, standards, cancelled).entries(on, final_only)
        finished = True
    finally:
        helper.stop(finished)


def early_helper(
    store: Store, *, on: date, final_only: bool, workers: int = WORKERS
) -> Helper | None:
    """A helper started before the stale entries are sought, when the cache has never been
    complete (no mark row: a first run, or the cache emptied) and there are enough households to
    share: its half second of starting then overlaps the search. None otherwise. Two indexed
    look-ups, so a warm run pays nothing to ask."""
    if workers < 2 or store.path is None or store.readonly:
        return None
    marked = store.db.execute(
        "select 1 from hq_facts where household_id = ? and variant = ?",
        [MARK, VARIANTS[final_only]],
    ).fetchone()
    if marked is not None:
        return None
    enough = store.db.execute(
        "select count(*) from (select 1 from households limit ?)", [PARALLEL_FROM]
    ).fetchone()[0]
    return Helper(store, on, final_only) if int(enough) >= PARALLEL_FROM else None


class Shared:
    """The pieces of one run, as this process and the helper take them (see the module)."""

    def __init__(
        self,
        store: Store,
        pieces: list[Sequence[str]],
        helper: Helper,
        standards: Mapping[str, str | None],
        cancelled: CancelCheck | None,
    ) -> None:
        self.store, self.pieces, self.helper = store, pieces, helper
        self.standards, self.cancelled = standards, cancelled
        self.front, self.back = 0, len(pieces)
        """Pieces before ``front`` are taken here; those from ``back`` on, by the helper."""
        self.handed = 0
        """Pieces the helper holds."""
        self.theirs: dict[int, list[Computed]] = {}
        """The helper's finished pieces, by index, until their turn comes."""

    def entries(self, on: date, final_only: bool) -> Iterator[Computed]:
        dibao = CachedDibao(self.store)
        self.hand_out()
        while self.front < self.back:
            piece = self.pieces[self.front]
            self.front += 1
            for number, computed in enumerate(
                compute(
                    self.store,
                    piece,
                    on=on,
                    final_only=final_only,
                    standards=self.standards,
                    cancelled=self.cancelled,
                    dibao=dibao,
                )
            ):
                if number % POLL_EVERY == 0:
                    self.collect(wait=False)
                yield computed
            self.collect(wait=False)
        for index in range(self.front, len(self.pieces)):
            while index not in self.theirs:
                self.collect(wait=True)
            yield from self.theirs.pop(index)

    def hand_out(self) -> None:
        while self.helper.ready and self.handed < self._ahead() and self.front < self.back:
            self.back -= 1
            piece = self.pieces[self.back]
            self.helper.assign(self.back, piece, {i: self.standards.get(i) for i in piece})
            self.handed += 1

    def _ahead(self) -> int:
        """``AHEAD``, but one near the end: a piece waiting in the helper's pipe when this process
        runs out is one it could have computed instead of waiting."""
        return AHEAD if self.back - self.front > 2 * AHEAD else 1

    def collect(self, *, wait: bool) -> None:
        """Keep the pieces the helper has finished (``wait``: at least one) and hand out more."""
        self.hand_out()
        while (done := self.helper.finished(wait=wait, cancelled=self.cancelled)) is not None:
            index, computed = done
            self.theirs[index] = computed
            self.handed -= 1
            self.hand_out()
            wait = False


class HelperFailed(StoreError):
    """The helper stopped without sending every entry (nothing was kept from this run's rest)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"统计计算失败，请重试（计算户数据的辅助进程：{reason}）")


class Helper:
    """The other process, from this side: started at once, handed pieces by ``assign``, its
    finished ones read by ``finished``."""

    def __init__(self, store: Store, on: date, final_only: bool) -> None:
        context = multiprocessing.get_context("spawn")
        self.connection, theirs = context.Pipe()
        self.process = context.Process(target=work, args=(theirs,), name="fieldapp-facts")
        self.process.daemon = True
        self.started = False
        self.failed = False
        # What it needs goes through our own pipe, not the spawn pipe: a helper that stops while
        # starting then fails this send instead of blocking the start for ever. The survey and
        # the regions fill the pipe, so a thread sends them while the helper is still importing
        # (about half a second) and this process computes meanwhile.
        opened = (str(store.path), store.key, store.survey, store.regions)
        self.opening = threading.Thread(
            target=self._open, args=((opened, on, final_only),), name="fieldapp-facts-open"
        )
        self.opening.daemon = True
        try:
            self.process.start()
            theirs.close()
            self.opening.start()
            self.started = True
        except (OSError, RuntimeError, ValueError):
            self.stop()

    def _open(self, message: Any) -> None:
        try:
            self.connection.send(message)
        except (OSError, ValueError):
            self.failed = True  # it stopped while starting: this process computes the rest

    @property
    def ready(self) -> bool:
        """It has what it needs to compute pieces (not ready: hand it none, for now or ever)."""
        return self.started and not self.opening.is_alive() and not self.failed

    def assign(self, index: int, ids: Sequence[str], standards: dict[str, str | None]) -> None:
        try:
            self.connection.send((index, list(ids), standards))
        except (OSError, ValueError):
            raise HelperFailed("意外退出") from None

    def finished(
        self, *, wait: bool, cancelled: CancelCheck | None
    ) -> tuple[int, list[Computed]] | None:
        """A piece the helper has finished (index, entries), or None if none is ready and not
        ``wait``."""
        while not self.connection.poll(0.2 if wait else 0):
            if not wait:
                return None
            stop_if_cancelled(cancelled)
            if not self.process.is_alive() and not self.connection.poll(0):
                raise HelperFailed("意外退出")
        try:
            message = self.connection.recv()
        except (EOFError, OSError):
            raise HelperFailed("意外退出") from None
        if isinstance(message, str):
            raise HelperFailed(message or "意外退出")
        stop_if_cancelled(cancelled)
        index, computed = message
        return int(index), computed

    def stop(self, finished: bool = False) -> None:
        """End it: told there are no more pieces when it has sent all it was handed
        (``finished``), so it closes the database itself, else stopped at once."""
        if self.process.pid is None:
            return
        if finished and self.ready:
            with contextlib.suppress(OSError, ValueError):
                self.connection.send(None)
            self.process.join(2)
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(5)
        if self.opening.is_alive():
            self.opening.join(5)  # its send fails now that nobody reads it
        with contextlib.suppress(OSError):
            self.connection.close()


def work(connection: Connection) -> None:
    """The helper's job: each piece it is handed computed and sent back, until None (a reason it
    failed is sent instead of a piece)."""
    try:
        opened, on, final_only = connection.recv()
        path, key, survey, regions = opened
        store = open_store(
            Path(path), key=key, survey=survey, regions=regions, create=False, readonly=True
        )
        try:
            dibao = CachedDibao(store)
            # What this process holds from now on lives only as long as a piece: leave the
            # modules, survey and regions out of the collector's full passes.
            gc.freeze()
            while (job := connection.recv()) is not None:
                index, ids, standards = job
                computed = compute(
                    store, ids, on=on, final_only=final_only, standards=standards, dibao=dibao
                )
                connection.send((index, list(computed)))
        finally:
            store.close()
    except EOFError:
        pass  # the other side is gone: nobody to tell
    except Exception as exc:  # noqa: BLE001 - told to the other side, which raises it
        with contextlib.suppress(OSError):
            connection.send(f"{type(exc).__name__}: {exc}"[:200] or "失败")
    finally:
        connection.close()

"""Stale entries of the facts cache computed on both cores.

Why: computing an entry (reading the household, running the 两有五保障 and 脱困 rules) costs about
half a millisecond, so a cold run at 100,000 households spends most of its time here, and an office
PC has at least two cores. When many entries are stale, a helper process (``spawn``, never
``fork``: the GUI has threads) opens the same database read-only, with the key this process holds
(handed over through the spawn pipe, never written anywhere), and computes the second half of
them; this process computes the first half meanwhile. Only this process writes the cache. The
entries come in the households' order either way.
"""

from __future__ import annotations

import contextlib
import multiprocessing
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
BATCH = 500
"""Entries the helper sends at a time."""
WORKERS = 2


def compute(
    store: Store,
    ids: Sequence[str],
    *,
    on: date,
    final_only: bool,
    standards: Mapping[str, str | None],
    cancelled: CancelCheck | None = None,
) -> Iterator[Computed]:
    """Fresh entries for ``ids`` (``standards``: their 建档标准), in the households' order."""
    variant = VARIANTS[final_only]
    version = store.survey.version
    dibao = CachedDibao(store)
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
) -> Iterator[Computed]:
    """``compute``, on two processes when there are many and the store is a file."""
    if workers < 2 or len(ids) < PARALLEL_FROM or store.path is None:
        yield from compute(
            store, ids, on=on, final_only=final_only, standards=standards, cancelled=cancelled
        )
        return
    half = len(ids) // 2
    theirs = list(ids[half:])
    helper = Helper(store, theirs, on, final_only, {i: standards.get(i) for i in theirs})
    try:
        yield from compute(
            store,
            ids[:half],
            on=on,
            final_only=final_only,
            standards=standards,
            cancelled=cancelled,
        )
        if helper.started:
            yield from helper.results(cancelled)
        else:  # no second process here (a frozen build without it, no resources): do it alone
            yield from compute(
                store,
                theirs,
                on=on,
                final_only=final_only,
                standards=standards,
                cancelled=cancelled,
            )
    finally:
        helper.stop()


class HelperFailed(StoreError):
    """The helper stopped without sending every entry (nothing was kept from this run's rest)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"统计计算失败，请重试（计算户数据的辅助进程：{reason}）")


class Helper:
    """The other process, from this side: started at once, its entries read by ``results``."""

    def __init__(
        self,
        store: Store,
        ids: list[str],
        on: date,
        final_only: bool,
        standards: dict[str, str | None],
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self.connection, theirs = context.Pipe()
        self.process = context.Process(target=work, args=(theirs,), name="fieldapp-facts")
        self.process.daemon = True
        self.started = False
        try:
            self.process.start()
            theirs.close()
            # What it needs goes through our own pipe, not the spawn pipe: a helper that stops
            # while starting then fails this send instead of blocking the start for ever.
            opened = (str(store.path), store.key, store.survey, store.regions)
            self.connection.send((opened, ids, on, final_only, standards))
            self.started = True
        except (OSError, RuntimeError, ValueError):
            self.stop()

    def results(self, cancelled: CancelCheck | None) -> Iterator[Computed]:
        while True:
            while not self.connection.poll(0.2):
                stop_if_cancelled(cancelled)
                if not self.process.is_alive() and not self.connection.poll(0):
                    raise HelperFailed("意外退出")
            try:
                message = self.connection.recv()
            except EOFError:
                raise HelperFailed("意外退出") from None
            if isinstance(message, str):
                if message:
                    raise HelperFailed(message)
                return
            stop_if_cancelled(cancelled)
            yield from message

    def stop(self) -> None:
        if self.process.pid is None:
            return
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(5)
        with contextlib.suppress(OSError):
            self.connection.close()


def work(connection: Connection) -> None:
    """The helper's job: its entries in batches, then "" (or a reason it failed)."""
    try:
        opened, ids, on, final_only, standards = connection.recv()
        path, key, survey, regions = opened
        store = open_store(
            Path(path), key=key, survey=survey, regions=regions, create=False, readonly=True
        )
        try:
            batch: list[Computed] = []
            for computed in compute(store, ids, on=on, final_only=final_only, standards=standards):
                batch.append(computed)
                if len(batch) >= BATCH:
                    connection.send(batch)
                    batch = []
            connection.send(batch)
        finally:
            store.close()
        connection.send("")
    except Exception as exc:  # noqa: BLE001 - told to the other side, which raises it
        with contextlib.suppress(OSError):
            connection.send(f"{type(exc).__name__}: {exc}"[:200] or "失败")
    finally:
        connection.close()

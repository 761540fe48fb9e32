"""A batch ledger rendered on every core: parts of households in worker processes, then joined.

Why: laying out and drawing pages is pure Python, one core's work, and reportlab keeps every page
of a document in memory until it is saved (~0.1 MB a household). Cut into parts of at most
``PART_HOUSEHOLDS``, a batch is rendered by one worker process per core, each part written to
its own PDF in a private folder beside the output; ``ledger.pdfjoin`` then streams the parts into
one document. Page numbers need no second pass: every household's ledger, and the summary, is
its own page group numbered 第 X 页 共 Y 页 within itself, so a part never needs to know what
precedes it. The summary is the first part (its sign-off box, where a batch is signed, keeps
its page index).

Keeping every core busy to the end (issue 17: ≥ 1.6× one process's pages per second on two):
the summary of a batch of up to ``CALLER_SUMMARY_MOST`` households is drawn by the calling
process while the workers start (a worker spends ~0.5 s importing and loading the font before
its first page; drawn by a worker, the summary would leave the other worker idle at the end),
and the households are cut into a multiple of ``workers`` parts of (nearly) equal size
(``part_sizes``): 200 households in fixed parts of 40 would leave one worker a whole part
longer than the other.

Workers are started with ``spawn`` (never ``fork``: the GUI has threads) and each opens the
database read-only with the caller's key, handed over through the pipe. Progress counts the
households of finished parts; ``cancelled()`` is polled while waiting and stops the workers at
once. Output is deterministic: the same parts, joined in order, whichever worker drew them.
"""

from __future__ import annotations

import itertools
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date
from multiprocessing import get_context
from pathlib import Path

from reportlab.platypus import Flowable, PageBreak

from fieldapp.core.ledger.doc import Feed, RenderLog, SignatureBox, build
from fieldapp.core.ledger.errors import LedgerCancelled, LedgerError
from fieldapp.core.ledger.household import load_household
from fieldapp.core.ledger.layout import LedgerLayout
from fieldapp.core.ledger.pdfjoin import join_pdfs
from fieldapp.core.ledger.summary import BatchSummary
from fieldapp.core.store.database import open_store
from fieldapp.core.store.encryption import DatabaseKey
from fieldapp.core.store.store import Store

PART_HOUSEHOLDS = 40
"""Households per part at most: small enough that a part's pages in memory stay a few MB and progress
moves often, large enough that each part's own font subsets add little to the file."""
CALLER_SUMMARY_MOST = 1000
"""Up to this many households the caller draws the summary itself, while the workers start: a
larger one (a summary is one page group, kept whole until it ends: ~220 pages at 10,000
households) is drawn by a worker, so the caller stays small; among hundreds of parts it costs
no idle worker at the end."""
PARALLEL_MIN = 2 * PART_HOUSEHOLDS
"""Below this a batch is rendered in the calling process: starting workers costs more."""
POLL_SECONDS = 0.1

_store: Store | None = None
"""The worker's read-only store, opened once by ``_open_worker``."""


@dataclass(frozen=True)
class PartResult:
    """What was drawn: a worker's part, or the joined batch (its pages, the summary's signature
    boxes, the characters the font lacks)."""

    pages: int
    boxes: dict[str, SignatureBox]
    unprintable: tuple[str, ...]


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


WORKER_CACHE_KIB = 16 * 1024
"""A worker reads each household once, in order: the window's 256 MiB page cache (kept for
repeated searches) would only grow a worker to 260 MB on a county of 5,000 households; 16 MiB
keeps each one flat (issue 17: ≤ 200 MB at 10,000 households). The caller reads the summary's
households through such a connection too (its own store's cache grew it to 438 MB at 10,079)."""


def _reader(path: str, key: DatabaseKey | None) -> Store:
    """A read-only store with a small page cache, for reading households once in order."""
    store = open_store(path, key=key, create=False, readonly=True)
    store.db.execute(f"PRAGMA cache_size = {-WORKER_CACHE_KIB}")
    return store


def _open_worker(path: str, key: DatabaseKey | None) -> None:
    global _store
    _store = _reader(path, key)


def _worker_store() -> Store:
    if _store is None:  # pragma: no cover - the initializer always ran
        raise LedgerError("台账子进程未打开数据库")
    return _store


def _render_summary(
    store: Store,
    ids: list[str],
    day: date,
    scope: str,
    title: str,
    reproducible: bool,
    out: str,
    cancelled: Callable[[], bool] | None = None,
) -> PartResult:
    layout = LedgerLayout(store, day)
    log = RenderLog()
    summary = BatchSummary(store, ids, day, scope)
    chunks = summary.chunks(layout, cancelled)
    build(out, [Feed(chunks)], reproducible=reproducible, title=title, log=log)
    return PartResult(log.pages, dict(log.boxes), tuple(layout.unprintable))


def _worker_summary(
    ids: list[str], day: date, scope: str, title: str, reproducible: bool, out: str
) -> PartResult:
    return _render_summary(_worker_store(), ids, day, scope, title, reproducible, out)


def part_sizes(total: int, workers: int, most: int) -> list[int]:
    """``total`` households cut into a multiple of ``workers`` parts of at most ``most``, sizes
    differing by one at most, larger first: every worker gets the same number of parts and the
    same work, whatever the total."""
    if total <= 0:
        return []
    count = workers * -(-total // (workers * most))
    base, extra = divmod(total, count)
    return [base + 1] * extra + [base] * (count - extra) if base else [1] * total


def _render_households(ids: list[str], day: date, reproducible: bool, out: str) -> PartResult:
    store = _worker_store()
    layout = LedgerLayout(store, day)

    def stories() -> Iterator[list[Flowable]]:
        for n, hid in enumerate(ids):  # each on pages of its own (a first break: a blank page)
            breaks: list[Flowable] = [PageBreak()] if n else []
            yield [*breaks, *layout.story(load_household(store, hid, day))]

    log = RenderLog()
    build(out, [Feed(stories())], reproducible=reproducible, title="", log=log)
    return PartResult(log.pages, {}, tuple(layout.unprintable))


def render_in_parts(
    store: Store,
    ids: Sequence[str],
    target: Path,
    *,
    day: date,
    scope: str,
    title: str,
    reproducible: bool,
    workers: int,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    part_households: int | None = None,
) -> PartResult:
    """Render the summary and every household's ledger into ``target`` using ``workers``
    processes; LedgerCancelled (nothing left behind) when ``cancelled()`` turns True."""
    if store.path is None:
        raise LedgerError("内存数据库不能分进程生成台账")
    sizes = part_sizes(len(ids), workers, part_households or PART_HOUSEHOLDS)
    ends = list(itertools.accumulate(sizes))
    chunks = [list(ids[end - size : end]) for end, size in zip(ends, sizes, strict=True)]
    with tempfile.TemporaryDirectory(prefix=".ledger-parts-", dir=target.parent) as folder:
        parts = [Path(folder) / f"{n:05d}.pdf" for n in range(len(chunks) + 1)]
        executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=get_context("spawn"),
            initializer=_open_worker,
            initargs=(str(store.path), store.key),
        )
        try:
            futures: dict[Future[PartResult], int] = {}
            in_caller = len(ids) <= CALLER_SUMMARY_MOST
            if not in_caller:  # first, so its worker is not the last to finish
                args = (list(ids), day, scope, title, reproducible, str(parts[0]))
                futures[executor.submit(_worker_summary, *args)] = 0
            for n, chunk in enumerate(chunks, 1):
                task = executor.submit(_render_households, chunk, day, reproducible, str(parts[n]))
                futures[task] = len(chunk)
            if progress is not None:
                progress(0, len(ids))
            summary = None
            if in_caller:  # drawn while the workers start up (see the module's docstring)
                reader = _reader(str(store.path), store.key)
                try:
                    summary = _render_summary(
                        reader, list(ids), day, scope, title, reproducible, str(parts[0]), cancelled
                    )
                finally:
                    reader.close()
            results = _wait_all(futures, len(ids), progress, cancelled)
        except BrokenProcessPool:
            _kill(executor)
            raise LedgerError(
                "生成台账的子进程意外退出（可能内存不足），未生成台账，请重试"
            ) from None
        except BaseException:
            _kill(executor)
            raise
        executor.shutdown(wait=True)
        with open(target, "wb") as out:
            pages = join_pdfs(parts, out)
    ordered = [*([summary] if summary else []), *(results[task] for task in futures)]
    unprintable = tuple(dict.fromkeys(c for result in ordered for c in result.unprintable))
    assert pages == sum(result.pages for result in ordered)
    return PartResult(pages, ordered[0].boxes, unprintable)


def _wait_all(
    futures: dict[Future[PartResult], int],
    total: int,
    progress: Callable[[int, int], None] | None,
    cancelled: Callable[[], bool] | None,
) -> dict[Future[PartResult], PartResult]:
    """Every part's result, reporting households done and polling ``cancelled``."""
    done_households = 0
    results: dict[Future[PartResult], PartResult] = {}
    pending = set(futures)
    while pending:
        if cancelled is not None and cancelled():
            raise LedgerCancelled("已取消，未生成台账")
        finished, pending = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
        for task in finished:
            results[task] = task.result()  # a worker's exception is raised here
            done_households += futures[task]
        if finished and progress is not None and done_households < total:
            progress(done_households, total)
    return results


def _kill(executor: ProcessPoolExecutor) -> None:
    """Shut the workers down now: after a cancel or an error no part is worth finishing."""
    processes = list(getattr(executor, "_processes", {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + 5
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))

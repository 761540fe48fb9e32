"""Rows for one ``executemany`` made by a second thread while SQLite writes the rows before.

Why: the last step of a large import inserts every new household with its list entry, whose
search text and search pieces take Python about 100 µs a household to work out; SQLite, writing
each row and updating both search indexes, takes longer still, but while it does, Python's lock
is free (``sqlite3_step`` runs without it). ``made_alongside`` makes the rows in a thread into a
small queue, so they are ready when SQLite asks for the next one; the writing thread only takes
them out. Rows come in the same order and are the same objects the iterable yields; an error
while making one is raised where that row would have come.

The maker yields Python's lock after every row (``time.sleep(0)``): a thread that keeps it for
its full turn (5 ms) would hold the writer back that long each time SQLite hands a row back.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

BATCH = 64
"""Rows handed over at a time (a queue operation each, not one per row)."""
QUEUED = 16
"""Batches made ahead at most (memory stays small)."""


@contextlib.contextmanager
def made_alongside(rows: Iterable[T]) -> Iterator[Iterator[T]]:
    """``with made_alongside(rows) as ready: conn.executemany(sql, ready)``; leaving the block
    (even by an exception) stops the thread."""
    handed: queue.Queue[tuple[list[T], BaseException | None]] = queue.Queue(maxsize=QUEUED)
    stopping = threading.Event()

    def hand(batch: list[T], failure: BaseException | None) -> None:
        while not stopping.is_set():
            with contextlib.suppress(queue.Full):
                handed.put((batch, failure), timeout=0.1)
                return

    def make() -> None:
        batch: list[T] = []
        try:
            for row in rows:
                if stopping.is_set():
                    return
                batch.append(row)
                if len(batch) >= BATCH:
                    hand(batch, None)
                    batch = []
                time.sleep(0)  # Python's lock to the writer, if it waits for it
        except BaseException as exc:  # noqa: BLE001 - raised in the writer's thread, in its place
            hand(batch, exc)
            return
        hand(batch, StopIteration())

    def taken() -> Iterator[T]:
        while True:
            batch, failure = handed.get()
            yield from batch
            if isinstance(failure, StopIteration):
                return
            if failure is not None:
                raise failure

    maker = threading.Thread(target=make, name="fieldapp-rows", daemon=True)
    maker.start()
    try:
        yield taken()
    finally:
        stopping.set()
        with contextlib.suppress(queue.Empty):
            while True:
                handed.get_nowait()  # a maker waiting to hand a batch sees the stop
        maker.join()

"""The household list's query, run on a thread of its own so typing never waits for SQLite.

Each request carries a generation number; the worker answers only the newest request waiting
(a stale keystroke is skipped before it runs) and the model drops any answer that is not for its
current generation. The rows go back first; the count of matches follows once nothing newer
waits, so the list repaints without waiting for it. The worker reads through its own connection
(``reopen``): SQLite connections stay on the thread that opened them, and WAL lets it read while
the window's connection writes. The worker starts with the window and warms its connection's
page cache (``warm_search_cache``) before the first keystroke; a request that comes meanwhile
interrupts the warming instead of waiting for it. Closing the window stops the worker; should
the interpreter exit without that (a script, a crash handler), an ``atexit`` hook stops it first:
a daemon thread still inside SQLite while Python tears itself down corrupts the heap.
"""

from __future__ import annotations

import atexit
import queue
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal

from fieldapp.core.store.store import Store


@dataclass(frozen=True)
class Request:
    generation: int
    query: str
    filters: dict[str, Any] = field(default_factory=dict)
    order: tuple[str, bool] = ("archive_no", False)
    offset: int = 0
    count: int = 500
    with_total: bool = True


IDLE = Request(-1, "")  # "nothing waits": the worker may run the count it owes


class SearchWorker(QObject):
    """``submit`` from the UI thread; ``found(generation, offset, rows, -1)`` comes back on it,
    then, when asked for and no newer request waits, ``counted(generation, matching)``: the list
    shows its rows without waiting for the count.

    ``shape(store, rows)`` runs on the worker thread before the rows are handed over (the list
    formats its cells there, so the window's thread only paints them)."""

    found = Signal(int, int, list, int)
    counted = Signal(int, int)
    failed = Signal(int, str)

    def __init__(
        self, store: Store, shape: Callable[[Store, list[dict[str, Any]]], None] | None = None
    ) -> None:
        super().__init__()
        self._store = store
        self._shape = shape
        self._requests: queue.Queue[Request | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._warming: Any = None  # the worker's connection while it warms its cache
        self._warming_lock = threading.Lock()

    def start(self) -> None:
        """Open the worker's connection and warm its cache now, before anything is asked."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="household-search", daemon=True)
            self._thread.start()
            atexit.register(_stop_at_exit, weakref.ref(self))

    def submit(self, request: Request) -> None:
        self.start()
        self._requests.put(request)
        self._stop_warming()

    def _stop_warming(self) -> None:
        with self._warming_lock:
            if self._warming is not None:
                self._warming.interrupt()  # sqlite3_interrupt may come from any thread

    def stop(self) -> None:
        if self._thread is not None:
            self._stop_warming()
            self._requests.put(None)
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        from fieldapp.core.store.database import reopen

        store = reopen(self._store)
        self._warm(store)
        owed: Request | None = None  # a count not yet run: it waits while rows are asked for
        try:
            while (request := self._latest(wait=owed is None)) is not None:
                if request is IDLE and owed is not None:
                    self._count(store, owed)
                    owed = None
                    continue
                if owed is not None and request.generation != owed.generation:
                    owed = None  # a newer filter: that count would be stale
                if self._rows(store, request) and request.with_total:
                    owed = request
        finally:
            store.close()

    def _warm(self, store: Store) -> None:
        with self._warming_lock:
            if not self._requests.empty():
                return  # asked already: no warming
            self._warming = store.db.conn
        try:
            store.warm_search_cache()
        except Exception:  # noqa: BLE001, S110 - interrupted by a request: warming is optional
            pass
        finally:
            with self._warming_lock:  # no interrupt can reach the searches that follow
                self._warming = None

    def _rows(self, store: Store, request: Request) -> bool:
        try:
            rows = store.search(
                request.query,
                **request.filters,
                order_by=request.order[0],
                descending=request.order[1],
                limit=request.count,
                offset=request.offset,
            )
            if self._shape is not None:
                self._shape(store, rows)
        except Exception as exc:  # noqa: BLE001 - reported to the window, never lost
            self.failed.emit(request.generation, str(exc))
            return False
        self.found.emit(request.generation, request.offset, rows, -1)
        return True

    def _count(self, store: Store, request: Request) -> None:
        try:
            matching = store.count_matching(request.query, **request.filters)
        except Exception as exc:  # noqa: BLE001 - reported to the window, never lost
            self.failed.emit(request.generation, str(exc))
            return
        self.counted.emit(request.generation, matching)

    def _latest(self, *, wait: bool = True) -> Request | None:
        """The newest waiting request (older ones are stale keystrokes), None to stop, or
        ``IDLE`` when nothing waits and ``wait`` is false."""
        try:
            request = self._requests.get(block=wait)
        except queue.Empty:
            return IDLE
        while request is not None:
            try:
                newer = self._requests.get_nowait()
            except queue.Empty:
                return request
            request = newer
        return None


def _stop_at_exit(worker: weakref.ref[SearchWorker]) -> None:
    """Stop a worker the window did not stop (atexit runs before daemon threads are dropped)."""
    alive = worker()
    if alive is not None:
        alive.stop()

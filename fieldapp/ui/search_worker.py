"""The household list's query, run on a thread of its own so typing never waits for SQLite.

Each request carries a generation number; the worker answers only the newest request waiting
(a stale keystroke is skipped before it runs) and the model drops any answer that is not for its
current generation. The worker reads through its own connection (``reopen``): SQLite connections
stay on the thread that opened them, and WAL lets it read while the window's connection writes.
"""

from __future__ import annotations

import queue
import threading
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


class SearchWorker(QObject):
    """``submit`` from the UI thread; ``found(generation, offset, rows, matching)`` comes back
    on it (``matching`` is -1 when not asked for)."""

    found = Signal(int, int, list, int)
    failed = Signal(int, str)

    def __init__(self, store: Store) -> None:
        super().__init__()
        self._store = store
        self._requests: queue.Queue[Request | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def submit(self, request: Request) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="household-search", daemon=True)
            self._thread.start()
        self._requests.put(request)

    def stop(self) -> None:
        if self._thread is not None:
            self._requests.put(None)
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        from fieldapp.core.store.database import reopen

        store = reopen(self._store)
        try:
            while (request := self._latest()) is not None:
                try:
                    rows = store.search(
                        request.query,
                        **request.filters,
                        order_by=request.order[0],
                        descending=request.order[1],
                        limit=request.count,
                        offset=request.offset,
                    )
                    matching = (
                        store.count_matching(request.query, **request.filters)
                        if request.with_total
                        else -1
                    )
                except Exception as exc:  # noqa: BLE001 - reported to the window, never lost
                    self.failed.emit(request.generation, str(exc))
                    continue
                self.found.emit(request.generation, request.offset, rows, matching)
        finally:
            store.close()

    def _latest(self) -> Request | None:
        """The newest waiting request (older ones are stale keystrokes), or None to stop."""
        request = self._requests.get()
        while request is not None:
            try:
                newer = self._requests.get_nowait()
            except queue.Empty:
                return request
            request = newer
        return None

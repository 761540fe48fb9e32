"""Form saves written in order on a thread of their own, so typing never waits for SQLite.

An autosave of 100,000 households costs about 20 ms of SQLite (revision, audit row, index row)
plus the revalidation that follows it; on the window's thread that is a stutter on every beat.
Here the window only hands over a copy of the values (``submit``) and goes on; the writer saves
through its own connection (``reopen``: SQLite connections stay on the thread that opened them,
and WAL lets the window read while it writes).

Order is kept: one thread, one queue. A save names the revision its data was based on; a second
save of the same form submitted before the first has landed is based on whatever the first one
left (``FOLLOW``), so two quick edits land as two revisions, the second on top of the first.
Nothing is lost: ``flush`` waits until every submitted save has been written (closing the editor,
switching household, quitting), and a save that fails is reported (``Landed.error``, in Chinese)
with the values it carried, never dropped silently.

A store without a file (in memory) cannot be reopened: then ``submit`` saves at once, on the
caller's thread, with the caller's store.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.records import SaveResult
from fieldapp.core.store.store import Store


class Follow(Enum):
    """Based on what the previous save of this form in the queue left (still unknown when
    submitted)."""

    FOLLOW = "follow"


FOLLOW = Follow.FOLLOW


@dataclass(frozen=True)
class SaveJob:
    household_id: str
    form_id: str
    values: dict[str, Any]
    author: str
    base: str | None | Follow
    create: bool = False  # the household comes into the store first (its first real value)
    number: int = 0


@dataclass
class Landed:
    """What became of one save: its result, or the message of its failure."""

    job: SaveJob
    result: SaveResult | None = None
    error: str | None = None
    after: Any = None  # what ``after`` computed once the queue was empty (None otherwise)
    base: str | None = None  # the revision the save was based on, once resolved


@dataclass
class _State:
    jobs: deque[SaveJob] = field(default_factory=deque)
    landed: list[Landed] = field(default_factory=list)
    busy: bool = False
    numbered: int = 0


class FormWriter:
    """``submit`` saves from the window's thread; ``landed`` is called (on the writer thread)
    whenever results are waiting in ``take_landed``; ``flush`` waits for all of them.

    ``after(store, household_id)``, when given, runs on the writer thread with the writer's
    store once the queue is empty after a save (the revalidation that follows a save), and its
    answer rides on the last ``Landed``.
    """

    def __init__(
        self,
        store: Store,
        landed: Callable[[], None] = lambda: None,
        after: Callable[[Store, str], Any] | None = None,
    ) -> None:
        self._store = store
        self._landed = landed
        self._after = after
        self._state = _State()
        self._lock = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._bases: dict[tuple[str, str], str | None] = {}
        self._inline = store.path is None

    # -- the window's side -----------------------------------------------------------------

    def submit(self, job: SaveJob) -> SaveJob:
        """Queue a save (numbered in submission order); it is written soon, in order."""
        with self._lock:
            self._state.numbered += 1
            job = SaveJob(**{**job.__dict__, "number": self._state.numbered})
            if self._inline:
                self._state.busy = True
            else:
                self._state.jobs.append(job)
                self._start()
                self._lock.notify_all()
        if self._inline:
            self._write(self._store, job)
            with self._lock:
                self._state.busy = False
            self._landed()
        return job

    def idle(self) -> bool:
        with self._lock:
            return not self._state.jobs and not self._state.busy

    def flush(self) -> list[Landed]:
        """Wait until every submitted save is written; what landed and was not yet taken."""
        with self._lock:
            while self._state.jobs or self._state.busy:
                self._lock.wait()
        return self.take_landed()

    def take_landed(self) -> list[Landed]:
        with self._lock:
            landed, self._state.landed = self._state.landed, []
            return landed

    def stop(self) -> list[Landed]:
        """Write what is queued, then end the thread (the editor is closing)."""
        landed = self.flush()
        thread = self._thread
        if thread is not None:
            with self._lock:
                self._stopping = True
                self._lock.notify_all()
            thread.join(timeout=10)
            self._thread = None
        return landed

    # -- the writer's side -----------------------------------------------------------------

    def _start(self) -> None:
        if self._thread is None:
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="form-writer", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        from fieldapp.core.store.database import reopen

        store: Store | None = None
        try:
            while True:
                with self._lock:
                    while not self._state.jobs and not self._stopping:
                        self._lock.wait()
                    if not self._state.jobs:
                        return
                    job = self._state.jobs.popleft()
                    self._state.busy = True
                if store is None:
                    try:
                        store = reopen(self._store)
                    except Exception as exc:  # noqa: BLE001 - reported, the values are kept
                        self._report(Landed(job, error=f"保存失败：无法打开数据库（{exc}）"))
                        continue
                self._write(store, job)
        finally:
            if store is not None:
                store.close()

    def _write(self, store: Store, job: SaveJob) -> None:
        key = (job.household_id, job.form_id)
        base = self._bases.get(key) if job.base is FOLLOW else job.base
        landed = Landed(job, base=base)
        try:
            if job.create and not store.household_exists(job.household_id):
                store.create_household(job.author, household_id=job.household_id)
            landed.result = store.save_form(
                job.household_id,
                job.form_id,
                job.values,
                author=job.author,
                base_revision_id=base,
            )
        except StoreError as exc:
            landed.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - any failure reaches the cadre, in Chinese
            landed.error = f"保存失败：{exc}"
        result = landed.result
        created = result is not None and result.created and not result.conflict_id
        self._bases[key] = result.revision.id if created and result else base
        if self._after is not None and result is not None:
            with self._lock:
                last = not self._state.jobs
            if last:
                try:
                    landed.after = self._after(store, job.household_id)
                except Exception:  # noqa: BLE001 - the window then reads for itself
                    landed.after = None
        self._report(landed)

    def _report(self, landed: Landed) -> None:
        with self._lock:
            self._state.landed.append(landed)
            self._state.busy = False
            self._lock.notify_all()
        self._landed()  # the listener must not raise (it runs on this thread)

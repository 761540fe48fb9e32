"""A large bundle's payload read and prepared by a second process while this one writes.

Why: at headquarters an import of a whole archive spends about as long in Python on each line
(decrypting, decompressing, parsing, hashing the form data, checking field names: ``prepared``)
as in SQLite writing what it says, and an office PC has at least two cores. So for a payload of
``PARALLEL_FROM`` bytes or more a helper process is started; while it starts (an interpreter and
its imports, a few tenths of a second) the importer prepares the first records itself, and once
the helper is ready it takes over from the next line: it reads the file, skips the lines done
here and prepares the rest, in order, sending them in batches through a pipe; a thread here
receives them into a bounded queue (``QUEUED_BATCHES``: memory stays small) while the importer
writes the records before. Whenever the importer has written everything it was sent and waits
(preparing is the slower half on this computer, or the helper got less of a core), it says so
(``HUNGRY``) and the helper sends its next batch as the lines themselves (``LINES``), which the
importer prepares while the helper goes on with the batch after: the two share the preparing,
as fast as either is. The receiving thread unpickles each batch (and prepares those lines), so
much of that runs while the importer's thread is inside SQLite, which releases Python's lock. The importer sees the same records, in the same order, as when it
prepares them all itself, and decides everything as before: nothing the helper says is taken on
trust but what it computed from the file (its author hashes are still checked against the
signed digests, and the GCM tag by whoever reads the payload to its end).

The helper is started with ``spawn`` (never ``fork``: the GUI has threads) and opens no
database: it gets the bundle's path, its payload key and the survey through the pipe. A refusal
it meets (a damaged payload, a failed GCM tag) comes, in its place, as the same BundleError; a
helper that dies after taking over is a refusal too (the caller rolls the transaction back). A
helper that cannot start (a frozen build without it, no resources) leaves the work to this
process, as does a payload read here to its end before the helper is ready.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import pickle
import queue
import threading
from collections.abc import Generator, Iterator
from multiprocessing.connection import Connection
from typing import Any

from fieldapp.core.forms.model import Survey
from fieldapp.core.sync.container import BundleError, Envelope, read_lines
from fieldapp.core.sync.prepared import Item, Preparer, declared_versions, prepared_records

PARALLEL_FROM = 1 << 20
"""Payloads smaller than this (1 MB, some 3,000 revisions) are prepared here: starting the
helper (an interpreter, its imports) costs about what preparing them does."""
BATCH_BYTES = 256 << 10
"""Records sent at a time: about this many bytes of payload lines (little cost per record)."""
QUEUED_BATCHES = 12
"""Batches received, read and waiting for the importer (3 MB of lines, some 15 MB as records):
the helper seldom waits while the importer writes a chunk, and the importer holds less than a
chunk ahead (32 held 40 MB more at the peak of a 20,000-household import)."""

POLL_LINES = 64
"""Lines prepared here between two looks whether the helper is ready to take over."""

READY, ITEMS, LINES, END, ERROR = "ready", "items", "lines", "end", "error"
PREPARED = "prepared"
"""A batch sent as lines (``LINES``), prepared here by the receiving thread."""
HUNGRY = b"hungry"
"""The importer to the helper: everything sent is written, send the next batch unprepared."""


def read_prepared(
    env: Envelope, key: bytes, survey: Survey, up: bool
) -> Generator[Item, None, None]:
    """The payload's prepared records in order, by the helper for a large payload once it has
    started (until then, and if it never does, here). Close the iterator
    (``contextlib.closing``) when done: that also stops the helper on an error."""
    if env.payload_size < PARALLEL_FROM:
        yield from prepared_records(env, key, survey, up)
        return
    helper = Helper(env, key, survey, up)
    try:
        preparer = helper.preparer
        lines = read_lines(env, key)
        try:
            for n, line in enumerate(lines):
                if n % POLL_LINES == 0 and helper.ready():
                    helper.take_over(n)
                    break
                yield preparer.item(line)
            else:
                return  # read here to the end (the GCM tag checked)
        finally:
            lines.close()
        yield from helper.items()
    finally:
        helper.stop()


class Helper:
    """The other process, from this side: ``ready`` once started, then ``take_over`` from a
    line on, its records read by ``items``."""

    def __init__(self, env: Envelope, key: bytes, survey: Survey, up: bool) -> None:
        self.preparer = Preparer(survey, up, declared_versions(env))
        """Prepares the lines before the helper takes over, and those it sends unprepared."""
        context = multiprocessing.get_context("spawn")
        self.connection, theirs = context.Pipe(duplex=True)
        self.process = context.Process(target=work, args=(theirs,), name="fieldapp-import")
        self.process.daemon = True
        self.inbox: queue.Queue[tuple[str, Any] | None] = queue.Queue(maxsize=QUEUED_BATCHES)
        self.stopping = threading.Event()
        self.receiver = threading.Thread(
            target=self._receive_all, name="fieldapp-import-receive", daemon=True
        )
        self.sender: threading.Thread | None = None
        self.alive = False
        try:
            self.process.start()
            theirs.close()
            # through our own pipe, by a thread (the helper reads it once it has started)
            job = pickle.dumps((env, key, survey, up), pickle.HIGHEST_PROTOCOL)
            self.sender = threading.Thread(
                target=self._send_job, args=(job,), name="fieldapp-import-send", daemon=True
            )
            self.sender.start()
            self.alive = True
        except (OSError, RuntimeError, ValueError, pickle.PicklingError):
            self.stop()

    def _send_job(self, job: bytes) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.connection.send_bytes(job)

    def ready(self) -> bool:
        """Whether the helper has started and has the job (never, if it stopped meanwhile)."""
        if not self.alive or not self.connection.poll():
            return False
        try:
            what, _ = pickle.loads(self.connection.recv_bytes())
        except (EOFError, OSError, pickle.UnpicklingError):
            what = None
        if what != READY:
            self.alive = False
        return self.alive

    def take_over(self, line: int) -> None:
        """Let the helper prepare every record from ``line`` on (those before are done here)."""
        with contextlib.suppress(OSError, ValueError):  # stopped: ``items`` says so
            self.connection.send(line)
        self.receiver.start()

    def _receive_all(self) -> None:
        """The receiving thread: every message, read, into the inbox, then None (the end, or a
        helper that stopped). It reads them (and prepares the lines sent unprepared) on this
        thread: much of it while the importer's thread writes, in SQLite, without Python's lock."""
        try:
            while not self.stopping.is_set():
                what, body = pickle.loads(self.connection.recv_bytes())
                if what == LINES:
                    what, body = PREPARED, self._prepared(body)
                self._put((what, body))
        except (EOFError, OSError):
            pass
        except Exception as exc:  # noqa: BLE001 - a batch that cannot be read: raised in its place
            self._put((PREPARED, ([], exc)))
        self._put(None)

    def _prepared(self, lines: list[bytes]) -> tuple[list[Item], Exception | None]:
        """The lines prepared, up to the first that cannot be (and why: the importer raises it
        when it comes to that line)."""
        items: list[Item] = []
        try:
            for line in lines:
                items.append(self.preparer.item(line))
        except Exception as exc:  # noqa: BLE001 - raised in the importer's thread, in its place
            return items, exc
        return items, None

    def _put(self, message: tuple[str, Any] | None) -> None:
        while not self.stopping.is_set():
            with contextlib.suppress(queue.Full):
                self.inbox.put(message, timeout=0.2)
                return

    def items(self) -> Iterator[Item]:
        """The helper's records, and those of the batches it sent unprepared (``LINES``)."""
        asked = False
        while True:
            try:
                message = self.inbox.get_nowait()
            except queue.Empty:
                if not asked:  # one request at a time: the answer may be a batch or two away
                    self.ask_for_lines()
                    asked = True
                message = self.inbox.get()
            if message is None:
                raise BundleError(self._failure())
            what, body = message
            if what == ITEMS:
                yield from body
            elif what == PREPARED:
                asked = False
                prepared, failure = body
                yield from prepared
                if failure is not None:
                    raise failure
            elif what == END:
                return
            else:
                bundle_error, text = body
                raise BundleError(text) if bundle_error else RuntimeError(text)

    def ask_for_lines(self) -> None:
        """Tell the helper that everything it sent is written: its next batch comes unprepared."""
        with contextlib.suppress(OSError, ValueError):  # stopped: ``items`` says so
            self.connection.send_bytes(HUNGRY)

    def _failure(self) -> str:
        self.process.join(5)
        return f"读取数据包的辅助进程意外退出（代码 {self.process.exitcode}），未作任何修改"

    def stop(self) -> None:
        """End the helper (done, or the import stopped) and the receiving thread."""
        self.stopping.set()
        self.alive = False
        if self.process.pid is not None:
            if self.process.is_alive():
                self.process.terminate()
            self.process.join(5)
        for thread in (self.receiver, self.sender):  # they see the end of the helper's pipe
            if thread is not None and thread.is_alive():
                thread.join(5)
        with contextlib.suppress(OSError):
            self.connection.close()


def work(connection: Connection) -> None:
    """The helper's job: the prepared records in batches, then the end (or why it stopped)."""

    def send(what: str, body: Any) -> None:
        connection.send_bytes(pickle.dumps((what, body), pickle.HIGHEST_PROTOCOL))

    gc.disable()  # this process makes no cycles, only short-lived records (``collector_paused``)
    try:
        env, key, survey, up = pickle.loads(connection.recv_bytes())
        send(READY, None)
        first = connection.recv()
        preparer = Preparer(survey, up, declared_versions(env))
        batch: list[Any] = []
        size = 0
        kind = ITEMS
        for n, line in enumerate(read_lines(env, key)):
            if n < first:
                continue  # prepared by the importer while this process started
            if not batch and connection.poll():
                connection.recv_bytes()  # HUNGRY: this batch goes as it is
                kind = LINES
            batch.append(line if kind == LINES else preparer.item(line))
            size += len(line)
            if size >= BATCH_BYTES:
                send(kind, batch)
                batch, size, kind = [], 0, ITEMS
        send(kind, batch)
        send(END, None)
    except Exception as exc:  # noqa: BLE001 - told to the importer, which refuses the bundle
        with contextlib.suppress(OSError, ValueError):
            send(ERROR, (isinstance(exc, BundleError), str(exc) or type(exc).__name__))
    finally:
        connection.close()

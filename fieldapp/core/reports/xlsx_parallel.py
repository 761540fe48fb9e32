"""The second core: some of the export's sheets written by another process.

Why: writing cells is a large part of an export's time (44 million cells for 100,000 households,
about 1 µs each as ``xlsx_cells`` writes them), and a laptop has at least two cores. The export reads the database once
and renders every row (``xlsx_rows``); the rows of the sheets given to the helper go to it through
a pipe in batches (the pipe's capacity bounds what waits in memory), and it writes them into a
workbook of its own built the same way. ``xlsx_package.join_packages`` then puts its sheets into
the export's workbook.

The helper is started with ``spawn`` (never ``fork``: the GUI has threads), opens no database and
holds no key: it only sees the rows it writes. It stops when the export stops (cancelled, failed).
``spawn`` never re-runs a ``__main__.py`` (``python -m fieldapp``, a zipped launcher), so the
helper does not start the program a second time.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import pickle
import queue
import threading
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from fieldapp.core.reports.xlsx_sheets import Styles, new_workbook
from fieldapp.core.reports.xlsx_table import TablePlan, TableSheet
from fieldapp.core.store.errors import StoreError

BATCH_ROWS = 500
"""Rows sent at a time: large enough that sending costs little per row."""
QUEUED_BATCHES = 64
"""Batches (pickled, ~150 KB each) that may wait for the helper: enough that neither process waits
for the other whenever the system runs something else for a moment (a pipe alone holds 64 KB, and
two processes handing rows through it take turns on a busy machine), and still ~10 MB at most."""
END = b""
"""Sent after the last batch."""


class HelperFailed(StoreError):
    """The helper process stopped without finishing its sheets (nothing is left behind)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"生成 Excel 文件失败，未留下任何文件，请重试（写表的辅助进程：{reason}）")


class SheetHelper:
    """The other process, from the export's side: ``append`` rows of its sheets, ``finish``.

    Batches are pickled here and handed to a thread that sends them, so the export goes on
    rendering while the helper catches up (``QUEUED_BATCHES``)."""

    def __init__(
        self, path: Path, titles: Sequence[str], plans: Sequence[TablePlan], tmpdir: Path
    ) -> None:
        """Start a process that writes ``plans``' sheets into ``path``; its workbook has the sheets
        ``titles`` (the export's, in order) so that each sheet lands in the same part."""
        context = multiprocessing.get_context("spawn")
        self.connection, theirs = context.Pipe()
        self.index = {plan.title: i for i, plan in enumerate(plans)}
        self.process = context.Process(
            target=write_sheets,
            args=(theirs, str(path), list(titles), list(plans), str(tmpdir)),
            name="fieldapp-xlsx",
            daemon=True,
        )
        self.process.start()
        theirs.close()
        self.batch: list[tuple[int, list[Any]]] = []
        self.outbox: queue.Queue[bytes] = queue.Queue(maxsize=QUEUED_BATCHES)
        self.broken = False
        self.sender = threading.Thread(
            target=self._send_all, name="fieldapp-xlsx-send", daemon=True
        )
        self.sender.start()

    def owns(self, title: str) -> bool:
        return title in self.index

    def append(self, title: str, values: list[Any]) -> None:
        self.batch.append((self.index[title], values))
        if len(self.batch) >= BATCH_ROWS:
            self._queue(pickle.dumps(self.batch, pickle.HIGHEST_PROTOCOL))
            self.batch = []

    def _queue(self, message: bytes) -> None:
        while True:
            if self.broken or not self.sender.is_alive():
                raise HelperFailed(self._reason())
            try:
                self.outbox.put(message, timeout=0.5)
                return
            except queue.Full:
                continue

    def _send_all(self) -> None:
        """The sending thread: every queued batch to the helper, until the end or a broken pipe."""
        while True:
            message = self.outbox.get()
            try:
                self.connection.send_bytes(message)
            except (OSError, EOFError, ValueError):
                self.broken = True
                return
            if message == END:
                return

    def finish(self) -> dict[str, int]:
        """Wait until the helper's workbook is written; rows written per sheet title."""
        if self.batch:
            self._queue(pickle.dumps(self.batch, pickle.HIGHEST_PROTOCOL))
            self.batch = []
        self._queue(END)
        self.sender.join()
        if self.broken:
            raise HelperFailed(self._reason())
        try:
            outcome, detail = self.connection.recv()
        except (EOFError, OSError):
            raise HelperFailed(self._reason()) from None
        self.process.join()
        if outcome != "done":
            raise HelperFailed(str(detail))
        rows: dict[str, int] = detail
        return rows

    def _reason(self) -> str:
        self.process.join(5)
        with contextlib.suppress(EOFError, OSError):
            if self.connection.poll():
                outcome, detail = self.connection.recv()
                return str(detail)
        return f"辅助进程意外退出（代码 {self.process.exitcode}）"

    def stop(self) -> None:
        """End the helper now (the export was cancelled or failed), and the sending thread."""
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        while self.sender.is_alive():  # waiting for a batch, or sending into a closed pipe
            with contextlib.suppress(queue.Full):
                self.outbox.put_nowait(END)
            self.sender.join(0.1)
        self.connection.close()


def write_sheets(
    connection: Connection, path: str, titles: list[str], plans: list[TablePlan], tmpdir: str
) -> None:
    """The helper process: build the workbook, write every batch it receives, close, report."""
    try:
        wb = new_workbook(path, tmpdir=tmpdir)
        styles = Styles(wb)
        by_title = {plan.title: plan for plan in plans}
        sheets: dict[str, TableSheet] = {}
        for title in titles:
            plan = by_title.get(title)
            if plan is None:
                wb.add_worksheet(title)  # the export's sheet: only its position matters here
            else:
                sheets[title] = TableSheet(wb, styles, plan)
        ordered = [sheets[plan.title] for plan in plans]
        while (message := connection.recv_bytes()) != END:
            for index, values in pickle.loads(message):
                ordered[index].append(values)
        wb.close()
        connection.send(("done", {sheet.title: sheet.rows for sheet in ordered}))
    except BaseException as exc:  # reported to the export, which says what went wrong
        with contextlib.suppress(OSError, ValueError):
            connection.send(("failed", f"{type(exc).__name__}: {exc}"))
    finally:
        connection.close()

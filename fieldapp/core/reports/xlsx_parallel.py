"""The second core: some of the export's sheets written by another process.

Why: writing cells is most of an export's time (about 10 µs a cell in XlsxWriter, 44 million cells
for 100,000 households), and a laptop has at least two cores. The export reads the database once
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
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from fieldapp.core.reports.xlsx_sheets import Styles, new_workbook
from fieldapp.core.reports.xlsx_table import TablePlan, TableSheet
from fieldapp.core.store.errors import StoreError

BATCH_ROWS = 500
"""Rows sent at a time: large enough that sending costs little per row, small enough to stay
light in memory."""


class HelperFailed(StoreError):
    """The helper process stopped without finishing its sheets (nothing is left behind)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"生成 Excel 文件失败，未留下任何文件，请重试（写表的辅助进程：{reason}）")


class SheetHelper:
    """The other process, from the export's side: ``append`` rows of its sheets, ``finish``."""

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

    def owns(self, title: str) -> bool:
        return title in self.index

    def append(self, title: str, values: list[Any]) -> None:
        self.batch.append((self.index[title], values))
        if len(self.batch) >= BATCH_ROWS:
            self._send(self.batch)
            self.batch = []

    def _send(self, message: object) -> None:
        try:
            self.connection.send(message)
        except (BrokenPipeError, ConnectionError, EOFError):
            raise HelperFailed(self._reason()) from None

    def finish(self) -> dict[str, int]:
        """Wait until the helper's workbook is written; rows written per sheet title."""
        self._send(self.batch)
        self.batch = []
        self._send(None)
        try:
            outcome, detail = self.connection.recv()
        except (EOFError, ConnectionError):
            raise HelperFailed(self._reason()) from None
        self.process.join()
        if outcome != "done":
            raise HelperFailed(str(detail))
        rows: dict[str, int] = detail
        return rows

    def _reason(self) -> str:
        self.process.join(5)
        if self.connection.poll():
            try:
                outcome, detail = self.connection.recv()
                return str(detail)
            except (EOFError, ConnectionError):
                pass
        return f"辅助进程意外退出（代码 {self.process.exitcode}）"

    def stop(self) -> None:
        """End the helper now (the export was cancelled or failed)."""
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
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
        while (batch := connection.recv()) is not None:
            for index, values in batch:
                ordered[index].append(values)
        wb.close()
        connection.send(("done", {sheet.title: sheet.rows for sheet in ordered}))
    except BaseException as exc:  # reported to the export, which says what went wrong
        with contextlib.suppress(OSError, ValueError):
            connection.send(("failed", f"{type(exc).__name__}: {exc}"))
    finally:
        connection.close()

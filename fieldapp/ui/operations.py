"""Long work off the GUI thread, with a progress dialog and a cancel button (Anki's CollectionOp idea).

SQLite connections belong to one thread, so background work opens its own store from the path and
never touches the window's connection; the window refreshes itself when the work is done.

Cancelling: the worker thread is busy inside ``work`` and runs no event loop, so a queued signal
would only reach it after the work had finished (a cancelled batch ledger used to open anyway).
The 取消 button therefore sets a ``threading.Event`` directly from the GUI thread; ``work`` polls
it as ``cancelled()`` inside its loops (the core functions take it as ``cancelled=``) and stops by
raising ``fieldapp.core.store.errors.Cancelled`` after removing what it had written.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from fieldapp.core.store.errors import Cancelled
from fieldapp.ui.dialogs import show_error

Work = Callable[[Callable[[int, int], None], Callable[[], bool]], Any]
"""work(progress(done, total), cancelled()) -> result; runs in a worker thread."""


class _Worker(QObject):
    progressed = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)
    stopped = Signal()

    def __init__(self, work: Work, stop: threading.Event) -> None:
        super().__init__()
        self._work = work
        self._stop = stop

    def run(self) -> None:
        try:
            result = self._work(self.progressed.emit, self._stop.is_set)
        except Cancelled:
            self.stopped.emit()
            return
        except Exception as exc:  # noqa: BLE001 - shown to the user, never a traceback
            self.failed.emit(str(exc))
            return
        self.finished.emit(result)


class BackgroundOp(QObject):
    """Run ``work`` in a thread with a modal progress dialog; ``on_done(result)`` afterwards.

    ``done`` is emitted at the end in every case: the result, or None after a failure or a
    cancellation (``on_done`` is not called then; ``was_cancelled`` says which).
    """

    done = Signal(object)

    def __init__(
        self, parent: QWidget, title: str, work: Work, on_done: Callable[[Any], None] | None = None
    ) -> None:
        super().__init__(parent)
        self.dialog = QProgressDialog(title, "取消", 0, 0, parent)
        self.dialog.setWindowTitle(title)
        self.dialog.setMinimumDuration(300)
        self.stop_requested = threading.Event()
        self.was_cancelled = False
        self.running = False
        self.output: Path | None = None
        """Where the work writes, when it writes a file (removed again if cancelled)."""
        self.thread = QThread()
        self.worker = _Worker(work, self.stop_requested)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.progressed.connect(self._progress)
        self.worker.finished.connect(self._finished)
        self.worker.failed.connect(self._failed)
        self.worker.stopped.connect(self._cancelled)
        self.dialog.canceled.connect(self.cancel)
        self._on_done = on_done
        self._parent = parent

    def start(self) -> None:
        self.running = True
        self.thread.start()

    def cancel(self) -> None:
        """Ask the work to stop at its next check (called in the GUI thread by 取消)."""
        self.stop_requested.set()

    def _progress(self, done: int, total: int) -> None:
        if self.stop_requested.is_set():
            return  # a cancelled dialog must not pop up again
        self.dialog.setMaximum(total)
        self.dialog.setValue(done)

    def _stop(self) -> None:
        self.thread.quit()
        self.thread.wait()
        self.dialog.reset()
        self.running = False

    def _finished(self, result: Any) -> None:
        self._stop()
        if self._on_done is not None:
            self._on_done(result)
        self.done.emit(result)

    def _cancelled(self) -> None:
        self._stop()
        self.was_cancelled = True
        status = getattr(self._parent, "statusBar", None)
        if callable(status):
            status().showMessage("已取消", 5000)
        self.done.emit(None)

    def _failed(self, message: str) -> None:
        self._stop()
        show_error(self._parent, "操作未完成", message)
        self.done.emit(None)

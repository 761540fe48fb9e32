"""Long work off the GUI thread, with a progress dialog and a cancel button (Anki's CollectionOp idea).

SQLite connections belong to one thread, so background work opens its own store from the path and
never touches the window's connection; the window refreshes itself when the work is done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

Work = Callable[[Callable[[int, int], None], Callable[[], bool]], Any]
"""work(progress(done, total), cancelled()) -> result; runs in a worker thread."""


class _Worker(QObject):
    progressed = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, work: Work) -> None:
        super().__init__()
        self._work = work
        self._cancelled = False

    def cancel(self) -> None:
        self._cancelled = True

    def run(self) -> None:
        try:
            result = self._work(self.progressed.emit, lambda: self._cancelled)
        except Exception as exc:  # noqa: BLE001 - shown to the user, never a traceback
            self.failed.emit(str(exc))
            return
        self.finished.emit(result)


class BackgroundOp(QObject):
    """Run ``work`` in a thread with a modal progress dialog; ``on_done(result)`` afterwards."""

    done = Signal(object)

    def __init__(
        self, parent: QWidget, title: str, work: Work, on_done: Callable[[Any], None] | None = None
    ) -> None:
        super().__init__(parent)
        self.dialog = QProgressDialog(title, "取消", 0, 0, parent)
        self.dialog.setWindowTitle(title)
        self.dialog.setMinimumDuration(300)
        self.thread = QThread()
        self.worker = _Worker(work)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.progressed.connect(self._progress)
        self.worker.finished.connect(self._finished)
        self.worker.failed.connect(self._failed)
        self.dialog.canceled.connect(self.worker.cancel)
        self._on_done = on_done
        self._parent = parent

    def start(self) -> None:
        self.thread.start()

    def _progress(self, done: int, total: int) -> None:
        self.dialog.setMaximum(total)
        self.dialog.setValue(done)

    def _stop(self) -> None:
        self.thread.quit()
        self.thread.wait()
        self.dialog.reset()

    def _finished(self, result: Any) -> None:
        self._stop()
        if self._on_done is not None:
            self._on_done(result)
        self.done.emit(result)

    def _failed(self, message: str) -> None:
        self._stop()
        QMessageBox.warning(self._parent, "操作未完成", message)
        self.done.emit(None)

"""A file dialog on the database's folder must not cost the cadre their edits (issue 10).

Root cause (see fieldapp/ui/file_dialogs.py): Qt's dialog read every listed file to guess its type,
so it opened and closed huhuqing.db inside the application's process, which drops SQLite's POSIX
locks. The next program to open the database deleted the WAL that later autosaves went into.
"""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.stores import open_test_store
from tests.ui.qt_child import ENV, spawn

REPO = Path(__file__).resolve().parents[2]
UI = REPO / "fieldapp" / "ui"

CHILD = r"""
import os, sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog
app = QApplication([])
from tests.stores import open_test_store
from fieldapp.ui import file_dialogs
from fieldapp.ui.main_window import MainWindow
db = sys.argv[1]
store = open_test_store(db)
window = MainWindow(store, "测试员")
window.show()
editor = window.new_household()
edit = editor.page("A").block_at("address").widget.edit

def wait(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)

edit.setPlainText("路")
wait(1.0)

def cancel_when_listed():
    for dialog in app.topLevelWidgets():
        if isinstance(dialog, QFileDialog) and dialog.isVisible():
            wait(1.5)  # let the dialog list (and, with Qt's own provider, sniff) the folder
            dialog.reject()
            return
    QTimer.singleShot(50, cancel_when_listed)

QTimer.singleShot(50, cancel_when_listed)
file_dialogs.open_file_names(window, "导入数据包", os.path.dirname(db), "户户清数据包 (*.hhq)")
print("READY", flush=True)
sys.stdin.readline()  # the parent lets another program open the database meanwhile
text = "路"
while True:
    text += "路"
    edit.setPlainText(text)
    print(len(text), time.monotonic(), flush=True)
    wait(0.05)
"""


def _deleted_wal(pid: int) -> list[str]:
    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if "-wal" in target and "(deleted)" in target:
            found.append(target)
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="POSIX lock semantics, /proc")
def test_file_dialog_then_another_program_then_kill_loses_no_autosave(tmp_path: Path) -> None:
    db = tmp_path / "huhuqing.db"
    child = spawn(CHILD, str(db), talk=True)
    assert child.stdout is not None and child.stdin is not None
    try:
        assert child.stdout.readline().strip() == "READY"
        other = subprocess.run(
            [sys.executable, "-m", "fieldapp", "--db", str(db), "list"],
            capture_output=True,
            text=True,
            env=ENV,
            timeout=60,
        )
        assert other.returncode == 0, other.stderr
        child.stdin.write("go\n")
        child.stdin.flush()
        typed: list[tuple[int, float]] = []
        while len(typed) < 40:  # about two seconds of typing, autosaved as it goes
            line = child.stdout.readline()
            assert line, "the child stopped"
            count, stamp = line.split()
            typed.append((int(count), float(stamp)))
        assert _deleted_wal(child.pid) == []
        killed_at = time.monotonic()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    store = open_test_store(db)
    (household,) = list(store.iter_household_ids())
    saved = store.current(household)["A"].get("address") or ""
    typed_a_second_before = max(n for n, stamp in typed if stamp <= killed_at - 1.0)
    assert len(saved) >= typed_a_second_before


def test_every_file_dialog_goes_through_the_safe_helper() -> None:
    """A raw QFileDialog anywhere in the UI would bring the lost-WAL bug back."""
    offenders = []
    for path in UI.rglob("*.py"):
        if path.name == "file_dialogs.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr.startswith(
                ("getOpenFileName", "getSaveFileName", "getExistingDirectory")
            ):
                offenders.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "QFileDialog":
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []

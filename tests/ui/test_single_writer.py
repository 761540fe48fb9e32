"""One writer per database in the graphical application (issue 10, part A).

Reported: two windows on one database overwrote each other's saves without a word, the second
window said "已恢复上次未关闭的编辑" for the household open in the first, and a CLI ``record`` beside
the app put old data back. Now the application holds the database's lock: a second instance says
who has it and can only look; a lock left by a killed application is taken over; and an editor
whose form was saved by something else in between keeps its save as a conflict and says so.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from fieldapp.core.store.lock import lock_path
from fieldapp.core.store.store import Store
from fieldapp.core.sync.merge import list_conflicts
from fieldapp.ui.app import QUIT, READ_ONLY, Session, start
from fieldapp.ui.editor import OPEN_KEY, HouseholdEditor
from fieldapp.ui.main_window import MainWindow
from tests.core.test_concurrency import record
from tests.stores import open_test_store, unlock_test_db
from tests.ui.qt_child import spawn
from tests.ui.test_editor import choose, dialogs, settle, type_into

__all__ = ["dialogs"]  # test_editor's autouse fixture: message boxes are recorded, not shown

HOLDER = r"""
import sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
app = QApplication([])
from fieldapp.ui.app import start
from tests.stores import unlock_test_db
session = start(Path(sys.argv[1]), unlock_test_db(sys.argv[1]))
session.window.open_household(sys.argv[2])
print("READY", flush=True)
sys.stdin.readline()
"""


def answer(monkeypatch: pytest.MonkeyPatch, button_text: str) -> list[str]:
    """Make every QMessageBox.exec() click the button with this text; returns the texts shown."""
    texts: list[str] = []

    def fake_exec(box: QMessageBox) -> int:
        texts.append(f"{box.windowTitle()}\n{box.text()}\n{box.informativeText()}")
        (button,) = [b for b in box.buttons() if b.text() == button_text]
        button.click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    return texts


@pytest.fixture
def holder(database: tuple[Path, str]) -> Iterator[subprocess.Popen[str]]:
    """The application in a child process, holding the database with the household open."""
    db, hid = database
    child = spawn(HOLDER, str(db), hid, talk=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "READY"
    yield child
    child.kill()
    child.wait(timeout=10)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    db = tmp_path / "huhuqing.db"
    store = open_test_store(db)
    store.set_meta("profile.name", "张三")
    hid = store.create_household("张三")
    store.save_form(hid, "A", {"name": "赵红梅", "phone": "13912345678"}, author="张三")
    store.close()
    yield db, hid


def started(qtbot: QtBot, db: Path) -> Session:
    session = start(db, unlock_test_db(db))
    assert isinstance(session, Session)
    assert isinstance(session.window, MainWindow)
    qtbot.addWidget(session.window)
    return session


def test_second_instance_is_told_who_holds_the_database_and_only_looks(
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    database: tuple[Path, str],
    holder: subprocess.Popen[str],
) -> None:
    db, hid = database
    # the app plus a CLI record: the CLI writer is refused, the app's data stays
    done = record(db, hid, {"name": "赵红梅", "phone": "13000000000"}, "--wait", "0.5")
    assert done.returncode == 1 and "图形界面" in done.stderr

    texts = answer(monkeypatch, READ_ONLY)
    session = started(qtbot, db)
    holder.kill()
    window = session.window
    assert isinstance(window, MainWindow)
    (text,) = texts
    assert "张三" in text and "图形界面" in text and f"进程 {holder.pid}" in text
    assert session.lock is None and session.store.readonly
    assert "只读" in window.windowTitle() and window.read_only_label.isVisible()
    assert window.tabs.count() == 1  # the household open in the first window is not "recovered"
    assert "已恢复" not in window.statusBar().currentMessage()
    assert not window.new_button.isEnabled()
    assert not any(action.isEnabled() for action in window.write_actions)

    editor = window.open_household(hid)
    page = editor.page("A")
    phone = page.block_at("phone")
    assert phone is not None
    qtbot.keyClicks(phone.widget.focus_target(), "9")
    qtbot.wait(600)
    assert not page.widget().isEnabled() and not editor.finalise_button.isEnabled()
    assert editor.banner.isVisible() and "只读" in editor.banner.text()
    assert editor.dirty == set()
    window.close_tab(1)
    window.close()
    session.close()
    store = open_test_store(db)
    assert store.current(hid)["A"]["phone"] == "13912345678"
    assert store.meta(OPEN_KEY) == hid  # the first window's marker, untouched by the viewer
    store.close()


def test_quit_instead_of_looking_opens_nothing(
    monkeypatch: pytest.MonkeyPatch, database: tuple[Path, str], holder: subprocess.Popen[str]
) -> None:
    texts = answer(monkeypatch, QUIT)
    assert start(database[0], unlock_test_db(database[0])) == 0
    assert len(texts) == 1


def test_a_killed_application_leaves_a_lock_that_is_taken_over(
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    database: tuple[Path, str],
    holder: subprocess.Popen[str],
) -> None:
    db, hid = database
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    texts = answer(monkeypatch, READ_ONLY)

    session = started(qtbot, db)

    window = session.window
    assert isinstance(window, MainWindow)
    assert texts == []  # nobody to ask about: the holder is dead
    assert session.lock is not None and session.lock.stale is not None
    assert session.lock.stale.pid == holder.pid
    assert "未正常退出，已接管" in window.statusBar().currentMessage()
    editor = window.tabs.currentWidget()  # the crash marker belongs to this session now
    assert isinstance(editor, HouseholdEditor) and editor.household_id == hid
    window.close()
    session.close()
    assert lock_path(db).read_text(encoding="utf-8") == ""


def test_an_editor_saving_over_a_newer_revision_keeps_a_conflict_and_shows_current_data(
    qtbot: QtBot, store: Store
) -> None:
    """Two editors on two connections (two windows before the lock, or the window and a
    background import): the reported overwrite of the phone and 健康状况."""
    hid = store.create_household("准备")
    store.save_form(hid, "A", {"name": "赵红梅", "phone": "13912345678"}, author="准备")
    other = open_test_store(Path(str(store.path)))
    first, second = MainWindow(store, "甲"), MainWindow(other, "乙")
    for window in (first, second):
        qtbot.addWidget(window)
        window.show()
    mine, theirs = first.open_household(hid), second.open_household(hid)

    type_into(theirs.page("A"), "phone", "13800001111")
    choose(theirs.page("A"), "health", "一般疾病")
    settle(qtbot, theirs)
    choose(mine.page("A"), "political", "群众")
    settle(qtbot, mine)

    assert mine.banner.isVisible() and "冲突版本" in mine.banner.text()
    current = store.current(hid)["A"]
    assert (current["phone"], current["health"]) == ("13800001111", "一般疾病")
    phone = mine.page("A").block_at("phone")
    assert phone is not None and phone.widget.value() == "13800001111"  # shows current data
    (conflict,) = list_conflicts(store)
    assert conflict["incoming"]["data"]["political"] == "群众"

    type_into(mine.page("A"), "address", "五华区某街 1 号")  # now based on the current data
    settle(qtbot, mine)
    current = store.current(hid)["A"]
    assert (current["address"], current["phone"]) == ("五华区某街 1 号", "13800001111")
    assert len(list_conflicts(store)) == 1
    for window in (first, second):
        window.close()
    other.close()

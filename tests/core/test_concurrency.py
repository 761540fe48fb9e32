"""Nothing a cadre typed is ever lost to another writer (issue 10, part A).

Reported: two programs on one database overwrote each other's saves without a word; a CLI
``record`` beside a ``demo``/``bundle import`` died with a ``database is locked`` traceback; two
API writers on one household forked the revision line silently. Here: saves are checked against
the revision they were based on inside the write transaction, a busy database is a message, and
command-line writers go through the database's lock (tests/ui/test_single_writer.py has the GUI).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fieldapp.core.store.errors import BusyError, ReadOnlyError
from fieldapp.core.store.lock import lock_path
from fieldapp.core.store.store import Store
from fieldapp.core.store.versions import AFTER, Clocks, compare
from fieldapp.core.sync.merge import list_conflicts, resolve_conflict
from tests.stores import open_test_store, raw_connection

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(REPO)}

HOLD_LOCK = r"""
import sys
from fieldapp.core.store.lock import acquire
lock = acquire(sys.argv[1], program="gui", user="张三")
print("READY", flush=True)
sys.stdin.readline()
lock.release()
print("RELEASED", flush=True)
sys.stdin.readline()
"""

HOLD_WRITE = r"""
import sys
from tests.stores import raw_connection
conn = raw_connection(sys.argv[1])
conn.execute("BEGIN IMMEDIATE")
conn.execute("insert into meta (key, value) values ('long.import', 'running')")
print("READY", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
"""


def child(code: str, *args: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "READY"
    return proc


def finish(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.communicate(timeout=10)


def fieldapp(db: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fieldapp", "--db", str(db), "--user", "李四", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
    )


def record(
    db: Path, household: str, data: dict[str, Any], *options: str, base: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``fieldapp [options] record HOUSEHOLD --form A --draft [--base]`` with ``data`` on stdin."""
    args = (*options, "record", household, "--form", "A", "--draft", "--json", "-")
    args += ("--base", base) if base else ()
    return fieldapp(db, *args, stdin=json.dumps(data, ensure_ascii=False))


@pytest.fixture
def household(store: Store) -> Iterator[str]:
    hid = store.create_household("准备")
    store.save_form(hid, "A", {"name": "赵红梅", "phone": "13912345678"}, author="准备")
    yield hid


def revision_count(db: Path) -> int:
    conn = raw_connection(db)
    try:
        return int(conn.execute("select count(*) from revisions").fetchone()[0])
    finally:
        conn.close()


# -- optimistic concurrency in the store --------------------------------------------------------


def test_a_stale_save_never_overwrites_a_newer_one(store: Store, household: str) -> None:
    """The reported sequence: instance 2 sets the phone and 健康状况, then instance 1, still on
    what it loaded, changes 政治面貌 and saves. Before: the old phone came back and 健康状况 was
    cleared. Now instance 1's save is kept as a conflict and the current data is instance 2's."""
    other = open_test_store(store.path)  # type: ignore[arg-type]
    loaded = store.current_revision(household, "A")
    assert loaded is not None
    theirs = {**loaded.data, "phone": "13800001111", "health": "一般疾病"}
    second = other.save_form(household, "A", theirs, author="乙", base_revision_id=loaded.id)
    assert second.created and second.conflict_id is None

    mine = {**loaded.data, "political": "群众"}
    first = store.save_form(household, "A", mine, author="甲", base_revision_id=loaded.id)

    assert first.created and first.conflict_id is not None
    current = store.current(household)["A"]
    assert (current["phone"], current["health"]) == ("13800001111", "一般疾病")
    assert current.get("political") is None
    (conflict,) = list_conflicts(store)
    assert conflict["current"]["id"] == second.revision.id
    assert conflict["incoming"]["id"] == first.revision.id
    assert conflict["incoming"]["data"]["political"] == "群众"  # kept, not lost
    assert {"phone", "health", "political"} <= set(conflict["differences"])
    other.close()


def test_a_local_conflict_resolves_like_a_bundle_conflict(store: Store, household: str) -> None:
    loaded = store.current_revision(household, "A")
    assert loaded is not None
    newer = store.save_form(household, "A", {**loaded.data, "phone": "13800001111"}, author="乙")
    stale = store.save_form(
        household,
        "A",
        {**loaded.data, "address": "五华区某街 1 号"},
        author="甲",
        base_revision_id=loaded.id,
    )
    assert stale.conflict_id is not None
    clocks = Clocks(store)
    assert compare(clocks.of(stale.revision.id), clocks.of(newer.revision.id)) == "concurrent"

    merged = {**newer.revision.data, "address": "五华区某街 1 号"}
    resolved = resolve_conflict(store, stale.conflict_id, author="甲", merged=merged, draft=True)

    assert store.current(household)["A"]["address"] == "五华区某街 1 号"
    assert store.current(household)["A"]["phone"] == "13800001111"
    for parent in (newer.revision.id, stale.revision.id):
        assert compare(clocks.of(resolved.id), clocks.of(parent)) == AFTER
    assert list_conflicts(store) == []


def test_a_stale_save_that_changes_nothing_adds_nothing(store: Store, household: str) -> None:
    loaded = store.current_revision(household, "A")
    assert loaded is not None
    newer = store.save_form(household, "A", {**loaded.data, "phone": "13800001111"}, author="乙")
    again = store.save_form(household, "A", loaded.data, author="甲", base_revision_id=loaded.id)
    assert not again.created and again.conflict_id is None
    assert again.revision.id == newer.revision.id
    assert list_conflicts(store) == []


def test_a_base_that_is_not_a_revision_of_the_form_is_refused(store: Store, household: str) -> None:
    from fieldapp.core.store.errors import StoreError

    with pytest.raises(StoreError, match="不是该户"):
        store.save_form(household, "A", {}, author="甲", base_revision_id="nonsense")


def test_a_busy_database_is_a_message_and_nothing_is_saved(tmp_path: Path) -> None:
    db = tmp_path / "huhuqing.db"
    store = open_test_store(db, wait=0.3)
    hid = store.create_household("甲")
    holder = child(HOLD_WRITE, str(db))
    try:
        with pytest.raises(BusyError, match="正忙"):
            store.save_form(hid, "A", {"name": "赵红梅"}, author="甲")
    finally:
        finish(holder)
    assert store.current(hid) == {}
    store.close()


def test_a_read_only_store_reads_and_refuses_writes(store: Store, household: str) -> None:
    viewer = open_test_store(store.path, readonly=True)  # type: ignore[arg-type]
    assert viewer.readonly and viewer.current(household)["A"]["name"] == "赵红梅"
    with pytest.raises(ReadOnlyError, match="只读"):
        viewer.save_form(household, "A", {"name": "改"}, author="看")
    with pytest.raises(ReadOnlyError):
        viewer.set_meta("x", "y")
    viewer.close()


# -- the command line ---------------------------------------------------------------------------


def test_record_with_a_stale_base_keeps_the_data_as_a_conflict_and_exits_1(
    store: Store, household: str, tmp_path: Path
) -> None:
    db = Path(str(store.path))
    loaded = store.current_revision(household, "A")
    assert loaded is not None
    store.save_form(household, "A", {**loaded.data, "phone": "13800001111"}, author="乙")

    done = record(db, household, {**loaded.data, "political": "群众"}, base=loaded.id)

    assert done.returncode == 1, done.stderr
    assert "冲突版本" in done.stderr and "Traceback" not in done.stderr
    assert store.current(household)["A"]["phone"] == "13800001111"
    (conflict,) = list_conflicts(store)
    assert conflict["incoming"]["data"]["political"] == "群众"


def test_cli_writer_refuses_cleanly_while_another_program_holds_the_database(
    store: Store, household: str
) -> None:
    db = Path(str(store.path))
    before = revision_count(db)
    holder = child(HOLD_LOCK, str(db))
    try:
        done = record(db, household, {"name": "改"}, "--wait", "0.5")
        shown = fieldapp(db, "show", household, "--json")  # readers do not need the lock
    finally:
        finish(holder)
    assert done.returncode == 1
    message = done.stderr
    assert "张三" in message and "图形界面" in message and f"进程 {holder.pid}" in message
    assert "--wait" in message and "Traceback" not in message
    assert revision_count(db) == before
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["forms"]["A"]["name"] == "赵红梅"


def test_cli_writer_waits_for_the_lock_and_then_saves(store: Store, household: str) -> None:
    db = Path(str(store.path))
    holder = child(HOLD_LOCK, str(db))
    assert holder.stdin is not None and holder.stdout is not None
    writer = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fieldapp",
            "--db",
            str(db),
            "--wait",
            "60",
            "record",
            household,
            "--form",
            "A",
            "--draft",
            "--json",
            "-",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    assert writer.stdin is not None and writer.stderr is not None
    writer.stdin.write('{"name": "等到了"}')
    writer.stdin.close()
    assert "等待其结束" in writer.stderr.readline()  # it says it waits, and for whom
    holder.stdin.write("release\n")
    holder.stdin.flush()
    assert holder.stdout.readline().strip() == "RELEASED"
    assert writer.wait(timeout=60) == 0
    finish(holder)
    assert store.current(household)["A"]["name"] == "等到了"


def test_a_lock_left_by_a_killed_program_is_taken_over_and_said(
    store: Store, household: str
) -> None:
    db = Path(str(store.path))
    holder = child(HOLD_LOCK, str(db))
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    assert lock_path(db).read_text(encoding="utf-8")  # the file still names the dead holder

    done = record(db, household, {"name": "接管"}, "--wait", "0")

    assert done.returncode == 0, done.stderr
    assert "未正常退出，已接管" in done.stderr and "张三" in done.stderr
    assert store.current(household)["A"]["name"] == "接管"
    assert lock_path(db).read_text(encoding="utf-8") == ""  # released cleanly after the command


def test_record_beside_a_long_write_transaction_is_a_message_not_a_traceback(
    store: Store, household: str
) -> None:
    """A ``demo`` or ``bundle import`` that does not go through the lock (an API script, an older
    version) keeps the database busy: ``record`` waits ``--wait`` seconds and says so."""
    db = Path(str(store.path))
    before = revision_count(db)
    holder = child(HOLD_WRITE, str(db))
    try:
        done = record(db, household, {"name": "改"}, "--wait", "1")
    finally:
        finish(holder)
    assert done.returncode == 1
    assert "正忙" in done.stderr and "Traceback" not in done.stderr
    assert revision_count(db) == before


def test_readers_open_read_only_and_statistics_skip_their_cache(
    store: Store, household: str
) -> None:
    """Readers run beside a holder of the lock; ``stats`` cannot fill its cache then, and says
    nothing about it (derived data)."""
    db = Path(str(store.path))
    holder = child(HOLD_LOCK, str(db))
    try:
        listed = fieldapp(db, "list", "--json")
        stats = fieldapp(db, "stats", "--json")
    finally:
        finish(holder)
    for done in (listed, stats):
        assert done.returncode == 0, done.stderr
    assert [h["name"] for h in json.loads(listed.stdout)["households"]] == ["赵红梅"]
    conn = raw_connection(db)
    assert conn.execute("select count(*) from hq_facts").fetchone()[0] == 0
    conn.close()


def test_taking_the_lock_again_in_one_process_does_not_lock_it_out(tmp_path: Path) -> None:
    """A command that opens the database twice (or the GUI and its background work) shares the
    process's lock; it is released when the last holder lets go, leaving an empty file."""
    from fieldapp.core.store.lock import acquire

    db = tmp_path / "huhuqing.db"
    first = acquire(db, program="cli", command="fieldapp record")
    second = acquire(db, program="cli", command="fieldapp record")
    assert second is first
    second.release()
    assert first.held and "fieldapp record" in lock_path(db).read_text(encoding="utf-8")
    first.release()
    assert not first.held and lock_path(db).read_text(encoding="utf-8") == ""

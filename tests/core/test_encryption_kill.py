"""kill -9 during the conversion to an encrypted database and during a passphrase change: the
database opens afterwards (with the old or the new passphrase) and no revision is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fieldapp.core.store.encryption import ENCRYPTED, WrongPassphrase, database_state, unlock
from fieldapp.core.store.keyfile import key_file_path
from tests.core.test_encryption import plaintext_database
from tests.stores import TEST_PASSPHRASE, open_test_store

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def revisions(db: Path, passphrase: bytes = TEST_PASSPHRASE.encode()) -> int:
    store = open_test_store(db, passphrase=passphrase)
    try:
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return int(store.db.execute("select count(*) from revisions").fetchone()[0])
    finally:
        store.close()


def test_sigkill_during_conversion_loses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "huhuqing.db"
    before = plaintext_database(db, households=600)
    child = subprocess.Popen(
        [sys.executable, "-m", "fieldapp", "--db", str(db), "list", "--json"],
        env=ENV,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert child.stderr is not None
    seen = b""
    deadline = time.monotonic() + 60
    while b"%" not in seen and time.monotonic() < deadline:  # the first progress report
        char = child.stderr.read(1)
        if not char:
            break
        seen += char
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert b"%" in seen, seen.decode(errors="replace")
    assert child.returncode == -signal.SIGKILL
    # whatever the moment, the next start opens it (finishing or redoing the conversion)
    assert revisions(db) == before
    assert database_state(db) == ENCRYPTED
    assert not (tmp_path / "huhuqing.db.encrypting").exists()
    assert not (tmp_path / "huhuqing.db.plaintext-old").exists()


CHANGER = r"""
import sys
from fieldapp.core.store.encryption import change_passphrase
from tests.stores import TEST_COST
db, first, second = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode()
n = 0
while True:
    old, new = (first, second) if n % 2 == 0 else (second, first)
    change_passphrase(db, old, new, cost=TEST_COST)
    n += 1
    print(n, flush=True)
"""


def test_sigkill_during_passphrase_changes_leaves_one_valid_passphrase(tmp_path: Path) -> None:
    db = tmp_path / "huhuqing.db"
    store = open_test_store(db)
    for n in range(20):
        store.save_form(store.create_household("甲"), "A", {"name": f"户{n}"}, author="甲")
    store.close()
    before = revisions(db)
    old, new = TEST_PASSPHRASE, "the new passphrase"
    for delay in (0.0, 0.013, 0.05, 0.11):
        child = subprocess.Popen(
            [sys.executable, "-c", CHANGER, str(db), old, new],
            env=ENV,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "1"
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        opened = []
        for candidate in (old, new):
            try:
                unlock(db, candidate.encode())
                opened.append(candidate)
            except WrongPassphrase:
                pass
        assert len(opened) == 1, opened  # exactly one of the two, never neither
        assert revisions(db, opened[0].encode()) == before
        if opened[0] == new:
            old, new = new, old
    # an interrupted write's part file is tidied at the next opening
    assert key_file_path(db).exists() and not list(tmp_path.glob("*.part"))

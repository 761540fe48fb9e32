"""An import killed mid-way (SIGKILL) leaves headquarters' database exactly as before the import."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fieldapp.core.demo.generate import generate_demo
from fieldapp.core.sync.importer import import_bundle
from tests.core.test_sync import HQ_PASS, digest, make_world
from tests.stores import open_test_store

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_during_import_changes_nothing(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    generate_demo(world.li, 1500, seed=3, author="李干事")
    bundle = world.export(world.li)
    db = tmp_path / "hq" / "hq.db"
    before = digest(world.hq)
    world.hq.close()
    env = {**os.environ, "PYTHONPATH": str(REPO), "FIELDAPP_PASSPHRASE": HQ_PASS.decode()}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fieldapp",
            "--db",
            str(db),
            "bundle",
            "import",
            str(bundle),
            "--progress",
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 60
    line = ""
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if "应用" in line or not line:
            break
    assert "应用" in line, (
        f"no progress before exit: {line!r} {process.stdout and process.stdout.read()}"
    )
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert Path(str(db) + "-wal").exists()  # the killed transaction had written pages

    hq = open_test_store(db, passphrase=HQ_PASS)
    assert hq.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert digest(hq) == before
    report = import_bundle(hq, bundle, HQ_PASS, author="办公室").to_dict()
    assert report["new"] == 1500 and report["conflicts"] == 0

"""run_all row: headquarters imports one bundle holding the whole archive, against a raw floor.

Set-up (once, kept in ``<db>.import/`` so a second run reuses it): the demo database is copied
and enrolled as a laptop of a fresh headquarters, which exports everything in one bundle; the
headquarters database before the import is kept, and one untimed import gives the rows an import
writes. Then, alternating which runs first, each sample times in its own child process:

- floor: those same rows (every table the import writes, read back from the imported copy)
  inserted into a copy of the headquarters database with one ``executemany`` per table in one
  transaction — the same schema, indexes and search-index triggers, no checks, no decoding;
- project: ``import_bundle`` of the bundle into a copy of the headquarters database, then the
  same bundle again (the no-op re-import), with the child's peak memory.

Also printed: how long merely reading the bundle takes (decrypting, decompressing and parsing
every line: work no import can skip, which the floor leaves out).

Goals (issue 17): import ≤ 1.5× floor at every size, peak ≤ 300 MB, re-import ≤ 5 s.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from harness import Bench, Pairs, bench_row

REPO = Path(__file__).resolve().parents[1]
HQ_PASS = "bench-hq-passphrase"
BENCH_PASS = "benchmark passphrase"
"""The demo database's (run_all.py opens it with this passphrase)."""
GOAL_MB, GOAL_REIMPORT_S = 300, 5.0

OPEN = """
from fieldapp.core.crypto.kdf import KdfCost
from fieldapp.core.store.unlock import open_with_passphrase, unlock_database
CHEAP = KdfCost(time_cost=1, memory_kib=8)  # unlocking adds neither time nor memory to a sample
def open_store(path, passphrase):
    return open_with_passphrase(path, passphrase, cost=CHEAP)
def connect(path, passphrase):
    from fieldapp.core.store.driver import sqlite
    db = sqlite.connect(str(path), isolation_level=None)
    db.execute(f"PRAGMA key = {unlock_database(path, passphrase).pragma_value()}")
    return db
"""

SETUP = (
    OPEN
    + """
import shutil, sys
from pathlib import Path
from fieldapp.core.sync.bundle import export_bundle
from fieldapp.core.trust import identity
source, cache = Path(sys.argv[1]), Path(sys.argv[2])
source_pass, hq_pass = map(str.encode, sys.argv[3:])
staff_pass = source_pass  # the laptop's keys are sealed with its database's passphrase
hq = open_store(cache / "hq.db", hq_pass)
identity.hq_init(hq, hq_pass, unit="云南省总工会", author="bench")
data, _ = identity.enroll_staff(hq, hq_pass, staff_pass, name="archive", unit="某区总工会", author="bench")
hq.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
hq.close()
source_store = open_store(source, source_pass)
source_store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
source_store.close()
for part in ("", ".keys"):
    shutil.copy(f"{source}{part}", cache / f"laptop.db{part}")
laptop = open_store(cache / "laptop.db", source_pass)
identity.take_enrollment(laptop, data, staff_pass, author="archive")
export_bundle(laptop, cache / "archive.hhq", staff_pass, author="archive", full=True)
laptop.close()
"""
)

PROJECT = (
    OPEN
    + """
import json, resource, sys, time
from fieldapp.core.sync.importer import import_bundle
db, bundle, passphrase = sys.argv[1], sys.argv[2], sys.argv[3].encode()
store = open_store(db, passphrase)
seconds = []
for _ in range(int(sys.argv[4])):
    start = time.perf_counter()
    import_bundle(store, bundle, passphrase, author="bench")
    seconds.append(time.perf_counter() - start)
store.close()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak}))
"""
)

READ = (
    OPEN
    + """
import json, sys, time
from pathlib import Path
from fieldapp.core.sync.container import read_envelope, unwrap_key
from fieldapp.core.sync.lines import read_records
from fieldapp.core.trust import identity
store = open_store(sys.argv[1], sys.argv[3].encode())
env = read_envelope(Path(sys.argv[2]))
m = env.manifest
start = time.perf_counter()
private = identity.receiving_private_key(store, sys.argv[3].encode())
key = unwrap_key(m["key_wrap"], private, m["bundle_id"])
count = sum(1 for _ in read_records(env, key))
print(json.dumps({"seconds": [time.perf_counter() - start]}))
"""
)

FLOOR = (
    OPEN
    + """
import json, sys, time
target, rows_from, before, passphrase = *sys.argv[1:4], sys.argv[4].encode()
db = connect(target, passphrase)
from fieldapp.core.sync.importer import IMPORT_CACHE_KIB
db.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}")  # as the import sets it
source = connect(rows_from, passphrase)
old = connect(before, passphrase)
names = [r[0] for r in db.execute("select name from sqlite_master where type = 'table' "
                                  "and sql not like 'CREATE VIRTUAL%' order by rowid")]
virtual = [r[0] for r in db.execute("select name from sqlite_master where sql like 'CREATE VIRTUAL%'")]
names = [n for n in names if not n.startswith(tuple(v + "_" for v in virtual))]
start = time.perf_counter()
db.execute("BEGIN IMMEDIATE")
db.execute("PRAGMA defer_foreign_keys = ON")
for name in names:
    top = old.execute(f"select coalesce(max(rowid), 0) from [{name}]").fetchone()[0]
    columns = [r[1] for r in source.execute(f"pragma table_info([{name}])")]
    rows = source.execute(f"select {', '.join(columns)} from [{name}] where rowid > ? order by rowid", [top])
    marks = ", ".join("?" for _ in columns)
    db.executemany(f"insert into [{name}] ({', '.join(columns)}) values ({marks})", rows)
db.execute("COMMIT")
print(json.dumps({"seconds": [time.perf_counter() - start]}))
"""
)


def child(script: str, *args: str) -> dict[str, Any]:
    """Run a script in a fresh interpreter (its errors go to our stderr); its JSON last line."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "FIELDAPP_USER": "bench"}
    command = [sys.executable, "-c", script, *args]
    out = subprocess.check_output(command, env=env, cwd=REPO, text=True, stdin=subprocess.DEVNULL)
    lines = out.strip().splitlines()
    return dict(json.loads(lines[-1])) if lines else {}


def prepared(bench: Bench) -> Path:
    """The cache directory with hq.db (before), archive.hhq and imported.db (after)."""
    households = bench.store.count_households()
    cache = bench.path.with_name(f"{bench.path.name}.import-{households}")
    if not (cache / "imported.db").exists():
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir()
        child(SETUP, str(bench.path), str(cache), BENCH_PASS, HQ_PASS)
        importing = fresh_copy(cache, "importing.db")
        child(PROJECT, str(importing), str(cache / "archive.hhq"), HQ_PASS, "1")
        for part in ("", ".keys"):
            shutil.move(f"{importing}{part}", cache / f"imported.db{part}")
    return cache


def fresh_copy(cache: Path, name: str) -> Path:
    """A copy of headquarters' database before the import, with its key file."""
    for stale in cache.glob(f"{name}*"):
        stale.unlink()
    for part in ("", ".keys"):
        shutil.copy(cache / f"hq.db{part}", cache / f"{name}{part}")
    return cache / name


@bench_row("HQ import of a whole-archive bundle", goal_ratio=1.5)
def hq_import(bench: Bench) -> Pairs:
    cache = prepared(bench)
    size = (cache / "archive.hhq").stat().st_size / 1024 / 1024
    peaks: list[float] = []
    again: list[float] = []
    reading: list[float] = []

    def floor() -> float:
        target = fresh_copy(cache, "floor.db")
        rows_from, before = str(cache / "imported.db"), str(cache / "hq.db")
        figures = child(FLOOR, str(target), rows_from, before, HQ_PASS)
        reading.append(child(READ, str(target), str(cache / "archive.hhq"), HQ_PASS)["seconds"][0])
        return float(figures["seconds"][0]) * 1000

    def project() -> float:
        target = fresh_copy(cache, "project.db")
        figures = child(PROJECT, str(target), str(cache / "archive.hhq"), HQ_PASS, "2")
        peaks.append(figures["peak_mb"])
        again.append(figures["seconds"][1])
        return float(figures["seconds"][0]) * 1000

    for _ in range(2 if bench.samples <= 30 else 3):
        yield floor, project
    peak, reimport = max(peaks), max(again)
    bench.notes.append(
        f"HQ import: reading the bundle alone (decrypt, decompress, parse every line) "
        f"{min(reading):.1f} s, untimed in the floor"
    )
    bench.notes.append(
        f"HQ import: bundle {size:.0f} MB; peak memory {peak:.0f} MB (goal ≤ {GOAL_MB} MB: "
        f"{'met' if peak <= GOAL_MB else 'NOT met'}); no-op re-import {reimport:.1f} s "
        f"(goal ≤ {GOAL_REIMPORT_S:g} s: {'met' if reimport <= GOAL_REIMPORT_S else 'NOT met'})"
    )

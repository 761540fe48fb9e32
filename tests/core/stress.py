"""Two writer processes and one reader on one database for a bounded time, then the books checked.

Used by tests/core/test_stress.py (about 25 s) and benchmarks/bench_stress.py (longer, prints the
counts). Each writer does what an editor does: reads a form's current revision, changes a field,
and saves it naming that revision as its base — sometimes after a short pause, so the two writers
often save over each other's base. The reader opens the database read-only again and again (list,
search, current data, history) and closes it, as command-line readers do beside the GUI.

Every process stops itself at its deadline and prints one JSON line per acknowledged save. The
parent then checks: ``PRAGMA integrity_check`` is ok, every acknowledged save is in the database,
no revision has two children unless all but the current one are held with a conflict row (no
silent forks), and no process printed a traceback.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
FIELDS = ("phone", "address", "employer")


@dataclass
class StressReport:
    seconds: float
    saves: int = 0
    unchanged: int = 0
    conflicts_acknowledged: int = 0
    busy_messages: int = 0
    reads: int = 0
    lost: list[str] = field(default_factory=list)
    silent_forks: int = 0
    forks: int = 0
    conflict_rows: int = 0
    integrity: str = ""
    tracebacks: list[str] = field(default_factory=list)
    stuck: int = 0

    def lines(self) -> list[str]:
        return [
            f"duration                  {self.seconds:.1f} s",
            f"acknowledged saves        {self.saves} (+{self.unchanged} unchanged)",
            f"  kept as conflicts       {self.conflicts_acknowledged}",
            f"busy messages             {self.busy_messages}",
            f"reader passes             {self.reads}",
            f"integrity_check           {self.integrity}",
            f"acknowledged saves lost   {len(self.lost)}",
            f"forks (parent, 2+ kids)   {self.forks}",
            f"conflict rows             {self.conflict_rows}",
            f"silent forks              {self.silent_forks}",
            f"tracebacks                {len(self.tracebacks)}",
            f"processes stopped by us   {self.stuck}",
        ]


def prepare(db: Path, households: int) -> list[str]:
    from tests.stores import open_test_store

    store = open_test_store(db)
    ids = []
    for n in range(households):
        hid = store.create_household("准备")
        store.save_form(hid, "A", {"name": f"压力{n}"}, author="准备")
        ids.append(hid)
    store.close()
    return ids


def writer(db: str, seconds: float, name: str, seed: int) -> None:
    from fieldapp.core.store.errors import BusyError
    from fieldapp.core.store.records import HEAD
    from tests.stores import open_test_store

    rng = random.Random(seed)
    store = open_test_store(db, wait=30.0)
    households = list(store.iter_household_ids())
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        n += 1
        hid = rng.choice(households)
        head = store.current_revision(hid, "A")
        data = dict(head.data) if head else {}
        data[rng.choice(FIELDS)] = f"{name}-{n}"
        if rng.random() < 0.5:
            time.sleep(rng.random() * 0.004)  # an editor's pause: the other writer may save
        base = head.id if head is not None and rng.random() < 0.9 else HEAD
        try:
            result = store.save_form(hid, "A", data, author=name, base_revision_id=base)
        except BusyError as exc:
            print(json.dumps({"busy": str(exc)}, ensure_ascii=False), flush=True)
            continue
        print(
            json.dumps(
                {
                    "rev": result.revision.id,
                    "created": result.created,
                    "conflict": result.conflict_id,
                }
            ),
            flush=True,
        )
    store.close()


def reader(db: str, seconds: float) -> None:
    from tests.stores import open_test_store

    deadline = time.monotonic() + seconds
    passes = 0
    while time.monotonic() < deadline:
        store = open_test_store(db, readonly=True)
        for hid in store.iter_household_ids():
            store.current(hid)
            store.history(hid, "A")
        store.search("压力")
        store.close()
        passes += 1
    print(json.dumps({"reads": passes}), flush=True)


def run_stress(db: Path, seconds: float, households: int = 1) -> StressReport:
    """Run the three processes for ``seconds`` on ``households`` households (one: the writers
    contend for the same form all the time, as the reported two API writers did)."""
    prepare(db, households)
    started = time.monotonic()
    here = str(Path(__file__).resolve())
    commands = [
        [sys.executable, here, "writer", str(db), str(seconds), "甲", "1"],
        [sys.executable, here, "writer", str(db), str(seconds), "乙", "2"],
        [sys.executable, here, "reader", str(db), str(seconds)],
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for c in commands
    ]
    report = StressReport(seconds)
    acknowledged: list[str] = []
    for proc in procs:
        try:
            out, err = proc.communicate(timeout=seconds + 120)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            report.stuck += 1
        if "Traceback" in err or proc.returncode != 0:
            report.tracebacks.append(err[-2000:] or f"exit status {proc.returncode}")
        for line in out.splitlines():
            _count(report, json.loads(line), acknowledged)
    report.seconds = time.monotonic() - started
    _check(db, report, acknowledged)
    return report


def _count(report: StressReport, item: dict[str, Any], acknowledged: list[str]) -> None:
    if "reads" in item:
        report.reads += int(item["reads"])
    elif "busy" in item:
        report.busy_messages += 1
    elif item["created"]:
        report.saves += 1
        report.conflicts_acknowledged += bool(item["conflict"])
        acknowledged.append(item["rev"])
    else:
        report.unchanged += 1


def _check(db: Path, report: StressReport, acknowledged: list[str]) -> None:
    from tests.stores import raw_connection

    conn = raw_connection(db)
    report.integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    stored = {
        r[0] for r in conn.execute("select id from revisions union select id from held_revisions")
    }
    report.lost = [rev for rev in acknowledged if rev not in stored]
    children: dict[str, list[tuple[str, str]]] = {}
    for rid, parent, where in conn.execute(
        "select id, parent_id, 'line' from revisions where parent_id is not null union all "
        "select id, parent_id, 'held' from held_revisions where parent_id is not null"
    ):
        children.setdefault(parent, []).append((rid, where))
    conflicted = {r[0] for r in conn.execute("select incoming_id from conflicts")}
    report.conflict_rows = len(conflicted)
    for kids in children.values():
        if len(kids) < 2:
            continue
        report.forks += 1
        on_line = [rid for rid, where in kids if where == "line"]
        unexplained = [rid for rid, where in kids if where == "held" and rid not in conflicted]
        if len(on_line) > 1 or unexplained:
            report.silent_forks += 1
    conn.close()


if __name__ == "__main__":
    role, db_arg, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
    sys.path.insert(0, str(REPO))
    if role == "writer":
        writer(db_arg, secs, sys.argv[4], int(sys.argv[5]))
    else:
        reader(db_arg, secs)

"""Fuzzing untrusted input: running a command line and judging it, and damaging bytes.

Shared by the property tests (tests/core/test_fuzz_inputs.py, a fixed seed, a few dozen cases
each), the bundle fuzz (tests/core/test_sync_bad.py) and the longer benchmark
(benchmarks/bench_fuzz.py); the entry points themselves are in tests/core/fuzz_targets.py. A
command runs in-process through ``fieldapp.cli.main.main`` and gives an ``Outcome``: accepted
(exit 0), refused (exit 1 with a message) or crashed (any exception, any other exit status, or a
traceback on stderr). A refused case must leave the database exactly as it was
(``content_digest``).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st

from fieldapp.cli.main import main
from fieldapp.core.store import driver
from tests.stores import raw_connection

# -- running and judging --------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    code: int | None
    crashed: bool
    detail: str

    @property
    def kind(self) -> str:
        return "crashed" if self.crashed else ("accepted" if self.code == 0 else "refused")


def run_cli(argv: Sequence[str]) -> Outcome:
    """``fieldapp ARGV`` in this process: its exit status, and whether it crashed."""
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            code: int | None = main(list(argv))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
        except Exception:  # the point of the exercise: nothing may get this far
            return Outcome(None, True, traceback.format_exc(limit=-3))
    text = err.getvalue()
    crashed = code not in (0, 1) or "Traceback" in text
    return Outcome(code, crashed, text[-600:])


def content_digest(db: Path) -> str:
    """SHA-256 over every table's rows, read without changing the file."""
    h = hashlib.sha256()
    with contextlib.closing(raw_connection(db, readonly=True)) as conn:
        tables = [
            r[0]
            for r in conn.execute("select name from sqlite_master where type='table' order by name")
        ]
        for table in tables:
            h.update(table.encode())
            try:
                rows = list(conn.execute(f"select rowid, * from [{table}] order by rowid"))
            except driver.OperationalError:  # WITHOUT ROWID tables
                rows = sorted(conn.execute(f"select * from [{table}]"), key=repr)
            for row in rows:
                h.update(repr(row).encode())
    return h.hexdigest()


@dataclass
class Tally:
    """What a run of many cases gave, per outcome (the benchmark prints it)."""

    accepted: int = 0
    refused: int = 0
    crashed: list[str] = field(default_factory=list)
    changed_on_refusal: list[str] = field(default_factory=list)

    @property
    def tried(self) -> int:
        return self.accepted + self.refused + len(self.crashed)

    def add(self, outcome: Outcome, unchanged: bool) -> None:
        if outcome.crashed:
            self.crashed.append(outcome.detail)
        elif outcome.code == 0:
            self.accepted += 1
        else:
            self.refused += 1
            if not unchanged:
                self.changed_on_refusal.append(outcome.detail)


# -- mutating bytes -------------------------------------------------------------------------------

byte_mutation = st.one_of(
    st.tuples(st.just("flip"), st.floats(0, 1, exclude_max=True), st.integers(1, 255)),
    st.tuples(st.just("cut"), st.floats(0, 1, exclude_max=True), st.just(0)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.integers(0, 255)),
    st.tuples(st.just("delete"), st.floats(0, 1, exclude_max=True), st.integers(1, 64)),
)


def mutate(data: bytes, mutations: Sequence[tuple[str, float, int]]) -> bytes:
    out = bytearray(data)
    for kind, where, value in mutations:
        at = min(int(where * len(out)), max(len(out) - 1, 0))
        if kind == "flip" and out:
            out[at] ^= value
        elif kind == "cut":
            del out[at:]
        elif kind == "insert":
            out[at:at] = bytes([value])
        elif kind == "delete":
            del out[at : at + value]
    return bytes(out)


def nested(depth: int, opener: str = "[", closer: str = "]") -> bytes:
    return (opener * depth + "1" + closer * depth).encode()

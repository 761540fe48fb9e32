"""Benchmark: headquarters statistics, exit review and Excel export on N demo households.

    python benchmarks/bench_stats.py [--households 100000] [--db PATH] [--seed 1] [--no-export]

Without ``--db`` a fresh database in a temporary directory is filled with ``fieldapp demo``
(timed, not part of the figures below). With ``--db`` an existing database is used as it is
(its statistics cache is emptied first, so the first run is a cold one; nothing else changes).

Prints, each as a child process (wall seconds, CPU seconds, peak memory):
- ``fieldapp stats`` cold (empty cache: every household read and evaluated, cache filled),
- ``fieldapp stats`` warm, ``--by region``, ``--by region --from --to`` (a period),
- ``fieldapp stats --households coverage_gap`` (a click-through),
- ``fieldapp exit-review`` (warm),
- ``fieldapp export --xlsx`` and the workbook's size.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("FIELDAPP_PASSPHRASE", "benchmark passphrase")  # every database here
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]

from child import run_child  # noqa: E402

from fieldapp.core.reports.facts_cache import clear_cache  # noqa: E402
from fieldapp.core.store.unlock import open_with_passphrase  # noqa: E402

CHILD = """
import json, resource, sys, time
from fieldapp.cli.main import main
start, cpu = time.perf_counter(), time.process_time()
code = main(sys.argv[1:])
print(json.dumps({"code": code, "seconds": time.perf_counter() - start,
                  "cpu": time.process_time() - cpu,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}),
      file=sys.stderr)
"""


def fieldapp(db: Path, *args: str) -> dict[str, float]:
    """Run one command in a child process; its own timing and peak memory."""
    return run_child(["-c", CHILD, "--db", str(db), *args], f"fieldapp {' '.join(args)}", "stderr")


def line(label: str, figures: dict[str, float], extra: str = "") -> None:
    print(
        f"{label:<44} {figures['seconds']:8.2f} s wall {figures['cpu']:8.2f} s CPU "
        f"{figures['peak_mb']:7.0f} MB peak  {extra}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--db", help="existing database to use (else a temporary one)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-export", action="store_true", help="skip the Excel export")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="fieldapp-bench-stats-"))
    try:
        if args.db:
            db = Path(args.db)
        else:
            db = workdir / "hq.db"
            start = time.perf_counter()
            fieldapp(
                db,
                "demo",
                "--households",
                str(args.households),
                "--seed",
                str(args.seed),
                "--quiet",
            )
            print(
                f"demo data: {args.households} households in {time.perf_counter() - start:.1f} s",
                flush=True,
            )
        store = open_with_passphrase(db, b"benchmark passphrase")
        households = store.count_households()
        dropped = clear_cache(store)
        store.close()
        print(
            f"database: {db} ({households} households; {dropped} cached entries dropped)",
            flush=True,
        )
        print(f"CPUs: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f}", flush=True)

        line("stats (cold: cache empty)", fieldapp(db, "stats", "--json"))
        line("stats (warm)", fieldapp(db, "stats", "--json"))
        line("stats --by region (warm)", fieldapp(db, "stats", "--by", "region", "--json"))
        line(
            "stats --by region --from --to (warm)",
            fieldapp(
                db,
                "stats",
                "--by",
                "region",
                "--from",
                "2026-01-01",
                "--to",
                time.strftime("%Y-%m-%d"),
                "--json",
            ),
        )
        line(
            "stats --households coverage_gap",
            fieldapp(db, "stats", "--households", "coverage_gap", "--json"),
        )
        line("exit-review (warm)", fieldapp(db, "exit-review", "--json"))
        if not args.no_export:
            out = workdir / "export.xlsx"
            figures = fieldapp(db, "export", "--xlsx", str(out))
            line("export --xlsx", figures, f"{out.stat().st_size / 1e6:.1f} MB file")
        rusage = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(f"(children's largest peak: {rusage.ru_maxrss / 1024:.0f} MB)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

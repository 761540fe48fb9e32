"""Benchmark: two writer processes and one reader on one database, then the books checked.

    python benchmarks/bench_stress.py [--seconds 120] [--households 1] [--keep DIR]

The writers save form A of the households (one by default: they contend all the time) as an
editor does (read the current revision, change a field, save naming that revision as the base);
the reader opens the database read-only and reads again and again. Printed: saves acknowledged and how many were kept as conflicts, busy
messages, integrity_check, acknowledged saves lost (must be 0), forks and conflict rows, silent
forks (must be 0), tracebacks (must be 0). The suite runs the same for 20 s
(tests/core/test_stress.py).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.core.stress import run_stress  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--households", type=int, default=1)
    parser.add_argument("--keep", help="keep the database in this directory")
    args = parser.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="fieldapp-stress-"))
    folder.mkdir(parents=True, exist_ok=True)
    report = run_stress(folder / "huhuqing.db", args.seconds, args.households)
    print("\n".join(report.lines()))
    for text in report.tracebacks:
        print(text, file=sys.stderr)
    rate = report.saves / max(args.seconds, 1e-9)
    print(f"save rate                 {rate:.1f} saves/s (two writers together)")
    bad = report.lost or report.silent_forks or report.tracebacks or report.integrity != "ok"
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

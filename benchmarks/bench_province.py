"""Benchmark: a province's bundles merged at headquarters, shuffled, duplicated, some forged.

    python benchmarks/bench_province.py [--regions 3] [--laptops 3] [--households 60]
                                        [--rounds 4] [--concurrent 0.01] [--forged 6] [--seed 1]
                                        [--keep DIR]

Enrolls regions × laptops cadres, each with its own database and households; runs the rounds of
edits and exports (1 % of households, at least one, are also edited on a second laptop of the
same region); imports every bundle, a fifth of them twice, plus the forgeries, in a shuffled
order (tests/core/province.py says exactly what and how it checks). Prints: union exact?,
conflicts surfaced / expected (with the true current head and every branch), forged bundles
refused / tried, revisions lost (must be 0) and the import rate. The suite runs a small one
(tests/core/test_province.py). Exit status 1 if any check failed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.core.province import fresh, simulate  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, default=3)
    parser.add_argument("--laptops", type=int, default=3, help="laptops per region (≥ 2)")
    parser.add_argument("--households", type=int, default=60, help="households per laptop")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--concurrent", type=float, default=0.01)
    parser.add_argument("--forged", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", help="keep the databases and bundles in this directory")
    args = parser.parse_args()
    root = fresh(Path(args.keep)) if args.keep else Path(tempfile.mkdtemp(prefix="province-"))
    started = time.perf_counter()
    report = simulate(
        root,
        regions=args.regions,
        laptops=args.laptops,
        households=args.households,
        rounds=args.rounds,
        concurrent=args.concurrent,
        forged=args.forged,
        seed=args.seed,
    )
    print("\n".join(report.lines()))
    for line in report.genuine_refused:
        print(f"  refused: {line}", file=sys.stderr)
    print(f"whole run                   {time.perf_counter() - started:.0f} s (set-up included)")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: malformed input at every entry point, many more cases than the test suite runs.

    python benchmarks/bench_fuzz.py [--examples 300] [--seed 1] [--targets record,import-xlsx,...]
                                    [--readers show,ledger,export,stats,assess] [--keep DIR]

The generators are the suite's (tests/core/fuzzing.py; bundles: the mutation fuzz of
tests/core/test_sync_bad.py). For each entry point it prints how many cases were tried, accepted
(exit 0), refused (exit 1 with a message) and crashed (a traceback or any other exit), how many
refusals changed the database (must be 0), and cases per second. With ``--readers`` every
accepted ``record`` is followed by those commands on the saved household. Exit status 1 if
anything crashed or a refusal changed the database; the first few crashes are printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402

from tests.core.fuzz_targets import TARGETS, RecordTarget  # noqa: E402
from tests.core.fuzzing import Tally  # noqa: E402


def explore(target: Any, examples: int, rng_seed: int) -> Tally:
    """Run ``examples`` generated cases through ``target``, counting outcomes (never stopping)."""
    tally = Tally()

    @seed(rng_seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=target.cases)
    def one(case: Any) -> None:
        outcome, unchanged = target.run(case)
        tally.add(outcome, unchanged)

    one()
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=300, help="cases per entry point")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--targets", default=",".join(TARGETS), help=",".join(TARGETS))
    parser.add_argument("--readers", default="show", help="after an accepted record: show,ledger,…")
    parser.add_argument("--keep", help="work in this directory and keep it")
    args = parser.parse_args()
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-fuzz-"))
    root.mkdir(parents=True, exist_ok=True)
    print(f"fuzz: {args.examples} cases per entry point, seed {args.seed}, work in {root}")
    header = f"{'entry point':<14}{'tried':>7}{'accepted':>10}{'refused':>9}{'crashed':>9}"
    print(header + f"{'changed*':>10}{'cases/s':>9}")
    failed = False
    samples: list[str] = []
    for name in args.targets.split(","):
        factory = TARGETS[name]
        where = root / name
        if factory is RecordTarget:
            target = RecordTarget(where, readers=tuple(filter(None, args.readers.split(","))))
        else:
            target = factory(where)
        start = time.perf_counter()
        tally = explore(target, args.examples, args.seed)
        rate = tally.tried / (time.perf_counter() - start)
        print(
            f"{name:<14}{tally.tried:>7}{tally.accepted:>10}{tally.refused:>9}"
            f"{len(tally.crashed):>9}{len(tally.changed_on_refusal):>10}{rate:>9.1f}"
        )
        failed = failed or bool(tally.crashed or tally.changed_on_refusal)
        samples += [f"{name}: {detail}" for detail in tally.crashed[:3]]
    print("* refusals that changed the database (must be 0)")
    for sample in samples:
        print("\n" + sample)
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""The province simulation in small (tests/core/province.py; benchmarks/bench_province.py runs it
bigger): shuffled, duplicated bundles from several regions with concurrent edits and forgeries."""

from __future__ import annotations

from pathlib import Path

from tests.core.province import simulate


def test_a_small_province_merges_exactly(tmp_path: Path) -> None:
    report = simulate(
        tmp_path, regions=2, laptops=2, households=2, rounds=1, concurrent=0.3, forged=6, seed=3
    )
    lines = "\n".join(report.lines())
    assert report.genuine_refused == [], lines
    assert report.union_exact and report.revisions_lost == 0, lines
    assert report.current_wrong == 0, lines
    assert report.forged_refused == report.forged_tried == 6, lines
    assert report.conflicts_expected >= 2, lines
    assert report.conflicts_true_head == report.conflicts_surfaced == report.conflicts_expected
    assert report.conflicts_unexpected == 0, lines
    assert report.ok

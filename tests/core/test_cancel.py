"""Every long loop stops when asked (``cancelled()``) and leaves nothing half-written behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldapp.core.demo.generate import generate_demo
from fieldapp.core.reports.exit_review import review_exits
from fieldapp.core.reports.stats import compute_stats
from fieldapp.core.reports.xlsx_export import export_xlsx
from fieldapp.core.reports.xlsx_import import import_archive
from fieldapp.core.store.errors import Cancelled
from fieldapp.core.store.store import Store


def after(n: int) -> tuple[list[int], object]:
    """A ``cancelled()`` that says stop on its n-th call, and the calls it has seen."""
    calls: list[int] = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) >= n

    return calls, cancelled


@pytest.fixture
def households(store: Store) -> Store:
    generate_demo(store, 8, seed=5, author="甲")
    return store


def test_export_stops_and_leaves_no_file(households: Store, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "导出.xlsx"
    stats = compute_stats(households)
    calls, cancelled = after(3)
    with pytest.raises(Cancelled):
        export_xlsx(households, out, stats=stats, cancelled=cancelled)  # type: ignore[arg-type]
    assert len(calls) == 3
    assert list(folder.iterdir()) == []


def test_statistics_and_exit_review_stop(households: Store) -> None:
    for compute in (compute_stats, review_exits):
        calls, cancelled = after(2)
        with pytest.raises(Cancelled):
            compute(households, cancelled=cancelled)  # type: ignore[operator]
        assert len(calls) == 2


def test_archive_import_stops_and_changes_nothing(
    households: Store, store: Store, tmp_path: Path
) -> None:
    exported = tmp_path / "档案.xlsx"
    export_xlsx(households, exported)
    before = households.count_households()
    revisions = households.db.execute("select count(*) from revisions").fetchone()[0]
    calls, cancelled = after(2)
    with pytest.raises(Cancelled):
        import_archive(households, exported, author="甲", cancelled=cancelled)  # type: ignore[arg-type]
    assert households.count_households() == before
    assert households.db.execute("select count(*) from revisions").fetchone()[0] == revisions


def test_demo_generation_stops_and_adds_nothing(store: Store) -> None:
    calls, cancelled = after(4)
    with pytest.raises(Cancelled):
        generate_demo(store, 10, seed=5, author="甲", cancelled=cancelled)  # type: ignore[arg-type]
    assert len(calls) == 4 and store.count_households() == 0

"""The statistics cache kept current by saves and imports gives what a full rebuild gives.

Headquarters takes a laptop's bundle (``fieldapp bundle import``), an Excel archive (``fieldapp
archive import``) and its own edits, in a seeded random order; after every step the figures from
the kept-current cache (every grouping, a bounded period, click-through lists) and the cache rows
themselves must equal what ``fieldapp stats --rebuild`` computes from scratch. After an import the
cache is already current: the next statistics run computes nothing.
"""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fieldapp.cli.main import main
from fieldapp.core.demo.generate import generate_demo
from fieldapp.core.reports import facts_cache, facts_compute
from fieldapp.core.reports import stats as stats_module
from fieldapp.core.reports.facts_cache import MARK, iter_household_facts
from fieldapp.core.reports.stats import compute_stats
from fieldapp.core.reports.xlsx_template import write_template
from fieldapp.core.store.store import Store
from fieldapp.core.values.idcard import make_id_number
from tests.conftest import TODAY
from tests.core.test_sync import HQ_PASS, LI_PASS, World, make_world
from tests.core.test_xlsx_import import FORM_A, fill, worker

STATS_ARGS: tuple[tuple[str, ...], ...] = (
    (),
    ("--by", "region"),
    ("--by", "unit"),
    ("--by", "staff"),
    ("--from", "2026-01-01", "--to", "2026-10-31"),
    ("--final-only",),
)


def run(db: Path, *args: str) -> int:
    return main(["--db", str(db), "--user", "测试员", *args])


def stats(db: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    """``fieldapp stats --json`` for evaluation day TODAY, without the time it was made."""
    capsys.readouterr()
    assert run(db, "stats", "--json", "--date", TODAY.isoformat(), *args) == 0
    doc: dict[str, Any] = json.loads(capsys.readouterr().out)
    doc.pop("generated_at")
    doc["campaign"].pop("generated_at", None)
    return doc


def every_view(db: Path, capsys: pytest.CaptureFixture[str]) -> list[Any]:
    views: list[Any] = [stats(db, capsys, *args) for args in STATS_ARGS]
    capsys.readouterr()
    assert run(db, "stats", "--households", "coverage_gap", "--json") == 0
    views.append(json.loads(capsys.readouterr().out))
    return views


def cache_rows(store: Store) -> list[tuple[Any, ...]]:
    return list(
        store.db.execute(
            "select * from hq_facts where household_id != ? order by household_id, variant",
            [MARK],
        )
    )


def assert_same_as_rebuilt(world: World, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kept, kept_rows = every_view(db, capsys), cache_rows(world.hq)
    assert run(db, "stats", "--rebuild", "--json", "--date", TODAY.isoformat()) == 0
    assert "统计缓存已重建" in capsys.readouterr().err
    assert every_view(db, capsys) == kept
    assert cache_rows(world.hq) == kept_rows


def export_li(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], out: Path
) -> Path:
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", LI_PASS.decode())
    assert run(world.root / "li" / "laptop.db", "bundle", "export", "--out", str(out)) == 0
    capsys.readouterr()
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", HQ_PASS.decode())
    return out


def computed_by_next_run(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Households whose entry the next statistics run computes."""
    computed: list[str] = []
    original = facts_compute.entry

    def counting(record: Any, *args: Any) -> Any:
        computed.append(record.id)
        return original(record, *args)

    with monkeypatch.context() as m:
        m.setattr(facts_compute, "entry", counting)
        compute_stats(store, on=date.today())
    return computed


def test_cache_kept_current_equals_a_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    world = make_world(tmp_path)
    hq_db = world.root / "hq" / "hq.db"
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", HQ_PASS.decode())
    generate_demo(world.li, 12, author="li", today=TODAY)

    # A bundle: the import leaves the cache current for today.
    first = export_li(world, monkeypatch, capsys, tmp_path / "first.hhq")
    assert run(hq_db, "bundle", "import", str(first), "--json") == 0
    assert json.loads(capsys.readouterr().out)["new"] == 12
    assert computed_by_next_run(world.hq, monkeypatch) == []
    assert_same_as_rebuilt(world, hq_db, capsys)

    # An Excel archive: the same.
    template = write_template(tmp_path / "模板.xlsx", FORM_A)
    rows = [
        worker(
            f"职工{n}",
            make_id_number("530103", date(1978, 3, 9), 51 + 2 * n),
            f"YN-530103-2019-0002{n:02d}",
        )
        for n in range(3)
    ]
    filled = fill(template, tmp_path / "档案.xlsx", rows, [])
    assert run(hq_db, "archive", "import-xlsx", str(filled)) == 0
    assert computed_by_next_run(world.hq, monkeypatch) == []
    assert_same_as_rebuilt(world, hq_db, capsys)

    # Saves at headquarters and on the laptop, then bundles, in a seeded random order.
    rng = random.Random(17)
    for step in range(6):
        store = world.hq if rng.random() < 0.5 else world.li
        ids = list(store.iter_household_ids())
        for hid in rng.sample(ids, 3):
            current = store.current(hid)
            form_id = rng.choice([f for f in ("A", "D", "E") if f in current])
            data = dict(current[form_id])
            if form_id == "A":
                data["category"] = rng.choice(["深度困难", "相对困难", "意外致困"])
                data["employer"] = rng.choice(["昆明钢铁", "云南铜业", ""])
            elif form_id == "D":
                visit = {"date": f"2026-{rng.randint(1, 10):02d}-15", "method": "入户走访"}
                data["visits"] = [*(data.get("visits") or []), visit]
            else:
                data["problems"] = (data.get("problems") or [])[1:]
            store.save_form(hid, form_id, data, author="编辑者", final=rng.random() < 0.7)
        if store is world.li:
            bundle = export_li(world, monkeypatch, capsys, tmp_path / f"step{step}.hhq")
            assert run(hq_db, "bundle", "import", str(bundle)) == 0
        assert_same_as_rebuilt(world, hq_db, capsys)


@pytest.mark.parametrize("piece", [facts_compute.PIECE, 3, 1])
def test_two_processes_compute_what_one_does(
    store: Store, monkeypatch: pytest.MonkeyPatch, piece: int
) -> None:
    """Whichever pieces each process takes (all the helper's: one piece; shared: several), the
    entries are the same and in the households' order."""
    generate_demo(store, 8, author="测试员", today=TODAY)
    monkeypatch.setattr(facts_compute, "PARALLEL_FROM", 2)
    monkeypatch.setattr(facts_compute, "PIECE", piece)
    one = list(iter_household_facts(store, on=TODAY, use_cache=False, workers=1))
    two = list(iter_household_facts(store, on=TODAY, use_cache=False, workers=2))
    assert len(one) == 8 and two == one


def test_a_first_run_shares_its_households_with_a_helper_started_early(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the cache lacking many entries, statistics start the helper before looking for the
    stale entries and share them with it; the figures and the cache are those of one process."""
    generate_demo(store, 12, author="测试员", today=TODAY)
    alone = compute_stats(store, on=TODAY, by="region").to_dict()
    cached = cache_rows(store)
    facts_cache.clear_cache(store)
    monkeypatch.setattr(facts_compute, "PARALLEL_FROM", 2)
    monkeypatch.setattr(facts_compute, "PIECE", 5)
    started: list[Any] = []
    early = facts_compute.early_helper

    def noted(*args: Any, **options: Any) -> Any:
        helper = early(*args, **options)
        started.append(helper)
        return helper

    monkeypatch.setattr(stats_module, "early_helper", noted)
    shared = compute_stats(store, on=TODAY, by="region").to_dict()
    assert started and started[0] is not None and not started[0].process.is_alive()
    for doc in (alone, shared):
        doc.pop("generated_at")
    assert shared == alone and cache_rows(store) == cached
    # Current now: no helper is started for a run that finds nothing to compute.
    started.clear()
    compute_stats(store, on=TODAY)
    assert started == [None]


@pytest.mark.parametrize("direct_read", [0, 10**9])
def test_saves_found_whichever_way_revisions_are_read(
    store: Store, monkeypatch: pytest.MonkeyPatch, direct_read: int
) -> None:
    """Households saved since the cache was current are found, whether the revisions above the
    mark are read by rowid (a few) or through the household index (many): each is recomputed,
    and only those."""
    monkeypatch.setattr(facts_cache, "_DIRECT_READ", direct_read)
    generate_demo(store, 10, author="测试员", today=TODAY)
    compute_stats(store, on=date.today())
    assert computed_by_next_run(store, monkeypatch) == []
    saved = sorted(store.iter_household_ids())[2:5]
    for hid in saved:
        visits = store.current(hid).get("D", {})
        visit = {"date": "2026-10-15", "method": "入户走访"}
        store.save_form(
            hid, "D", {**visits, "visits": [*(visits.get("visits") or []), visit]}, author="编辑者"
        )
    assert sorted(computed_by_next_run(store, monkeypatch)) == saved
    assert computed_by_next_run(store, monkeypatch) == []

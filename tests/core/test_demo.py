"""Demo data: deterministic, realistic, and every final form passes the engine unchanged."""

from __future__ import annotations

import json
import random
import re
import uuid
import warnings
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fieldapp.cli.main import main
from fieldapp.core.demo import generate as demo
from fieldapp.core.demo.generate import (
    DEMO_DIBAO_SOURCE,
    DEMO_TODAY,
    DemoDataWarning,
    generate_demo,
)
from fieldapp.core.rules.freshness import stale_forms
from fieldapp.core.store.store import Store
from fieldapp.core.values.idcard import check_id_number
from tests.stores import open_test_store

N = 200
ARCHIVE_NO = re.compile(r"^YN-53\d{4}-20\d\d-\d{6}$")


def make_store(path: Path, households: int = N, seed: int = 1) -> Store:
    store = open_test_store(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DemoDataWarning)  # direct values must match the engine
        assert generate_demo(store, households, seed=seed, author="测试") == households
    return store


def snapshot(store: Store) -> list[tuple[str, str, dict[str, Any], dict[str, str]]]:
    return [
        (hid, store.household(hid)["status"], store.current(hid), store.current_states(hid))
        for hid in store.iter_household_ids()
    ]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return make_store(tmp_path_factory.mktemp("demo") / "t.db")


@pytest.fixture(scope="module")
def data(store: Store) -> list[tuple[str, str, dict[str, Any], dict[str, str]]]:
    return snapshot(store)


def test_count(store: Store, data: list[Any]) -> None:
    assert store.count_households() == N
    assert len(data) == N
    assert len({hid for hid, *_ in data}) == N


def test_same_seed_same_data_other_seed_other_data(data: list[Any], tmp_path: Path) -> None:
    again = snapshot(make_store(tmp_path / "again.db"))
    assert again == data
    other = snapshot(make_store(tmp_path / "other.db", households=40, seed=2))
    assert [row[2] for row in other] != [row[2] for row in data[:40]]
    assert not {row[0] for row in other} & {row[0] for row in data}


def test_final_forms_validate_and_equal_the_engine_normalisation(
    store: Store, data: list[Any]
) -> None:
    finals = 0
    for hid, _, forms, states in data:
        # computed as of the day the forms were saved (ages, dates not in the future)
        revision = store.current_revision(hid, "A")
        assert revision is not None and revision.created_at[:10] <= DEMO_TODAY.isoformat()
        engine = store.engine(date.fromisoformat(revision.created_at[:10]))
        results = engine.validate_all(forms, only=list(forms))
        for form_id, result in results.items():
            assert result.values == forms[form_id], (hid, form_id)
            if states[form_id] == "final":
                finals += 1
                assert not result.errors, (hid, [str(p) for p in result.errors])
                assert not result.warnings, (hid, [str(p) for p in result.warnings])
    assert finals > 0.85 * sum(len(forms) for _, _, forms, _ in data)
    # …so no finalised demo form reads as 需重新核对 (rules.freshness)
    assert [hid for hid, *_ in data[:40] if stale_forms(store, hid)] == []


def test_mix_of_statuses_states_and_forms(store: Store, data: list[Any]) -> None:
    statuses = Counter(status for _, status, _, _ in data)
    assert statuses["在档"] > N * 0.6
    assert len(statuses) >= 3
    states = Counter(s for *_, st in data for s in st.values())
    assert states["final"] > states["draft"] > 0
    assert all(set("ABCDE") <= set(forms) for _, _, forms, _ in data)
    assert sum("LQ" in forms and "BZ" in forms for _, _, forms, _ in data) > N * 0.7
    changed = [hid for hid, status, _, _ in data if status != "在档"]
    assert store.status_history(changed[0])[0]["status"] != "在档"
    bands = Counter(forms["B"]["hardship_band"] for _, _, forms, _ in data)
    assert bands["低于低保标准"] > 0 and bands["低保1–1.5倍"] > 0
    six_above = [
        all(r["above_dibao"] == "是" for r in forms["B"]["monthly_records"][-6:])
        for _, _, forms, _ in data
    ]
    assert 0 < sum(six_above) < N


def test_people_have_valid_consistent_id_numbers(store: Store, data: list[Any]) -> None:
    for hid, _, forms, _ in data:
        a = forms["A"]
        people = [a, *a["members"]]
        assert len(a["members"]) <= 5
        for person in people:
            info, problems = check_id_number(
                person["id_number"], regions=store.regions, today=DEMO_TODAY
            )
            assert info is not None and problems == [], (hid, person["id_number"], problems)
            assert info.gender == person["gender"]
            assert info.birth_date.isoformat() == person["birth_date"]
        assert a["id_number"][:6] == a["hukou_region"]
        assert a["residence_region"].startswith("53")
        assert re.fullmatch(r"1[3-9]\d{9}", a["phone"])
    workers = [forms["A"]["id_number"] for _, _, forms, _ in data]
    assert len(set(workers)) == N


def test_archive_numbers_unique_and_formatted(data: list[Any]) -> None:
    numbers = [forms["A"]["archive_no"] for _, _, forms, _ in data]
    assert len(set(numbers)) == N
    assert all(ARCHIVE_NO.match(n) for n in numbers)


def test_search_finds_generated_names(store: Store, data: list[Any]) -> None:
    for hid, _, forms, _ in data[::40]:
        assert hid in {row["id"] for row in store.search(forms["A"]["name"])}
        assert [row["id"] for row in store.search(forms["A"]["archive_no"])] == [hid]


def test_demo_dibao_only_where_no_standard_applies(store: Store) -> None:
    rows = store.dibao_standards()
    demo_rows = [r for r in rows if r["source"] == DEMO_DIBAO_SOURCE]
    real_codes = {r["county_code"] for r in rows if r["source"] != DEMO_DIBAO_SOURCE}
    assert demo_rows
    assert all(
        r["county_code"].endswith("00") and r["county_code"] not in real_codes for r in demo_rows
    )
    assert all(50000 <= r["amount_fen"] <= 60000 for r in demo_rows)
    assert len({r["county_code"] for r in demo_rows}) == len(demo_rows)
    assert store.dibao_standard("530102", DEMO_TODAY) == 59000  # the real value stays


def test_second_batch_adds_without_clashes(tmp_path: Path) -> None:
    store = make_store(tmp_path / "twice.db", households=30)
    standards = len(store.dibao_standards())
    generate_demo(store, 30, seed=1, author="测试")
    assert store.count_households() == 60
    assert len(store.dibao_standards()) == standards
    numbers = [row["archive_no"] for row in store.search("", limit=None)]
    assert len(set(numbers)) == 60


def test_progress_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "PROGRESS_EVERY", 10)
    calls: list[tuple[int, int]] = []
    generate_demo(
        open_test_store(tmp_path / "p.db"),
        35,
        author="测试",
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(10, 35), (20, 35), (30, 35), (35, 35)]


def test_fast_uuid_matches_the_uuid_module() -> None:
    rng = random.Random(7)
    factory_uuid = demo._Factory.uuid
    holder = type("Holder", (), {"rng": random.Random(7)})()
    for _ in range(100):
        expected = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        assert factory_uuid(holder) == expected


def test_cli_demo_then_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "cli.db")
    assert main(["--db", db, "--user", "测试", "demo", "--households", "50", "--seed", "3"]) == 0
    assert "50" in capsys.readouterr().out
    assert main(["--db", db, "list", "--json", "--limit", "10"]) == 0
    page = json.loads(capsys.readouterr().out)
    assert (page["total"], page["shown"], page["truncated"]) == (50, 10, True)
    assert main(["--db", db, "list", "--json", "--limit", "0"]) == 0
    listed = json.loads(capsys.readouterr().out)["households"]
    assert len(listed) == 50
    target = listed[17]
    assert main(["--db", db, "list", "--query", target["name"], "--json"]) == 0
    found = json.loads(capsys.readouterr().out)["households"]
    assert target["id"] in {row["id"] for row in found}


@pytest.mark.parametrize("today", ["2025-01-01", "2024-02-29"])
def test_other_reference_days_still_validate(tmp_path: Path, today: str) -> None:
    day = date.fromisoformat(today)
    store = open_test_store(tmp_path / "d.db")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DemoDataWarning)
        generate_demo(store, 15, seed=5, author="测试", today=day)
    engine = store.engine(day)
    for hid in store.iter_household_ids():
        forms, states = store.current(hid), store.current_states(hid)
        for form_id, result in engine.validate_all(forms, only=list(forms)).items():
            assert result.values == forms[form_id]
            assert states[form_id] == "draft" or not result.errors, [str(p) for p in result.errors]

"""Long terms (ID numbers, 档案编号, phone numbers, several terms at once) find exactly what a
substring scan of ``search_text`` finds, in list order, while their index lookups run once."""

from __future__ import annotations

from typing import Any

import pytest

from fieldapp.core.demo.generate import generate_demo
from fieldapp.core.store.search import FEW
from fieldapp.core.store.store import Store
from tests.stores import open_test_store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = open_test_store(tmp_path_factory.mktemp("long") / "l.db")
    generate_demo(store, 80, seed=5, author="测试")
    return store


def scan(store: Store, terms: str, descending: bool = False) -> list[str]:
    """What a search must list: every household whose text holds every term, in list order."""
    rows = [
        dict(row)
        for row in store.db.query("select id, archive_no, name, search_text from households")
    ]
    rows.sort(key=lambda r: (r["archive_no"] or "", r["name"] or "", r["id"]))
    if descending:  # archive_no descending, then name and id ascending
        rows.sort(key=lambda r: r["archive_no"] or "", reverse=True)
    wanted = terms.upper().split()
    return [r["id"] for r in rows if all(t in r["search_text"] for t in wanted)]


def long_terms(store: Store) -> list[str]:
    rows = store.search("", limit=None)[::9]
    terms: list[str] = []
    for row in rows:
        terms += [row["id_number"][:10], row["id_number"], row["id_number"][-6:]]
        terms += [row["archive_no"], row["archive_no"][:14], row["archive_no"][:9]]
        terms += [row["phone"], f"{row['name']} {row['id_number'][:6]}"]
    return [*terms, "YN-53", "530", "大理 王", "ZZ-999999", "不存在的人", "YN 53 大理"]


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [row["id"] for row in rows]


def test_long_terms_find_what_a_scan_finds_in_list_order(store: Store) -> None:
    for term in long_terms(store):
        expected = scan(store, term)
        assert ids(store.search(term, limit=None)) == expected, term
        assert ids(store.search(term, limit=7)) == expected[:7], term
        assert ids(store.search(term, limit=4, offset=2)) == expected[2:6], term
        assert ids(store.search(term, limit=5, descending=True)) == scan(store, term, True)[:5]
        assert store.count_matching(term) == len(expected), term


def test_a_page_reuses_the_matches_it_counted(store: Store) -> None:
    """The plan's count and the page come from one run of the index lookups."""
    term = store.search("", limit=1)[0]["id_number"][:10]
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    try:
        page = store.search(term, limit=200)
    finally:
        store.db.conn.set_trace_callback(None)
    assert ids(page) == scan(store, term)
    assert sum("households_fts match" in sql for sql in statements) == 1, statements


def test_a_term_matching_more_than_few_is_still_found_whole(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above ``FEW`` matches the lookups are counted and rerun: the same page comes back."""
    assert FEW >= 2
    monkeypatch.setattr("fieldapp.core.store.search.FEW", 2)
    for term in ["YN-53", "530", "大理", store.search("", limit=1)[0]["id_number"][:10]]:
        expected = scan(store, term)
        assert ids(store.search(term, limit=7)) == expected[:7], term
        assert ids(store.search(term, limit=3, offset=1)) == expected[1:4], term

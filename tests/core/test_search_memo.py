"""The list's count of matches reuses the index lookups its page ran (one lookup per keystroke),
and never an answer from before the data changed, by this connection or another."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldapp.core.demo.generate import generate_demo
from fieldapp.core.store.store import Store
from tests.stores import open_test_store


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("memo") / "m.db"
    store = open_test_store(path)
    generate_demo(store, 60, seed=4, author="测试")
    store.close()
    return path


@pytest.fixture
def store(path: Path) -> Store:
    store = open_test_store(path)
    yield store
    store.close()


def lookups_run(store: Store, call: object) -> list[str]:
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    try:
        call()  # type: ignore[operator]
    finally:
        store.db.conn.set_trace_callback(None)
    return [sql for sql in statements if " match " in sql]


def queries(store: Store) -> list[str]:
    row = store.search("", limit=1, offset=20)[0]
    name = row["name"]
    return [
        row["id_number"][:10],  # trigram lookup, few matches: a list
        row["archive_no"][:9],  # trigram lookup, matches more than a page
        name[0],  # a surname: counted, then walked
        name[-2:],
        f"{name} {row['id_number'][:6]}",
        "YN-53",
    ]


def test_the_count_after_a_page_runs_no_lookup(store: Store) -> None:
    for query in queries(store):
        page = store.search(query, limit=100)
        assert lookups_run(store, lambda q=query: store.count_matching(q)) == [], query
        assert store.count_matching(query) == len(store.search(query, limit=None)), query
        assert len(page) == min(100, store.count_matching(query))


def test_a_trigram_term_is_looked_up_once_per_keystroke(store: Store) -> None:
    term = store.search("", limit=1, offset=7)[0]["id_number"][:10]

    def keystroke() -> None:
        store.search(term, limit=100)
        store.count_matching(term)

    assert len(lookups_run(store, keystroke)) == 1


def test_a_save_here_is_counted_at_once(store: Store) -> None:
    hid = store.search("", limit=1, offset=3)[0]["id"]
    assert store.count_matching("鲜于丙") == 0
    assert store.count_matching("鲜于") == 0
    data = dict(store.current(hid)["A"])
    store.save_form(hid, "A", {**data, "name": "鲜于丙"}, author="测试")
    assert store.count_matching("鲜于丙") == 1
    assert store.count_matching("鲜于") == 1
    assert [row["id"] for row in store.search("鲜于丙")] == [hid]


def test_a_save_by_another_connection_is_counted_at_once(store: Store, path: Path) -> None:
    assert store.count_matching("欧阳丁") == 0
    assert store.count_matching("欧阳") == 0
    other = open_test_store(path)
    try:
        hid = other.search("", limit=1, offset=5)[0]["id"]
        data = dict(other.current(hid)["A"])
        other.save_form(hid, "A", {**data, "name": "欧阳丁"}, author="测试")
    finally:
        other.close()
    assert store.count_matching("欧阳丁") == 1
    assert store.count_matching("欧阳") == 1
    assert [row["id"] for row in store.search("欧阳丁")] == [hid]


def test_a_filtered_or_resorted_list_looks_a_trigram_term_up_once(store: Store) -> None:
    row = store.search("", limit=1, offset=11)[0]
    status = row["status"]
    for term in (row["id_number"][:10], row["archive_no"][:9], "YN-53"):
        rows = store.db.query("select id, name, status, search_text from households")
        expected = sorted(
            (r["name"] or "", r["id"])
            for r in rows
            if term in r["search_text"] and r["status"] == status
        )

        def keystroke(t: str = term) -> tuple[list[str], int]:
            page = store.search(t, status=status, order_by="name", limit=100)
            return [r["id"] for r in page], store.count_matching(t, status=status)

        statements: list[str] = []
        store.db.conn.set_trace_callback(statements.append)
        try:
            ids, count = keystroke()
        finally:
            store.db.conn.set_trace_callback(None)
        assert ids == [hid for _, hid in expected][:100], term
        assert count == len(expected), term
        assert sum(" match " in sql for sql in statements) == 1, term


def test_an_answer_read_inside_a_rolled_back_transaction_is_not_kept(store: Store) -> None:
    hid = store.search("", limit=1, offset=9)[0]["id"]
    data = dict(store.current(hid)["A"])
    with pytest.raises(RuntimeError), store.db.atomic():
        store.save_form(hid, "A", {**data, "name": "司马戊"}, author="测试")
        assert store.count_matching("司马戊") == 1
        assert store.count_matching("司马") == 1
        raise RuntimeError("rolled back")
    assert store.count_matching("司马戊") == 0
    assert store.count_matching("司马") == 0
    assert store.search("司马戊") == []

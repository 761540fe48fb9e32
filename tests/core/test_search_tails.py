"""Long terms looked up by their end (``search_tails``) find exactly the households the whole
terms' lookup finds, in the same order: compared on demo data, and on households whose text
holds a term's end but not the term, or the term elsewhere than in its own column."""

from __future__ import annotations

import pytest

from fieldapp.core.demo.generate import generate_demo
from fieldapp.core.store import search_tails
from fieldapp.core.store.search import FEW, term_lookups
from fieldapp.core.store.store import Store
from tests.stores import open_test_store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = open_test_store(tmp_path_factory.mktemp("tails") / "t.db")
    generate_demo(store, 120, seed=7, author="测试")
    rows = store.search("", limit=None)
    target = rows[10]
    decoys = {  # another household's text holding the end of a term, or the whole term
        rows[20]["id"]: {"worker_no": "0" + target["id_number"][-search_tails.TAIL :]},
        rows[30]["id"]: {"worker_no": target["id_number"]},
        rows[40]["id"]: {"phone": target["archive_no"][-12:]},
        rows[50]["id"]: {"worker_no": "X" + target["archive_no"]},
    }
    for hid, change in decoys.items():
        data = dict(store.current(hid)["A"])
        store.save_form(hid, "A", {**data, **change}, author="测试")
    return store


def long_terms(store: Store) -> list[str]:
    terms: list[str] = []
    for row in store.search("", limit=None)[::3]:
        id_number, archive_no = row["id_number"], row["archive_no"]
        terms += [id_number, id_number[:10], id_number[:14], id_number[-10:], id_number[4:16]]
        terms += [archive_no, archive_no[:14], archive_no[:12], archive_no[-11:], row["phone"]]
        terms += [f"{archive_no[:14]} {id_number[-10:]}", f"{row['name']} {id_number}"]
    return [*terms, "YN-53", "530", "YN-530000-2000", "ZZ-999999-00000", "53" * 8]


def whole(store: Store, query: str) -> list[int]:
    return store._looked_up(term_lookups(query)[0], FEW + 1)


def test_the_ends_find_what_the_whole_terms_find(store: Store) -> None:
    cut = 0
    for term in long_terms(store):
        by_tails = store._found_by_tails(term)
        if by_tails is not None:
            cut += 1
            assert by_tails == whole(store, term), term
    assert cut > 100


def test_a_term_whose_end_is_elsewhere_is_not_found_there(store: Store) -> None:
    target = store.search("", limit=None)[10]
    for term in (target["id_number"], target["archive_no"]):
        found = store._found_by_tails(term)
        assert found is not None
        assert found == whole(store, term)
        assert len(found) == 2, term  # the household itself, and the one holding the term
        tail = term[-search_tails.TAIL :]
        assert len(store._looked_up(term_lookups(tail)[0], FEW)) > len(found)


def test_terms_the_index_might_fold_differently_keep_their_whole_lookup() -> None:
    assert search_tails.tails("YN-530112-2022") == ("0112-2022", ["YN-530112-2022"])
    assert search_tails.tails("53011219900101123x") is not None  # upper(): X
    for query in ("ABCDEFGHIJKL", "IIIIIIIIIII", "张三李四王五赵六钱七", "YN-5301", "A.B.C.D.E.F"):
        assert search_tails.tails(query) is None, query


def test_too_many_candidates_fall_back_to_the_whole_terms(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    term = store.search("", limit=None)[5]["archive_no"][:14]
    monkeypatch.setattr(search_tails, "TAIL_CANDIDATES", 0)
    assert store._found_by_tails(term) is None
    assert [row["id"] for row in store.search(term, limit=None)] == [
        row["id"] for row in store.search(term, limit=None, order_by="archive_no")
    ]
    assert store.count_matching(term) == len(whole(store, term))


def test_searches_and_counts_match_a_scan(store: Store) -> None:
    rows = list(store.db.query("select id, archive_no, name, search_text from households"))
    rows.sort(key=lambda r: (r["archive_no"] or "", r["name"] or "", r["id"]))
    for term in long_terms(store)[::5]:
        wanted = term.upper().split()
        expected = [r["id"] for r in rows if all(t in r["search_text"] for t in wanted)]
        assert [row["id"] for row in store.search(term, limit=None)] == expected, term
        assert [row["id"] for row in store.search(term, limit=5)] == expected[:5], term
        assert store.count_matching(term) == len(expected), term

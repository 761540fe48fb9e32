"""Short searches (a surname, a given name) come from the ``households_grams`` token index and
find exactly what a substring scan of ``search_text`` finds."""

from __future__ import annotations

import pytest

from fieldapp.core.demo.generate import generate_demo
from fieldapp.core.store.grams import is_gram_term, short_grams
from fieldapp.core.store.store import Store
from tests.stores import open_test_store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = open_test_store(tmp_path_factory.mktemp("grams") / "g.db")
    generate_demo(store, 60, seed=3, author="测试")
    return store


def scan(store: Store, term: str) -> list[str]:
    rows = store.db.query("select id, search_text from households order by archive_no, name, id")
    return [row["id"] for row in rows if term.upper() in row["search_text"]]


def short_terms(store: Store) -> list[str]:
    names = [row["name"] for row in store.search("", limit=None)][::7]
    terms = (
        [name[0] for name in names] + [name[-2:] for name in names] + [name[1] for name in names]
    )
    return [*terms, "王", "大理", "县", "53", "0", "x", "YN", "N-", "-2", "不存"]


def test_short_terms_find_what_a_scan_finds(store: Store) -> None:
    for term in short_terms(store):
        found = [row["id"] for row in store.search(term, limit=None)]
        assert found == scan(store, term), term
        assert store.count_matching(term) == len(found), term


def test_short_name_terms_use_the_token_index(store: Store) -> None:
    clauses, args = store._search_clauses("王 大理", None, None, None, None, None)
    plan = " ".join(
        str(row[-1])
        for row in store.db.execute(
            "explain query plan select count(*) from households where " + " and ".join(clauses),
            args,
        )
    )
    assert "households_grams VIRTUAL TABLE INDEX" in plan
    assert is_gram_term("王") and is_gram_term("X1") and not is_gram_term("N-")


def test_grams_follow_a_saved_name(store: Store) -> None:
    hid = store.search("", limit=1)[0]["id"]
    data = dict(store.current(hid)["A"])
    data["name"] = "鲜于甲"
    store.save_form(hid, "A", data, author="测试")
    assert [row["id"] for row in store.search("鲜于")] == [hid]
    assert hid in [row["id"] for row in store.search("甲")]
    row = store.db.execute(
        "select search_text, search_grams from households where id = ?", [hid]
    ).fetchone()
    assert row[1] == short_grams(row[0])


def test_short_grams_pieces() -> None:
    assert short_grams("王小明 YN-53") == "3 5 53 N Y YN 小 小明 明 王 王小"


@pytest.mark.parametrize("plan", ["sort", "walk", "scan"])
def test_every_plan_gives_the_same_page(
    store: Store, plan: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "_plan", lambda query, wanted, matches=None: plan)
    for term in ["王", "53", "YN", "大理", "1", "不存", short_terms(store)[0]]:
        expected = scan(store, term)
        assert [row["id"] for row in store.search(term, limit=7)] == expected[:7], term
        assert [row["id"] for row in store.search(term, limit=5, offset=3)] == expected[3:8]
        first = store.search(term, limit=5, descending=True)
        assert [row["id"] for row in first] == [
            row["id"] for row in store.search(term, limit=None, descending=True)
        ][:5]


def test_the_plan_follows_how_common_the_term_is(store: Store) -> None:
    assert store._plan("53", 5) == "scan"  # every household's region code: 5 rows suffice
    assert store._plan("不存", 200) == "sort"  # nothing matches


def test_search_reads_only_the_columns_asked_for(store: Store) -> None:
    """A batch of every household needs its ids, in list order, not every row whole."""
    whole = store.search("王", limit=None)
    ids = store.search("王", limit=None, columns=("id",))
    assert ids == [{"id": row["id"]} for row in whole]
    assert store.search("", limit=5, offset=3, columns=("id", "name")) == [
        {"id": row["id"], "name": row["name"]} for row in store.search("", limit=5, offset=3)
    ]
    with pytest.raises(ValueError, match="search_grams"):
        store.search("", columns=("search_grams",))


def test_matches_answers_for_one_household_what_search_lists(store: Store) -> None:
    status = store.search("", limit=1)[0]["status"]
    for term in [*short_terms(store)[::5], ""]:
        found = {row["id"] for row in store.search(term, status=status, limit=None)}
        for row in store.search("", limit=None)[::6]:
            assert store.matches(row["id"], term, status=status) == (row["id"] in found), term

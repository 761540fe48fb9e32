"""Finding households: the list's search, its filters and sort order, and the count of matches.

Search only reads the ``households`` index (and its FTS5 trigram table); it lives apart from the
Store's writes so the query building can be read, and tuned, on its own.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import partial
from typing import Any

from fieldapp.core.store import search_tails
from fieldapp.core.store.base import StoreBase
from fieldapp.core.store.grams import is_gram_term
from fieldapp.core.store.search_memo import SearchMemo
from fieldapp.core.store.sql import LIKE_PREFIX, like_prefix
from fieldapp.core.values.regions import code_prefix

TRIGRAM = 3
INDEXED = frozenset({"archive_no"})  # sort columns with an index in list order (m007)
ROW_COST = 16  # reading a row costs about this many steps along an index
SET_COST = 2  # putting a matching rowid into SQLite's temporary set for ``rowid in (…)``
SORT, WALK, SCAN = "sort", "walk", "scan"
FEW = 2000  # up to this many matches are fetched once and handed to the page query as a list
ROW_COLUMNS = (  # every column but search_grams, which only feeds its FTS5 index
    "id",
    "archive_no",
    "name",
    "id_number",
    "region_code",
    "category",
    "phone",
    "worker_no",
    "status",
    "clears",
    "final_forms",
    "search_text",
    "created_at",
    "created_by",
    "updated_at",
)


class SearchMixin(StoreBase):
    """``Store.search`` and ``Store.count_matching``."""

    SORTABLE = (
        "archive_no",
        "name",
        "id_number",
        "region_code",
        "category",
        "status",
        "clears",
        "updated_at",
    )

    def search(
        self,
        query: str = "",
        *,
        status: str | None = None,
        region_prefix: str | None = None,
        category: str | None = None,
        clears_complete: bool | None = None,
        changed_since: str | None = None,
        order_by: str = "archive_no",
        descending: bool = False,
        limit: int | None = 200,
        offset: int = 0,
        columns: Sequence[str] = ROW_COLUMNS,
    ) -> list[dict[str, Any]]:
        """Households whose name, ID number, 档案编号, region or phone contains ``query``.

        ``columns``: what each row holds (a batch of 100,000 needs only ids, not 400 MB of rows).

        Terms of three or more characters go through the FTS5 trigram index; shorter ones made of
        letters and digits (a surname, a given name) through the ``households_grams`` token index;
        only a short term with punctuation (``-1``) scans the ``search_text`` column. ``_plan``
        picks how the page is found; its rows are read whole only once it is known.
        """
        column = order_by if order_by in self.SORTABLE else "archive_no"
        filtered = any(
            f is not None for f in (status, region_prefix, category, clears_complete, changed_since)
        )
        plan, found = SORT, self._few_matches(query)
        if column in INDEXED and not filtered and limit is not None:
            matches = None if found is None else len(found)
            plan = self._plan(query, limit + offset, matches=matches)
        clauses, args = self._search_clauses(
            query,
            status,
            region_prefix,
            category,
            clears_complete,
            changed_since,
            plan=plan,
            found=None if plan == SCAN else found,
        )
        where = " where " + " and ".join(clauses) if clauses else ""
        if column == "clears":
            column = "json_array_length(clears)"
        direction = "desc" if descending else "asc"
        order = f"{column} {direction}, name, id"
        walk_or_sort = ("+" if plan == SORT else "") + order
        unknown = set(columns) - set(ROW_COLUMNS)
        if unknown:
            raise ValueError(f"not a list column: {sorted(unknown)}")
        selected = ", ".join(columns)
        if limit is None:
            sql = f"select {selected} from households{where} order by {walk_or_sort}"
        else:  # find the page reading only what sorts, then read its rows whole
            page = (
                f"select rowid from households{where} order by {walk_or_sort} "
                f"limit {int(limit)} offset {int(offset)}"
            )
            sql = f"select {selected} from households where rowid in ({page}) order by +{order}"
        return [dict(row) for row in self.db.query(sql, args)]

    _search_memo: SearchMemo | None = None

    def _memo(self) -> SearchMemo:
        """This connection's memo of index answers (``search_memo``): the list's page and its
        count of matches come from one run of the lookups."""
        if self._search_memo is None or self._search_memo.conn is not self.db.conn:
            self._search_memo = SearchMemo(self.db.conn)
        return self._search_memo

    def _few_matches(self, query: str) -> list[int] | None:
        """The rowids of every match, when the index lookups answer ``query`` exactly and find
        at most ``FEW``: the one evaluation of the lookups that ``_plan`` (their number), the
        page query and a filtered ``count_matching`` (the list) use. A long term's trigrams are
        each in most households (``530``, ``YN-``), so evaluating its lookups is most of a
        search; before, it ran twice. ``None`` when the lookups find more (they are then
        counted and rerun as before), or when no term needs the trigram index: a 1–2 character
        term's token is counted in a fraction of a millisecond, less than handing its matches
        over as a list. When the lookups find at most ``FEW``, their number is remembered as
        ``count_matching``'s answer."""
        lookups, scans = term_lookups(query)
        if scans or all(table != "households_fts" for table, _ in lookups):
            return None
        return self._memo().answer(("few", FEW, *lookups), lambda: self._listed(query, lookups))

    def _listed(self, query: str, lookups: list[tuple[str, str]]) -> list[int] | None:
        found = self._found_by_tails(query)
        if found is None:
            found = self._looked_up(lookups, FEW + 1)
        if len(found) > FEW:
            return None
        self._memo().remember(("count", *lookups), len(found))
        return found

    def _looked_up(self, lookups: list[tuple[str, str]], most: int) -> list[int]:
        """The rowids (ascending) all the lookups match, at most ``most`` of them."""
        selects = [f"select rowid from {table} where {table} match ?" for table, _ in lookups]
        sql = "select rowid from (" + " intersect ".join(selects) + f") limit {int(most)}"
        return [row[0] for row in self.db.execute(sql, [match for _, match in lookups])]

    def _found_by_tails(self, query: str) -> list[int] | None:
        """``_looked_up``'s answer (at most ``FEW`` + 1 rowids) found through the long terms'
        ends (``search_tails``), or None when no term is long or the ends match too many."""
        cut = search_tails.tails(query)
        if cut is None:
            return None
        tail_query, whole = cut
        most = search_tails.TAIL_CANDIDATES
        candidates = self._looked_up(term_lookups(tail_query)[0], most + 1)
        if len(candidates) > most:
            return None
        checks = " and ".join("instr(search_text, ?) > 0" for _ in whole)
        sql = (
            "select rowid from households where rowid in (select value from json_each(?)) "
            f"and {checks} order by rowid limit {FEW + 1}"
        )
        return [row[0] for row in self.db.execute(sql, [json.dumps(candidates), *whole])]

    def _plan(self, query: str, wanted: int, *, matches: int | None = None) -> str:
        """The cheapest way to the first ``wanted`` matches in list order, estimated from the
        number of matches (the indexes count them without reading a row):

        - SORT: read every match and sort it — for rare terms (a full ID number);
        - WALK: collect the matching rowids, walk the list-order index and stop after ``wanted``
          members — for common terms (a surname matches thousands); it reads only index pages
          every search shares, not each match's row (on an encrypted file, each page read the
          first time is decrypted: what makes a first search slow);
        - SCAN: walk the list-order index checking each row's text — for terms nearly every
          household matches ("53"), where even collecting the rowids costs more.

        The walks stop after ``wanted`` matches: after about ``wanted`` × total ÷ matches steps
        when the matches are spread over the list like names are, but after nearly all of them
        when they bunch together at its end, as the households of one region do. So the walks
        are counted at the steps the surely spread matches (``_spread``) take, or at the worst.

        ``matches``: their number when the caller has it already (``_few_matches``).
        """
        lookups, scans = term_lookups(query)
        if scans:
            return SORT
        total = max(1, self._memo().answer(("total",), self._households))
        if matches is None:
            matches = min((self._index_count([lookup]) for lookup in lookups), default=total)
        spread = self._spread(query, matches)
        expected = min(total, wanted * total // spread) if spread else total
        scan = expected if spread else min(total, total - matches + wanted)
        costs = {
            SORT: matches * (SET_COST + ROW_COST),
            WALK: matches * SET_COST + expected,
            SCAN: scan * ROW_COST,
        }
        return min(costs, key=costs.__getitem__)

    def _households(self) -> int:
        return int(self.db.execute("select count(*) from households").fetchone()[0])

    _region_names: dict[str, str] | None = None

    def _spread(self, query: str, matches: int) -> int:
        """How many of the ``matches`` of ``query`` are surely spread over the list order like
        names are, not bunched like one region's households (the list is in 档案编号 order, which
        begins with the region code): none when a term holds a digit or a Latin letter (codes,
        档案编号, ID and phone numbers follow the region); else all but the households of the
        regions whose names hold a term (a surname that is also in a county's name still
        matches names all over the list)."""
        names = self._region_names
        if names is None:
            names = self._region_names = {
                r.code: self.regions.full_name(r.code).upper() for r in self.regions
            }
        spread = matches
        for term in query.strip().upper().split():
            if any(c.isascii() and c.isalnum() for c in term):
                return 0
            codes = [code for code, name in names.items() if term in name]
            if codes:
                bunched = self._memo().answer(("regions", *codes), partial(self._in_regions, codes))
                spread = min(spread, matches - bunched)
        return max(spread, 0)

    def _in_regions(self, codes: list[str]) -> int:
        marks = ", ".join("?" for _ in codes)
        sql = f"select count(*) from households where region_code in ({marks})"
        return int(self.db.execute(sql, codes).fetchone()[0])

    def _index_count(self, lookups: list[tuple[str, str]]) -> int:
        """How many households the index lookups all match (no row is read; remembered, so the
        list's count after its page, or the plan's count of a one-term query, costs nothing)."""
        return self._memo().answer(("count", *lookups), lambda: self._counted(lookups))

    def _counted(self, lookups: list[tuple[str, str]]) -> int:
        selects = [f"select rowid from {table} where {table} match ?" for table, _ in lookups]
        sql = "select count(*) from (" + " intersect ".join(selects) + ")"
        return int(self.db.execute(sql, [match for _, match in lookups]).fetchone()[0])

    def households_with_id_number(
        self, id_number: str, *, exclude: str | None = None
    ) -> list[dict[str, Any]]:
        """Other households whose ID number (身份证号 in the list) is ``id_number``."""
        text = id_number.strip().upper()
        if not text:
            return []
        rows = self.db.query(
            "select id, name, archive_no, status from households "
            "where id_number in (?, ?) and id != ? order by rowid",  # the index on id_number
            [text, text.lower(), exclude or ""],
        )
        return [dict(row) for row in rows]

    def count_matching(self, query: str = "", **filters: Any) -> int:
        """How many households ``search`` would find with no limit; from the indexes alone when
        every term is answered exactly by one and no filter is set. With a filter, the matches
        of the trigram lookups that ``search`` listed (``_few_matches``) are not looked up
        again."""
        lookups, scans = term_lookups(query)
        if lookups and not scans and not any(v is not None for v in filters.values()):
            return self._index_count(lookups)
        clauses, args = self._filtered_clauses(query, filters, found=self._few_matches(query))
        sql = "select count(*) from households"
        if clauses:
            sql += " where " + " and ".join(clauses)
        return int(self.db.execute(sql, args).fetchone()[0])

    def _filtered_clauses(
        self, query: str, filters: dict[str, Any], *, found: list[int] | None = None
    ) -> tuple[list[str], list[Any]]:
        """``_search_clauses`` for ``search``'s keyword filters, as ``count_matching`` and
        ``matches`` take them."""
        return self._search_clauses(
            query,
            filters.get("status"),
            filters.get("region_prefix"),
            filters.get("category"),
            filters.get("clears_complete"),
            filters.get("changed_since"),
            found=found,
        )

    def matches(self, household_id: str, query: str = "", **filters: Any) -> bool:
        """Whether ``search(query, **filters)`` would list this household (a new household
        joins the list only if it passes the search the list shows)."""
        clauses, args = self._filtered_clauses(query, filters)
        sql = "select 1 from households where " + " and ".join(["id = ?", *clauses])
        return self.db.execute(sql, [household_id, *args]).fetchone() is not None

    def warm_search_cache(self) -> None:
        """Read the household rows, both search indexes and the indexes a search walks once into
        this connection's page cache. SQLCipher decrypts a page as it enters the cache, so
        without this the first search of each surname reads its matching rows from disk page by
        page (tens of milliseconds at 100,000 households); with it, about 1.5 KB of memory a
        household (150 MB at 100,000).

        An FTS5 block (4,050 bytes) is larger than what an encrypted 4 KB page keeps in place,
        so all but its first 479 bytes sit on an overflow page of its own, which ``length``
        never reads: ``substr`` reads the whole block. ``count(*)`` reads every page of the
        index the plan counts households with, without decoding an entry; ``count(name)`` scans
        the list order's index, every entry a walk may step through."""
        for sql in (
            "select sum(length(search_text)) from households",  # no index holds it: every row
            "select sum(length(substr(block, 1))) from households_grams_data",
            "select sum(length(substr(block, 1))) from households_fts_data",
            "select sum(length(term)) from households_grams_idx",
            "select sum(length(term)) from households_fts_idx",
            "select count(*) from households",
            "select count(name) from households indexed by households_list_order",
        ):
            self.db.execute(sql).fetchone()

    def _search_clauses(
        self,
        query: str,
        status: str | None,
        region_prefix: str | None,
        category: str | None,
        clears_complete: bool | None,
        changed_since: str | None,
        *,
        plan: str = SORT,
        found: list[int] | None = None,
    ) -> tuple[list[str], list[Any]]:
        """SQL conditions for ``plan`` (see ``_plan``): WALK writes the index lookups
        ``+rowid in (…)`` so SQLite walks the sort index checking membership instead of sorting
        all matches; SCAN checks every term against ``search_text`` row by row. ``found``: the
        rowids the lookups gave already (``_few_matches``), to use instead of running them."""
        clauses: list[str] = []
        args: list[Any] = []
        lookups, scans = term_lookups(query)
        if plan == SCAN:
            lookups, scans = [], query.strip().upper().split()
        member = "+rowid" if plan == WALK else "rowid"
        if found is not None:
            clauses.append(f"{member} in (select value from json_each(?))")
            args.append(json.dumps(found))
            lookups = []
        for table, match in lookups:
            clauses.append(f"{member} in (select rowid from {table} where {table} match ?)")
            args.append(match)
        for term in scans:
            clauses.append("instr(search_text, ?) > 0")
            args.append(term)
        if status:
            clauses.append("status = ?")
            args.append(status)
        if region_prefix:
            clauses.append(f"region_code {LIKE_PREFIX}")
            args.append(like_prefix(code_prefix(region_prefix)))
        if category:
            clauses.append("category = ?")
            args.append(category)
        if clears_complete is not None:
            clauses.append("json_array_length(clears) " + ("= 6" if clears_complete else "< 6"))
        if changed_since:
            clauses.append("updated_at > ?")
            args.append(changed_since)
        return clauses, args


def term_lookups(query: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Per search term: the FTS5 table and match expression that answer it, and the terms that
    the ``search_text`` column must still be checked for.

    Terms of three or more characters go to the trigram index, shorter letter/digit terms to the
    grams index. An index answers a term exactly when case folding cannot differ from
    ``upper()``: the term is ASCII or uncased (Chinese, digits); other terms are checked again.
    """
    lookups: list[tuple[str, str]] = []
    scans: list[str] = []
    for term in query.strip().upper().split():
        table = "households_fts" if len(term) >= TRIGRAM else None
        if table is None and is_gram_term(term):
            table = "households_grams"
        if table:
            lookups.append((table, '"' + term.replace('"', '""') + '"'))
        if table is None or not all(c.isascii() or c.lower() == c.upper() for c in term):
            scans.append(term)
    return lookups, scans

"""Finding households: the list's search, its filters and sort order, and the count of matches.

Search only reads the ``households`` index (and its FTS5 trigram table); it lives apart from the
Store's writes so the query building can be read, and tuned, on its own.
"""

from __future__ import annotations

from typing import Any

from fieldapp.core.store.base import StoreBase

TRIGRAM = 3


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
    ) -> list[dict[str, Any]]:
        """Households whose name, ID number, 档案编号, region or phone contains ``query``.

        Terms of three or more characters go through the FTS5 trigram index; shorter ones (a
        two-character name) scan the short ``search_text`` column. Sorting with ``+column``
        keeps SQLite from walking the sort index row by row for selective queries.
        """
        clauses, args = self._search_clauses(
            query, status, region_prefix, category, clears_complete, changed_since
        )
        sql = "select * from households"
        if clauses:
            sql += " where " + " and ".join(clauses)
        column = order_by if order_by in self.SORTABLE else "archive_no"
        if column == "clears":
            column = "json_array_length(clears)"
        direction = "desc" if descending else "asc"
        sql += f" order by +{column} {direction}, name, id"
        if limit is not None:
            sql += f" limit {int(limit)} offset {int(offset)}"
        return [dict(row) for row in self.db.query(sql, args)]

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
        clauses, args = self._search_clauses(
            query,
            filters.get("status"),
            filters.get("region_prefix"),
            filters.get("category"),
            filters.get("clears_complete"),
            filters.get("changed_since"),
        )
        sql = "select count(*) from households"
        if clauses:
            sql += " where " + " and ".join(clauses)
        return int(self.db.execute(sql, args).fetchone()[0])

    def _search_clauses(
        self,
        query: str,
        status: str | None,
        region_prefix: str | None,
        category: str | None,
        clears_complete: bool | None,
        changed_since: str | None,
    ) -> tuple[list[str], list[Any]]:
        clauses: list[str] = []
        args: list[Any] = []
        for term in query.strip().upper().split():
            if len(term) >= TRIGRAM:
                clauses.append(
                    "rowid in (select rowid from households_fts where households_fts match ?)"
                )
                args.append('"' + term.replace('"', '""') + '"')
            clauses.append("instr(search_text, ?) > 0")
            args.append(term)
        if status:
            clauses.append("status = ?")
            args.append(status)
        if region_prefix:
            clauses.append("region_code like ?")
            args.append(region_prefix.rstrip("0") + "%")
        if category:
            clauses.append("category = ?")
            args.append(category)
        if clears_complete is not None:
            clauses.append("json_array_length(clears) " + ("= 6" if clears_complete else "< 6"))
        if changed_since:
            clauses.append("updated_at > ?")
            args.append(changed_since)
        return clauses, args

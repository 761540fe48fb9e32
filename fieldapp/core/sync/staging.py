"""The rows an import writes, gathered per table and written with one ``executemany`` per chunk.

An import of a province archive writes millions of rows. One ``execute`` per row (and one more
to ask whether each record is already here) spent more time crossing into SQLite than SQLite
spent writing. ``Staging`` collects a chunk's rows table by table and writes them together, in
the order of ``TABLES``; within a table, rows keep the order the records came in, so row ids are what record-by-record
writing gave. ``existing`` answers "which of these ids are here" with one query per chunk.

Whoever writes to these tables outside the staging must ``flush`` first (a conflict, the end of
the import), so everything lands in the order it was decided.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from fieldapp.core.store.store import Store
from fieldapp.core.store.versions import INSERT_CLOCK, INSERT_HELD, INSERT_REVISION
from fieldapp.core.sync.authorship import INSERT_MEMBERSHIP, INSERT_ORIGIN

HOUSEHOLDS, ATTACHMENTS, STATUS, AUDIT = "households", "attachments", "status_changes", "audit"
REVISIONS, CLOCKS, HELD = "revisions", "revision_clocks", "held_revisions"
ORIGINS, MEMBERSHIPS = "record_origins", "record_batches"

TABLES = {
    ATTACHMENTS: "insert into attachments (sha256, name, mime, size, data, added_at, added_by) "
    "values (?, ?, ?, ?, ?, ?, ?)",
    REVISIONS: INSERT_REVISION,
    CLOCKS: INSERT_CLOCK,
    HELD: INSERT_HELD,
    STATUS: "insert into status_changes (id, household_id, status, reason, changed_at, author, "
    "rules_check) values (?, ?, ?, ?, ?, ?, ?)",
    AUDIT: "insert into audit (id, at, actor, device_id, action, household_id, form_id, "
    "revision_id, detail) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ORIGINS: INSERT_ORIGIN,
    MEMBERSHIPS: INSERT_MEMBERSHIP,
}
"""Each table a bundle's records go to, with its insert, in the order a chunk is written."""

KEYS = {
    HOUSEHOLDS: "select id from households",
    ATTACHMENTS: "select sha256 from attachments",
    REVISIONS: "select id from revisions",
    STATUS: "select id from status_changes",
    AUDIT: "select id from audit",
}
"""How to ask whether a record of each kind is here (its key column)."""

WHERE_IN = " where {} in (select value from json_each(?))"


class Staging:
    def __init__(self, store: Store) -> None:
        self.conn = store.db.conn
        self.rows: dict[str, list[tuple[Any, ...]]] = {table: [] for table in TABLES}
        self.new_memberships = False
        """Whether a batch membership written was new (they are ``insert or ignore``)."""

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        self.rows[table].append(row)

    def flush(self) -> None:
        """Write every gathered row."""
        for table, sql in TABLES.items():
            rows = self.rows[table]
            if rows:
                cursor = self.conn.executemany(sql, rows)
                if table == MEMBERSHIPS and cursor.rowcount > 0:
                    self.new_memberships = True
                rows.clear()

    def existing(self, table: str, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` are already in ``table`` (for revisions: kept current or held)."""
        wanted = json.dumps(list(set(ids)))
        if wanted == "[]":
            return set()
        select = KEYS[table]
        sql = select + WHERE_IN.format(select.split()[1])
        args = [wanted]
        if table == REVISIONS:
            sql += " union all select id from held_revisions" + WHERE_IN.format("id")
            args.append(wanted)
        return {str(row[0]) for row in self.conn.execute(sql, args)}

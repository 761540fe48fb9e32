"""Receiving a chunk of revisions with a handful of queries instead of several per revision.

``merge.receive_revision`` is the rule (known → nothing; descends from the current version →
current; an ancestor → held stale; concurrent → held and a conflict), and it asks the database
for each revision: is it known, what is the head, what is the head's clock. An import of a
province archive asks that 700,000 times. ``ChunkReceiver`` asks once per chunk: which ids are
known, the head of every form of the chunk's households, their clocks, which forms have open
conflicts. A revision is then decided in memory, and its rows are staged (``staging``) for one
``executemany``. Whatever involves a conflict (an open one on the form, or a concurrent version)
is rare: the staged rows are written first and ``receive_revision`` decides it against the
database, exactly as a revision on its own is received.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from fieldapp.core.store.records import now_iso
from fieldapp.core.store.store import Store
from fieldapp.core.store.versions import AFTER, BEFORE, EQUAL, Clock, Clocks, compare
from fieldapp.core.sync.merge import Outcome, receive_revision
from fieldapp.core.sync.revision_fields import FORM, HOUSEHOLD, ID, Checked, row_of
from fieldapp.core.sync.staging import CLOCKS, HELD, REVISIONS, WHERE_IN, Staging

HEADS = (
    "select household_id, form_id, id from revisions where rowid in (select max(rowid) "
    "from revisions" + WHERE_IN.format("household_id") + " group by household_id, form_id)"
)
CONTESTED = (
    "select distinct household_id, form_id from conflicts where status = 'open' and household_id "
    "in (select value from json_each(?))"
)
STORED_CLOCKS = "select revision_id, clock from revision_clocks" + WHERE_IN.format("revision_id")
CURRENT, STALE = Outcome("current"), Outcome("stale")
"""The outcomes decided here (one object each, read only: an import decides 700,000)."""


class ChunkReceiver:
    def __init__(
        self, store: Store, clocks: Clocks, staging: Staging, *, bundle_id: str, actor: str
    ) -> None:
        self.store = store
        self.clocks = clocks
        self.staging = staging
        self.bundle_id = bundle_id
        self.actor = actor
        self.known: set[str] = set()
        self.heads: dict[tuple[str, str], str] = {}
        self.contested: set[tuple[str, str]] = set()
        self.decided: dict[str, Clock] = {}
        self.revisions = staging.rows[REVISIONS]
        self.clock_rows = staging.rows[CLOCKS]

    def prepare(self, revision_ids: Iterable[str], household_ids: Iterable[str]) -> None:
        """Look up what the next chunk needs; everything staged before must have been written."""
        conn = self.store.db.conn
        self.known = self.staging.existing(REVISIONS, revision_ids)
        households = json.dumps(sorted(set(household_ids)))
        self.heads = {(h, f): rid for h, f, rid in conn.execute(HEADS, [households])}
        self.contested = {(h, f) for h, f in conn.execute(CONTESTED, [households])}
        self.decided = {}
        heads = json.dumps(list(self.heads.values()))
        for rid, clock in conn.execute(STORED_CLOCKS, [heads]):
            self.clocks.remember(rid, json.loads(clock))

    def _clock(self, revision_id: str) -> Clock:
        decided = self.decided.get(revision_id)
        return decided if decided is not None else self.clocks.of(revision_id)

    def receive(self, checked: Checked) -> Outcome:
        """Receive one revision not in ``known``."""
        values, clock, clock_text, merged_text, merged_from = checked
        rid = values[ID]
        key = (values[HOUSEHOLD], values[FORM])
        self.known.add(rid)
        if key not in self.contested:
            head = self.heads.get(key)
            relation = AFTER if head is None else compare(clock, self._clock(head))
            if relation == AFTER:
                self.revisions.append(values)  # staged (``Staging.add``)
                self.clock_rows.append((rid, clock_text, merged_text))
                self.decided[rid] = clock  # later chunks read it back from revision_clocks
                self.heads[key] = rid
                return CURRENT
            if relation in (BEFORE, EQUAL):
                held = (*values, clock_text, merged_text, "stale", now_iso(), self.bundle_id)
                self.staging.add(HELD, held)
                self.decided[rid] = clock
                return STALE
        self.staging.flush()
        self.contested.add(key)
        outcome = receive_revision(
            self.store,
            self.clocks,
            row_of(checked),
            clock,
            merged_from,
            bundle_id=self.bundle_id,
            actor=self.actor,
            checked_unknown=True,
        )
        if outcome.kind == "current":
            self.heads[key] = rid
        return outcome

"""Households new to the store, written once, with their list entry, when all their records are in.

``Store.reindex`` re-reads a household's newest revisions from the database and parses them. An
import that brought 100,000 new households has already parsed each of those revisions once;
reading them all back, and writing each household twice (an empty row when it is declared, its
list entry at the end) with every index and both search indexes updated twice, was a second
import's worth of work. ``NewHouseholds`` keeps, per household, what its row needs and nothing
more — when and by whom it was created, its latest status change, the state of each form's
current revision and the index fields (name, ID number, region …) of the forms the list shows —
and ``write`` inserts every row with one ``executemany`` (the search indexes follow by their
triggers). The revisions and status changes are written before their household, so the writer
defers foreign-key checks to the commit (``PRAGMA defer_foreign_keys``). Only for households
that were not here: for the others the database holds revisions this writer never saw, and
``reindex`` is the way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fieldapp.core.store.index import IndexMixin
from fieldapp.core.store.records import STATES, now_iso


class NewHouseholds:
    def __init__(self, store: IndexMixin) -> None:
        self.store = store
        self.forms = list(store.survey.forms)
        self.slot = {form_id: i for i, form_id in enumerate(self.forms)}
        self.keys = list(store.survey.household_index.values())
        self.fields: dict[str, list[tuple[int, str]]] = {}
        for i, (form_id, field_name) in enumerate(self.keys):
            self.fields.setdefault(form_id, []).append((len(self.forms) + i, field_name))
        self.states = {state: state for state in STATES}
        self.created: dict[str, tuple[str | None, str | None]] = {}
        self.entries: dict[str, list[Any]] = {}
        self.latest: dict[str, tuple[str, str]] = {}

    def __contains__(self, household_id: object) -> bool:
        return household_id in self.created

    def __len__(self) -> int:
        return len(self.created)

    def ids(self) -> Any:
        """The households' ids (a set-like view)."""
        return self.created.keys()

    def add(self, household_id: str, created_at: str | None, created_by: str | None) -> None:
        self.created[household_id] = (created_at, created_by)

    def status_changed(self, household_id: str, status: str, changed_at: str) -> None:
        """A status change, in the order written (the latest by time, then by order, counts)."""
        latest = self.latest.get(household_id)
        if latest is None or changed_at >= latest[0]:
            self.latest[household_id] = (changed_at, status)

    def current(self, household_id: str, form_id: str, state: str, data: Mapping[str, Any]) -> None:
        """A revision of the form became the household's current one."""
        entry = self.entries.get(household_id)
        if entry is None:
            entry = self.entries[household_id] = [None] * (len(self.forms) + len(self.keys))
        entry[self.slot[form_id]] = self.states.get(state, state)
        for position, field_name in self.fields.get(form_id, ()):
            value = data.get(field_name)
            entry[position] = value if isinstance(value, str) else None

    def _index(self, household_id: str) -> dict[str, Any]:
        entry = self.entries.get(household_id)
        if entry is None:
            return self.store.index_row({}, {})
        states = {f: entry[i] for f, i in self.slot.items() if entry[i] is not None}
        data: dict[str, dict[str, Any]] = {}
        for i, (form_id, field_name) in enumerate(self.keys):
            if entry[self.slot[form_id]] is not None:
                data.setdefault(form_id, {})[field_name] = entry[len(self.forms) + i]
        return self.store.index_row(data, states)

    def write(self) -> None:
        """Insert every household (call inside the write transaction that wrote its records)."""
        stamp = now_iso()
        columns = ["id", "status", "created_at", "created_by", "updated_at"]
        rows = []
        for household_id, (created_at, created_by) in self.created.items():
            index = self._index(household_id)
            status = self.latest.get(household_id, ("", "在档"))[1]
            rows.append([household_id, status, created_at, created_by, stamp, *index.values()])
            columns[5:] = index
        if rows:
            marks = ", ".join("?" for _ in columns)
            self.store.db.conn.executemany(
                f"insert into households ({', '.join(columns)}) values ({marks})", rows
            )

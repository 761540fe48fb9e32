"""List entries of households whose every revision passed through one writer (a bundle import).

``Store.reindex`` re-reads a household's newest revisions from the database and parses them.
An import that brought 100,000 new households has already parsed each of those revisions once;
reading them all back is a second import's worth of work. ``IndexBuilder`` keeps, per household,
what ``index_row`` needs and nothing more — the state of each form's current revision and the
index fields (name, ID number, region …) of the forms the list shows — as the revisions become
current, then writes every entry with one ``executemany`` (the search indexes follow by their
triggers). Only for households that had no revisions before: for the others the database holds
revisions this writer never saw, and ``reindex`` is the way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fieldapp.core.store.index import IndexMixin
from fieldapp.core.store.records import STATES, now_iso


class IndexBuilder:
    def __init__(self, store: IndexMixin) -> None:
        self.store = store
        self.forms = list(store.survey.forms)
        self.slot = {form_id: i for i, form_id in enumerate(self.forms)}
        self.keys = list(store.survey.household_index.items())
        self.fields: dict[str, list[tuple[int, str]]] = {}
        for i, (_, (form_id, field_name)) in enumerate(self.keys):
            self.fields.setdefault(form_id, []).append((len(self.forms) + i, field_name))
        self.states = {state: state for state in STATES}
        self.entries: dict[str, list[Any]] = {}

    def current(self, household_id: str, form_id: str, state: str, data: Mapping[str, Any]) -> None:
        """A revision of the form became the household's current one."""
        entry = self.entries.get(household_id)
        if entry is None:
            entry = self.entries[household_id] = [None] * (len(self.forms) + len(self.keys))
        entry[self.slot[form_id]] = self.states.get(state, state)
        for position, field_name in self.fields.get(form_id, ()):
            value = data.get(field_name)
            entry[position] = value if isinstance(value, str) else None

    def write(self, household_ids: Iterable[str]) -> None:
        """Write the list entries of these households (call inside the write transaction)."""
        columns: list[str] = []
        rows = []
        stamp = now_iso()
        for household_id in household_ids:
            entry = self.entries.get(household_id) or [None] * (len(self.forms) + len(self.keys))
            states = {f: entry[i] for f, i in self.slot.items() if entry[i] is not None}
            data: dict[str, dict[str, Any]] = {}
            for i, (_, (form_id, field_name)) in enumerate(self.keys):
                if entry[self.slot[form_id]] is not None:
                    data.setdefault(form_id, {})[field_name] = entry[len(self.forms) + i]
            row = self.store.index_row(data, states)
            columns = list(row)
            rows.append([*row.values(), stamp, household_id])
        if rows:
            assignments = ", ".join(f"{c} = ?" for c in [*columns, "updated_at"])
            self.store.db.conn.executemany(
                f"update households set {assignments} where id = ?", rows
            )

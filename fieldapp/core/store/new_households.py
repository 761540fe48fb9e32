"""Households new to the store, written once, with their list entry, when all their records are in.

``Store.reindex`` re-reads a household's newest revisions from the database and parses them. An
import that brought 100,000 new households has already parsed each of those revisions once;
reading them all back, and writing each household twice (an empty row when it is declared, its
list entry at the end) with every index and both search indexes updated twice, was a second
import's worth of work. ``NewHouseholds`` keeps, per household, what its row needs and nothing
more — when and by whom it was created, its latest status change, the state of each form's
current revision and the index fields (name, ID number, region …) of the forms the list shows —
packed in one string (a province's 100,000 households in tens of megabytes, not hundreds), and
``write`` inserts every row with one ``executemany`` (the search indexes follow by their
triggers). A bundle brings a household's records one after another, so the household being
filled is kept unpacked (``open``) and packed once when the next one comes. The revisions and status changes are written before their household, so the writer
defers foreign-key checks to the commit (``PRAGMA defer_foreign_keys``). Only for households
that were not here: for the others the database holds revisions this writer never saw, and
``reindex`` is the way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fieldapp.core.store.index import IndexMixin
from fieldapp.core.store.made_alongside import made_alongside
from fieldapp.core.store.records import now_iso

SEPARATOR, NONE = "\x1f", "\x1e"
Values = list[str | None]
CREATED_AT, CREATED_BY, STATUS_AT, STATUS, FORMS = range(5)
"""Positions in a household's values: then one state per form, then one value per index key."""


def pack(values: Values) -> str | Values:
    """The values as one string (a list if one of them holds the separators)."""
    packed = SEPARATOR.join([NONE if v is None else v for v in values])
    if packed.count(SEPARATOR) != len(values) - 1 or packed.count(NONE) != values.count(None):
        return list(values)  # a value holds a separator
    return packed


def unpack(packed: str | Values) -> Values:
    if isinstance(packed, list):
        return list(packed)
    return [None if t == NONE else t for t in packed.split(SEPARATOR)]


class NewHouseholds:
    def __init__(self, store: IndexMixin) -> None:
        self.store = store
        self.forms = list(store.survey.forms)
        self.slot = {form_id: FORMS + i for i, form_id in enumerate(self.forms)}
        self.keys = list(store.survey.household_index.values())
        self.first_key = FORMS + len(self.forms)
        self.fields: dict[str, list[tuple[int, str]]] = {}
        for i, (form_id, field_name) in enumerate(self.keys):
            self.fields.setdefault(form_id, []).append((self.first_key + i, field_name))
        self.packed: dict[str, str | Values] = {}
        self.open_id: str | None = None
        self.open_values: Values = []

    def __contains__(self, household_id: object) -> bool:
        return household_id in self.packed

    def __len__(self) -> int:
        return len(self.packed)

    def ids(self) -> Any:
        """The households' ids (a set-like view)."""
        return self.packed.keys()

    def add(self, household_id: str, created_at: str | None, created_by: str | None) -> None:
        values: Values = [None] * (FORMS + len(self.forms) + len(self.keys))
        values[CREATED_AT], values[CREATED_BY] = created_at, created_by
        self.packed[household_id] = pack(values)

    def _values(self, household_id: str) -> Values:
        """The household's values to change in place (it becomes the open one)."""
        if household_id != self.open_id:
            self._close()
            self.open_values = unpack(self.packed[household_id])
            self.open_id = household_id
        return self.open_values

    def _close(self) -> None:
        if self.open_id is not None:
            self.packed[self.open_id] = pack(self.open_values)
            self.open_id = None

    def status_changed(self, household_id: str, status: str, changed_at: str) -> None:
        """A status change, in the order written (the latest by time, then by order, counts)."""
        values = self._values(household_id)
        if values[STATUS_AT] is None or changed_at >= str(values[STATUS_AT]):
            values[STATUS_AT], values[STATUS] = changed_at, status

    def current(self, household_id: str, form_id: str, state: str, data: Mapping[str, Any]) -> None:
        """A revision of the form became the household's current one."""
        values = self._values(household_id)
        values[self.slot[form_id]] = state
        for position, field_name in self.fields.get(form_id, ()):
            value = data.get(field_name)
            values[position] = value if isinstance(value, str) else None

    def _row(self, household_id: str, values: Values, stamp: str) -> list[Any]:
        states = {f: str(values[i]) for f, i in self.slot.items() if values[i] is not None}
        data: dict[str, dict[str, Any]] = {}
        for i, (form_id, field_name) in enumerate(self.keys):
            if values[self.slot[form_id]] is not None:
                data.setdefault(form_id, {})[field_name] = values[self.first_key + i]
        head = [household_id, values[STATUS] or "在档", values[CREATED_AT], values[CREATED_BY]]
        return [*head, stamp, *self.store.index_row(data, states).values()]

    def write(self) -> None:
        """Insert every household (call inside the write transaction that wrote its records)."""
        self._close()
        columns = ["id", "status", "created_at", "created_by", "updated_at"]
        columns += list(self.store.index_row({}, {}))
        stamp = now_iso()
        rows = (self._row(hid, unpack(packed), stamp) for hid, packed in self.packed.items())
        with made_alongside(rows) as ready:  # list entries worked out while SQLite writes
            self.store.db.conn.executemany(
                f"insert into households ({', '.join(columns)}) "
                f"values ({', '.join('?' for _ in columns)})",
                ready,
            )

"""Version vectors, held revisions and conflicts: what a received revision and a stale save share.

A revision that cannot become current because the current version was not what it was based on
is never dropped and never written over the newer one: it is *held* (``held_revisions``) and a
``conflicts`` row names both, until someone picks or merges. Two paths lead there and both use
these primitives: a revision received in a sync bundle (``fieldapp.core.sync.merge``) and a save
here whose base revision is no longer the head (``Store.save_form``: another window, process or
background import saved the same form in between).

Every revision carries ``device_id``/``device_seq`` (a counter per device) and its ``parent_id``.
Its *clock* (version vector) is, per device, the highest ``device_seq`` among the revision and its
ancestors for that household and form: the parent's clock joined with ``{device: seq}``. Clocks of
held and received revisions are stored (``held_revisions.clock``, ``revision_clocks``).

One device's counter cannot tell two branches on that device apart, so a stale local save is held
with the clock of its base plus ``{its own revision id: 1}`` (``branch_clock``): it is then
concurrent with the head (neither includes the other), and the revision that later resolves the
conflict joins both clocks, so it descends from both.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from json.encoder import encode_basestring_ascii as _quote
from typing import TYPE_CHECKING, Any

from fieldapp.core.store.records import now_iso

if TYPE_CHECKING:  # only named: the import helper process (sync.read_ahead) opens no database
    from fieldapp.core.store.base import StoreBase

Clock = dict[str, int]

BEFORE, AFTER, EQUAL, CONCURRENT = "before", "after", "equal", "concurrent"
REVISION_COLUMNS = (
    "id",
    "household_id",
    "form_id",
    "form_version",
    "state",
    "data",
    "created_at",
    "author",
    "device_id",
    "device_seq",
    "parent_id",
)


def join(*clocks: Mapping[str, int]) -> Clock:
    out: Clock = {}
    for clock in clocks:
        for device, seq in clock.items():
            if seq > out.get(device, 0):
                out[device] = seq
    return out


def compare(a: Mapping[str, int], b: Mapping[str, int]) -> str:
    """``before`` if a ≤ b, ``after`` if a ≥ b, ``equal``, or ``concurrent``."""
    a_le = all(seq <= b.get(d, 0) for d, seq in a.items())
    b_le = all(seq <= a.get(d, 0) for d, seq in b.items())
    if a_le and b_le:
        return EQUAL
    if a_le:
        return BEFORE
    if b_le:
        return AFTER
    return CONCURRENT


_CLOCK = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def encode_clock(clock: Mapping[str, int]) -> str:
    """A clock as stored: devices in order, compact (most have one device: written directly)."""
    if len(clock) == 1:
        [(device, seq)] = clock.items()
        if type(device) is str and type(seq) is int:
            return "{" + _quote(device) + ":" + str(seq) + "}"
    return _CLOCK.encode(clock)


def branch_clock(base: Mapping[str, int], revision_id: str) -> Clock:
    """The clock of a save held because its base is no longer the head (see the module doc)."""
    return {**base, revision_id: 1}


class Clocks:
    """Clock lookups for one store, with a bounded cache (export and import walk many chains)."""

    LIMIT = 50_000

    def __init__(self, store: StoreBase) -> None:
        self.store = store
        self.cache: dict[str, Clock] = {}

    def remember(self, revision_id: str, clock: Clock) -> None:
        if len(self.cache) >= self.LIMIT:
            self.cache.clear()
        self.cache[revision_id] = clock

    def of(self, revision_id: str | None) -> Clock:
        """The clock of a revision here (current line or held); {} if unknown."""
        own: list[tuple[str, int]] = []
        base: Clock = {}
        seen: set[str] = set()
        execute = self.store.db.conn.execute
        while revision_id and revision_id not in seen:
            seen.add(revision_id)
            cached = self.cache.get(revision_id)
            if cached is not None:
                base = cached
                break
            stored = execute(
                "select clock from revision_clocks where revision_id = ?", [revision_id]
            ).fetchone()
            if stored is None:
                stored = execute(
                    "select clock from held_revisions where id = ?", [revision_id]
                ).fetchone()
            if stored is not None:
                base = json.loads(stored[0])
                break
            row = execute(
                "select device_id, device_seq, parent_id from revisions where id = ?",
                [revision_id],
            ).fetchone()
            if row is None:
                break
            if row[0]:
                own.append((str(row[0]), int(row[1] or 0)))
            revision_id = row[2]
        clock = dict(base)
        for device, seq in own:
            if seq > clock.get(device, 0):
                clock[device] = seq
        return clock


# -- rows -----------------------------------------------------------------------------------------


def head_id(store: StoreBase, household_id: str, form_id: str) -> str | None:
    """The current revision of a household's form (the newest row of ``revisions``)."""
    row = store.db.conn.execute(
        "select id from revisions where household_id = ? and form_id = ? "
        "order by rowid desc limit 1",
        [household_id, form_id],
    ).fetchone()
    return None if row is None else str(row[0])


HELD_COLUMNS = (*REVISION_COLUMNS, "clock", "merged_from", "reason", "held_at", "bundle_id")


def _insert(table: str, columns: tuple[str, ...]) -> str:
    return f"insert into {table} ({', '.join(columns)}) values ({', '.join('?' for _ in columns)})"


INSERT_REVISION = _insert("revisions", REVISION_COLUMNS)
INSERT_CLOCK = _insert("revision_clocks", ("revision_id", "clock", "merged_from"))
INSERT_HELD = _insert("held_revisions", HELD_COLUMNS)
"""The statements below, also run with executemany by a batched import (sync.staging)."""


def revision_values(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(row[c] for c in REVISION_COLUMNS)


def clock_values(revision_id: str, clock: Clock, merged_from: list[str]) -> tuple[Any, ...]:
    return (revision_id, encode_clock(clock), json.dumps(merged_from) if merged_from else None)


def held_values(
    row: Mapping[str, Any],
    clock: Clock,
    merged_from: list[str],
    reason: str,
    bundle_id: str | None,
) -> tuple[Any, ...]:
    merged = json.dumps(merged_from) if merged_from else None
    return (*revision_values(row), encode_clock(clock), merged, reason, now_iso(), bundle_id)


def insert_revision(store: StoreBase, row: Mapping[str, Any]) -> None:
    store.db.conn.execute(INSERT_REVISION, revision_values(row))


def insert_clock(store: StoreBase, revision_id: str, clock: Clock, merged_from: list[str]) -> None:
    store.db.conn.execute(INSERT_CLOCK, clock_values(revision_id, clock, merged_from))


def hold(
    store: StoreBase,
    row: Mapping[str, Any],
    clock: Clock,
    merged_from: list[str],
    reason: str,
    bundle_id: str | None,
) -> None:
    """Keep a revision that is not current here: ``stale`` (an ancestor) or ``conflict``."""
    store.db.conn.execute(INSERT_HELD, held_values(row, clock, merged_from, reason, bundle_id))


# -- conflicts ------------------------------------------------------------------------------------


def open_conflicts(store: StoreBase, household_id: str, form_id: str) -> list[dict[str, str]]:
    rows = store.db.conn.execute(
        "select id, incoming_id from conflicts where household_id = ? and form_id = ? "
        "and status = 'open' order by rowid",
        [household_id, form_id],
    )
    return [{"id": r[0], "incoming_id": r[1]} for r in rows]


def open_conflict(
    store: StoreBase,
    *,
    household_id: str,
    form_id: str,
    current_id: str | None,
    incoming_id: str,
    actor: str,
    bundle_id: str | None = None,
    note: str | None = None,
) -> str:
    """Record that ``incoming_id`` (held) and the current version ``current_id`` are concurrent."""
    conflict_id = str(uuid.uuid4())
    store.db.table("conflicts").insert(
        {
            "id": conflict_id,
            "household_id": household_id,
            "form_id": form_id,
            "current_id": current_id,
            "incoming_id": incoming_id,
            "bundle_id": bundle_id,
            "detected_at": now_iso(),
            "status": "open",
            "resolved_at": None,
            "resolved_by": None,
            "resolution_id": None,
            "note": note,
        }
    )
    detail: dict[str, Any] = {
        "conflict": conflict_id,
        "current": current_id,
        "incoming": incoming_id,
        "bundle": bundle_id,
    }
    if note:
        detail["note"] = note
    store.audit(
        actor,
        "conflict_detected",
        household_id=household_id,
        form_id=form_id,
        revision_id=incoming_id,
        detail=detail,
    )
    return conflict_id


def close_conflict(
    store: StoreBase, conflict_id: str, status: str, by: str, resolution: str
) -> None:
    store.db.execute(
        "update conflicts set status = ?, resolved_at = ?, resolved_by = ?, resolution_id = ? "
        "where id = ?",
        [status, now_iso(), by, resolution, conflict_id],
    )

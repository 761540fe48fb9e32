"""Version vectors, received revisions, conflicts and their resolution.

Every revision carries ``device_id``/``device_seq`` (a counter per device) and its ``parent_id``.
Its *clock* (version vector) is, per device, the highest ``device_seq`` among the revision and
its ancestors for that household and form: the parent's clock joined with ``{device: seq}`` (and,
for a conflict resolution, joined with the clock of the version it merged). Clocks of revisions
received in bundles are stored (``revision_clocks``/``held_revisions``), so a revision whose
ancestors never arrived (bundles out of order) still compares correctly.

Receiving a revision R for a household and form whose current version here is C:

- R already known (by id) → nothing changes;
- no C, or clock(R) ≥ clock(C) (R descends from C) → R becomes current (a row in ``revisions``);
- clock(R) ≤ clock(C) (C already includes R: a late ancestor) → kept in ``held_revisions``;
- otherwise the two are concurrent → R is kept in ``held_revisions`` and a ``conflicts`` row
  names C and R; the current data stays C until someone resolves it.

Resolving writes a new current revision whose parent is the current one and which merges the
incoming one, so it descends from both and every later comparison sees that.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fieldapp.core.forms.storable import unstorable
from fieldapp.core.store.errors import StoreError, Unstorable, ValidationFailed
from fieldapp.core.store.records import Revision, now_iso
from fieldapp.core.store.sql import LIKE_PREFIX, like_prefix
from fieldapp.core.store.store import Store

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


class ConflictError(StoreError):
    pass


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


def encode_clock(clock: Mapping[str, int]) -> str:
    return json.dumps(dict(sorted(clock.items())), separators=(",", ":"))


class Clocks:
    """Clock lookups for one store, with a bounded cache (export and import walk many chains)."""

    LIMIT = 50_000

    def __init__(self, store: Store) -> None:
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


# -- receiving ------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What receiving one revision did: ``known``, ``current``, ``stale`` or ``conflict``."""

    kind: str
    conflict_id: str | None = None


def is_known(store: Store, revision_id: str) -> bool:
    """Whether a revision with this id is here (current line or held)."""
    row = store.db.conn.execute(
        "select 1 from revisions where id = ? union all select 1 from held_revisions where id = ? "
        "limit 1",
        [revision_id, revision_id],
    ).fetchone()
    return row is not None


def _head(store: Store, household_id: str, form_id: str) -> str | None:
    row = store.db.conn.execute(
        "select id from revisions where household_id = ? and form_id = ? "
        "order by rowid desc limit 1",
        [household_id, form_id],
    ).fetchone()
    return None if row is None else str(row[0])


def _open_conflicts(store: Store, household_id: str, form_id: str) -> list[dict[str, str]]:
    rows = store.db.conn.execute(
        "select id, incoming_id from conflicts where household_id = ? and form_id = ? "
        "and status = 'open' order by rowid",
        [household_id, form_id],
    )
    return [{"id": r[0], "incoming_id": r[1]} for r in rows]


def _close(store: Store, conflict_id: str, status: str, by: str, resolution: str) -> None:
    store.db.execute(
        "update conflicts set status = ?, resolved_at = ?, resolved_by = ?, resolution_id = ? "
        "where id = ?",
        [status, now_iso(), by, resolution, conflict_id],
    )


def _insert_revision(store: Store, row: Mapping[str, Any]) -> None:
    store.db.conn.execute(
        f"insert into revisions ({', '.join(REVISION_COLUMNS)}) "
        f"values ({', '.join('?' for _ in REVISION_COLUMNS)})",
        [row[c] for c in REVISION_COLUMNS],
    )


def _insert_clock(store: Store, revision_id: str, clock: Clock, merged_from: list[str]) -> None:
    store.db.conn.execute(
        "insert into revision_clocks (revision_id, clock, merged_from) values (?, ?, ?)",
        [revision_id, encode_clock(clock), json.dumps(merged_from) if merged_from else None],
    )


def _hold(
    store: Store,
    row: Mapping[str, Any],
    clock: Clock,
    merged_from: list[str],
    reason: str,
    bundle_id: str,
) -> None:
    columns = (*REVISION_COLUMNS, "clock", "merged_from", "reason", "held_at", "bundle_id")
    values = [row[c] for c in REVISION_COLUMNS] + [
        encode_clock(clock),
        json.dumps(merged_from) if merged_from else None,
        reason,
        now_iso(),
        bundle_id,
    ]
    store.db.conn.execute(
        f"insert into held_revisions ({', '.join(columns)}) "
        f"values ({', '.join('?' for _ in columns)})",
        values,
    )


def receive_revision(
    store: Store,
    clocks: Clocks,
    row: Mapping[str, Any],
    clock: Clock,
    merged_from: list[str],
    *,
    bundle_id: str,
    actor: str,
    checked_unknown: bool = False,
) -> Outcome:
    """Apply one received revision (``row`` has the ``revisions`` columns, data as JSON text).

    ``checked_unknown``: the caller has just seen that the id is not here (saves a lookup).
    """
    rid = str(row["id"])
    if not checked_unknown and is_known(store, rid):
        return Outcome("known")
    hid, form_id = str(row["household_id"]), str(row["form_id"])
    head = _head(store, hid, form_id)
    relation = AFTER if head is None else compare(clock, clocks.of(head))
    if relation == AFTER:
        _insert_revision(store, row)
        _insert_clock(store, rid, clock, merged_from)
        clocks.remember(rid, clock)
        for open_ in _open_conflicts(store, hid, form_id) if head is not None else []:
            if compare(clocks.of(open_["incoming_id"]), clock) in (BEFORE, EQUAL):
                _close(store, open_["id"], "resolved", f"数据包 {bundle_id}", rid)
        return Outcome("current")
    if relation in (BEFORE, EQUAL):
        _hold(store, row, clock, merged_from, "stale", bundle_id)
        return Outcome("stale")
    open_conflicts = _open_conflicts(store, hid, form_id)
    for open_ in open_conflicts:
        if compare(clock, clocks.of(open_["incoming_id"])) in (BEFORE, EQUAL):
            _hold(store, row, clock, merged_from, "stale", bundle_id)
            return Outcome("stale")
    _hold(store, row, clock, merged_from, "conflict", bundle_id)
    conflict_id = str(uuid.uuid4())
    store.db.table("conflicts").insert(
        {
            "id": conflict_id,
            "household_id": hid,
            "form_id": form_id,
            "current_id": head,
            "incoming_id": rid,
            "bundle_id": bundle_id,
            "detected_at": now_iso(),
            "status": "open",
            "resolved_at": None,
            "resolved_by": None,
            "resolution_id": None,
            "note": None,
        }
    )
    for open_ in open_conflicts:
        if compare(clocks.of(open_["incoming_id"]), clock) == BEFORE:
            _close(store, open_["id"], "superseded", f"数据包 {bundle_id}", rid)
    store.audit(
        actor,
        "conflict_detected",
        household_id=hid,
        form_id=form_id,
        revision_id=rid,
        detail={"conflict": conflict_id, "current": head, "incoming": rid, "bundle": bundle_id},
    )
    return Outcome("conflict", conflict_id)


# -- listing and resolving -----------------------------------------------------------------------


def revision_any(store: Store, revision_id: str) -> Revision | None:
    """A revision from the current line or from the held ones."""
    for table in ("revisions", "held_revisions"):
        rows = list(store.db.query(f"select * from {table} where id = ?", [revision_id]))
        if rows:
            return Revision.from_row(rows[0])
    return None


def _diff(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


def list_conflicts(store: Store, *, include_closed: bool = False) -> list[dict[str, Any]]:
    where = "" if include_closed else "where c.status = 'open'"
    rows = store.db.query(
        "select c.*, h.name, h.archive_no from conflicts c left join households h "
        f"on h.id = c.household_id {where} order by c.rowid"
    )
    out = []
    for row in rows:
        current = revision_any(store, row["current_id"])
        incoming = revision_any(store, row["incoming_id"])
        entry = dict(row)
        entry["current"] = _describe(current)
        entry["incoming"] = _describe(incoming)
        entry["differences"] = _diff(
            current.data if current else {}, incoming.data if incoming else {}
        )
        out.append(entry)
    return out


def _describe(revision: Revision | None) -> dict[str, Any] | None:
    if revision is None:
        return None
    return {
        "id": revision.id,
        "state": revision.state,
        "author": revision.author,
        "device_id": revision.device_id,
        "created_at": revision.created_at,
        "data": revision.data,
    }


def find_conflict(store: Store, ref: str) -> dict[str, Any]:
    ref = ref.strip()
    rows = [
        dict(r)
        for r in store.db.query(
            f"select * from conflicts where id = ? or (length(?) >= 6 and id {LIKE_PREFIX})",
            [ref, ref, like_prefix(ref)],
        )
    ]
    if not rows:
        raise ConflictError(f"没有冲突“{ref}”（fieldapp conflicts list 可列出）")
    if len(rows) > 1:
        raise ConflictError(f"“{ref}”对应多个冲突，请写完整 ID")
    return rows[0]


def resolve_conflict(
    store: Store,
    ref: str,
    *,
    author: str,
    pick: str | None = None,
    merged: Mapping[str, Any] | None = None,
    draft: bool = False,
) -> Revision:
    """Close a conflict with a new current revision descending from both versions.

    ``pick`` names one of the two revisions (full id or a prefix of at least 6 characters, or
    ``current``/``incoming``); ``merged`` is the form's data put together field by field, validated
    like any save (refused if it has errors, unless ``draft``).
    """
    conflict = find_conflict(store, ref)
    if conflict["status"] != "open":
        raise ConflictError(f"冲突 {conflict['id'][:8]} 已处理（{conflict['status']}）")
    if (pick is None) == (merged is None):
        raise ConflictError("请指定 --pick 版本 或 --merge 合并后的 JSON（二选一）")
    hid, form_id = conflict["household_id"], conflict["form_id"]
    incoming = revision_any(store, conflict["incoming_id"])
    if incoming is None:
        raise ConflictError("冲突记录的版本不存在（数据库不完整）")
    head = store.current_revision(hid, form_id)
    if pick is not None:
        chosen_id = _pick(conflict, head, pick)
        chosen = revision_any(store, chosen_id)
        if chosen is None:
            raise ConflictError(f"找不到版本 {pick}")
        data, state = chosen.data, chosen.state
        how: dict[str, Any] = {"pick": chosen.id}
    else:
        assert merged is not None
        unknown = store.engine().unknown_fields(form_id, merged)
        if unknown:
            raise ConflictError(f"合并数据中没有这些字段：{'、'.join(unknown)}")
        if (refusal := unstorable(store.survey.form(form_id), merged)) is not None:
            raise Unstorable(refusal)
        household = dict(store.current(hid))
        household[form_id] = dict(merged)
        result = store.engine().validate(household, form_id)
        if result.errors and not draft:
            raise ValidationFailed(
                f"合并后的数据有 {len(result.errors)} 处错误，不能定稿（可加 --draft 存为草稿）",
                result.problems,
            )
        data, state = result.values, "draft" if draft or result.errors else "final"
        how = {"merge": True}
    clocks = Clocks(store)
    with store.db.atomic():
        rid = str(uuid.uuid4())
        seq = store._next_device_seq()
        clock = join(clocks.of(head.id if head else None), clocks.of(incoming.id))
        clock[store.device_id] = max(seq, clock.get(store.device_id, 0))
        row = {
            "id": rid,
            "household_id": hid,
            "form_id": form_id,
            "form_version": store.survey.version,
            "state": state,
            "data": json.dumps(data, ensure_ascii=False, sort_keys=True),
            "created_at": now_iso(),
            "author": author,
            "device_id": store.device_id,
            "device_seq": seq,
            "parent_id": head.id if head else None,
        }
        _insert_revision(store, row)
        _insert_clock(store, rid, clock, [incoming.id])
        _close(store, conflict["id"], "resolved", author, rid)
        for other in _open_conflicts(store, hid, form_id):
            if compare(clocks.of(other["incoming_id"]), clock) in (BEFORE, EQUAL):
                _close(store, other["id"], "resolved", author, rid)
        store.audit(
            author,
            "resolve_conflict",
            household_id=hid,
            form_id=form_id,
            revision_id=rid,
            detail={"conflict": conflict["id"], **how, "incoming": incoming.id},
        )
        store.reindex(hid)
    return Revision.from_row(row)


def _pick(conflict: Mapping[str, Any], head: Revision | None, pick: str) -> str:
    pick = pick.strip()
    if pick in ("current", "ours", "本地", "当前"):
        return str(head.id if head else conflict["current_id"])
    if pick in ("incoming", "theirs", "收到", "传入"):
        return str(conflict["incoming_id"])
    candidates = {str(conflict["current_id"]), str(conflict["incoming_id"])}
    if head is not None:
        candidates.add(head.id)
    matches = [c for c in candidates if c == pick or (len(pick) >= 6 and c.startswith(pick))]
    if len(matches) != 1:
        raise ConflictError(
            f"“{pick}”不是这个冲突中的版本；可选：{'、'.join(sorted(candidates))}"
            "（或 current / incoming）"
        )
    return matches[0]

"""A household's revisions in causal order, held ones included, and where each came from.

``revisions`` holds the line of current data; a revision that arrived after a later one (a late
ancestor, ``stale``) or beside it (``conflict``) is kept in ``held_revisions``. History must not
depend on which bundle happened to arrive first, so it lists both, ordered by their version
vectors: a revision comes after everything its clock includes; revisions neither of which
includes the other (concurrent) are ordered by when they were made, then by id.

The current line is a chain (each row descends from the one before), so a held revision's place
among it is found by binary search on its clock; only held revisions are compared with each other.
"""

from __future__ import annotations

import dataclasses
import heapq
import json
from collections.abc import Iterable
from typing import Any

from fieldapp.core.store.base import StoreBase
from fieldapp.core.store.records import Revision
from fieldapp.core.store.versions import BEFORE, EQUAL, Clock, Clocks, compare, join

LOCAL = "本机"


def causal_history(
    store: StoreBase, household_id: str, form_id: str | None = None
) -> list[Revision]:
    """Every revision on file for the household (one form or all), held ones marked ``held``."""
    where, args = "household_id = ?", [household_id]
    if form_id:
        where += " and form_id = ?"
        args.append(form_id)
    applied = [
        dict(r)
        for r in store.db.query(f"select * from revisions where {where} order by rowid", args)
    ]
    held = [
        dict(r)
        for r in store.db.query(f"select * from held_revisions where {where} order by rowid", args)
    ]
    if not held:
        return [Revision.from_row(r) for r in applied]
    forms = sorted({r["form_id"] for r in applied} | {r["form_id"] for r in held})
    per_form = [
        _form_order(
            store,
            [r for r in applied if r["form_id"] == f],
            [r for r in held if r["form_id"] == f],
        )
        for f in forms
    ]
    return _interleave(per_form)


def _chain_clocks(store: StoreBase, rows: list[dict[str, Any]]) -> list[Clock]:
    """Clocks of the current line, computed in one pass (each row's parent comes before it)."""
    clocks = Clocks(store)
    execute = store.db.conn.execute
    out: list[Clock] = []
    for row in rows:
        stored = execute(
            "select clock from revision_clocks where revision_id = ?", [row["id"]]
        ).fetchone()
        if stored is not None:
            clock: Clock = json.loads(stored[0])
        else:
            base = clocks.of(row["parent_id"]) if row["parent_id"] else {}
            clock = join(base, {str(row["device_id"] or ""): int(row["device_seq"] or 0)})
        clocks.remember(str(row["id"]), clock)
        out.append(clock)
    return out


def _first(n: int, test: Any) -> int:
    """The first index in range(n) where ``test`` holds (it holds on a suffix), else n."""
    low, high = 0, n
    while low < high:
        mid = (low + high) // 2
        if test(mid):
            high = mid
        else:
            low = mid + 1
    return low


def _form_order(
    store: StoreBase, applied: list[dict[str, Any]], held: list[dict[str, Any]]
) -> list[Revision]:
    chain = _chain_clocks(store, applied)
    nodes = [Revision.from_row(r) for r in applied] + [
        dataclasses.replace(Revision.from_row(r), held=str(r["reason"])) for r in held
    ]
    clocks = chain + [json.loads(r["clock"]) for r in held]
    after: list[set[int]] = [set() for _ in nodes]  # node -> nodes that must come after it
    n = len(applied)
    for i in range(n - 1):
        after[i].add(i + 1)
    for j in range(n, len(nodes)):
        clock = clocks[j]
        lo = _first(n, lambda i, c=clock: compare(chain[i], c) not in (BEFORE, EQUAL))
        hi = _first(n, lambda i, c=clock: compare(c, chain[i]) == BEFORE)
        if lo > 0:
            after[lo - 1].add(j)
        if hi < n:
            after[j].add(hi)
        for k in range(n, len(nodes)):
            if k != j and compare(clock, clocks[k]) == BEFORE:
                after[j].add(k)
    return _topological(nodes, after)


def _topological(nodes: list[Revision], after: list[set[int]]) -> list[Revision]:
    """Kahn's order: among revisions free to come next, the earliest made (then by id)."""
    waiting = [0] * len(nodes)
    for targets in after:
        for t in targets:
            waiting[t] += 1
    ready = [(nodes[i].created_at, nodes[i].id, i) for i in range(len(nodes)) if not waiting[i]]
    heapq.heapify(ready)
    out: list[Revision] = []
    while ready:
        _, _, i = heapq.heappop(ready)
        out.append(nodes[i])
        for t in after[i]:
            waiting[t] -= 1
            if not waiting[t]:
                heapq.heappush(ready, (nodes[t].created_at, nodes[t].id, t))
    if len(out) < len(nodes):  # a cycle can only come from inconsistent clocks: keep everything
        out += [nodes[i] for i in range(len(nodes)) if waiting[i]]
    return out


def _interleave(sequences: list[list[Revision]]) -> list[Revision]:
    """Merge per-form orders by time, keeping each form's own order."""
    heads = [(seq[0].created_at, seq[0].id, k, 0) for k, seq in enumerate(sequences) if seq]
    heapq.heapify(heads)
    out: list[Revision] = []
    while heads:
        _, _, k, i = heapq.heappop(heads)
        out.append(sequences[k][i])
        if i + 1 < len(sequences[k]):
            nxt = sequences[k][i + 1]
            heapq.heappush(heads, (nxt.created_at, nxt.id, k, i + 1))
    return out


def revision_origins(store: StoreBase, revisions: Iterable[Revision]) -> dict[str, dict[str, Any]]:
    """Where each revision came from: ``{"source": "local" | "bundle" | "received", "bundle_id",
    "via", "label"}`` — made here, received in a bundle (whose signer is ``via``), or received
    before origins were recorded."""
    out: dict[str, dict[str, Any]] = {}
    execute = store.db.conn.execute
    own = set(store.device_ids)
    for revision in revisions:
        row = execute(
            "select bundle_id, via_name from record_origins where kind = 'revision' "
            "and record_id = ?",
            [revision.id],
        ).fetchone()
        if row is None:
            held = execute(
                "select h.bundle_id, b.peer from held_revisions h left join bundle_log b on "
                "b.bundle_id = h.bundle_id and b.direction = 'import' where h.id = ?",
                [revision.id],
            ).fetchone()
            row = held if held is not None and held[0] else None
        out[revision.id] = _origin(row, revision.device_id in own)
    return out


def _origin(row: Any, own_device: bool) -> dict[str, Any]:
    if row is not None:
        bundle, via = str(row[0]), str(row[1] or "")
        label = f"数据包 {bundle[:8]}" + (f"（{via}）" if via else "")
        return {"source": "bundle", "bundle_id": bundle, "via": via, "label": label}
    if own_device:
        return {"source": "local", "bundle_id": None, "via": None, "label": LOCAL}
    return {"source": "received", "bundle_id": None, "via": None, "label": "收到（来源未记录）"}


def held_label(reason: str | None) -> str:
    return {"stale": "未采用：迟到的旧版本", "conflict": "未采用：冲突版本"}.get(reason or "", "")

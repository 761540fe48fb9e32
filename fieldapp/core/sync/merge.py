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
incoming one, so it descends from both and every later comparison sees that. A save here whose
base was no longer current is held and conflicted the same way (``Store.save_form``); the clocks,
holding and conflict rows are the store's (``fieldapp.core.store.versions``), used by both.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fieldapp.core.forms.storable import unstorable
from fieldapp.core.procedures.forks import conflict_case_id, conflict_view, resolve_case
from fieldapp.core.procedures.records import Step
from fieldapp.core.store.errors import StoreError, Unstorable, ValidationFailed
from fieldapp.core.store.records import Revision, now_iso
from fieldapp.core.store.sql import LIKE_PREFIX, like_prefix
from fieldapp.core.store.store import Store
from fieldapp.core.store.versions import (
    AFTER,
    BEFORE,
    EQUAL,
    Clock,
    Clocks,
    close_conflict,
    compare,
    head_id,
    hold,
    insert_clock,
    insert_revision,
    join,
    open_conflict,
    open_conflicts,
)
from fieldapp.core.trust.certificates import SigningIdentity


class ConflictError(StoreError):
    pass


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
    head = head_id(store, hid, form_id)
    relation = AFTER if head is None else compare(clock, clocks.of(head))
    if relation == AFTER:
        insert_revision(store, row)
        insert_clock(store, rid, clock, merged_from)
        clocks.remember(rid, clock)
        for open_ in open_conflicts(store, hid, form_id) if head is not None else []:
            if compare(clocks.of(open_["incoming_id"]), clock) in (BEFORE, EQUAL):
                close_conflict(store, open_["id"], "resolved", f"数据包 {bundle_id}", rid)
        return Outcome("current")
    if relation in (BEFORE, EQUAL):
        hold(store, row, clock, merged_from, "stale", bundle_id)
        return Outcome("stale")
    pending = open_conflicts(store, hid, form_id)
    for open_ in pending:
        if compare(clock, clocks.of(open_["incoming_id"])) in (BEFORE, EQUAL):
            hold(store, row, clock, merged_from, "stale", bundle_id)
            return Outcome("stale")
    hold(store, row, clock, merged_from, "conflict", bundle_id)
    conflict_id = open_conflict(
        store,
        household_id=hid,
        form_id=form_id,
        current_id=head,
        incoming_id=rid,
        actor=actor,
        bundle_id=bundle_id,
    )
    for open_ in pending:
        if compare(clocks.of(open_["incoming_id"]), clock) == BEFORE:
            close_conflict(store, open_["id"], "superseded", f"数据包 {bundle_id}", rid)
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


def list_conflicts(
    store: Store, *, include_closed: bool = False, household_id: str | None = None
) -> list[dict[str, Any]]:
    """Conflicts (open ones unless ``include_closed``), each as it stands *now*.

    An open conflict is shown against the form's true current revision at the moment it is read
    (``current``/``current_id``; ``heads`` lists it), not the one current when it was detected
    (``detected_current_id``): a later revision may have become current since, and picking
    "incoming" against an out-of-date view would silently undo it. ``branches`` lists every
    open concurrent version of the same form (this conflict's incoming one among them), and
    ``differences`` names the fields where the current and the incoming version differ. Pass the
    ``heads`` shown to ``resolve_conflict(expect_head=…)``.
    """
    where, args = ("where c.status = 'open'" if not include_closed else "where 1"), []
    if household_id is not None:
        where += " and c.household_id = ?"
        args.append(household_id)
    rows = store.db.query(
        "select c.*, h.name, h.archive_no from conflicts c left join households h "
        f"on h.id = c.household_id {where} order by c.rowid",
        args,
    )
    return [_view(store, dict(row)) for row in rows]


def _view(store: Store, entry: dict[str, Any]) -> dict[str, Any]:
    case_id = conflict_case_id(entry["form_id"])
    if case_id is not None:  # two decisions on one procedure step (fieldapp.core.procedures)
        return conflict_view(store, entry, case_id)
    entry["detected_current_id"] = entry["current_id"]
    if entry["status"] == "open":
        head = head_id(store, entry["household_id"], entry["form_id"])
        entry["current_id"] = head or entry["current_id"]
        entry["heads"] = [entry["current_id"]]
        branches = [
            o["incoming_id"] for o in open_conflicts(store, entry["household_id"], entry["form_id"])
        ]
    else:
        entry["heads"] = [entry["current_id"]]
        branches = [entry["incoming_id"]]
    current = revision_any(store, entry["current_id"])
    incoming = revision_any(store, entry["incoming_id"])
    entry["current"] = _describe(current)
    entry["incoming"] = _describe(incoming)
    entry["branches"] = [_describe(revision_any(store, rid)) for rid in branches]
    entry["differences"] = _diff(current.data if current else {}, incoming.data if incoming else {})
    return entry


def show_conflict(store: Store, ref: str) -> dict[str, Any]:
    """One conflict (by id or a prefix of at least 6 characters) as ``list_conflicts`` shows it."""
    row = find_conflict(store, ref)
    names = store.db.execute(
        "select name, archive_no from households where id = ?", [row["household_id"]]
    ).fetchone()
    row["name"], row["archive_no"] = names if names is not None else (None, None)
    return _view(store, row)


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
        raise ConflictError(
            f"没有冲突“{ref}”（菜单“数据包 → 处理冲突”或命令 fieldapp conflicts list 可列出）"
        )
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
    expect_head: str | None = None,
) -> Revision:
    """Close a conflict with a new current revision descending from both versions.

    ``pick`` names one of the two revisions (full id or a prefix of at least 6 characters, or
    ``current``/``incoming``); ``merged`` is the form's data put together field by field, validated
    like any save (refused if it has errors, unless ``draft``). ``expect_head`` is the current
    revision the person was shown (``list_conflicts``' ``current_id``; a prefix of 6+ characters
    will do): if another revision has become current since, nothing is written and ConflictError
    says so — the choice was made against data that is no longer current. The conflict and the
    current version are read inside the write transaction, so a save in between cannot be passed
    over. The resolution names what it supersedes: its parent is the current revision, it merges
    the incoming one, and the audit entry lists both.
    """
    with store.db.atomic():
        return _resolve(
            store,
            ref,
            author=author,
            pick=pick,
            merged=merged,
            draft=draft,
            expect_head=expect_head,
        )


def _resolve(
    store: Store,
    ref: str,
    *,
    author: str,
    pick: str | None,
    merged: Mapping[str, Any] | None,
    draft: bool,
    expect_head: str | None = None,
) -> Revision:
    conflict = find_conflict(store, ref)
    if conflict["status"] != "open":
        raise ConflictError(f"冲突 {conflict['id'][:8]} 已处理（{conflict['status']}）")
    if conflict_case_id(conflict["form_id"]) is not None:
        raise ConflictError(
            "这是办理程序的冲突（同一步骤的两个决定），须由有权办理的人签名处理："
            f"fieldapp conflicts resolve {conflict['id'][:8]} --pick current|incoming（需口令）"
        )
    if (pick is None) == (merged is None):
        raise ConflictError("请指定 --pick 版本 或 --merge 合并后的 JSON（二选一）")
    hid, form_id = conflict["household_id"], conflict["form_id"]
    incoming = revision_any(store, conflict["incoming_id"])
    if incoming is None:
        raise ConflictError("冲突记录的版本不存在（数据库不完整）")
    head = store.current_revision(hid, form_id)
    _check_head(head, expect_head)
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
    insert_revision(store, row)
    insert_clock(store, rid, clock, [incoming.id])
    close_conflict(store, conflict["id"], "resolved", author, rid)
    for other in open_conflicts(store, hid, form_id):
        if compare(clocks.of(other["incoming_id"]), clock) in (BEFORE, EQUAL):
            close_conflict(store, other["id"], "resolved", author, rid)
    store.audit(
        author,
        "resolve_conflict",
        household_id=hid,
        form_id=form_id,
        revision_id=rid,
        detail={
            "conflict": conflict["id"],
            **how,
            "incoming": incoming.id,
            "supersedes": [head.id if head else None, incoming.id],
        },
    )
    store.reindex(hid)
    return Revision.from_row(row)


def resolve_case_conflict(
    store: Store, ref: str, *, pick: str, signer: SigningIdentity, opinion: str = ""
) -> Step:
    """Settle a procedure conflict by keeping one decision (``current``/``incoming`` or a step
    id): a signed resolution step (``procedures.resolve_case``)."""
    conflict = find_conflict(store, ref)
    case_id = conflict_case_id(conflict["form_id"])
    if case_id is None:
        raise ConflictError(f"冲突 {conflict['id'][:8]} 不是办理程序的冲突")
    if conflict["status"] != "open":
        raise ConflictError(f"冲突 {conflict['id'][:8]} 已处理（{conflict['status']}）")
    view = conflict_view(store, dict(conflict), case_id)
    pick = pick.strip()
    sides = {"current": view["current_id"], "incoming": view["incoming_id"]}
    sides |= {"本地": sides["current"], "当前": sides["current"], "收到": sides["incoming"]}
    keep = sides.get(pick, pick)
    return resolve_case(store, case_id, keep=keep, signer=signer, opinion=opinion)


def is_case_conflict(store: Store, ref: str) -> bool:
    return conflict_case_id(find_conflict(store, ref)["form_id"]) is not None


def _check_head(head: Revision | None, expected: str | None) -> None:
    if expected is None:
        return
    expected = expected.strip()
    now = head.id if head is not None else ""
    if now == expected or (len(expected) >= 6 and now.startswith(expected)):
        return
    raise ConflictError(
        f"该表的当前版本已变化：查看冲突时为 {expected}，现在是 {now or '（无）'}；"
        "请重新查看冲突（fieldapp conflicts show）后再处理，未作任何修改"
    )


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

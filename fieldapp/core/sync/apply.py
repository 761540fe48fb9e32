"""Applying a bundle's records inside the import transaction, checking each one on the way.

``Applier.handle`` takes the decrypted records one by one and checks what each says on its own;
what depends on the database (is it here already? what is current?) is decided a chunk of
records at a time (``CHUNK_RECORDS``): one query per table for the chunk's ids, heads and clocks
(``receiving``), the rows staged and written with one ``executemany`` per table (``staging``),
in the order the records came, so the database ends exactly as applying them one by one left
it. ``finish`` checks the counts, writes the list entries of new households from the data
already parsed (``IndexBuilder``) and re-reads only households that existed before, then writes
the log. Any malformed record raises BundleError, and the caller rolls the whole transaction
back. At headquarters each record's author, clock and times are checked too (``authorcheck``);
everywhere, each new record's origin (bundle and signer) is kept, and its place in its author's
batch (``authorship``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from fieldapp.core.store.new_households import NewHouseholds
from fieldapp.core.store.records import STATUSES, now_iso
from fieldapp.core.store.store import Store
from fieldapp.core.store.versions import Clocks
from fieldapp.core.sync import audit_fields
from fieldapp.core.sync import authorship as authors
from fieldapp.core.sync import staging as tables
from fieldapp.core.sync.authorcheck import AuthorCheck
from fieldapp.core.sync.authorship import record_label
from fieldapp.core.sync.container import Envelope
from fieldapp.core.sync.direct_records import DirectRecords, Member
from fieldapp.core.sync.fields import HEX64, check_uuid, fail
from fieldapp.core.sync.fields import integer as _int
from fieldapp.core.sync.fields import text as _text
from fieldapp.core.sync.prepared import PREPARED_AUDIT, Ahead, Audit, Revision
from fieldapp.core.sync.procedure_sync import ProcedureReceiver
from fieldapp.core.sync.receiving import ChunkReceiver
from fieldapp.core.sync.records import (
    COUNTED,
    KIND_UP,
    log_import,
    normalised_counts,
)
from fieldapp.core.sync.report import ImportReport
from fieldapp.core.sync.revision_fields import (
    CREATED_AT,
    DATA,
    DEVICE,
    FORM,
    HOUSEHOLD,
    ID,
    SEQ,
    STATE,
    Checked,
    RevisionFields,
)
from fieldapp.core.sync.staging import Staging
from fieldapp.core.trust import identity
from fieldapp.core.values.limits import ATTACHMENT_MAX_BYTES

Progress = Callable[[int, int], None]

Unchecked = tuple[Mapping[str, Any], str, tuple[str, ...] | None]
"""A revision not checked yet (``revision_fields``): the record, its data's text and its unknown
field names (prepared; None: found when it is received)."""

Received = tuple[str, str, Mapping[str, Any], Member, Checked | None, Unchecked | None]
"""A revision to decide with its chunk: its id and household, its data (prepared: only the values
the household list shows), its place in its author's batch, and the revision checked (prepared)
or what checking it takes (done only if it is not here already)."""

CHUNK_RECORDS = 2000
"""Records decided together: one lookup per table per chunk, one executemany per table."""
CHUNK_BYTES = 16 << 20
"""…or fewer, when their form data and attachments reach this size (memory stays bounded)."""


class Applier(DirectRecords):
    def __init__(
        self,
        store: Store,
        env: Envelope,
        sender: identity.StaffInfo,
        kind: str,
        author: str,
        report: ImportReport,
        progress: Progress | None,
    ) -> None:
        self.store = store
        self.env = env
        self.m = env.manifest
        self.sender = sender
        self.kind = kind
        self.author = author
        self.report = report
        self.progress = progress
        self.total = sum((normalised_counts(self.m["counts"]) or {}).values())
        self.done = 0
        self.counts = dict.fromkeys(COUNTED, 0)
        self.declared: set[str] = set()
        self.new = NewHouseholds(store)
        self.updated: set[str] = set()
        self.conflicted: set[str] = set()
        self.reindex: set[str] = set()
        self.status_touched: set[str] = set()
        self.changed = False
        self.begun = False
        self.ended = False
        self.device_id = str(self.m["sender"]["device_id"])
        self.fields = RevisionFields(store.survey, set(self.m["form_versions"]))
        self.exec = store.db.conn.execute
        self.exec_many = store.db.conn.executemany
        self.check = AuthorCheck(store, sender, self.device_id) if kind == KIND_UP else None
        self.received_at = now_iso()
        self.staging = Staging(store)
        self.origin = (self.m["bundle_id"], sender.staff_id, sender.name, self.received_at)
        """Where a record new here came from: bundle, signer, when (``record_origins``)."""
        self.origins = self.staging.rows[tables.ORIGINS]
        self.memberships = self.staging.rows[tables.MEMBERSHIPS]
        self.receiver = ChunkReceiver(
            store, Clocks(store), self.staging, bundle_id=self.m["bundle_id"], actor=author
        )
        self.chunk: list[tuple[Callable[[Any], None], Any]] = []
        self.chunk_bytes = 0
        self.wanted: dict[str, list[str]] = {table: [] for table in tables.KEYS}
        self.present: dict[str, set[str]] = {}
        if self.check is not None:
            self.check.check_sender(env.path.name)
        self.procedures = ProcedureReceiver(
            store,
            sender=sender,
            up=kind == KIND_UP,
            bundle_id=self.m["bundle_id"],
            received_at=self.received_at,
            need_household=self._need_household,
            check=self.check,
        )
        self.handlers: dict[str, Callable[[Mapping[str, Any]], None]] = {
            "batch": self._batch,
            "household": self._household,
            "attachment": self._attachment,
            "status": self._status,
            "audit": self._audit,
            "dibao": self._standard,
            "min_wage": self._standard,
            "revocation": self._revocation,
            "check": self._check_record,
            "case": self._procedure,
            "step": self._procedure,
            "end": self._end,
        }
        """Each record type's handler but a revision's (made once: an import has 10,000s)."""

    def handle(
        self,
        record: Mapping[str, Any] | None,
        data_text: str | None = None,
        ahead: Ahead | Revision | Audit | None = None,
    ) -> None:
        """One record; ``data_text``: a revision's form data as it stood in the line; ``ahead``:
        what was worked out from that data (``prepared``; the record then has none). No record
        but a ``Revision``: a revision prepared whole; or, marked ``PREPARED_AUDIT``, an
        ``Audit``."""
        kind = "revision" if record is None else record.get("t")
        if self.ended:
            raise fail("数据包在结束标记之后还有记录")
        if not self.begun:
            if record is None or kind != "begin" or record.get("bundle_id") != self.m["bundle_id"]:
                raise fail("载荷与清单不属于同一个数据包")
            self.begun = True
            return
        if kind in ("end", "case", "step", "check"):
            self._apply_chunk()  # records before are decided first, in order
        if record is None and data_text == PREPARED_AUDIT:
            self._prepared_audit(ahead)  # type: ignore[arg-type]
        elif record is None:
            self._prepared_revision(ahead)  # type: ignore[arg-type]
        elif kind == "revision":
            self._revision(record, data_text, ahead)  # type: ignore[arg-type]
        else:
            handler = self.handlers.get(str(kind))
            if handler is None:
                raise fail(f"载荷中有未知的记录类型“{kind}”")
            handler(record)
        self.done += 1
        if self.progress is not None and self.done % 1000 == 0:
            self.progress(self.done, self.total)

    # -- chunks -------------------------------------------------------------------------------

    def _defer(
        self, apply: Callable[[Any], None], item: Any, table: str, key: str, size: int = 0
    ) -> None:
        """Decide ``item`` with its chunk: ``key`` is looked up in ``table`` beforehand. A chunk
        is decided when it holds ``CHUNK_RECORDS`` records or ``CHUNK_BYTES`` of data (``size``:
        a revision's form data, an attachment's file), whichever comes first."""
        self.chunk.append((apply, item))
        self.wanted[table].append(key)
        self.chunk_bytes += size
        if len(self.chunk) >= CHUNK_RECORDS or self.chunk_bytes >= CHUNK_BYTES:
            self._apply_chunk()

    def _apply_chunk(self) -> None:
        if not self.chunk:
            return
        wanted = self.wanted
        self.present = {
            t: self.staging.existing(t, ids) for t, ids in wanted.items() if t != tables.REVISIONS
        }
        receive = self._receive
        households = [item[1] for apply, item in self.chunk if apply == receive]
        self.receiver.prepare(wanted[tables.REVISIONS], households)
        if self.check is not None:
            self.check.prepare(households)
        for apply, item in self.chunk:
            apply(item)
        self.staging.flush()
        self.chunk = []
        self.chunk_bytes = 0
        self.wanted = {table: [] for table in tables.KEYS}

    def _is_here(self, table: str, key: str) -> bool:
        """Whether a record is here (kept before, or earlier in this bundle); notes it if not."""
        present = self.present[table]
        if key in present:
            return True
        present.add(key)
        return False

    # -- records ------------------------------------------------------------------------------

    def _batch(self, r: Mapping[str, Any]) -> None:
        if self.check is None:
            raise fail("分配数据包不应包含作者批次")
        self.check.batch(dict(r))

    def _time(self, value: Any, what: str, label: str) -> None:
        if self.check is not None and value is not None:
            self.check.check_time(value, what, label)

    def _authored(
        self,
        kind: str,
        r: Mapping[str, Any],
        body: str | None = None,
        record_hash: str | None = None,
    ) -> Member:
        """Who wrote this record (at HQ: checked; it raises unless the author is proven)."""
        if self.check is None:
            return None
        return self.check.record(kind, dict(r), body, record_hash)

    def _keep(self, kind: str, rid: str, member: Member, new: bool) -> None:
        """Remember where a record came from (if new here) and its place in its author's batch."""
        if new:
            self.origins.append((kind, rid, *self.origin))  # staged (``Staging.add``)
        if member is not None:
            self.memberships.append((kind, rid, *member))

    def _household(self, r: Mapping[str, Any]) -> None:
        hid = check_uuid(r.get("id"), "户 ID")
        created_at = _text(r.get("created_at"), "建档时间", optional=False)
        created_by = _text(r.get("created_by"), "建档人")
        self._time(created_at, "建档时间", f"户 {hid}")
        self._count("households")
        self.declared.add(hid)
        self._defer(self._add_household, (hid, created_at, created_by), tables.HOUSEHOLDS, hid)

    def _add_household(self, item: tuple[str, str, str | None]) -> None:
        hid, created_at, created_by = item
        if hid not in self.new and not self._is_here(tables.HOUSEHOLDS, hid):
            self.new.add(hid, created_at, created_by)  # written at the end, with its list entry
            self.changed = True

    def _need_household(self, hid: str) -> None:
        if hid not in self.declared:
            raise fail("数据包中有记录所属的户没有随包提供")

    def _attachment(self, r: Mapping[str, Any]) -> None:
        digest = _text(r.get("sha256"), "附件摘要", optional=False) or ""
        if not HEX64.match(digest):
            raise fail("数据包中的附件摘要格式不正确")
        size = _int(r.get("size"), "附件大小", 0, ATTACHMENT_MAX_BYTES)
        self._time(r.get("added_at"), "添加时间", record_label(authors.ATTACHMENT, digest))
        member = self._authored(authors.ATTACHMENT, r)
        self._count("attachments")
        item = (r, digest, size, member)
        self._defer(self._add_attachment, item, tables.ATTACHMENTS, digest, size)

    def _add_attachment(self, item: tuple[Mapping[str, Any], str, int, Member]) -> None:
        r, digest, size, member = item
        if self._is_here(tables.ATTACHMENTS, digest):
            self._keep(authors.ATTACHMENT, digest, member, False)
            return
        try:
            data = base64.b64decode(str(r.get("data")), validate=True)
        except (binascii.Error, ValueError):
            raise fail("数据包中的附件内容无法读取") from None
        if len(data) != size or hashlib.sha256(data).hexdigest() != digest:
            raise fail("数据包中的附件内容与摘要不符")
        row = (
            digest,
            _text(r.get("name"), "附件名", optional=False, limit=500),
            _text(r.get("mime"), "附件类型", limit=200),
            size,
            data,
            _text(r.get("added_at"), "附件时间"),
            _text(r.get("added_by"), "附件添加人"),
        )
        self.staging.add(tables.ATTACHMENTS, row)
        self._keep(authors.ATTACHMENT, digest, member, True)
        self.report.added["attachments"] += 1
        self.changed = True

    def _prepared_revision(self, revision: Revision) -> None:
        batch, record_hash, index, checked = revision
        values = checked[0]
        rid, hid = values[ID], values[HOUSEHOLD]
        self._need_household(hid)
        member = None
        if self.check is not None:
            member = self.check.member(authors.REVISION, rid, values[DEVICE], batch, record_hash)
        self.counts["revisions"] += 1
        item: Received = (rid, hid, index, member, checked, None)
        self._defer(self._receive, item, tables.REVISIONS, rid, len(values[DATA]))

    def _revision(self, r: Mapping[str, Any], data_text: str | None, ahead: Ahead | None) -> None:
        rid = check_uuid(r.get("id"), "版本 ID")
        hid = check_uuid(r.get("household_id"), "户 ID")
        self._need_household(hid)
        if ahead is not None and data_text is not None:  # prepared: the data is not here
            record_hash, unknown, index = ahead
            member = self._authored(authors.REVISION, r, data_text, record_hash)
            self._count("revisions")
            item: Received = (rid, hid, index, member, None, (r, data_text, unknown))
            self._defer(self._receive, item, tables.REVISIONS, rid, len(data_text))
            return
        data = r.get("data")
        if not isinstance(data, dict):
            raise fail("数据包中的表单数据不是对象")
        if data_text is None or self.check is None or r.get("batch") is None:
            data_text = authors.stored_json(data)
        # else the text as it came: the author's signed hash, checked over this very text when
        # the batch ends, proves it is the text the author stored (no decoding and encoding)
        member = self._authored(authors.REVISION, r, data_text)
        self._count("revisions")
        item = (rid, hid, data, member, None, (r, data_text, None))  # unknown: found when received
        self._defer(self._receive, item, tables.REVISIONS, rid, len(data_text))

    def _receive(self, item: Received) -> None:
        rid, hid, data, member, checked, unchecked = item
        if rid in self.receiver.known:
            self.report.revisions["known"] += 1
            self._keep(authors.REVISION, rid, member, False)
            return
        if checked is None:
            r, data_text, unknown = unchecked  # type: ignore[misc]
            checked = self.fields.checked(r, data, data_text, unknown)
        values = checked[0]
        form_id = values[FORM]
        if self.check is not None:
            self.check.check_revision(
                rid,
                hid,
                form_id,
                values[DEVICE],
                values[SEQ],
                checked[1],
                values[CREATED_AT],
                fresh=hid in self.new,
            )
        outcome = self.receiver.receive(checked)
        self.report.revisions[outcome.kind] += 1
        self._keep(authors.REVISION, rid, member, True)
        self.changed = True
        if outcome.kind == "current":
            if hid in self.new:
                self.new.current(hid, form_id, values[STATE], data)
            else:
                self.reindex.add(hid)
                self.updated.add(hid)
        elif outcome.kind == "conflict":
            self.report.conflicts += 1
            self.conflicted.add(hid)

    def _status(self, r: Mapping[str, Any]) -> None:
        sid = check_uuid(r.get("id"), "状态变更 ID")
        hid = check_uuid(r.get("household_id"), "户 ID")
        self._need_household(hid)
        if r.get("status") not in STATUSES:
            raise fail("数据包中的档案状态不正确")
        _text(r.get("device_id"), "变更设备", limit=64)
        self._time(r.get("changed_at"), "变更时间", record_label(authors.STATUS, sid))
        member = self._authored(authors.STATUS, r)
        check = r.get("rules_check")
        if check is not None and not isinstance(check, dict):
            raise fail("数据包中的状态变更核对结果格式不正确")
        self._count("status_changes")
        row = (
            sid,
            hid,
            r["status"],
            _text(r.get("reason"), "原因"),
            _text(r.get("changed_at"), "变更时间", optional=False, limit=64),
            _text(r.get("author"), "变更人", limit=200),
            None if check is None else json.dumps(check, ensure_ascii=False),
        )
        self._defer(self._add_status, (row, member), tables.STATUS, sid)

    def _add_status(self, item: tuple[tuple[Any, ...], Member]) -> None:
        row, member = item
        sid, hid = row[0], row[1]
        if self._is_here(tables.STATUS, sid):
            self._keep(authors.STATUS, sid, member, False)
            return
        self.staging.add(tables.STATUS, row)
        self._keep(authors.STATUS, sid, member, True)
        self.report.added["status_changes"] += 1
        if hid in self.new:
            self.new.status_changed(hid, row[2], row[4])
        else:
            self.status_touched.add(hid)
        self.changed = True

    def _audit(self, r: Mapping[str, Any]) -> None:
        head = audit_fields.head(r)
        aid, _, detail_text = head
        self._time(r.get("at"), "审计时间", record_label(authors.AUDIT, aid))
        member = self._authored(authors.AUDIT, r, detail_text)
        self._count("audit")
        self._defer(self._add_audit, (audit_fields.row(r, head), member), tables.AUDIT, aid)

    def _prepared_audit(self, audit: Audit) -> None:
        """An audit record checked by ``prepared``: what needs this moment and the author."""
        row, batch, record_hash = audit
        aid = row[0]
        self._time(row[1], "审计时间", record_label(authors.AUDIT, aid))
        member = None
        if self.check is not None:
            member = self.check.member(authors.AUDIT, aid, row[3], batch, record_hash)
        self._count("audit")
        self._defer(self._add_audit, (row, member), tables.AUDIT, aid)

    def _add_audit(self, item: tuple[tuple[Any, ...], Member]) -> None:
        row, member = item
        aid = row[0]
        if self._is_here(tables.AUDIT, aid):
            self._keep(authors.AUDIT, aid, member, False)
            return
        self.staging.add(tables.AUDIT, row)
        self._keep(authors.AUDIT, aid, member, True)
        self.report.added["audit"] += 1
        self.changed = True

    def _end(self, r: Mapping[str, Any]) -> None:
        if (
            r.get("bundle_id") != self.m["bundle_id"]
            or normalised_counts(r.get("counts")) != self.counts
        ):
            raise fail("载荷的结束标记与内容不符")
        self.ended = True
        self.done -= 1

    def _latest_statuses(self) -> None:
        """Households here before whose status changed: the latest change's status (by time,
        then by order) becomes theirs (new households get theirs when they are written)."""
        changed = self.exec(
            "select h.id, s.status from households h join status_changes s on s.rowid = (select "
            "rowid from status_changes where household_id = h.id order by changed_at desc, rowid "
            "desc limit 1) where h.id in (select value from json_each(?)) and s.status != h.status",
            [json.dumps(sorted(self.status_touched))],
        ).fetchall()
        stamp = now_iso()
        self.exec_many(
            "update households set status = ?, updated_at = ? where id = ?",
            [(status, stamp, hid) for hid, status in changed],
        )
        self.updated.update(hid for hid, _ in changed)

    def finish(self) -> None:
        if not self.ended:
            raise fail("载荷不完整（缺少结束标记）")
        expected = normalised_counts(self.m["counts"])
        if expected != self.counts:
            raise fail(f"载荷内容与清单计数不符（清单 {expected}，实际 {self.counts}）")
        store = self.store
        self._apply_chunk()
        if self.staging.new_memberships:
            self.changed = True
        if self.check is not None and self.check.finish(self.m["bundle_id"]):
            self.changed = True
        self._latest_statuses()
        for hid in self.procedures.finish(self.author):
            self.report.conflicts += 1
            self.conflicted.add(hid)
        for hid in self.reindex:
            store.reindex(hid)
        self.new.write()
        report = self.report
        report.new = len(self.new)
        report.updated = len(self.updated - self.new.ids())
        report.conflict_households = len(self.conflicted - self.new.ids() - self.updated)
        report.unchanged = len(self.declared) - report.new - report.updated
        report.unchanged -= report.conflict_households
        report.changed = self.changed
        if self.progress is not None:
            self.progress(self.total, self.total)
        if not self.changed:
            return
        log_import(store, self.m, self.sender, self.author, report, self.env.path)

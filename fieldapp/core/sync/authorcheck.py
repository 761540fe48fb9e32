"""At headquarters: every record in a laptop bundle was written by whom it says, and claims no more.

An enrolled laptop signs its bundles, but a signature alone let any laptop write *as another*: put
laptop A's device id in the manifest and in revisions, inflate A's counter in a version vector so
A's real edits look stale, date a status change 9999-12-31. ``AuthorCheck`` closes each door, for
the importer (``apply``), before the record is kept:

- **devices belong to people**: a revision device id made at enrollment names its staff member
  (``<staff id>/<suffix>``); an older one is bound to the enrolled staff member who first sent
  it (``device_bindings``), HQ's own to its office identity. A bundle, batch or record naming a
  device that belongs to someone else is refused; so is binding an older id whose records
  already came from elsewhere.
- **every record has a provable author**: a record in an author batch (``authorship``) must be
  under one of the batch author's devices, and the batch's statement must verify with the
  author's enrolled certificate (not revoked before it signed), its count and digest matching
  the records received. A record outside any batch (bundles from software before batches) must
  come from the signer's own device.
- **clocks claim only what was seen**: in a revision's version vector, an entry for any device but
  the author's may not exceed the highest counter of that device this household's form has here
  (a stale-save marker, value 1, is the one exception: see docs/concurrency.md).
- **no future**: times beyond now + ``MAX_FUTURE_SKEW_SECONDS`` are refused.

Every refusal names the record; the caller rolls the whole bundle back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from fieldapp.core.store.records import now_iso
from fieldapp.core.store.store import Store
from fieldapp.core.sync import authorship as authors
from fieldapp.core.sync.authorship import record_label
from fieldapp.core.sync.fields import HEX64, check_uuid, fail, integer, moment, text
from fieldapp.core.sync.limits import MAX_FUTURE_SKEW_SECONDS, MAX_ROWS
from fieldapp.core.trust import identity


@dataclass
class Batch:
    statement: dict[str, Any]
    digest: authors.Digest
    new: bool
    """Not stored here yet (a batch received before is checked again, never stored twice)."""


def bound_staff(store: Store, device_id: str) -> str | None:
    """The staff member a revision device id belongs to (None: not known yet). A device id made
    at enrollment names its staff member (``<staff id>/<suffix>``); one from before is bound to
    whoever first sent it (``device_bindings``); this database's own ids to its own identity."""
    named = identity.device_staff(device_id)
    if named is not None:
        return named
    row = store.db.conn.execute(
        "select staff_id from device_bindings where device_id = ?", [device_id]
    ).fetchone()
    if row is not None:
        return str(row[0])
    if device_id in store.device_ids:
        return identity.staff_id(store)
    return None


class AuthorCheck:
    def __init__(self, store: Store, sender: identity.StaffInfo, sender_device: str) -> None:
        self.store = store
        self.sender = sender
        self.sender_device = sender_device
        self.latest = datetime.now(UTC) + timedelta(seconds=MAX_FUTURE_SKEW_SECONDS)
        self.batches: dict[str, Batch] = {}
        self.new_bindings: dict[str, str] = {}
        self.owners: dict[str, str] = {}
        self.known: dict[tuple[str, str], dict[str, int]] = {}
        self.loaded: set[str] = set()

    # -- devices ------------------------------------------------------------------------------

    def check_device(self, device_id: str, staff_id: str, what: str) -> None:
        """``device_id`` is ``staff_id``'s: by its name, by an earlier binding, or bound now."""
        if self.owners.get(device_id) == staff_id:
            return
        bound = self.new_bindings.get(device_id) or bound_staff(self.store, device_id)
        if bound == staff_id:
            self.owners[device_id] = staff_id
            return
        if bound is not None:
            raise fail(
                f"{what}使用的设备 ID {device_id} 属于另一名登记人员，不属于签名者，"
                "拒绝导入（冒用他人设备）"
            )
        if self._has_records(device_id):
            raise fail(
                f"{what}使用的设备 ID {device_id} 在本处已有来自其他来源的记录，不能归属于签名者，"
                "拒绝导入"
            )
        self.new_bindings[device_id] = staff_id
        self.owners[device_id] = staff_id

    def _has_records(self, device_id: str) -> bool:
        row = self.store.db.conn.execute(
            "select 1 from revisions where device_id = ? union all "
            "select 1 from held_revisions where device_id = ? limit 1",
            [device_id, device_id],
        ).fetchone()
        return row is not None

    def check_sender(self, bundle_name: str) -> None:
        self.check_device(self.sender_device, self.sender.staff_id, f"{bundle_name} ")

    # -- author batches -----------------------------------------------------------------------

    def batch(self, r: dict[str, Any]) -> None:
        """Check a batch statement (``t: batch``) and start counting its records."""
        batch_id = check_uuid(r.get("batch_id"), "批次 ID")
        if batch_id in self.batches:
            raise fail(f"数据包中批次 {batch_id} 出现了两次")
        staff = check_uuid(r.get("staff_id"), "批次作者")
        device = text(r.get("device_id"), "批次设备", optional=False, limit=64) or ""
        cert_sha = text(r.get("cert_sha256"), "批次证书指纹", optional=False, limit=64) or ""
        digest = text(r.get("digest"), "批次摘要", optional=False, limit=64) or ""
        if not HEX64.match(cert_sha) or not HEX64.match(digest):
            raise fail(f"批次 {batch_id} 的指纹或摘要格式不正确")
        integer(r.get("count"), "批次记录数", 1, MAX_ROWS)
        text(r.get("signature"), "批次签名", optional=False, limit=400)
        signed_at = self.check_time(r.get("signed_at"), "签署时间", f"批次 {batch_id}")
        row = self.store.db.conn.execute(
            "select certificate, cert_fingerprint, revoked_at, name from devices "
            "where device_id = ?",
            [staff],
        ).fetchone()
        if row is None:
            raise fail(f"批次 {batch_id} 的作者（{staff}）未在本总部登记，拒绝导入")
        certificate, fingerprint, revoked_at, name = row
        if fingerprint != cert_sha:
            raise fail(f"批次 {batch_id} 的作者证书与总部登记的 {name} 的证书不符，拒绝导入")
        if revoked_at and not signed_at < moment(revoked_at, "吊销时间"):
            raise fail(f"批次 {batch_id} 由 {name} 在其设备吊销（{revoked_at}）之后签署，拒绝导入")
        public = identity.load_cert(certificate).public_key()
        if not isinstance(public, ec.EllipticCurvePublicKey) or not authors.verify_statement(
            r, public
        ):
            raise fail(f"批次 {batch_id} 的作者签名不符（{name}），记录被改动或伪造，拒绝导入")
        self.check_device(device, staff, f"批次 {batch_id} ")
        stored = self.store.db.conn.execute(
            "select count, digest from author_batches where batch_id = ?", [batch_id]
        ).fetchone()
        if stored is not None and tuple(stored) != (r.get("count"), digest):
            raise fail(f"批次 {batch_id} 与此前收到的同一批次不符，拒绝导入")
        statement = {k: r.get(k) for k in (*authors.STATEMENT_FIELDS, "signature")}
        self.batches[batch_id] = Batch(statement, authors.Digest(), stored is None)

    def record(
        self,
        kind: str,
        record: dict[str, Any],
        body_text: str | None = None,
        record_hash: str | None = None,
    ) -> tuple[str, int, str] | None:
        """Check who wrote one record: (batch, place, hash) for a batch member, None otherwise.
        ``record_hash``: its hash if computed already from this record and ``body_text``
        (``prepared``); it is added to the batch's digest, checked against the signed one."""
        batch_id = record.get("batch")
        if batch_id is not None and record_hash is None:
            record_hash = authors.record_hash(kind, record, body_text)
        rid = authors.record_id(kind, record)
        return self.member(kind, rid, record.get("device_id"), batch_id, record_hash)

    def member(
        self, kind: str, rid: str, device: Any, batch_id: Any, record_hash: str | None
    ) -> tuple[str, int, str] | None:
        """``record`` for a record already taken apart (``prepared``): its id, device and batch
        as it names them, and its hash (needed if it names a batch)."""
        device = device or self.sender_device
        if batch_id is None:
            if device != self.sender_device:
                raise fail(
                    f"{record_label(kind, rid)} 不是签名者本人产生的（设备不符），也没有作者签名的"
                    "批次，拒绝导入"
                )
            return None
        batch = self.batches.get(str(batch_id))
        if batch is None:
            raise fail(f"{record_label(kind, rid)} 所属的批次 {batch_id} 没有随包提供，拒绝导入")
        if not isinstance(device, str) or len(device) > 64:
            raise fail(f"{record_label(kind, rid)} 的设备 ID 格式不正确")
        staff = str(batch.statement["staff_id"])
        if self.owners.get(device) != staff:
            self.check_device(device, staff, f"{record_label(kind, rid)}（设备不符）")
        index = batch.digest.count
        batch.digest.add(str(record_hash))
        if batch.digest.count > int(batch.statement["count"]):
            raise fail(f"批次 {batch_id} 的记录多于其声明的 {batch.statement['count']} 条")
        return str(batch_id), index, str(record_hash)

    # -- times and clocks ---------------------------------------------------------------------

    def check_time(self, value: Any, what: str, label: str) -> datetime:
        when = moment(value, what)
        if when > self.latest:
            raise fail(f"{label} 的{what} {str(value)[:40]} 在未来，拒绝导入")
        return when

    def prepare(self, household_ids: Iterable[str]) -> None:
        """Load the counters of these households' forms with one query (an importer's next chunk
        of revisions), forgetting the previous chunk's: the database has them by now."""
        self.loaded = set(household_ids)
        self.known = {}
        rows = self.store.db.conn.execute(
            "select household_id, form_id, device_id, max(device_seq) from (select "
            "household_id, form_id, device_id, device_seq from revisions where household_id in "
            "(select value from json_each(?1)) union all select household_id, form_id, device_id, "
            "device_seq from held_revisions where household_id in (select value from json_each(?1)))"
            " group by household_id, form_id, device_id",
            [json.dumps(sorted(self.loaded))],
        )
        for hid, form_id, device, seq in rows:
            self.known.setdefault((str(hid), str(form_id)), {})[str(device)] = int(seq or 0)

    def _known(self, hid: str, form_id: str, fresh: bool = False) -> dict[str, int]:
        """The highest counter per device among the form's revisions here (``fresh``: the
        household arrived in this bundle, so only what this bundle brought)."""
        key = (hid, form_id)
        known = self.known.get(key)
        if known is None and (fresh or hid in self.loaded):
            known = self.known[key] = {}
        if known is None:
            rows = self.store.db.conn.execute(
                "select device_id, max(device_seq) from (select device_id, device_seq from "
                "revisions where household_id = ? and form_id = ? union all select device_id, "
                "device_seq from held_revisions where household_id = ? and form_id = ?) "
                "group by device_id",
                [hid, form_id, hid, form_id],
            )
            known = {str(d): int(s or 0) for d, s in rows}
            self.known[key] = known
        return known

    def check_clock(
        self,
        hid: str,
        form_id: str,
        device: str,
        clock: dict[str, int],
        label: str,
        *,
        fresh: bool = False,
    ) -> None:
        known = self._known(hid, form_id, fresh)
        for other, seq in clock.items():
            if other == device:
                continue
            have = known.get(other)
            if seq > (have if have is not None else 1):
                raise fail(
                    f"{label} 的版本向量声称已见过设备 {other} 的第 {seq} 号修改，本处该户此表只有"
                    f"到第 {have or 0} 号；版本向量只能推进签名者本人的计数，拒绝导入"
                )

    def check_revision(
        self,
        rid: str,
        hid: str,
        form_id: str,
        device: str,
        seq: int,
        clock: dict[str, int],
        created_at: str,
        *,
        fresh: bool,
    ) -> None:
        """A revision about to be received: its time (``check_time``) and clock
        (``check_clock``) checked, then its counter noted (``received``); its label is made
        only to refuse it."""
        if moment(created_at, "保存时间") > self.latest:
            self.check_time(created_at, "保存时间", record_label(authors.REVISION, rid))
        if len(clock) > 1 or device not in clock:  # else only the author's own counter
            self.check_clock(
                hid, form_id, device, clock, record_label(authors.REVISION, rid), fresh=fresh
            )
        self.received(hid, form_id, device, seq, fresh)

    def received(self, hid: str, form_id: str, device: str, seq: int, fresh: bool = False) -> None:
        known = self._known(hid, form_id, fresh)
        known[device] = max(known.get(device, 0), seq)

    # -- the end --------------------------------------------------------------------------------

    def finish(self, bundle_id: str) -> bool:
        """Check every batch was received whole; keep new statements and bindings. Whether
        anything was written."""
        for batch_id, batch in self.batches.items():
            count = int(batch.statement["count"])
            if batch.digest.count != count or batch.digest.hexdigest() != batch.statement["digest"]:
                raise fail(
                    f"批次 {batch_id} 的记录与作者签名的摘要不符（声明 {count} 条，收到 "
                    f"{batch.digest.count} 条），记录缺失、被改动或伪造，拒绝导入"
                )
        changed = False
        for batch in self.batches.values():
            if batch.new:
                authors.store_statement(self.store, batch.statement)
                changed = True
        for device_id, staff_id in self.new_bindings.items():
            self.store.db.conn.execute(
                "insert into device_bindings (device_id, staff_id, bound_at, bundle_id) "
                "values (?, ?, ?, ?)",
                [device_id, staff_id, now_iso(), bundle_id],
            )
            changed = True
        return changed

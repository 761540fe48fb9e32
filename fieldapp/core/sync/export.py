"""Export (laptop → HQ): this laptop's own work since its last export, each record provably its own.

Only records this device wrote are sent: its revisions and audit entries (by device id), and the
status changes and attachments that did not arrive here in a bundle (``record_origins``). Before
the file is written, those not yet in an author batch are put in a new one signed with the staff
key (``authorship``); the bundle carries each batch's statement and every record names its batch,
so headquarters — or an office above the one that relays it — can check that this laptop wrote
each record, and nothing else.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fieldapp.core.store.store import Store
from fieldapp.core.store.versions import Clocks
from fieldapp.core.sync import authorship as authors
from fieldapp.core.sync import procedure_sync
from fieldapp.core.sync.container import BundleError, write_bundle
from fieldapp.core.sync.records import (
    KIND_UP,
    Counter,
    Record,
    attachment_record,
    audit_record,
    build_manifest,
    check_payload,
    encode_revision,
    household_record,
    households_digest,
    log_bundle,
    revision_head,
    status_record,
)
from fieldapp.core.trust import identity

MARK_TABLES = {
    "revisions": "select max(rowid) from revisions",
    "status_changes": "select max(rowid) from status_changes",
    "audit": "select max(seq) from audit",
    "attachments": "select max(rowid) from attachments",
    "check_records": "select max(rowid) from check_records",
    **procedure_sync.MARKS,
}
MARK_OF = {
    authors.ATTACHMENT: "attachments",
    authors.REVISION: "revisions",
    authors.STATUS: "status_changes",
    authors.AUDIT: "audit",
    authors.CHECK_RECORD: "check_records",
}
OWN_FROM = {
    authors.ATTACHMENT: (
        "from attachments x left join record_batches b on b.kind = 'attachment' "
        "and b.record_id = x.sha256 where x.rowid > ? and x.rowid <= ? and not exists "
        "(select 1 from record_origins o where o.kind = 'attachment' and o.record_id = x.sha256)",
        "x.rowid",
    ),
    authors.REVISION: (
        "from revisions x left join record_batches b on b.kind = 'revision' "
        "and b.record_id = x.id where x.rowid > ? and x.rowid <= ? and x.device_id in "
        "(select value from json_each(?))",
        "x.rowid",
    ),
    authors.STATUS: (
        "from status_changes x left join record_batches b on b.kind = 'status' "
        "and b.record_id = x.id where x.rowid > ? and x.rowid <= ? and not exists "
        "(select 1 from record_origins o where o.kind = 'status' and o.record_id = x.id)",
        "x.rowid",
    ),
    authors.AUDIT: (
        "from audit x left join record_batches b on b.kind = 'audit' and b.record_id = x.id "
        "where x.seq > ? and x.seq <= ? and x.device_id in (select value from json_each(?))",
        "x.seq",
    ),
    authors.CHECK_RECORD: (
        "from check_records x left join record_batches b on b.kind = 'check' "
        "and b.record_id = x.revision_id where x.rowid > ? and x.rowid <= ? and x.device_id in "
        "(select value from json_each(?))",
        "x.rowid",
    ),
}
"""Per kind, the rows this device wrote in a range of row ids (``x``) with their batch (``b``),
and their order: revisions and audit entries carry the device id; status changes and attachments
are this device's unless they arrived in a bundle; check records carry the device id too."""
BY_DEVICE = (authors.REVISION, authors.AUDIT, authors.CHECK_RECORD)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    bundle_id: str
    kind: str
    counts: dict[str, int]
    size: int
    manifest: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "bundle_id": self.bundle_id,
            "kind": self.kind,
            "counts": self.counts,
            "size": self.size,
        }


def marks(store: Store) -> dict[str, int]:
    return {
        name: int(store.db.execute(sql).fetchone()[0] or 0) for name, sql in MARK_TABLES.items()
    }


def last_export(store: Store) -> dict[str, Any] | None:
    rows = list(
        store.db.query(
            "select * from bundle_log where direction = 'export' and kind = ? "
            "order by seq desc limit 1",
            [KIND_UP],
        )
    )
    return dict(rows[0]) if rows else None


class OwnRecords:
    """This device's records in the export's ranges, as payload records of one kind at a time."""

    def __init__(self, store: Store, ranges: Mapping[str, tuple[int, int]]) -> None:
        self.store = store
        self.ranges = ranges
        self.clocks = Clocks(store)
        self.device = store.device_id
        self.own = json.dumps(store.device_ids)

    def select(
        self, kind: str, what: str, *, ordered: bool = False, unsigned: bool = False
    ) -> Iterator[dict[str, Any]]:
        low, high = self.ranges[MARK_OF[kind]]
        args: list[Any] = [low, high] + ([self.own] if kind in BY_DEVICE else [])
        where, order = OWN_FROM[kind]
        sql = f"select {what} {where}" + (" and b.batch_id is null" if unsigned else "")
        sql += f" order by {order}" if ordered else ""
        for row in self.store.db.query(sql, args):
            yield dict(row)

    def rows(self, kind: str) -> Iterator[dict[str, Any]]:
        what = "x.*, b.batch_id, (select device_id from author_batches a where a.batch_id = "
        return self.select(kind, what + "b.batch_id) as batch_device", ordered=True)

    def authored(self, kind: str, row: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
        """The payload record (without an attachment's bytes) and, for a revision, its data."""
        if kind == authors.REVISION:
            return revision_head(self.clocks, row), str(row["data"])
        device = row.get("batch_device") or self.device  # as signed, whatever the id is now
        if kind == authors.ATTACHMENT:
            keys = ("sha256", "name", "mime", "size", "added_at", "added_by")
            return {"t": "attachment", **{k: row[k] for k in keys}, "device_id": device}, None
        if kind == authors.STATUS:
            return {**status_record(row), "device_id": device}, None
        if kind == authors.CHECK_RECORD:
            return check_payload(row), None
        return audit_record(row), None

    def sign_new(self, signer: identity.SigningIdentity) -> None:
        """Put every record not yet in a batch in one new batch, in the order they are written.

        Only the signer may vouch for records under a device id that names a staff member: audit
        entries left under an earlier enrollment's id (re-enrollment refuses while revisions or
        status changes are unsent, ``take_enrollment``) stay here unsigned and are not sent."""
        me = identity.staff_info(signer.certificate).staff_id

        def pending() -> Iterator[authors.Pending]:
            for kind in authors.KINDS:
                for row in self.select(kind, "x.*", ordered=True, unsigned=True):
                    named = identity.device_staff(str(row.get("device_id") or ""))
                    if kind in BY_DEVICE and named not in (None, me):
                        continue
                    record, data = self.authored(kind, row)
                    body = authors.stored_json(json.loads(data)) if data is not None else None
                    rid = authors.record_id(kind, record)
                    yield authors.Pending(kind, rid, authors.record_hash(kind, record, body))

        with self.store.db.atomic():
            authors.sign_batch(self.store, signer, pending())

    def distinct(self, kinds: tuple[str, ...], column: str) -> set[str]:
        return {
            str(row["value"])
            for kind in kinds
            for row in self.select(kind, f"distinct {column} as value")
            if row["value"] is not None
        }

    def records(self, kind: str) -> Iterator[Record]:
        """The records of this kind in a batch (after ``sign_new``: all that can be proven)."""
        for row in self.rows(kind):
            if row["batch_id"] is None:
                continue
            batch = {"batch": row["batch_id"]}
            if kind == authors.REVISION:
                head, data = self.authored(kind, row)
                yield encode_revision({**head, **batch}, str(data))
            elif kind == authors.ATTACHMENT:
                device = row.get("batch_device") or self.device
                yield {**attachment_record(row), "device_id": device, **batch}
            else:
                yield {**self.authored(kind, row)[0], **batch}


def export_bundle(
    store: Store, out: Path, passphrase: bytes, *, author: str, full: bool = False
) -> ExportResult:
    """Write this laptop's work since its last export (everything with ``full``) to ``out``."""
    if identity.identity_mode(store) != identity.MODE_LAPTOP:
        raise BundleError(
            "本数据库不是已登记的笔记本，不能导出上报数据包：请先登记本机（菜单“数据包 → 设备登记”，"
            "或命令 fieldapp enroll 登记文件）"
        )
    signer = identity.signing_identity(store, passphrase)
    recipient = identity.hq_receive_public_key(store)
    previous = None if full else last_export(store)
    since = json.loads(previous["marks"]) if previous else dict.fromkeys(MARK_TABLES, 0)
    until = marks(store)
    ranges = {k: (int(since.get(k, 0)), until[k]) for k in MARK_TABLES}
    with store.db.atomic():  # laptops enrolled before device ids named their staff member
        identity.bind_device(store, identity.staff_info(signer.certificate).staff_id)
    own = OwnRecords(store, ranges)
    own.sign_new(signer)
    household_ids = own.distinct(
        (authors.REVISION, authors.STATUS, authors.CHECK_RECORD), "x.household_id"
    )
    procedures = procedure_sync.own_rows(store, ranges)
    household_ids |= {str(r["household_id"]) for rows in procedures.values() for r in rows}
    bundle_id = str(uuid.uuid4())
    counter = Counter()
    db = store.db

    def records() -> Iterator[Record]:
        yield {"t": "begin", "bundle_id": bundle_id, "kind": KIND_UP}
        yield from authors.statement_records(store, own.distinct(authors.KINDS, "b.batch_id"))
        for hid in sorted(household_ids):
            row = db.execute(
                "select id, created_at, created_by from households where id = ?", [hid]
            ).fetchone()
            if row is not None:
                counter.counts["households"] += 1
                yield household_record({"id": row[0], "created_at": row[1], "created_by": row[2]})
        for kind in authors.KINDS:
            yield from counter.wrap(MARK_OF[kind], own.records(kind))
        for what, record in procedure_sync.payload(procedures):
            yield from counter.wrap(what, [record])
        yield {"t": "end", "bundle_id": bundle_id, "counts": dict(counter.counts)}

    form_versions = sorted(
        {
            str(row["value"] or "")
            for row in own.select(authors.REVISION, "distinct x.form_version as value")
        }
    )
    manifest = build_manifest(
        store,
        bundle_id,
        KIND_UP,
        signer,
        recipient={"hq": identity.hq_id(store)},
        covers={
            "full": full,
            "previous_bundle": previous["bundle_id"] if previous else None,
            "since": None if full else {k: v[0] for k, v in ranges.items()},
            "until": until,
            "households_sha256": households_digest(household_ids),
        },
        form_versions=form_versions,
    )
    manifest["counts"] = counter.counts  # filled in while the records are written
    final = write_bundle(out, manifest, records(), recipient=recipient, signer=signer.private_key)
    size = out.stat().st_size
    with store.db.atomic():
        log_bundle(
            store, final, "export", author, peer=identity.hq_id(store) or "", marks=until, full=full
        )
        store.audit(
            author,
            "export_bundle",
            detail={"bundle": bundle_id, "counts": counter.counts, "full": full, "file": out.name},
        )
    return ExportResult(out, bundle_id, KIND_UP, dict(counter.counts), size, final)


def relayed_records(store: Store, batch_ids: list[str]) -> Iterator[Record]:
    """Whole batches this store holds, each statement followed by its records in batch order:
    what an office forwarding others' work upward puts in its bundle (the authors' signatures
    hold unchanged). Records are read from wherever they are kept here, held ones included."""
    clocks = Clocks(store)
    db = store.db
    for batch_id in batch_ids:
        yield authors.statement_record(store, batch_id)
        members = db.execute(
            "select kind, record_id from record_batches where batch_id = ? order by batch_index",
            [batch_id],
        ).fetchall()
        device = str(authors.statement_record(store, batch_id)["device_id"])
        for kind, rid in members:
            batch = {"batch": batch_id}
            if kind == authors.REVISION:
                row = next(
                    iter(db.query("select * from revisions where id = ?", [rid])), None
                ) or next(iter(db.query("select * from held_revisions where id = ?", [rid])))
                yield encode_revision({**revision_head(clocks, row), **batch}, str(row["data"]))
            elif kind == authors.ATTACHMENT:
                row = next(iter(db.query("select * from attachments where sha256 = ?", [rid])))
                yield {**attachment_record(row), "device_id": device, **batch}
            elif kind == authors.STATUS:
                row = next(iter(db.query("select * from status_changes where id = ?", [rid])))
                yield {**status_record(row), "device_id": device, **batch}
            elif kind == authors.CHECK_RECORD:
                query = "select * from check_records where revision_id = ?"
                yield {**check_payload(next(iter(db.query(query, [rid])))), **batch}
            else:
                row = next(iter(db.query("select * from audit where id = ?", [rid])))
                yield {**audit_record(row), **batch}

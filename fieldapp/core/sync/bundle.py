"""Sync bundles: a laptop's work carried to headquarters on a USB stick, and assignments back.

``export_bundle`` (laptop → HQ) writes every revision, audit entry, status change and attachment
made since the last export (or everything with ``full``), encrypted for headquarters and signed by
the laptop's enrolled key; ``assign_bundle`` (HQ → one laptop) writes the chosen households' current
data, all 低保 standards and the form version, encrypted for that laptop and signed by the HQ
office identity. ``import_bundle`` (in ``sync_import``) checks and applies either kind.

The file format is documented in docs/bundle-format.md; the container is in ``sync_container``,
the version vectors and conflicts in ``sync_merge``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from fieldapp.core.store.standards import standard_kind
from fieldapp.core.store.store import Store
from fieldapp.core.sync.apply import ImportReport
from fieldapp.core.sync.container import (
    BundleError,
    read_envelope,
    verify_signature,
    write_bundle,
)
from fieldapp.core.sync.importer import import_bundle
from fieldapp.core.sync.merge import Clocks
from fieldapp.core.sync.records import (
    KIND_ASSIGN,
    KIND_UP,
    STANDARD_RECORDS,
    Counter,
    Record,
    attachment_record,
    attachment_refs,
    audit_record,
    build_manifest,
    household_record,
    households_digest,
    log_bundle,
    revision_record,
    standard_record,
    status_record,
)
from fieldapp.core.trust import identity

SUFFIX = ".hhq"
MARK_TABLES = {
    "revisions": "select max(rowid) from revisions",
    "status_changes": "select max(rowid) from status_changes",
    "audit": "select max(seq) from audit",
    "attachments": "select max(rowid) from attachments",
}

__all__ = [
    "ImportReport",
    "import_bundle",
    "KIND_ASSIGN",
    "KIND_UP",
    "BundleError",
    "ExportResult",
    "assign_bundle",
    "export_bundle",
    "inspect_bundle",
]


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


# -- export (laptop → HQ) -------------------------------------------------------------------------


def _marks(store: Store) -> dict[str, int]:
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


def export_bundle(
    store: Store, out: Path, passphrase: bytes, *, author: str, full: bool = False
) -> ExportResult:
    """Write this laptop's work since its last export (everything with ``full``) to ``out``."""
    if identity.identity_mode(store) != identity.MODE_LAPTOP:
        raise BundleError(
            "本数据库不是已登记的笔记本，不能导出上报数据包（请先 fieldapp enroll 登记文件）"
        )
    signer = identity.signing_identity(store, passphrase)
    recipient = identity.hq_receive_public_key(store)
    previous = None if full else last_export(store)
    since = json.loads(previous["marks"]) if previous else dict.fromkeys(MARK_TABLES, 0)
    until = _marks(store)
    device = store.device_id
    ranges = {k: (int(since.get(k, 0)), until[k]) for k in MARK_TABLES}

    def between(table: str, key: str = "rowid") -> tuple[str, list[Any]]:
        low, high = ranges[table]
        return f"{key} > ? and {key} <= ?", [low, high]

    rev_where, rev_args = between("revisions")
    aud_where, aud_args = between("audit", "seq")
    st_where, st_args = between("status_changes")
    at_where, at_args = between("attachments")
    household_ids = {
        str(r[0])
        for r in store.db.execute(
            f"select household_id from revisions where {rev_where} and device_id = ? "
            f"union select household_id from status_changes where {st_where}",
            [*rev_args, device, *st_args],
        )
    }
    bundle_id = str(uuid.uuid4())
    counter = Counter()
    clocks = Clocks(store)
    db = store.db

    def records() -> Iterator[Record]:
        yield {"t": "begin", "bundle_id": bundle_id, "kind": KIND_UP}
        for hid in sorted(household_ids):
            row = db.execute(
                "select id, created_at, created_by from households where id = ?", [hid]
            ).fetchone()
            if row is not None:
                counter.counts["households"] += 1
                yield household_record({"id": row[0], "created_at": row[1], "created_by": row[2]})
        yield from counter.wrap(
            "attachments",
            map(
                attachment_record, db.query(f"select * from attachments where {at_where}", at_args)
            ),
        )
        revs = db.query(
            f"select * from revisions where {rev_where} and device_id = ? order by rowid",
            [*rev_args, device],
        )
        yield from counter.wrap("revisions", (revision_record(clocks, r) for r in revs))
        statuses = db.query(
            f"select * from status_changes where {st_where} order by rowid", st_args
        )
        yield from counter.wrap("status_changes", map(status_record, statuses))
        audits = db.query(
            f"select * from audit where {aud_where} and device_id = ? order by seq",
            [*aud_args, device],
        )
        yield from counter.wrap("audit", map(audit_record, audits))
        yield {"t": "end", "bundle_id": bundle_id, "counts": dict(counter.counts)}

    form_versions = sorted(
        {
            str(r[0] or "")
            for r in db.execute(
                f"select distinct form_version from revisions where {rev_where} and device_id = ?",
                [*rev_args, device],
            )
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


# -- assign (HQ → one laptop) ---------------------------------------------------------------------


def assign_bundle(
    store: Store,
    out: Path,
    passphrase: bytes,
    *,
    to: str,
    households: Iterable[str],
    author: str,
) -> ExportResult:
    """Write the chosen households' current data for one enrolled laptop (staff member)."""
    hq = identity.require_hq(store)
    target = identity.device(store, to)
    if target["device_id"] == identity.staff_id(store):
        raise BundleError("不能分配给总部自身的办公室身份，请指定一名已登记的干部")
    if target["revoked_at"]:
        raise BundleError(f"{target['name']} 的设备已吊销，不能再向其分配")
    if not target.get("receive_public_key"):
        raise BundleError(f"{target['name']} 的登记缺少接收公钥，请重新登记")
    recipient = identity.load_x25519_public(target["receive_public_key"])
    signer = identity.signing_identity(store, passphrase)
    ids: list[str] = []
    for ref in households:
        hid = str(store.household(ref)["id"])
        if hid not in ids:
            ids.append(hid)
    if not ids:
        raise BundleError("请指定要分配的户（--households 或 --region）")
    bundle_id = str(uuid.uuid4())
    counter = Counter()
    clocks = Clocks(store)
    db = store.db

    def heads(hid: str) -> list[dict[str, Any]]:
        return [
            dict(r)
            for r in db.query(
                "select r.* from revisions r join (select form_id, max(rowid) as top from "
                "revisions where household_id = ? group by form_id) t on r.rowid = t.top "
                "order by r.rowid",
                [hid],
            )
        ]

    def records() -> Iterator[Record]:
        yield {"t": "begin", "bundle_id": bundle_id, "kind": KIND_ASSIGN}
        refs: set[str] = set()
        for hid in ids:
            for row in heads(hid):
                attachment_refs(json.loads(row["data"]), refs)
            row = db.execute(
                "select id, created_at, created_by from households where id = ?", [hid]
            ).fetchone()
            counter.counts["households"] += 1
            yield household_record({"id": row[0], "created_at": row[1], "created_by": row[2]})
        for digest in sorted(refs):
            rows = list(db.query("select * from attachments where sha256 = ?", [digest]))
            yield from counter.wrap("attachments", map(attachment_record, rows))
        for record_type, kind in STANDARD_RECORDS.items():
            spec = standard_kind(kind)
            table_rows = db.query(f"select * from {spec.table} order by rowid")
            yield from counter.wrap(
                spec.table, (standard_record(record_type, row) for row in table_rows)
            )
        for hid in ids:
            yield from counter.wrap("revisions", (revision_record(clocks, r) for r in heads(hid)))
        for hid in ids:
            statuses = db.query(
                "select * from status_changes where household_id = ? order by rowid", [hid]
            )
            yield from counter.wrap("status_changes", map(status_record, statuses))
        yield {"t": "end", "bundle_id": bundle_id, "counts": dict(counter.counts)}

    form_versions = sorted(
        {
            str(r[0] or "")
            for hid in ids
            for r in db.execute(
                "select distinct form_version from revisions where household_id = ?", [hid]
            )
        }
    )
    manifest = build_manifest(
        store,
        bundle_id,
        KIND_ASSIGN,
        signer,
        recipient={"staff_id": target["device_id"]},
        covers={"full": True, "households_sha256": households_digest(ids)},
        form_versions=form_versions,
    )
    manifest["counts"] = counter.counts
    final = write_bundle(out, manifest, records(), recipient=recipient, signer=signer.private_key)
    with store.db.atomic():
        log_bundle(store, final, "export", author, peer=target["device_id"])
        store.audit(
            author,
            "assign_bundle",
            detail={
                "bundle": bundle_id,
                "to": target["device_id"],
                "name": target["name"],
                "households": len(ids),
                "hq_id": hq,
            },
        )
    return ExportResult(
        out, bundle_id, KIND_ASSIGN, dict(counter.counts), out.stat().st_size, final
    )


# -- inspect --------------------------------------------------------------------------------------


def inspect_bundle(path: Path) -> dict[str, Any]:
    """What the manifest says and whether the file is intact (no keys needed, nothing trusted)."""
    env = read_envelope(path)
    manifest = env.manifest
    sender = manifest.get("sender") if isinstance(manifest.get("sender"), dict) else {}
    assert isinstance(sender, dict)
    out: dict[str, Any] = {
        "file": str(path),
        "size": env.file_size,
        "bundle_id": manifest.get("bundle_id"),
        "kind": manifest.get("kind"),
        "hq_id": manifest.get("hq_id"),
        "created_at": manifest.get("created_at"),
        "survey": manifest.get("survey"),
        "form_versions": manifest.get("form_versions"),
        "covers": manifest.get("covers"),
        "counts": manifest.get("counts"),
        "recipient": manifest.get("recipient"),
    }
    try:
        cert = identity.load_cert(str(sender.get("certificate") or ""))
        info = identity.staff_info(cert)
        out["sender"] = {**info.__dict__, "device_id": sender.get("device_id")}
        public = cert.public_key()
        if not isinstance(public, ec.EllipticCurvePublicKey):
            raise BundleError("发送者证书不是 ECDSA 证书")
        verify_signature(env, public)
        out["intact"] = True
        out["problem"] = None
    except (BundleError, identity.IdentityError) as exc:
        out["intact"] = False
        out["problem"] = str(exc)
    return out

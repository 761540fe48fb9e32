"""Sync bundles: a laptop's work carried to headquarters on a USB stick, and assignments back.

``export_bundle`` (laptop → HQ, in ``export``) writes every revision, audit entry, status change
and attachment this laptop made since the last export (or everything with ``full``), encrypted
for headquarters and signed by the laptop's enrolled key; ``assign_bundle`` (HQ → one laptop)
writes the chosen households' current data, all 低保 standards, the revocation list and the form version, encrypted for
that laptop and signed by the HQ office identity. ``import_bundle`` (in ``importer``) checks and
applies either kind.

The file format is documented in docs/bundle-format.md; the container is in ``container``, the
version vectors and conflicts in ``merge``, who wrote each record in ``authorship``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from fieldapp.core.store.standards import standard_kind
from fieldapp.core.store.store import Store
from fieldapp.core.store.versions import Clocks
from fieldapp.core.sync import procedure_sync
from fieldapp.core.sync.container import (
    BundleError,
    read_envelope,
    verify_signature,
    write_bundle,
)
from fieldapp.core.sync.export import ExportResult, export_bundle, last_export
from fieldapp.core.sync.importer import import_bundle
from fieldapp.core.sync.records import (
    KIND_ASSIGN,
    KIND_UP,
    STANDARD_RECORDS,
    Counter,
    Record,
    attachment_record,
    attachment_refs,
    build_manifest,
    household_record,
    households_digest,
    log_bundle,
    revision_record,
    revocation_record,
    standard_record,
    status_record,
)
from fieldapp.core.sync.report import ImportReport
from fieldapp.core.trust import identity, revocation

SUFFIX = ".hhq"

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
    "last_export",
]


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
        revoked = revocation.revocations(store).entries.values()
        yield from counter.wrap("revocations", map(revocation_record, revoked))
        for hid in ids:
            yield from counter.wrap("revisions", (revision_record(clocks, r) for r in heads(hid)))
        for hid in ids:
            statuses = db.query(
                "select * from status_changes where household_id = ? order by rowid", [hid]
            )
            yield from counter.wrap("status_changes", map(status_record, statuses))
        for what, record in procedure_sync.payload(procedure_sync.household_rows(store, ids)):
            yield from counter.wrap(what, [record])
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
    except Exception as exc:  # untrusted bytes: any failure is a finding, never a traceback
        out["intact"] = False
        out["problem"] = f"{path.name} 已损坏（{type(exc).__name__}: {exc}）"[:300]
    return out

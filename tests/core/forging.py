"""Building bundles by hand for the adversarial tests: real keys, whatever records and claims.

``forge`` signs with any enrolled laptop's real key and encrypts for headquarters, so every check
before the payload passes and what is tested is the payload's content; ``device_id`` puts another
device id in the manifest. ``revision``/``status``/``audit`` make records shaped as export makes
them (``batch`` to name an author batch).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from fieldapp.core.store.records import Revision
from fieldapp.core.store.store import Store
from fieldapp.core.sync import records as sync_records
from fieldapp.core.sync.container import write_bundle
from fieldapp.core.trust import identity

COUNT_OF = {
    "household": "households",
    "revision": "revisions",
    "status": "status_changes",
    "audit": "audit",
    "attachment": "attachments",
    "dibao": "dibao_standards",
    "check": "check_records",
    "case": "procedure_cases",
    "step": "procedure_steps",
}


def forge(
    signer: Store,
    passphrase: bytes,
    out: Path,
    records: list[Any],
    *,
    counts: dict[str, int] | None = None,
    device_id: str | None = None,
) -> Path:
    """A bundle from ``signer``'s laptop (its real key) with these records, encrypted for HQ.

    Records are JSON objects or already encoded lines (``bytes``, as export writes revisions)."""
    key = identity.signing_identity(signer, passphrase)
    bundle_id = str(uuid.uuid4())
    manifest = sync_records.build_manifest(
        signer,
        bundle_id,
        sync_records.KIND_UP,
        key,
        recipient={"hq": identity.hq_id(signer)},
        covers={"full": True},
        form_versions=[signer.survey.version],
    )
    if device_id is not None:
        manifest["sender"]["device_id"] = device_id
    real = dict.fromkeys(sync_records.COUNTED, 0)
    for record in records:
        kind = _kind(record)
        if kind in COUNT_OF:
            real[COUNT_OF[kind]] += 1
    manifest["counts"] = counts or real
    body = [
        {"t": "begin", "bundle_id": bundle_id},
        *records,
        {"t": "end", "bundle_id": bundle_id, "counts": real},
    ]
    write_bundle(
        out,
        manifest,
        body,
        recipient=identity.hq_receive_public_key(signer),
        signer=key.private_key,
    )
    return out


def _kind(record: Any) -> str:
    if isinstance(record, bytes):
        return "revision" if record.startswith(b'{"t":"revision"') else ""
    return str(record.get("t", ""))


def household(hid: str | None = None) -> dict[str, Any]:
    return {
        "t": "household",
        "id": hid or str(uuid.uuid4()),
        "created_at": "2026-11-01T00:00:00",
        "created_by": "x",
    }


def revision(
    store: Store, hid: str, *, device_id: str, seq: int, clock: dict[str, int], **fields: Any
) -> dict[str, Any]:
    return {
        "t": "revision",
        "id": str(uuid.uuid4()),
        "household_id": hid,
        "form_id": "A",
        "form_version": store.survey.version,
        "state": "draft",
        "data": {"name": "伪造"},
        "created_at": "2026-11-01T00:00:00",
        "author": "x",
        "device_id": device_id,
        "device_seq": seq,
        "parent_id": None,
        "clock": clock,
        "merged_from": [],
        **fields,
    }


def status(hid: str, **fields: Any) -> dict[str, Any]:
    return {
        "t": "status",
        "id": str(uuid.uuid4()),
        "household_id": hid,
        "status": "注销",
        "reason": "伪造",
        "changed_at": "2026-11-01T00:00:00",
        "author": "x",
        **fields,
    }


def audit(device_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "t": "audit",
        "id": str(uuid.uuid4()),
        "at": "2026-11-01T00:00:00",
        "actor": "x",
        "device_id": device_id,
        "action": "save_draft",
        "household_id": None,
        "form_id": None,
        "revision_id": None,
        "detail": {},
        **fields,
    }


def successor(
    store: Store, head: Revision, *, device_id: str, ahead: int = 1, **fields: Any
) -> dict[str, Any]:
    """A revision claiming to follow ``head`` under ``device_id``, ``ahead`` counts past it."""
    seq = head.device_seq + ahead
    return revision(
        store,
        head.household_id,
        device_id=device_id,
        seq=seq,
        clock={device_id: seq},
        parent_id=head.id,
        **fields,
    )

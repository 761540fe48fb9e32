"""Payload records and manifests of sync bundles (shared by export, assign and import).

The record shapes are documented in docs/bundle-format.md ("The payload").
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from fieldapp import __version__
from fieldapp.core.procedures.records import CASE_FIELDS, STEP_FIELDS
from fieldapp.core.store.records import now_iso
from fieldapp.core.store.standards import DIBAO, MINIMUM_WAGE
from fieldapp.core.store.store import Store
from fieldapp.core.store.versions import Clocks
from fieldapp.core.sync.container import FORMAT_NAME, FORMAT_VERSION
from fieldapp.core.sync.fields import sha256_file
from fieldapp.core.sync.report import ADDED_TABLES, ImportReport
from fieldapp.core.trust import identity
from fieldapp.core.trust.revocation import Revocation

KIND_UP = "laptop-to-hq"
KIND_ASSIGN = "hq-to-laptop"
KINDS = (KIND_UP, KIND_ASSIGN)
COUNTED = ("households", "revisions", *ADDED_TABLES)
# Counts missing from an older bundle are read as 0 (normalised_counts).
STANDARD_RECORDS = {"dibao": DIBAO, "min_wage": MINIMUM_WAGE}
"""Payload record type -> the kind of local standard it carries (assign bundles only)."""

Record = dict[str, Any] | bytes
"""A payload record: a JSON object, or one already encoded as a line (without the newline)."""


def household_record(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "t": "household",
        "id": row["id"],
        "created_at": row["created_at"],
        "created_by": row["created_by"],
    }


def attachment_record(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "t": "attachment",
        "sha256": row["sha256"],
        "name": row["name"],
        "mime": row["mime"],
        "size": row["size"],
        "added_at": row["added_at"],
        "added_by": row["added_by"],
        "data": base64.b64encode(bytes(row["data"])).decode("ascii"),
    }


def revision_head(clocks: Clocks, row: Mapping[str, Any]) -> dict[str, Any]:
    """A revision's payload record without its form data (the clock as stored or computed)."""
    if "clock" in row.keys():  # a held revision keeps its clock with it
        stored = (row["clock"], row["merged_from"])
    else:
        stored = clocks.store.db.conn.execute(
            "select clock, merged_from from revision_clocks where revision_id = ?", [row["id"]]
        ).fetchone()
    if stored is not None:
        clock = json.loads(stored[0])
        merged = json.loads(stored[1]) if stored[1] else []
    else:
        clock = clocks.of(row["parent_id"]) if row["parent_id"] else {}
        device, seq = row["device_id"] or "", int(row["device_seq"] or 0)
        if seq > clock.get(device, 0):
            clock = {**clock, device: seq}
        merged = []
    clocks.remember(row["id"], clock)
    return {
        "t": "revision",
        "id": row["id"],
        "household_id": row["household_id"],
        "form_id": row["form_id"],
        "form_version": row["form_version"] or "",
        "state": row["state"],
        "created_at": row["created_at"],
        "author": row["author"] or "",
        "device_id": row["device_id"] or "",
        "device_seq": int(row["device_seq"] or 0),
        "parent_id": row["parent_id"],
        "clock": dict(sorted(clock.items())),
        "merged_from": merged,
    }


def encode_revision(head: Mapping[str, Any], data_text: str) -> bytes:
    """One revision as a payload line; the stored JSON text of the data is spliced in as is."""
    encoded = json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode()
    return encoded[:-1] + b',"data":' + data_text.encode() + b"}"


def revision_record(clocks: Clocks, row: Mapping[str, Any]) -> bytes:
    return encode_revision(revision_head(clocks, row), str(row["data"]))


def status_record(row: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("id", "household_id", "status", "reason", "changed_at", "author")
    record = {"t": "status", **{k: row[k] for k in keys}}
    if row.get("rules_check"):
        record["rules_check"] = json.loads(row["rules_check"])
    return record


def case_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """A procedure case (fieldapp.core.procedures) as a payload record."""
    return {"t": "case", **{k: row[k] for k in CASE_FIELDS}}


def step_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """A procedure step as a payload record (its data as the object it is)."""
    return {"t": "step", **{k: row[k] for k in STEP_FIELDS}, "data": json.loads(row["data"])}


def audit_record(row: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("id", "at", "actor", "device_id", "action", "household_id", "form_id", "revision_id")
    return {"t": "audit", **{k: row[k] for k in keys}, "detail": json.loads(row["detail"] or "{}")}


def check_payload(row: Mapping[str, Any]) -> dict[str, Any]:
    """A revision of a third-party check record (``check_records`` row) as a payload record."""
    return {
        "t": "check",
        "id": row["revision_id"],
        "record_id": row["record_id"],
        "record_kind": row["kind"],
        "parent_id": row["parent_id"],
        "household_id": row["household_id"],
        "region_code": row["region_code"],
        "check_date": row["check_date"],
        "created_at": row["created_at"],
        "author": row["author"],
        "device_id": row["device_id"],
        "source": row["source"],
        "data": json.loads(row["data"]),
    }


STANDARD_KEYS = (
    "id",
    "county_code",
    "effective_from",
    "amount_fen",
    "source",
    "entered_at",
    "entered_by",
)


def standard_record(record_type: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """A row of a standards table as a ``dibao`` or ``min_wage`` payload record."""
    return {"t": record_type, **{k: row[k] for k in STANDARD_KEYS}}


def dibao_record(row: Mapping[str, Any]) -> dict[str, Any]:
    return standard_record("dibao", row)


def normalised_counts(counts: Any) -> dict[str, int] | None:
    """Counts with every kind present (a bundle from before a kind existed omits it); None if
    they name a kind this version does not know or are not counts."""
    if not isinstance(counts, dict) or set(counts) - set(COUNTED):
        return None
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in counts.values()):
        return None
    return {k: int(counts.get(k, 0)) for k in COUNTED}


def revocation_record(revocation: Revocation) -> dict[str, Any]:
    return {"t": "revocation", **revocation.to_record()}


class Counter:
    def __init__(self) -> None:
        self.counts = dict.fromkeys(COUNTED, 0)

    def wrap(self, what: str, records: Iterable[Record]) -> Iterator[Record]:
        for record in records:
            self.counts[what] = self.counts.get(what, 0) + 1
            yield record


def households_digest(ids: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()


def build_manifest(
    store: Store,
    bundle_id: str,
    kind: str,
    signer: identity.SigningIdentity,
    *,
    recipient: dict[str, Any],
    covers: dict[str, Any],
    form_versions: list[str],
) -> dict[str, Any]:
    info = identity.staff_info(signer.certificate)
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "bundle_id": bundle_id,
        "kind": kind,
        "hq_id": identity.hq_id(store),
        "created_at": now_iso(),
        "software": f"fieldapp {__version__}",
        "sender": {
            "staff_id": info.staff_id,
            "device_id": store.device_id,
            "certificate": identity.cert_pem(signer.certificate),
        },
        "recipient": recipient,
        "survey": {"id": store.survey.id, "version": store.survey.version},
        "form_versions": form_versions,
        "covers": covers,
    }


def log_bundle(
    store: Store,
    manifest: Mapping[str, Any],
    direction: str,
    actor: str,
    *,
    peer: str,
    marks: Mapping[str, int] | None = None,
    full: bool = False,
    counts: Mapping[str, Any] | None = None,
    file_sha256: str | None = None,
) -> None:
    store.db.execute(
        "insert or ignore into bundle_log (bundle_id, direction, kind, at, actor, peer, device_id, "
        "file_sha256, full, marks, counts) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            manifest["bundle_id"],
            direction,
            manifest["kind"],
            now_iso(),
            actor,
            peer,
            (manifest.get("sender") or {}).get("device_id"),
            file_sha256,
            int(full),
            json.dumps(marks) if marks is not None else None,
            json.dumps(
                counts if counts is not None else manifest.get("counts"), ensure_ascii=False
            ),
        ],
    )


def log_import(
    store: Store,
    manifest: Mapping[str, Any],
    sender: identity.StaffInfo,
    actor: str,
    report: ImportReport,
    path: Path,
) -> None:
    """What an import that changed something leaves behind: its ``bundle_log`` row and audit entry."""
    log_bundle(
        store,
        manifest,
        "import",
        actor,
        peer=sender.staff_id,
        counts=report.to_dict(),
        file_sha256=sha256_file(path),
    )
    store.audit(
        actor,
        "import_bundle",
        detail={
            "bundle": manifest["bundle_id"],
            "kind": report.kind,
            "from": sender.label(),
            "new": report.new,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "conflicts": report.conflicts,
        },
    )


def attachment_refs(value: Any, out: set[str]) -> None:
    if isinstance(value, dict):
        digest = value.get("sha256")
        if isinstance(digest, str) and len(digest) == 64:
            out.add(digest)
        for item in value.values():
            attachment_refs(item, out)
    elif isinstance(value, list):
        for item in value:
            attachment_refs(item, out)

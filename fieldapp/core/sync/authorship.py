"""Who wrote a synced record, provably: signed per-author batches (docs/bundle-format.md).

A bundle's signature proves who *sent* it. That is not enough once offices relay records upward
(county → city → province): the sender is then not the author, and a record must still name, and
prove, who wrote it. So the first time a laptop exports records it made, it puts them in a *batch*:
it hashes each record (a canonical encoding of every field, the form data and audit detail by
their SHA-256) and signs one statement with its staff key::

    {purpose, batch_id, staff_id, device_id, cert_sha256, signed_at, count, digest}

where ``digest`` is the SHA-256 of the record hashes in the batch's order. The statement, and each
record's place in its batch, are kept for good (``author_batches``, ``record_batches``). Every
bundle carries the statement of each batch it draws on (``{"t": "batch", …, "signature"}``) before
the records, and each record names its batch. A batch always travels whole, in order, so the
receiver recomputes the digest from the records it received and checks one signature per batch
(a province archive of 700,000 records is 1 signature, not 700,000). A relay copies the statement
and the records unchanged; the author's signature still holds.

This module is the format (hashes, statements) and the exporting side; the receiving side's checks
are in ``authorcheck``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from fieldapp.core.store.records import now_iso
from fieldapp.core.trust import certificates

if TYPE_CHECKING:  # only named: the import helper process (sync.read_ahead) opens no database
    from fieldapp.core.store.base import StoreBase

PURPOSE = "huhuqing-author-batch/1"
REVISION, STATUS, AUDIT, ATTACHMENT = "revision", "status", "audit", "attachment"
CHECK_RECORD = "check"
"""A third-party check record's revision (fieldapp.core.store.checks)."""
KINDS = (ATTACHMENT, REVISION, STATUS, AUDIT, CHECK_RECORD)
"""Record kinds with an author, in the order an export writes them (a batch's order too)."""

KIND_NAMES = {
    REVISION: "表单版本",
    STATUS: "状态变更",
    AUDIT: "审计记录",
    ATTACHMENT: "附件",
    CHECK_RECORD: "核查记录",
}


def record_label(kind: str, rid: str) -> str:
    return f"{KIND_NAMES.get(kind, kind)} {rid}"


FIELDS: dict[str, tuple[str, ...]] = {
    REVISION: (
        "id",
        "household_id",
        "form_id",
        "form_version",
        "state",
        "created_at",
        "author",
        "device_id",
        "device_seq",
        "parent_id",
        "clock",
        "merged_from",
    ),
    STATUS: ("id", "household_id", "status", "reason", "changed_at", "author", "device_id"),
    AUDIT: (
        "id",
        "at",
        "actor",
        "device_id",
        "action",
        "household_id",
        "form_id",
        "revision_id",
    ),
    ATTACHMENT: ("sha256", "name", "mime", "size", "added_at", "added_by", "device_id"),
    CHECK_RECORD: (
        "id",
        "record_id",
        "record_kind",
        "parent_id",
        "household_id",
        "region_code",
        "check_date",
        "created_at",
        "author",
        "device_id",
        "source",
    ),
}
BODY = {REVISION: "data", AUDIT: "detail", CHECK_RECORD: "data"}
"""The JSON object of a kind that is hashed by its stored text (form data, audit detail)."""

STATEMENT_FIELDS = (
    "batch_id",
    "staff_id",
    "device_id",
    "cert_sha256",
    "signed_at",
    "count",
    "digest",
)


_STORED = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
_ASCII = json.JSONEncoder(ensure_ascii=True, sort_keys=True, separators=(",", ":"))
"""The encoders ``json.dumps`` would build on every call with these options (an import encodes
hundreds of thousands of records)."""


def stored_json(value: Any) -> str:
    """A JSON object as the store keeps it (``revisions.data``, ``audit.detail``)."""
    return _STORED.encode(value)


def _sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _ascii_json(value: Any) -> bytes:
    return _ASCII.encode(value).encode()


def record_id(kind: str, record: Mapping[str, Any]) -> str:
    return str(record["sha256"] if kind == ATTACHMENT else record["id"])


def record_hash(kind: str, record: Mapping[str, Any], body_text: str | None = None) -> str:
    """SHA-256 (hex) of a record's canonical encoding: every authored field, and the SHA-256 of
    its form data or audit detail as stored (``body_text``; computed from the record if None)."""
    fields: dict[str, Any] = {"kind": kind, **{k: record.get(k) for k in FIELDS[kind]}}
    body = BODY.get(kind)
    if body is not None:
        text = body_text if body_text is not None else stored_json(record.get(body))
        fields[body + "_sha256"] = _sha256_text(text)
    return hashlib.sha256(_ascii_json(fields)).hexdigest()


class Digest:
    """The running digest of a batch: SHA-256 over its record hashes in order."""

    def __init__(self) -> None:
        self.hasher = hashlib.sha256()
        self.count = 0

    def add(self, hex_hash: str) -> None:
        self.hasher.update(hex_hash.encode("ascii") + b"\n")
        self.count += 1

    def hexdigest(self) -> str:
        return self.hasher.hexdigest()


def statement_bytes(statement: Mapping[str, Any]) -> bytes:
    """What an author signs: the purpose and the statement's fields, canonical ASCII JSON."""
    return _ascii_json({"purpose": PURPOSE, **{k: statement.get(k) for k in STATEMENT_FIELDS}})


def verify_statement(statement: Mapping[str, Any], public: ec.EllipticCurvePublicKey) -> bool:
    try:
        signature = base64.b64decode(str(statement.get("signature")), validate=True)
        public.verify(signature, statement_bytes(statement), ec.ECDSA(hashes.SHA256()))
    except Exception:  # InvalidSignature, malformed DER or base64: not this author's statement
        return False
    return True


@dataclass(frozen=True)
class Pending:
    """A record this device wrote and has not yet put in a batch."""

    kind: str
    record_id: str
    hash: str


def sign_batch(
    store: StoreBase, signer: certificates.SigningIdentity, records: Iterable[Pending]
) -> str | None:
    """Put ``records`` (in export order) in a new batch signed by ``signer``; its id, or None
    when there is nothing to sign. Call inside a write transaction."""
    digest = Digest()
    batch_id = str(uuid.uuid4())
    rows = []
    for record in records:
        rows.append((record.kind, record.record_id, batch_id, digest.count, record.hash))
        digest.add(record.hash)
    if not rows:
        return None
    info = certificates.staff_info(signer.certificate)
    statement: dict[str, Any] = {
        "batch_id": batch_id,
        "staff_id": info.staff_id,
        "device_id": store.device_id,
        "cert_sha256": info.fingerprint,
        "signed_at": now_iso(),
        "count": digest.count,
        "digest": digest.hexdigest(),
    }
    signature = signer.private_key.sign(statement_bytes(statement), ec.ECDSA(hashes.SHA256()))
    statement["signature"] = base64.b64encode(signature).decode("ascii")
    store_statement(store, statement)
    store.db.conn.executemany(
        "insert into record_batches (kind, record_id, batch_id, batch_index, record_hash) "
        "values (?, ?, ?, ?, ?)",
        rows,
    )
    return batch_id


def store_statement(store: StoreBase, statement: Mapping[str, Any]) -> None:
    store.db.conn.execute(
        "insert or ignore into author_batches (batch_id, staff_id, device_id, cert_fingerprint, "
        "signed_at, count, digest, signature) values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            statement["batch_id"],
            statement["staff_id"],
            statement["device_id"],
            statement["cert_sha256"],
            statement["signed_at"],
            statement["count"],
            statement["digest"],
            statement["signature"],
        ],
    )


def statement_record(store: StoreBase, batch_id: str) -> dict[str, Any]:
    """A batch's signed statement as a payload record (``t: batch``)."""
    row = store.db.conn.execute(
        "select batch_id, staff_id, device_id, cert_fingerprint, signed_at, count, digest, "
        "signature from author_batches where batch_id = ?",
        [batch_id],
    ).fetchone()
    keys = (*STATEMENT_FIELDS[:3], "cert_sha256", *STATEMENT_FIELDS[4:], "signature")
    return {"t": "batch", **dict(zip(keys, row, strict=True))}


def statement_records(store: StoreBase, batch_ids: Iterable[str]) -> Iterator[dict[str, Any]]:
    for batch_id in sorted(set(batch_ids)):
        yield statement_record(store, batch_id)


def batch_of(store: StoreBase, kind: str, rid: str) -> str | None:
    row = store.db.conn.execute(
        "select batch_id from record_batches where kind = ? and record_id = ?", [kind, rid]
    ).fetchone()
    return None if row is None else str(row[0])


INSERT_MEMBERSHIP = (
    "insert or ignore into record_batches (kind, record_id, batch_id, batch_index, record_hash) "
    "values (?, ?, ?, ?, ?)"
)
"""A received record's batch, place and hash (first arrival wins): (kind, id, batch, index, hash)."""

INSERT_ORIGIN = (
    "insert or ignore into record_origins (kind, record_id, bundle_id, via_staff_id, via_name, "
    "received_at) values (?, ?, ?, ?, ?, ?)"
)
"""The bundle (and whose) a received record first arrived in: (kind, id, bundle, staff, name, at)."""


def keep_origin(
    store: StoreBase,
    kind: str,
    rid: str,
    bundle_id: str,
    via: certificates.StaffInfo,
    received_at: str,
) -> None:
    """Remember which bundle (and whose) a received record first arrived in (one record; an
    import stages these rows, ``sync.staging``)."""
    store.db.conn.execute(
        INSERT_ORIGIN, [kind, rid, bundle_id, via.staff_id, via.name, received_at]
    )

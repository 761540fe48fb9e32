"""Revoked identities: which certificates headquarters has revoked, and since when.

Headquarters revokes with ``hq revoke`` (``devices.revoked_at``). A laptop learns of revocations
from assignment bundles (one ``revocation`` record per revoked certificate, kept in the
append-only table ``revocations``); an auditor with neither database uses a list exported and
signed by the headquarters office identity (``fieldapp hq revocations --out FILE``, read by
``fieldapp verify --revocations FILE``). Ledger verification asks ``RevocationList.lookup``: a
signature made after the revocation time fails, one made before it passes with a note.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509

from fieldapp.core.store.records import now_iso
from fieldapp.core.store.store import Store
from fieldapp.core.trust.certificates import (
    IdentityError,
    SigningIdentity,
    cert_pem,
    fingerprint,
    json_signed_by,
    load_cert,
    sign_json,
    staff_info,
    verify_issued_by,
)
from fieldapp.core.trust.keystore import hq_id

REVOCATIONS_FORMAT = "huhuqing-revocations"
REVOCATIONS_VERSION = 1
HEX64 = re.compile(r"^[0-9a-f]{64}$")
MAX_TEXT = 500


@dataclass(frozen=True)
class Revocation:
    """One revoked certificate: whose, since when (aware time) and why."""

    cert_fingerprint: str
    staff_id: str
    name: str
    unit: str
    revoked_at: datetime
    reason: str

    def to_record(self) -> dict[str, str]:
        return {
            "cert_fingerprint": self.cert_fingerprint,
            "staff_id": self.staff_id,
            "name": self.name,
            "unit": self.unit,
            "revoked_at": self.revoked_at.isoformat(),
            "reason": self.reason,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Revocation:
        """Check a record from a bundle or an exported list; IdentityError names what is wrong."""

        def text(key: str, limit: int = MAX_TEXT, optional: bool = True) -> str:
            value = record.get(key)
            if value is None and optional:
                return ""
            if not isinstance(value, str) or len(value) > limit or (not value and not optional):
                raise IdentityError(f"吊销记录中的 {key} 格式不正确")
            return value

        digest = text("cert_fingerprint", 64, optional=False)
        if not HEX64.match(digest):
            raise IdentityError("吊销记录中的证书指纹格式不正确")
        try:
            when = datetime.fromisoformat(text("revoked_at", 64, optional=False))
        except ValueError:
            raise IdentityError("吊销记录中的吊销时间格式不正确") from None
        if when.tzinfo is None:
            raise IdentityError("吊销记录中的吊销时间缺少时区")
        return cls(
            digest,
            text("staff_id", 64, optional=False),
            text("name"),
            text("unit"),
            when,
            text("reason"),
        )


@dataclass(frozen=True)
class RevocationList:
    """Revocations by certificate fingerprint; ``source`` says where they came from."""

    entries: Mapping[str, Revocation] = field(default_factory=dict)
    source: str = ""

    def __len__(self) -> int:
        return len(self.entries)

    def lookup(self, cert: x509.Certificate) -> Revocation | None:
        return self.entries.get(fingerprint(cert))

    def merged(self, other: RevocationList) -> RevocationList:
        sources = "、".join(s for s in (self.source, other.source) if s)
        return RevocationList({**self.entries, **other.entries}, sources)


def _listing(rows: Iterable[Revocation], source: str) -> RevocationList:
    return RevocationList({r.cert_fingerprint: r for r in rows}, source)


def revocations(store: Store) -> RevocationList:
    """Every revocation this database knows: its own (at HQ) and those received (on a laptop)."""
    rows = [
        Revocation.from_record(dict(r))
        for r in store.db.query(
            "select cert_fingerprint, device_id as staff_id, name, unit, revoked_at, "
            "revoke_reason as reason from devices where revoked_at is not null "
            "union all select cert_fingerprint, staff_id, name, unit, revoked_at, reason "
            "from revocations"
        )
    ]
    return _listing(rows, "本数据库")


def remember(store: Store, revocation: Revocation, *, bundle_id: str) -> bool:
    """Keep a revocation received in a bundle; False when it was known already."""
    cursor = store.db.execute(
        "insert or ignore into revocations (cert_fingerprint, staff_id, name, unit, revoked_at, "
        "reason, received_at, bundle_id) values (?, ?, ?, ?, ?, ?, ?, ?)",
        [*revocation.to_record().values(), now_iso(), bundle_id],
    )
    return bool(cursor.rowcount)


# -- the exported, signed list -------------------------------------------------------------------


def export_revocations(store: Store, signer: SigningIdentity) -> bytes:
    """This headquarters' revocations as JSON signed by its office identity (for auditors)."""
    listing = revocations(store)
    body: dict[str, Any] = {
        "format": REVOCATIONS_FORMAT,
        "version": REVOCATIONS_VERSION,
        "hq_id": hq_id(store),
        "issued_at": now_iso(),
        "revocations": [
            r.to_record()
            for r in sorted(listing.entries.values(), key=lambda r: (r.revoked_at, r.staff_id))
        ],
        "signer_certificate": cert_pem(signer.certificate),
    }
    body["signature"] = sign_json(signer.private_key, body)
    return (json.dumps(body, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def read_revocations(data: bytes, trust: Sequence[x509.Certificate]) -> RevocationList:
    """Check an exported list: signed by an office identity issued by one of ``trust``."""
    try:
        body = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise IdentityError("不是户户清吊销名单（无法读取）") from None
    if not isinstance(body, dict) or body.get("format") != REVOCATIONS_FORMAT:
        raise IdentityError("不是户户清吊销名单")
    if body.get("version") != REVOCATIONS_VERSION:
        raise IdentityError(f"吊销名单版本 {body.get('version')} 本软件不支持，请升级户户清")
    entries = body.get("revocations")
    if not isinstance(entries, list) or not isinstance(body.get("signature"), str):
        raise IdentityError("吊销名单不完整")
    cert = load_cert(str(body.get("signer_certificate") or ""))
    issued = False
    for ca in trust:
        try:
            verify_issued_by(cert, ca)
            issued = True
        except IdentityError:
            continue
    if not issued or staff_info(cert).role != "office":
        raise IdentityError("吊销名单不是由所信任的总部签发的")
    if not json_signed_by(cert, body, "signature"):
        raise IdentityError("吊销名单已损坏或被改动（总部签名不符）")
    rows = [Revocation.from_record(e if isinstance(e, dict) else {}) for e in entries]
    return _listing(rows, f"总部吊销名单（{str(body.get('issued_at', ''))[:10]} 签发）")

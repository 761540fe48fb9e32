"""Signing a case or a step with its author's key, and checking the signature wherever it is read.

Why: an auditor must see who approved an exit, and a laptop must not be able to write a county
approval. Each case and step is signed by the person who made it with the same identity that
signs their bundles and ledgers (``fieldapp.core.trust``): ECDSA P-256 over the canonical JSON
of every field but the signature and the certificate, with a ``purpose`` so a signature made for
a step can never pass as anything else. The signer's certificate travels with the record (named
by its fingerprint, which is signed), so any store that trusts the headquarters CA can check it:
the signature matches; the certificate names the actor and the role written in the record; it
was issued by this headquarters' CA and valid then; it was not revoked before the signing time;
at headquarters, it is the certificate enrolled for that person.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from fieldapp.core.procedures.definitions import ProcedureError
from fieldapp.core.procedures.records import (
    CASE_FIELDS,
    CASE_PURPOSE,
    STEP_FIELDS,
    STEP_PURPOSE,
    UNSIGNED,
    Case,
    Signer,
    Step,
)
from fieldapp.core.store.records import now_iso
from fieldapp.core.store.store import Store
from fieldapp.core.trust import identity
from fieldapp.core.trust.certificates import json_signed_by, sign_json
from fieldapp.core.trust.revocation import revocations

VALID, INVALID, UNTRUSTED, REVOKED = "valid", "invalid", "untrusted", "revoked"
STATUS_NAMES = {
    VALID: "签名有效",
    INVALID: "签名无效",
    UNTRUSTED: "证书不受信任",
    REVOKED: "证书已吊销",
}


@dataclass(frozen=True)
class SignatureCheck:
    status: str
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == VALID

    @property
    def label(self) -> str:
        name = STATUS_NAMES.get(self.status, self.status)
        return f"{name}（{self.detail}）" if self.detail else name


def document(record: Case | Step) -> dict[str, Any]:
    """What the signature covers: the purpose and every field but the certificate and signature."""
    fields: tuple[str, ...]
    if isinstance(record, Case):
        fields, purpose, row = CASE_FIELDS, CASE_PURPOSE, record.row()
    else:
        fields, purpose, row = STEP_FIELDS, STEP_PURPOSE, {**record.row(), "data": record.data}
    return {"purpose": purpose, **{k: row[k] for k in fields if k not in UNSIGNED}}


def signer_for(who: identity.SigningIdentity, device_id: str) -> Signer:
    """The signer fields of a new record (signature still empty)."""
    info = identity.staff_info(who.certificate)
    return Signer(
        actor_id=info.staff_id,
        actor_name=info.name,
        role=info.role,
        signed_at=now_iso(),
        device_id=device_id,
        cert_fingerprint=info.fingerprint,
        certificate=identity.cert_pem(who.certificate),
        signature="",
    )


def signature_for(who: identity.SigningIdentity, record: Case | Step) -> str:
    return sign_json(who.private_key, document(record))


def _moment(text: str) -> datetime:
    when = datetime.fromisoformat(text)
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def check_signature(store: Store, record: Case | Step) -> SignatureCheck:
    """Whether ``record`` was signed by whom it names, with a certificate this store trusts."""
    signer = record.signer
    try:
        cert = identity.load_cert(signer.certificate)
        signed_at = _moment(signer.signed_at)
    except (identity.IdentityError, ValueError):
        return SignatureCheck(INVALID, "证书或签署时间无法读取")
    info = identity.staff_info(cert)
    if info.fingerprint != signer.cert_fingerprint:
        return SignatureCheck(INVALID, "证书与记录所写的指纹不符")
    if (info.staff_id, info.name, info.role) != (signer.actor_id, signer.actor_name, signer.role):
        return SignatureCheck(INVALID, "办理人或角色与证书不符")
    if not json_signed_by(cert, {**document(record), "signature": signer.signature}, "signature"):
        return SignatureCheck(INVALID, "签名与内容不符，记录被改动或伪造")
    try:
        identity.verify_issued_by(cert, identity.ca_certificate(store), at=signed_at)
    except identity.IdentityError as exc:
        return SignatureCheck(UNTRUSTED, str(exc))
    if identity.identity_mode(store) == identity.MODE_HQ:
        row = store.db.execute(
            "select cert_fingerprint from devices where device_id = ?", [info.staff_id]
        ).fetchone()
        if row is None or row[0] != info.fingerprint:
            return SignatureCheck(UNTRUSTED, f"{info.label()} 的证书不是总部登记的证书")
    revoked = revocations(store).entries.get(info.fingerprint)
    if revoked is not None and not signed_at < revoked.revoked_at:
        return SignatureCheck(REVOKED, f"{revoked.revoked_at.isoformat()[:19]} 吊销之后签署")
    return SignatureCheck(VALID)


Signed = TypeVar("Signed", Case, Step)


def signed(store: Store, who: identity.SigningIdentity, record: Signed) -> Signed:
    """``record`` with ``who``'s signature; refused when this store would not trust it (a
    certificate from another headquarters, a revoked one): nothing unverifiable is written."""
    signature = signature_for(who, record)
    out = replace(record, signer=replace(record.signer, signature=signature))
    check = check_signature(store, out)
    if not check.ok:
        raise ProcedureError(f"不能签署：{check.label}")
    return out

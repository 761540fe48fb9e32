"""The ``keys`` table and the identity meta values: what this database is, and its keys.

Headquarters and laptops keep their certificates and sealed private keys in their own database,
the newest row of a purpose in force. This module reads and writes them and unlocks the signing
and receiving keys with the owner's passphrase (``private_keys``: the passphrase that unlocks the
database); it never writes a private key anywhere else.
"""

from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, x25519

from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.records import now_iso
from fieldapp.core.store.store import Store
from fieldapp.core.trust.certificates import (
    IdentityError,
    SigningIdentity,
    load_cert,
    load_x25519_public,
    staff_info,
)
from fieldapp.core.trust.private_keys import LEGACY_PREFIX, KeyUnlocker

MODE_HQ = "hq"
MODE_LAPTOP = "laptop"

# purposes in the ``keys`` table (the newest row of a purpose is in force)
K_CA_KEY = "ca.key"
K_CA_CERT = "ca.cert"
K_HQ_RECEIVE = "hq.receive.key"  # HQ only: private X25519 for bundles sent to HQ
K_HQ_RECEIVE_PUB = "hq.receive.pub"  # everyone: where laptop bundles are encrypted to
K_SELF_KEY = "self.sign.key"
K_SELF_CERT = "self.sign.cert"
K_SELF_RECEIVE = "self.receive.key"  # laptop: private X25519 for assign bundles


def put_key(store: Store, purpose: str, kind: str, pem: str, fp: str, author: str) -> None:
    store.db.table("keys").insert(
        {
            "purpose": purpose,
            "kind": kind,
            "pem": pem,
            "fingerprint": fp,
            "created_at": now_iso(),
            "created_by": author,
        }
    )


def put_private_key(unlocker: KeyUnlocker, purpose: str, key: Any, fp: str, author: str) -> None:
    """Seal ``key`` for this store (its owner's passphrase) and keep it under ``purpose``."""
    put_key(unlocker.store, purpose, "private", unlocker.seal(key, purpose), fp, author)


def private_key(unlocker: KeyUnlocker, purpose: str, what: str) -> Any:
    """The private key in force for ``purpose``, opened with the unlocker's passphrase.

    A key still in the old PKCS#8 form is re-sealed the new way on a writable encrypted store
    (a new row: the keys table is append-only)."""
    store = unlocker.store
    row = store.db.execute(
        "select pem, fingerprint from keys where purpose = ? order by seq desc limit 1", [purpose]
    ).fetchone()
    if row is None:
        require_pem(store, purpose)  # the message saying what to set up first
    text, fp = str(row[0]), str(row[1])
    key = unlocker.open(text, purpose, what)
    if text.startswith(LEGACY_PREFIX) and store.key is not None and not store.readonly:
        try:
            put_private_key(unlocker, purpose, key, fp, "密钥升级")
        except StoreError:
            pass  # busy or read-only just now: re-sealed the next time
    return key


def key_pem(store: Store, purpose: str) -> str | None:
    row = store.db.execute(
        "select pem from keys where purpose = ? order by seq desc limit 1", [purpose]
    ).fetchone()
    return None if row is None else str(row[0])


def require_pem(store: Store, purpose: str) -> str:
    pem = key_pem(store, purpose)
    if pem is None:
        raise IdentityError(
            "本数据库尚未设置身份：笔记本请先登记本机（菜单“数据包 → 设备登记”，或命令 "
            "fieldapp enroll 文件）；总部请先运行 fieldapp hq init"
        )
    return pem


def identity_mode(store: Store) -> str | None:
    """``"hq"``, ``"laptop"`` or None (no identity yet)."""
    return store.meta("identity_mode")


def hq_id(store: Store) -> str | None:
    return store.meta("hq_id")


def staff_id(store: Store) -> str | None:
    """This store's own enrolled staff/device id (for HQ: its office identity)."""
    return store.meta("staff_id")


def require_hq(store: Store) -> str:
    if identity_mode(store) != MODE_HQ:
        raise IdentityError("此操作只能在总部数据库进行（先运行 fieldapp hq init）")
    return hq_id(store) or ""


def ca_certificate(store: Store) -> x509.Certificate:
    """The headquarters CA certificate this store trusts (HQ: its own; laptop: from enrollment)."""
    return load_cert(require_pem(store, K_CA_CERT))


def own_certificate(store: Store) -> x509.Certificate:
    return load_cert(require_pem(store, K_SELF_CERT))


def hq_receive_public_key(store: Store) -> x25519.X25519PublicKey:
    return load_x25519_public(require_pem(store, K_HQ_RECEIVE_PUB))


def signing_identity(store: Store, passphrase: bytes) -> SigningIdentity:
    """The laptop's enrolled identity, or at headquarters the HQ office identity."""
    cert = own_certificate(store)
    key = private_key(KeyUnlocker(store, passphrase), K_SELF_KEY, "签名私钥")
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise IdentityError("签名私钥类型不正确")
    info = staff_info(cert)
    return SigningIdentity(
        private_key=key,
        certificate=cert,
        chain=[ca_certificate(store)],
        name=info.name,
        unit=info.unit,
    )


def receiving_private_key(store: Store, passphrase: bytes) -> x25519.X25519PrivateKey:
    """The key that opens bundles addressed to this store (HQ: HQ key; laptop: its own)."""
    purpose = K_HQ_RECEIVE if identity_mode(store) == MODE_HQ else K_SELF_RECEIVE
    key = private_key(KeyUnlocker(store, passphrase), purpose, "接收私钥")
    if not isinstance(key, x25519.X25519PrivateKey):
        raise IdentityError("接收私钥类型不正确")
    return key


def check_passphrase(store: Store, passphrase: bytes) -> None:
    """Raise IdentityError (wrong passphrase) before anything is written."""
    signing_identity(store, passphrase)


def unlock_ca_key(store: Store, passphrase: bytes) -> ec.EllipticCurvePrivateKey:
    """The headquarters CA's private key, unlocked with the HQ passphrase (to issue certificates)."""
    key = private_key(KeyUnlocker(store, passphrase), K_CA_KEY, "根证书私钥")
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise IdentityError("根证书私钥类型不正确")
    return key


def staff_name(store: Store) -> str:
    """The person this database belongs to: the first-run profile's name, else the name on the
    enrolled certificate, else "" (revisions and printed ledgers name people, not OS accounts)."""
    name = store.meta("profile.name")
    if name:
        return name
    pem = key_pem(store, K_SELF_CERT)
    return staff_info(load_cert(pem)).name if pem else ""

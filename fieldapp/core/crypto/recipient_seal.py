"""A key sealed for the holder of an X25519 private key (ECIES: X25519, HKDF-SHA256, AES-256-GCM).

An ephemeral key pair per sealing; HKDF (random 32-byte salt, an ``info`` naming the format and
both public keys) over the shared secret gives the key-encryption key, which seals the key with a
random nonce and ``aad``. Bundles seal their payload key this way for the recipient, and a laptop
seals its database key for the headquarters' recovery; each use passes its own ``label`` (the
``info`` prefix) and ``aad``, so a value sealed for one purpose never opens as another.
"""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from fieldapp.core.crypto.errors import CryptoError, Malformed

WRAP_ALG = "X25519-HKDF-SHA256/A256GCM"


def raw_public(key: x25519.X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: Any, what: str, size: int | None = None) -> bytes:
    try:
        raw = base64.b64decode(str(text), validate=True)
    except (ValueError, TypeError):
        raise Malformed(f"{what} 格式不正确") from None
    if size is not None and len(raw) != size:
        raise Malformed(f"{what} 长度不正确")
    return raw


def _kek(shared: bytes, salt: bytes, label: bytes, eph: bytes, recipient: bytes) -> bytes:
    info = label + eph + recipient
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(shared)


def seal_for(
    key: bytes, recipient: x25519.X25519PublicKey, *, label: bytes, aad: bytes
) -> dict[str, str]:
    eph = x25519.X25519PrivateKey.generate()
    salt, nonce = os.urandom(32), os.urandom(12)
    eph_raw, recipient_raw = raw_public(eph.public_key()), raw_public(recipient)
    kek = _kek(eph.exchange(recipient), salt, label, eph_raw, recipient_raw)
    return {
        "alg": WRAP_ALG,
        "recipient_key_sha256": hashlib.sha256(recipient_raw).hexdigest(),
        "ephemeral_public_key": b64(eph_raw),
        "salt": b64(salt),
        "nonce": b64(nonce),
        "wrapped_key": b64(AESGCM(kek).encrypt(nonce, key, aad)),
    }


def sealed_for(wrap: dict[str, Any], key: x25519.X25519PublicKey) -> bool:
    """Whether ``wrap`` was sealed for ``key`` (by the recipient's public key hash)."""
    return wrap.get("recipient_key_sha256") == hashlib.sha256(raw_public(key)).hexdigest()


def open_sealed(
    wrap: dict[str, Any],
    private: x25519.X25519PrivateKey,
    *,
    label: bytes,
    aad: bytes,
    key_bytes: int = 32,
) -> bytes:
    """The sealed key; ``CryptoError`` if it was not sealed for ``private`` or was altered."""
    if wrap.get("alg") != WRAP_ALG:
        raise CryptoError(f"不支持的密钥封装算法“{wrap.get('alg')}”")
    eph_raw = unb64(wrap.get("ephemeral_public_key"), "临时公钥", 32)
    salt = unb64(wrap.get("salt"), "salt", 32)
    nonce = unb64(wrap.get("nonce"), "nonce", 12)
    wrapped = unb64(wrap.get("wrapped_key"), "封装密钥", key_bytes + 16)
    try:
        eph = x25519.X25519PublicKey.from_public_bytes(eph_raw)
        kek = _kek(private.exchange(eph), salt, label, eph_raw, raw_public(private.public_key()))
        return AESGCM(kek).decrypt(nonce, wrapped, aad)
    except (InvalidTag, ValueError):
        raise CryptoError("无法解开封装的密钥：不是封装给本机的，或已被改动") from None

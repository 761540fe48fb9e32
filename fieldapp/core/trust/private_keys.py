"""Private keys at rest: sealed so that only their owner's passphrase opens them.

In a database, a private key (PKCS#8) is sealed with AES-256-GCM under the database's
key-protection key, which the key file keeps sealed with the owner's passphrase through Argon2id
(``fieldapp.core.store.keyfile``): the passphrase that unlocks the database unlocks the keys,
changing it re-seals both at once, and a recovery restores both. In an enrollment file (carried on
a USB stick) each key is sealed with the staff passphrase directly through Argon2id.

Before this, keys were PKCS#8 PEM with ``BestAvailableEncryption`` (PBKDF2 with few iterations):
such keys still open with their passphrase, and a database key is re-sealed the new way the first
time it is used on a writable, encrypted store. ``KeyUnlocker`` derives the key-protection key
once for several keys (one Argon2id derivation, not one per key).
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from fieldapp.core.crypto import passphrase_seal
from fieldapp.core.crypto.errors import CryptoError
from fieldapp.core.store.encryption import WrongPassphrase, unlock_secrets
from fieldapp.core.store.keyfile import Secrets
from fieldapp.core.store.store import Store
from fieldapp.core.trust.certificates import IdentityError, decrypt_pem

SEALED_FORMAT = "huhuqing-private-key"
SEALED_VERSION = 1
KPK_ALG = "kpk+A256GCM"
LEGACY_PREFIX = "-----BEGIN"


def wrong_passphrase(what: str) -> IdentityError:
    return IdentityError(
        f"口令不正确，无法解锁{what}（请检查 FIELDAPP_PASSPHRASE 或 --passphrase-file）"
    )


def _der(key: Any) -> bytes:
    return bytes(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _load(der: bytes, what: str) -> Any:
    try:
        return serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError):
        raise IdentityError(f"{what}已损坏") from None


def _aad(purpose: str, database_id: str = "") -> bytes:
    return f"{SEALED_FORMAT}/{SEALED_VERSION}/{purpose}/{database_id}".encode()


def _parse(text: str, what: str) -> dict[str, Any]:
    try:
        body = json.loads(text)
    except json.JSONDecodeError:
        body = None
    if not isinstance(body, dict) or body.get("format") != SEALED_FORMAT:
        raise IdentityError(f"{what}的格式不正确")
    return body


def seal_with_passphrase(key: Any, passphrase: bytes, purpose: str) -> str:
    """For a file that travels (enrollment): Argon2id with a calibrated cost, then AES-GCM."""
    sealed = passphrase_seal.seal(_der(key), passphrase, aad=_aad(purpose))
    return json.dumps({"format": SEALED_FORMAT, "version": SEALED_VERSION, **sealed})


def open_with_passphrase(text: str, passphrase: bytes, purpose: str, what: str) -> Any:
    """A key from an enrollment file: sealed with Argon2id, or an older PKCS#8 PEM."""
    if text.startswith(LEGACY_PREFIX):
        return decrypt_pem(text, passphrase, what)
    try:
        der = passphrase_seal.unseal(_parse(text, what), passphrase, aad=_aad(purpose))
    except passphrase_seal.WrongPassphrase:
        raise wrong_passphrase(what) from None
    except CryptoError as exc:
        raise IdentityError(f"{what}的格式不正确：{exc}") from None
    return _load(der, what)


class KeyUnlocker:
    """Seals and opens the private keys of one store with one passphrase."""

    def __init__(self, store: Store, passphrase: bytes) -> None:
        self.store = store
        self.passphrase = passphrase
        self._secrets: Secrets | None = None

    def secrets(self, what: str) -> Secrets | None:
        """What the passphrase unlocks in the key file (one Argon2id derivation, then kept);
        None for a plaintext store (no key file). ``IdentityError`` for a wrong passphrase."""
        if self.store.key is None or self.store.path is None:
            return None
        if self._secrets is None:
            try:
                self._secrets = unlock_secrets(self.store.path, self.passphrase)
            except WrongPassphrase:
                raise wrong_passphrase(what) from None
        return self._secrets

    def _protection_key(self, what: str) -> bytes | None:
        secrets = self.secrets(what)
        return None if secrets is None else secrets.key_protection_key

    def seal(self, key: Any, purpose: str) -> str:
        kpk = self._protection_key("私钥")
        if kpk is None or self.store.key is None:
            return seal_with_passphrase(key, self.passphrase, purpose)
        nonce = os.urandom(12)
        database_id = self.store.key.database_id
        data = AESGCM(kpk).encrypt(nonce, _der(key), _aad(purpose, database_id))
        return json.dumps(
            {
                "format": SEALED_FORMAT,
                "version": SEALED_VERSION,
                "alg": KPK_ALG,
                "database_id": database_id,
                "nonce": base64.b64encode(nonce).decode("ascii"),
                "ciphertext": base64.b64encode(data).decode("ascii"),
            }
        )

    def open(self, text: str, purpose: str, what: str) -> Any:
        if text.startswith(LEGACY_PREFIX):
            return decrypt_pem(text, self.passphrase, what)
        body = _parse(text, what)
        if body.get("alg") != KPK_ALG:
            return open_with_passphrase(text, self.passphrase, purpose, what)
        kpk = self._protection_key(what)
        if kpk is None:
            raise IdentityError(f"{what}属于加密数据库，不能在未加密的数据库中使用")
        try:
            nonce = base64.b64decode(str(body.get("nonce")), validate=True)
            data = base64.b64decode(str(body.get("ciphertext")), validate=True)
            der = AESGCM(kpk).decrypt(nonce, data, _aad(purpose, str(body.get("database_id"))))
        except (ValueError, InvalidTag):
            raise IdentityError(f"{what}已损坏或不属于本数据库") from None
        return _load(der, what)

"""A small secret sealed with a passphrase: Argon2id key, then AES-256-GCM.

Used for the key file's copy of the database key and for the private keys carried in enrollment
files. The sealed form is a JSON object holding the Argon2id parameters (fresh random salt), a
random nonce and the ciphertext; ``aad`` binds it to what it belongs to (a database id, a key's
purpose), so a sealed value cannot be moved to another place and still open.
"""

from __future__ import annotations

import base64
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from fieldapp.core.crypto import kdf
from fieldapp.core.crypto.errors import CryptoError
from fieldapp.core.crypto.kdf import KdfCost, KdfParams, derive_key

SEAL_ALG = "argon2id+A256GCM"
NONCE_BYTES = 12
MAX_SEALED = 1 << 16


class WrongPassphrase(CryptoError):
    """The passphrase does not open the sealed value (or the value was altered)."""


def seal(
    secret: bytes, passphrase: bytes, *, aad: bytes, cost: KdfCost | None = None
) -> dict[str, Any]:
    """Seal ``secret``; ``cost`` defaults to this machine's calibrated Argon2id cost."""
    params = KdfParams.fresh(cost or kdf.calibrated_cost())
    return seal_with_key(secret, derive_key(passphrase, params), params, aad=aad)


def seal_with_key(secret: bytes, key: bytes, params: KdfParams, *, aad: bytes) -> dict[str, Any]:
    """Seal with a key already derived from ``params`` (to seal several values with one key)."""
    nonce = os.urandom(NONCE_BYTES)
    return {
        "alg": SEAL_ALG,
        "kdf": params.to_json(),
        "nonce": base64.b64encode(nonce).decode("ascii"),
        "ciphertext": base64.b64encode(AESGCM(key).encrypt(nonce, secret, aad)).decode("ascii"),
    }


def sealed_params(sealed: Any) -> KdfParams:
    if not isinstance(sealed, dict) or sealed.get("alg") != SEAL_ALG:
        raise CryptoError("不支持的口令加密格式")
    return KdfParams.from_json(sealed.get("kdf"))


def unseal(sealed: Any, passphrase: bytes, *, aad: bytes) -> bytes:
    """The secret; ``WrongPassphrase`` if the passphrase (or anything sealed) does not match."""
    params = sealed_params(sealed)
    return unseal_with_key(sealed, derive_key(passphrase, params), aad=aad)


def unseal_with_key(sealed: Any, key: bytes, *, aad: bytes) -> bytes:
    try:
        nonce = base64.b64decode(str(sealed.get("nonce")), validate=True)
        data = base64.b64decode(str(sealed.get("ciphertext")), validate=True)
    except (ValueError, TypeError, AttributeError):
        raise CryptoError("口令加密的数据格式不正确") from None
    if len(nonce) != NONCE_BYTES or len(data) > MAX_SEALED:
        raise CryptoError("口令加密的数据格式不正确")
    try:
        return AESGCM(key).decrypt(nonce, data, aad)
    except InvalidTag:
        raise WrongPassphrase("口令不正确") from None

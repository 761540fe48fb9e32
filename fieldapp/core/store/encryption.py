"""Unlocking the encrypted database: its state on disk, the key file, the passphrase.

A database file is *missing* (a fresh install), *plaintext* (written by a version before
encryption: converted once by ``conversion``), or *encrypted* (SQLCipher: no SQLite header,
nothing readable). ``create_key`` makes the key file for a new database, ``unlock`` turns the
passphrase into the ``DatabaseKey`` every connection needs, ``change_passphrase`` re-seals the
same key with a new passphrase (one atomic replacement of the key file).

The unlocked key lives in memory only, in the ``DatabaseKey`` the application passes to
``open_store``; it is never written to disk, a log, or a ``repr``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import x25519

from fieldapp.core.crypto import passphrase_seal
from fieldapp.core.crypto.errors import CryptoError
from fieldapp.core.crypto.kdf import KdfCost
from fieldapp.core.crypto.recipient_seal import seal_for
from fieldapp.core.store.driver import SQLITE_HEADER
from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.keyfile import (
    KEYFILE_FORMAT,
    KEYFILE_VERSION,
    RECOVERY_LABEL,
    KeyFileError,
    Secrets,
    key_file_path,
    passphrase_aad,
    read_key_file,
    recovery_aad,
    write_key_file,
)
from fieldapp.core.store.records import now_iso

MISSING, PLAINTEXT, ENCRYPTED = "missing", "plaintext", "encrypted"
MIN_PASSPHRASE = 8


class WrongPassphrase(StoreError):
    """The passphrase does not unlock this database; nothing was changed."""


@dataclass(frozen=True)
class DatabaseKey:
    """An unlocked database: its id and the SQLCipher data key (memory only)."""

    database_id: str
    data_key: bytes = field(repr=False)

    def pragma_value(self) -> str:
        """The value for ``PRAGMA key``: SQLCipher's raw-key form (no second key derivation)."""
        return f"\"x'{self.data_key.hex()}'\""


def database_state(db_path: Path | str) -> str:
    """MISSING, PLAINTEXT or ENCRYPTED, from the file's first bytes (nothing is opened)."""
    path = Path(db_path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return MISSING
    except IsADirectoryError:
        raise StoreError(f"{path} 是一个目录，请指定数据库文件") from None
    except OSError as exc:
        raise StoreError(f"无法读取数据库 {path}：{exc.strerror or exc}") from None
    if not head:
        return MISSING
    return PLAINTEXT if head == SQLITE_HEADER else ENCRYPTED


def check_new_passphrase(passphrase: bytes) -> None:
    if len(passphrase.decode("utf-8", "replace")) < MIN_PASSPHRASE:
        raise StoreError(f"口令至少 {MIN_PASSPHRASE} 个字符（可以用中文、字母、数字和符号）")


def create_key(
    db_path: Path | str, passphrase: bytes, *, cost: KdfCost | None = None
) -> DatabaseKey:
    """A new random database key, sealed with ``passphrase`` into a new key file.

    ``cost``: the Argon2id cost; None calibrates it on this machine (~0.5 s). Tests pass a tiny
    cost explicitly. A key file left without its database is kept aside, never overwritten.
    """
    return write_new_key_file(db_path, Secrets.generate(), passphrase, cost=cost)


def write_new_key_file(
    db_path: Path | str, secrets: Secrets, passphrase: bytes, *, cost: KdfCost | None = None
) -> DatabaseKey:
    """Seal ``secrets`` into a key file for a database that has none yet (an older one is kept
    aside under another name)."""
    check_new_passphrase(passphrase)
    path = key_file_path(db_path)
    if path.exists():
        path.replace(path.with_name(f"{path.name}.old-{uuid.uuid4().hex[:8]}"))
    database_id = str(uuid.uuid4())
    body = {
        "format": KEYFILE_FORMAT,
        "version": KEYFILE_VERSION,
        "database_id": database_id,
        "created_at": now_iso(),
        "cipher": "sqlcipher4",
        "passphrase": passphrase_seal.seal(
            secrets.to_bytes(), passphrase, aad=passphrase_aad(database_id), cost=cost
        ),
    }
    write_key_file(db_path, body)
    return DatabaseKey(database_id, secrets.data_key)


_UNSEALED: dict[bytes, Secrets] = {}
"""Secrets this process already derived, by a hash of (sealed value, passphrase): a command that
opens the database and then unlocks its signing key pays for one Argon2id derivation, not two.
Memory only, like the unlocked key itself; a changed key file is a different sealed value."""


def unlock_secrets(db_path: Path | str, passphrase: bytes) -> Secrets:
    """Both keys sealed in the key file; ``WrongPassphrase`` if the passphrase is not the one."""
    body = read_key_file(db_path)
    sealed = json.dumps(body["passphrase"], sort_keys=True).encode()
    remembered = hashlib.sha256(sealed + b"\0" + passphrase).digest()
    if remembered in _UNSEALED:
        return _UNSEALED[remembered]
    try:
        raw = passphrase_seal.unseal(
            body["passphrase"], passphrase, aad=passphrase_aad(body["database_id"])
        )
    except passphrase_seal.WrongPassphrase:
        raise WrongPassphrase("口令不正确，数据库未解锁，未作任何修改。") from None
    except CryptoError as exc:
        raise KeyFileError(f"密钥文件 {key_file_path(db_path)} 已损坏：{exc}") from None
    if len(_UNSEALED) >= 8:
        _UNSEALED.clear()
    _UNSEALED[remembered] = Secrets.from_bytes(raw)
    return _UNSEALED[remembered]


def unlock(db_path: Path | str, passphrase: bytes) -> DatabaseKey:
    """The database key from the passphrase (takes the calibrated Argon2id time)."""
    secrets = unlock_secrets(db_path, passphrase)
    return DatabaseKey(read_key_file(db_path)["database_id"], secrets.data_key)


def key_for(db_path: Path | str, secrets: Secrets) -> DatabaseKey:
    return DatabaseKey(read_key_file(db_path)["database_id"], secrets.data_key)


def reseal(
    db_path: Path | str, secrets: Secrets, passphrase: bytes, *, cost: KdfCost | None = None
) -> None:
    """Seal ``secrets`` with a new ``passphrase``: one atomic replacement of the key file; the
    recovery copy stays, a pending recovery request is dropped (it is used or no longer needed)."""
    check_new_passphrase(passphrase)
    body = read_key_file(db_path)
    body["passphrase"] = passphrase_seal.seal(
        secrets.to_bytes(), passphrase, aad=passphrase_aad(body["database_id"]), cost=cost
    )
    body["passphrase_changed_at"] = now_iso()
    body.pop("pending_recovery", None)
    write_key_file(db_path, body)


def change_passphrase(
    db_path: Path | str, old: bytes, new: bytes, *, cost: KdfCost | None = None
) -> None:
    """Re-seal the database key with ``new`` after checking ``old`` (the database is untouched)."""
    check_new_passphrase(new)
    reseal(db_path, unlock_secrets(db_path, old), new, cost=cost)


def seal_for_recovery(
    db_path: Path | str,
    secrets: Secrets,
    hq_public: x25519.X25519PublicKey,
    *,
    hq_id: str,
    staff_id: str,
) -> None:
    """Keep a copy of the secrets in the key file that only the headquarters can open
    (``fieldapp.core.trust.recovery``); replaced at each enrollment."""
    body = read_key_file(db_path)
    body["recovery"] = {
        "hq_id": hq_id,
        "staff_id": staff_id,
        "sealed_at": now_iso(),
        "sealed": seal_for(
            secrets.to_bytes(),
            hq_public,
            label=RECOVERY_LABEL,
            aad=recovery_aad(body["database_id"]),
        ),
    }
    write_key_file(db_path, body)


def has_recovery_copy(db_path: Path | str) -> bool:
    try:
        return isinstance(read_key_file(db_path).get("recovery"), dict)
    except StoreError:
        return False


__all__ = [
    "ENCRYPTED",
    "MISSING",
    "PLAINTEXT",
    "DatabaseKey",
    "KeyFileError",
    "WrongPassphrase",
    "change_passphrase",
    "create_key",
    "database_state",
    "has_recovery_copy",
    "seal_for_recovery",
    "unlock",
    "unlock_secrets",
    "write_new_key_file",
]

"""The key file next to the database (``huhuqing.db.keys``): how the database key is kept.

The database is encrypted with a random 256-bit data key; what is stored is that key sealed —
with the owner's passphrase (Argon2id with a fresh salt and parameters calibrated on the machine,
then AES-256-GCM) and, once the laptop is enrolled, also for the headquarters' recovery key (X25519
sealing). Changing the passphrase re-seals the same key: the database itself is not rewritten.

The sealed secret is 64 bytes: the database key, then the key-protection key that seals the
private signing and receiving keys kept in the database (``fieldapp.core.trust.keystore``). Both
come back together from the passphrase or from a recovery, so one passphrase unlocks everything a
person has, and a recovered laptop can sign again.

The file is JSON and holds no personal data. It is always replaced whole (written beside, flushed,
renamed over), so a crash or kill -9 leaves either the old or the new file, never a mixture: the
database opens afterwards with the passphrase that was in force before or after.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fieldapp.core.store.errors import StoreError

KEYFILE_FORMAT = "huhuqing-keys"
KEYFILE_VERSION = 1
MAX_KEYFILE = 1 << 16
DATA_KEY_BYTES = 32
SECRET_BYTES = 2 * DATA_KEY_BYTES


class KeyFileError(StoreError):
    """The key file is missing, damaged or of a newer version; nothing was changed."""


def key_file_path(db_path: Path | str) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".keys")


def passphrase_aad(database_id: str) -> bytes:
    return f"{KEYFILE_FORMAT}/{KEYFILE_VERSION}/passphrase/{database_id}".encode()


def recovery_aad(database_id: str) -> bytes:
    return f"{KEYFILE_FORMAT}/{KEYFILE_VERSION}/recovery/{database_id}".encode()


RECOVERY_LABEL = f"{KEYFILE_FORMAT}/{KEYFILE_VERSION} recovery".encode()


@dataclass(frozen=True)
class Secrets:
    """What the passphrase (or a recovery) unlocks; kept in memory only."""

    data_key: bytes
    key_protection_key: bytes

    @classmethod
    def generate(cls) -> Secrets:
        return cls.from_bytes(os.urandom(SECRET_BYTES))

    @classmethod
    def from_bytes(cls, raw: bytes) -> Secrets:
        if len(raw) != SECRET_BYTES:
            raise KeyFileError("密钥长度不正确")
        return cls(raw[:DATA_KEY_BYTES], raw[DATA_KEY_BYTES:])

    def to_bytes(self) -> bytes:
        return self.data_key + self.key_protection_key

    def __repr__(self) -> str:  # never in a log or a traceback
        return "Secrets(<hidden>)"


def read_key_file(db_path: Path | str) -> dict[str, Any]:
    """The key file's content, checked for format and version (not for the passphrase)."""
    path = key_file_path(db_path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise KeyFileError(
            f"找不到数据库的密钥文件 {path}。如果这是户户清的加密数据库，没有密钥文件就无法打开："
            "请从备份恢复该文件（它应与数据库文件放在同一文件夹）；否则该数据库文件已损坏或不是"
            "户户清数据库。程序未作任何修改。"
        ) from None
    except OSError as exc:
        raise KeyFileError(f"无法读取密钥文件 {path}：{exc.strerror or exc}") from None
    try:
        body = json.loads(raw[:MAX_KEYFILE].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise KeyFileError(f"密钥文件 {path} 已损坏，无法读取。") from None
    if not isinstance(body, dict) or body.get("format") != KEYFILE_FORMAT:
        raise KeyFileError(f"{path} 不是户户清密钥文件。")
    version = body.get("version")
    if not isinstance(version, int) or version > KEYFILE_VERSION:
        raise KeyFileError(f"密钥文件 {path} 由更新版本的户户清写入，请先升级户户清软件。")
    if not isinstance(body.get("database_id"), str) or not isinstance(body.get("passphrase"), dict):
        raise KeyFileError(f"密钥文件 {path} 不完整。")
    return body


def write_key_file(db_path: Path | str, body: dict[str, Any]) -> None:
    """Replace the key file atomically (owner-only permissions, flushed before the rename)."""
    path = key_file_path(db_path)
    data = json.dumps(body, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8") + b"\n"
    part = path.with_name(f"{path.name}.{os.getpid()}.part")
    try:
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(part, path)
        sync_directory(path.parent)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise KeyFileError(f"无法写入密钥文件 {path}：{exc.strerror or exc}") from None


def sync_directory(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; Windows has no directory handles for this)."""
    if sys.platform == "win32":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

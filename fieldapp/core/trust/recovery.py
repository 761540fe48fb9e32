"""Recovery without a back door anyone can use: the headquarters can give a cadre who forgot the
passphrase their database back, and nobody else can.

At enrollment the laptop seals its database secrets (data key and key-protection key) for the
headquarters' receiving key (X25519) into its key file. A cadre who forgot the passphrase makes a
*request file* on the laptop (``make_request``): that sealed copy, the ids, and a fresh one-time
reply key whose private half stays in the key file. At the office, staff check the person and
``grant`` with the office passphrase: the secrets are unsealed with the HQ private key and sealed
again for the reply key, giving a *reset file*. Back on the laptop, ``apply_reset`` opens it with
the waiting reply key, checks that the key really opens this database, and seals it with the new
passphrase; the reply key is deleted, so a reset file works once. Without the HQ private key a
request opens nothing; without the laptop's key file a reset file opens nothing.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import x25519

from fieldapp.core.crypto.errors import CryptoError
from fieldapp.core.crypto.kdf import KdfCost
from fieldapp.core.crypto.recipient_seal import b64, open_sealed, raw_public, seal_for, unb64
from fieldapp.core.store.encryption import DatabaseKey, key_for, reseal
from fieldapp.core.store.keyfile import (
    RECOVERY_LABEL,
    SECRET_BYTES,
    Secrets,
    read_key_file,
    recovery_aad,
    write_key_file,
)
from fieldapp.core.store.records import now_iso
from fieldapp.core.store.store import Store
from fieldapp.core.trust.certificates import IdentityError
from fieldapp.core.trust.enrollment import device
from fieldapp.core.trust.keystore import receiving_private_key, require_hq

REQUEST_FORMAT = "huhuqing-recovery-request"
RESET_FORMAT = "huhuqing-recovery-reset"
RECOVERY_VERSION = 1
RESET_LABEL = f"{RESET_FORMAT}/{RECOVERY_VERSION}".encode()
MAX_FILE = 1 << 16


def _reset_aad(request_id: str, database_id: str) -> bytes:
    return f"{RESET_FORMAT}/{RECOVERY_VERSION}/{request_id}/{database_id}".encode()


def make_request(db_path: Path) -> bytes:
    """The request file's bytes; the one-time reply key waits in the key file (a newer request
    replaces an older one)."""
    body = read_key_file(db_path)
    recovery = body.get("recovery")
    if not isinstance(recovery, dict):
        raise IdentityError(
            "本机数据库没有总部恢复副本（尚未登记到总部，或登记早于本功能），无法通过总部找回口令。"
        )
    reply = x25519.X25519PrivateKey.generate()
    request_id = str(uuid.uuid4())
    raw_private = reply.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    body["pending_recovery"] = {
        "request_id": request_id,
        "reply_private_key": b64(raw_private),
        "created_at": now_iso(),
    }
    write_key_file(db_path, body)
    request = {
        "format": REQUEST_FORMAT,
        "version": RECOVERY_VERSION,
        "request_id": request_id,
        "database_id": body["database_id"],
        "hq_id": recovery.get("hq_id"),
        "staff_id": recovery.get("staff_id"),
        "created_at": now_iso(),
        "sealed": recovery.get("sealed"),
        "reply_public_key": b64(raw_public(reply.public_key())),
    }
    return (json.dumps(request, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _read(data: bytes, fmt: str, what: str, fields: tuple[str, ...]) -> dict[str, Any]:
    try:
        body = json.loads(data[:MAX_FILE].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise IdentityError(f"不是户户清{what}（无法读取）") from None
    if not isinstance(body, dict) or body.get("format") != fmt:
        raise IdentityError(f"不是户户清{what}")
    if body.get("version") != RECOVERY_VERSION:
        raise IdentityError(f"{what}版本 {body.get('version')} 本软件不支持，请升级户户清")
    missing = [f for f in fields if not isinstance(body.get(f), str)]
    if missing or not isinstance(body.get("sealed"), dict):
        raise IdentityError(f"{what}不完整（缺少 {', '.join(missing) or 'sealed'}）")
    return body


def read_request(data: bytes) -> dict[str, Any]:
    fields = ("request_id", "database_id", "hq_id", "staff_id", "reply_public_key")
    return _read(data, REQUEST_FORMAT, "恢复申请文件", fields)


def read_reset(data: bytes) -> dict[str, Any]:
    return _read(data, RESET_FORMAT, "口令重置文件", ("request_id", "database_id", "staff_id"))


def describe_request(store: Store, data: bytes) -> dict[str, Any]:
    """Who asks (the enrolled device named in the request), for the office to check in person."""
    request = read_request(data)
    if request["hq_id"] != require_hq(store):
        raise IdentityError("此恢复申请属于另一个总部，本总部无法处理")
    return {**device(store, request["staff_id"]), "request": request}


def grant(
    store: Store, data: bytes, passphrase: bytes, *, author: str
) -> tuple[bytes, dict[str, Any]]:
    """The reset file's bytes for a request, and the device it is for (headquarters only)."""
    who = describe_request(store, data)
    request = who["request"]
    private = receiving_private_key(store, passphrase)
    try:
        secret = open_sealed(
            request["sealed"],
            private,
            label=RECOVERY_LABEL,
            aad=recovery_aad(request["database_id"]),
            key_bytes=SECRET_BYTES,
        )
        reply = x25519.X25519PublicKey.from_public_bytes(
            unb64(request["reply_public_key"], "回复公钥", 32)
        )
    except CryptoError as exc:
        raise IdentityError(f"恢复申请文件无法处理：{exc}") from None
    reset = {
        "format": RESET_FORMAT,
        "version": RECOVERY_VERSION,
        "request_id": request["request_id"],
        "database_id": request["database_id"],
        "staff_id": request["staff_id"],
        "granted_at": now_iso(),
        "granted_by": author,
        "sealed": seal_for(
            secret,
            reply,
            label=RESET_LABEL,
            aad=_reset_aad(request["request_id"], request["database_id"]),
        ),
    }
    store.audit(
        author,
        "recovery_grant",
        detail={
            "device_id": who["device_id"],
            "name": who["name"],
            "database_id": request["database_id"],
            "request_id": request["request_id"],
        },
    )
    text = json.dumps(reset, ensure_ascii=False, indent=1) + "\n"
    return text.encode("utf-8"), who


def apply_reset(
    db_path: Path, data: bytes, new_passphrase: bytes, *, cost: KdfCost | None = None
) -> DatabaseKey:
    """Open the reset file with the waiting reply key and seal the secrets with the new
    passphrase (the reply key is dropped: the file works once); the unlocked key."""
    from fieldapp.core.store.unlock import key_opens

    reset = read_reset(data)
    body = read_key_file(db_path)
    pending = body.get("pending_recovery")
    if not isinstance(pending, dict):
        raise IdentityError("本机没有待处理的恢复申请：重置文件只能使用一次，请重新申请。")
    if reset["request_id"] != pending.get("request_id") or reset["database_id"] != body.get(
        "database_id"
    ):
        raise IdentityError(
            "此重置文件不是本机最近一次恢复申请的答复（可能已使用过，或属于其他电脑）。"
        )
    try:
        reply = x25519.X25519PrivateKey.from_private_bytes(
            unb64(pending.get("reply_private_key"), "回复私钥", 32)
        )
        secret = open_sealed(
            reset["sealed"],
            reply,
            label=RESET_LABEL,
            aad=_reset_aad(reset["request_id"], reset["database_id"]),
            key_bytes=SECRET_BYTES,
        )
    except CryptoError as exc:
        raise IdentityError(f"重置文件无法打开：{exc}") from None
    secrets = Secrets.from_bytes(secret)
    key = key_for(db_path, secrets)
    if not key_opens(db_path, key):
        raise IdentityError("重置文件中的密钥打不开本机数据库，未作任何修改。")
    reseal(db_path, secrets, new_passphrase, cost=cost)
    return key


__all__ = [
    "apply_reset",
    "describe_request",
    "grant",
    "make_request",
    "read_request",
    "read_reset",
]

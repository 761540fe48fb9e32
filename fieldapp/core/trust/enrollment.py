"""Enrollment and revocation: headquarters set-up, issuing staff identities, laptops taking them in.

``hq_init`` makes a database the headquarters; ``enroll_staff`` issues a certificate and writes the
signed enrollment file; ``read_enrollment`` and ``take_enrollment`` check and keep it on a laptop;
``devices``, ``device`` and ``revoke_device`` manage the enrolled devices at headquarters.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, x25519

from fieldapp.core.store.encryption import seal_for_recovery
from fieldapp.core.store.records import now_iso
from fieldapp.core.store.sql import LIKE_PREFIX, like_prefix
from fieldapp.core.store.store import Store
from fieldapp.core.trust.certificates import (
    ROLES,
    IdentityError,
    StaffInfo,
    cert_pem,
    device_staff,
    fingerprint,
    issue_certificate,
    json_signed_by,
    load_cert,
    load_x25519_public,
    make_ca,
    new_device_id,
    public_key_fingerprint,
    public_pem,
    sign_json,
    staff_info,
    verify_issued_by,
)
from fieldapp.core.trust.keystore import (
    K_CA_CERT,
    K_CA_KEY,
    K_HQ_RECEIVE,
    K_HQ_RECEIVE_PUB,
    K_SELF_CERT,
    K_SELF_KEY,
    K_SELF_RECEIVE,
    MODE_HQ,
    MODE_LAPTOP,
    ca_certificate,
    hq_id,
    identity_mode,
    put_key,
    put_private_key,
    require_hq,
    require_pem,
    staff_id,
    unlock_ca_key,
)
from fieldapp.core.trust.private_keys import KeyUnlocker, open_with_passphrase, seal_with_passphrase
from fieldapp.core.values.documents import parse_json
from fieldapp.core.values.limits import ENROLLMENT_MAX_BYTES, LimitError, check_file_size

ENROLLMENT_FORMAT = "huhuqing-enrollment"
ENROLLMENT_VERSION = 1


def _clean(text: str, what: str, limit: int = 64) -> str:
    text = " ".join(text.split())
    if not text:
        raise IdentityError(f"{what}不能为空")
    if len(text) > limit:
        raise IdentityError(f"{what}过长（最多 {limit} 字）")
    return text


# -- headquarters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HqInfo:
    hq_id: str
    unit: str
    ca_fingerprint: str
    office: StaffInfo


def hq_init(
    store: Store, passphrase: bytes, *, unit: str, office_name: str | None = None, author: str
) -> HqInfo:
    """Make this database the headquarters: CA, receiving key, and the office's own identity."""
    unit = _clean(unit, "单位名称")
    office_name = _clean(office_name or f"{unit}办公室", "办公室名称")
    mode = identity_mode(store)
    if mode == MODE_HQ:
        raise IdentityError(f"本数据库已经是总部（hq_id {hq_id(store)}），不能重复初始化")
    if mode == MODE_LAPTOP:
        raise IdentityError("本数据库已登记为笔记本，不能再初始化为总部；请为总部另建数据库")
    new_hq_id = str(uuid.uuid4())
    ca_key, ca_cert = make_ca(unit)
    receive = x25519.X25519PrivateKey.generate()
    unlocker = KeyUnlocker(store, passphrase)
    unlocker.secrets("总部数据库")  # a wrong passphrase stops here, before any write
    with store.db.atomic():
        store.set_meta("identity_mode", MODE_HQ)
        store.set_meta("hq_id", new_hq_id)
        store.set_meta("hq_unit", unit)
        put_private_key(unlocker, K_CA_KEY, ca_key, fingerprint(ca_cert), author)
        put_key(store, K_CA_CERT, "certificate", cert_pem(ca_cert), fingerprint(ca_cert), author)
        put_private_key(
            unlocker, K_HQ_RECEIVE, receive, public_key_fingerprint(receive.public_key()), author
        )
        put_key(
            store,
            K_HQ_RECEIVE_PUB,
            "public",
            public_pem(receive.public_key()),
            public_key_fingerprint(receive.public_key()),
            author,
        )
        office = _enroll(
            store, ca_key, ca_cert, name=office_name, unit=unit, role="office", author=author
        )
        sign_key, cert, recv_key = office
        info = staff_info(cert)
        store.set_meta("staff_id", info.staff_id)
        bind_device(store, info.staff_id)
        put_private_key(unlocker, K_SELF_KEY, sign_key, info.fingerprint, author)
        put_key(store, K_SELF_CERT, "certificate", cert_pem(cert), info.fingerprint, author)
        put_private_key(
            unlocker,
            K_SELF_RECEIVE,
            recv_key,
            public_key_fingerprint(recv_key.public_key()),
            author,
        )
        store.audit(
            author,
            "hq_init",
            detail={"hq_id": new_hq_id, "unit": unit, "ca": fingerprint(ca_cert)},
        )
    return HqInfo(new_hq_id, unit, fingerprint(ca_cert), info)


def _enroll(
    store: Store,
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    *,
    name: str,
    unit: str,
    role: str,
    author: str,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate, x25519.X25519PrivateKey]:
    sid = str(uuid.uuid4())
    sign_key, cert = issue_certificate(ca_key, ca_cert, sid=sid, name=name, unit=unit, role=role)
    receive = x25519.X25519PrivateKey.generate()
    store.db.table("devices").insert(
        {
            "device_id": sid,
            "name": name,
            "unit": unit,
            "role": role,
            "cert_fingerprint": fingerprint(cert),
            "certificate": cert_pem(cert),
            "receive_public_key": public_pem(receive.public_key()),
            "enrolled_at": now_iso(),
            "enrolled_by": author,
            "revoked_at": None,
            "revoked_by": None,
            "revoke_reason": None,
        }
    )
    store.audit(
        author,
        "enroll_device",
        detail={
            "device_id": sid,
            "name": name,
            "unit": unit,
            "role": role,
            "cert": fingerprint(cert),
        },
    )
    return sign_key, cert, receive


def _unsent(store: Store) -> int:
    """Revisions, status changes and procedure cases and steps made here since the last export
    (``sync.export``): the steps are signed with this enrollment's certificate and would not be
    this laptop's own any more under a new one."""
    last = store.db.execute(
        "select marks from bundle_log where direction = 'export' and kind = 'laptop-to-hq' "
        "order by seq desc limit 1"
    ).fetchone()
    marks = json.loads(last[0]) if last is not None and last[0] else {}
    row = store.db.execute(
        "select (select count(*) from revisions where rowid > ? and device_id in "
        "(select value from json_each(?))) + (select count(*) from status_changes s where "
        "s.rowid > ? and not exists (select 1 from record_origins o where o.kind = 'status' "
        "and o.record_id = s.id)) + (select count(*) from procedure_cases c where c.rowid > ? "
        "and not exists (select 1 from record_origins o where o.kind = 'case' "
        "and o.record_id = c.id)) + (select count(*) from procedure_steps p where p.rowid > ? "
        "and not exists (select 1 from record_origins o where o.kind = 'step' "
        "and o.record_id = p.id))",
        [
            int(marks.get("revisions", 0)),
            json.dumps(store.device_ids),
            int(marks.get("status_changes", 0)),
            int(marks.get("procedure_cases", 0)),
            int(marks.get("procedure_steps", 0)),
        ],
    ).fetchone()
    return int(row[0] or 0)


def bind_device(store: Store, staff_id: str) -> None:
    """Write this database's new work under a device id that names its staff member
    (``<staff id>/<suffix>``): headquarters then knows whose every revision is from the id alone,
    whatever order bundles arrive in, and no one else's bundle can use it. Records made under
    the earlier id stay this database's own (``Store.device_ids``). Inside a write transaction."""
    if device_staff(store.device_id) != staff_id:
        store.adopt_device_id(new_device_id(staff_id))


def _canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def enroll_staff(
    store: Store,
    hq_passphrase: bytes,
    staff_passphrase: bytes,
    *,
    name: str,
    unit: str,
    role: str = "cadre",
    author: str,
) -> tuple[bytes, StaffInfo]:
    """Issue a staff/device certificate; return the enrollment file's bytes and who it names."""
    hq = require_hq(store)
    name = _clean(name, "姓名")
    unit = _clean(unit, "单位")
    if role not in ROLES:
        raise IdentityError(f"角色只能是：{'、'.join(ROLES)}（收到“{role}”）")
    ca_key = unlock_ca_key(store, hq_passphrase)
    ca_cert = ca_certificate(store)
    with store.db.atomic():
        sign_key, cert, recv_key = _enroll(
            store, ca_key, ca_cert, name=name, unit=unit, role=role, author=author
        )
    body: dict[str, Any] = {
        "format": ENROLLMENT_FORMAT,
        "version": ENROLLMENT_VERSION,
        "hq_id": hq,
        "hq_unit": store.meta("hq_unit") or "",
        "staff_id": staff_info(cert).staff_id,
        "name": name,
        "unit": unit,
        "role": role,
        "issued_at": now_iso(),
        "certificate": cert_pem(cert),
        "ca_certificate": cert_pem(ca_cert),
        "hq_receive_public_key": require_pem(store, K_HQ_RECEIVE_PUB),
        "signing_key": seal_with_passphrase(sign_key, staff_passphrase, "signing_key"),
        "receive_key": seal_with_passphrase(recv_key, staff_passphrase, "receive_key"),
    }
    body["ca_signature"] = sign_json(ca_key, body)
    text = json.dumps(body, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    return text.encode("utf-8"), staff_info(cert)


def devices(store: Store) -> list[dict[str, Any]]:
    """Every device/staff member enrolled at this headquarters, oldest first."""
    rows = store.db.query(
        "select device_id, name, unit, role, cert_fingerprint, enrolled_at, enrolled_by, "
        "revoked_at, revoked_by, revoke_reason from devices order by rowid"
    )
    return [dict(r) for r in rows]


def device(store: Store, ref: str) -> dict[str, Any]:
    """A device by its id, its certificate fingerprint (or a unique prefix of either), or name."""
    ref = ref.strip()
    if not ref:
        raise IdentityError("请指定设备/人员（ID、证书指纹或姓名）")
    rows = [
        dict(r)
        for r in store.db.query(
            "select * from devices where device_id = ? or cert_fingerprint = ? or name = ? "
            f"or (length(?) >= 8 and (device_id {LIKE_PREFIX} or cert_fingerprint {LIKE_PREFIX})) "
            "order by rowid",
            [ref, ref.lower(), ref, ref, like_prefix(ref), like_prefix(ref.lower())],
        )
    ]
    if not rows:
        raise IdentityError(f"总部没有登记“{ref}”（fieldapp hq devices 可列出全部）")
    if len(rows) > 1:
        active = [r for r in rows if not r["revoked_at"]]
        if len(active) == 1 and all(r["name"] == ref for r in rows):
            return active[0]
        raise IdentityError(f"“{ref}”对应多台设备/多人，请用设备 ID")
    return rows[0]


def revoke_device(store: Store, ref: str, *, reason: str, author: str) -> dict[str, Any]:
    """Mark an enrolled device revoked (once; the row and the audit entry are kept forever)."""
    require_hq(store)
    row = device(store, ref)
    if row["device_id"] == staff_id(store):
        raise IdentityError("不能吊销总部自身的办公室身份")
    if row["revoked_at"]:
        raise IdentityError(f"{row['name']} 的设备已于 {row['revoked_at']} 吊销")
    if not reason.strip():
        raise IdentityError("吊销须填写原因")
    stamp = now_iso()
    with store.db.atomic():
        store.db.table("devices").update(
            row["device_id"],
            {"revoked_at": stamp, "revoked_by": author, "revoke_reason": reason.strip()},
        )
        store.audit(
            author,
            "revoke_device",
            detail={"device_id": row["device_id"], "name": row["name"], "reason": reason.strip()},
        )
    return {**row, "revoked_at": stamp, "revoked_by": author, "revoke_reason": reason.strip()}


# -- the laptop ----------------------------------------------------------------------------------


def enrollment_bytes(path: Path) -> bytes:
    """The bytes of an enrollment file, refused unread when larger than one can be."""
    try:
        check_file_size(path.stat().st_size, ENROLLMENT_MAX_BYTES, "登记文件")
        return path.read_bytes()
    except LimitError as exc:
        raise IdentityError(f"{path.name} 不是户户清登记文件：{exc}") from None
    except OSError as exc:
        raise IdentityError(f"无法读取登记文件 {path}：{exc.strerror or exc}") from None


def read_enrollment(data: bytes) -> dict[str, Any]:
    """Parse and check an enrollment file (format, CA signature, certificate issued by the CA)."""
    try:
        body = parse_json(data, "登记文件", max_bytes=ENROLLMENT_MAX_BYTES)
    except LimitError as exc:
        raise IdentityError(f"不是户户清登记文件（{exc}）") from None
    except ValueError:
        raise IdentityError("不是户户清登记文件（无法读取）") from None
    if not isinstance(body, dict) or body.get("format") != ENROLLMENT_FORMAT:
        raise IdentityError("不是户户清登记文件")
    if body.get("version") != ENROLLMENT_VERSION:
        raise IdentityError(
            f"登记文件版本 {body.get('version')} 本软件不支持，请升级户户清或请总部重新登记"
        )
    required = (
        "hq_id",
        "staff_id",
        "certificate",
        "ca_certificate",
        "hq_receive_public_key",
        "signing_key",
        "receive_key",
        "ca_signature",
    )
    missing = [k for k in required if not isinstance(body.get(k), str)]
    if missing:
        raise IdentityError(f"登记文件不完整（缺少 {', '.join(missing)}）")
    ca = load_cert(body["ca_certificate"])
    cert = load_cert(body["certificate"])
    if not json_signed_by(ca, body, "ca_signature"):
        raise IdentityError("登记文件已损坏或被改动（总部签名不符）")
    verify_issued_by(cert, ca)
    if staff_info(cert).staff_id != body["staff_id"]:
        raise IdentityError("登记文件内容不一致（证书与人员 ID 不符）")
    load_x25519_public(body["hq_receive_public_key"])
    return body


def open_enrollment_keys(
    body: dict[str, Any], passphrase: bytes
) -> tuple[ec.EllipticCurvePrivateKey, x25519.X25519PrivateKey]:
    """The two private keys of a checked enrollment file, opened with its passphrase."""
    sign_key = open_with_passphrase(
        body["signing_key"], passphrase, "signing_key", "登记文件中的签名私钥"
    )
    recv_key = open_with_passphrase(
        body["receive_key"], passphrase, "receive_key", "登记文件中的接收私钥"
    )
    if not isinstance(sign_key, ec.EllipticCurvePrivateKey) or not isinstance(
        recv_key, x25519.X25519PrivateKey
    ):
        raise IdentityError("登记文件中的密钥类型不正确")
    return sign_key, recv_key


def take_enrollment(
    store: Store,
    data: bytes,
    passphrase: bytes,
    *,
    author: str,
    enrollment_passphrase: bytes | None = None,
) -> StaffInfo:
    """The laptop takes in an enrollment file.

    ``passphrase`` is the owner's (the one that unlocks this database): the keys are sealed with
    it, and the database key is also sealed for the headquarters' recovery key. The file's keys
    open with ``enrollment_passphrase`` (what headquarters told the cadre; default the same).
    """
    body = read_enrollment(data)
    mode = identity_mode(store)
    if mode == MODE_HQ:
        raise IdentityError("这是总部数据库，不能再登记为笔记本")
    if mode == MODE_LAPTOP and hq_id(store) != body["hq_id"]:
        raise IdentityError(
            f"本笔记本已登记到另一个总部（{hq_id(store)}），不能改登记到 {body['hq_id']}"
        )
    sign_key, recv_key = open_enrollment_keys(body, enrollment_passphrase or passphrase)
    cert = load_cert(body["certificate"])
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if sign_key.public_key().public_bytes(*spki) != cert.public_key().public_bytes(*spki):
        raise IdentityError("登记文件内容不一致（私钥与证书不符）")
    info = staff_info(cert)
    unsent = _unsent(store) if mode == MODE_LAPTOP and staff_id(store) != info.staff_id else 0
    if unsent:
        raise IdentityError(
            f"本机还有 {unsent} 条修改没有上报：请先用原来的登记导出数据包（fieldapp bundle export）"
            "交总部导入，再导入新的登记文件（新登记不能为旧登记的修改签名）"
        )
    ca = load_cert(body["ca_certificate"])
    hq_pub = load_x25519_public(body["hq_receive_public_key"])
    unlocker = KeyUnlocker(store, passphrase)
    secrets = unlocker.secrets("本机数据库")  # a wrong passphrase stops here, before any write
    with store.db.atomic():
        store.set_meta("identity_mode", MODE_LAPTOP)
        store.set_meta("hq_id", body["hq_id"])
        store.set_meta("hq_unit", str(body.get("hq_unit") or ""))
        store.set_meta("staff_id", info.staff_id)
        bind_device(store, info.staff_id)
        put_key(store, K_CA_CERT, "certificate", cert_pem(ca), fingerprint(ca), author)
        put_key(
            store,
            K_HQ_RECEIVE_PUB,
            "public",
            body["hq_receive_public_key"],
            public_key_fingerprint(hq_pub),
            author,
        )
        put_private_key(unlocker, K_SELF_KEY, sign_key, info.fingerprint, author)
        put_key(store, K_SELF_CERT, "certificate", cert_pem(cert), info.fingerprint, author)
        put_private_key(
            unlocker,
            K_SELF_RECEIVE,
            recv_key,
            public_key_fingerprint(recv_key.public_key()),
            author,
        )
        store.audit(
            author,
            "take_enrollment",
            detail={"hq_id": body["hq_id"], "staff_id": info.staff_id, "cert": info.fingerprint},
        )
    if secrets is not None and store.path is not None:
        seal_for_recovery(store.path, secrets, hq_pub, hq_id=body["hq_id"], staff_id=info.staff_id)
    return info

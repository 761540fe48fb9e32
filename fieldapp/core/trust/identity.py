"""Identities: the headquarters' certificate authority and keys, and each enrolled cadre/laptop.

Headquarters (``fieldapp hq init``) keeps in its own database:

- a small certificate authority: an ECDSA P-256 self-signed root (CN "<单位> 户户清根证书");
- an X25519 key pair for receiving bundles (laptops encrypt for its public key);
- its own office identity (an ECDSA P-256 certificate issued by the CA) to sign ledgers and
  assign bundles, plus an X25519 key pair like every enrolled device.

Each enrollment (``fieldapp hq enroll``) issues a staff/device certificate (ECDSA P-256, CN=name,
O=unit, OU=role, UID=staff id, SAN ``urn:uuid:<staff id>``) and an X25519 key pair for receiving
assign bundles. The enrollment file carries both private keys encrypted with the staff passphrase,
the certificate, the CA certificate, the HQ receiving public key and the ``hq_id``; it is signed by
the CA key. The laptop takes it in (``fieldapp enroll FILE``) and keeps the keys as they came.

Private keys are stored only as PKCS#8 PEM encrypted with the passphrase
(``BestAvailableEncryption``); they are never written to a bundle or a ledger.
Nothing here imports Qt.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.x509.oid import NameOID

from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.records import now_iso
from fieldapp.core.store.store import Store

ENROLLMENT_FORMAT = "huhuqing-enrollment"
ENROLLMENT_VERSION = 1
ROLES = ("cadre", "office", "reviewer")
ROLE_NAMES = {"cadre": "入户干部", "office": "机关工作人员", "reviewer": "审核人"}
MODE_HQ = "hq"
MODE_LAPTOP = "laptop"

CA_YEARS = 20
STAFF_YEARS = 5

# purposes in the ``keys`` table (the newest row of a purpose is in force)
K_CA_KEY = "ca.key"
K_CA_CERT = "ca.cert"
K_HQ_RECEIVE = "hq.receive.key"  # HQ only: private X25519 for bundles sent to HQ
K_HQ_RECEIVE_PUB = "hq.receive.pub"  # everyone: where laptop bundles are encrypted to
K_SELF_KEY = "self.sign.key"
K_SELF_CERT = "self.sign.cert"
K_SELF_RECEIVE = "self.receive.key"  # laptop: private X25519 for assign bundles


class IdentityError(StoreError):
    """An identity refusal (wrong passphrase, not enrolled, …): a Chinese message, exit 1."""


@dataclass(frozen=True)
class SigningIdentity:
    """A staff member's (or the headquarters office's) signing key and certificate.

    ``chain`` holds the issuing certificates above ``certificate`` (not the certificate itself),
    the CA last; with today's flat hierarchy it is ``[ca_certificate]``.
    """

    private_key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    chain: list[x509.Certificate]
    name: str
    unit: str


@dataclass(frozen=True)
class StaffInfo:
    """Who a certificate names: staff/device id, name, unit, role."""

    staff_id: str
    name: str
    unit: str
    role: str
    fingerprint: str

    def label(self) -> str:
        return f"{self.name}（{self.unit}，{ROLE_NAMES.get(self.role, self.role)}）"


# -- small helpers -------------------------------------------------------------------------------


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER, hex (what ``openssl x509 -fingerprint -sha256`` shows)."""
    return cert.fingerprint(hashes.SHA256()).hex()


def public_key_fingerprint(key: x25519.X25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def load_cert(pem: str | bytes) -> x509.Certificate:
    """Load a PEM certificate and parse every part used later (cryptography parses lazily, so a
    damaged certificate would otherwise fail at some later, unrelated step)."""
    try:
        cert = x509.load_pem_x509_certificate(pem.encode("ascii") if isinstance(pem, str) else pem)
        cert.public_key()
        for name in (cert.subject, cert.issuer):
            name.rfc4514_string()
        _ = cert.extensions, cert.not_valid_before_utc, cert.not_valid_after_utc
        cert.fingerprint(hashes.SHA256())
    except (ValueError, TypeError, UnicodeError) as exc:
        raise IdentityError(f"证书格式不正确：{exc}") from None
    return cert


def _encrypt_pem(
    key: ec.EllipticCurvePrivateKey | x25519.X25519PrivateKey, passphrase: bytes
) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    ).decode("ascii")


def _public_pem(key: x25519.X25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_x25519_public(pem: str) -> x25519.X25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise IdentityError(f"公钥格式不正确：{exc}") from None
    if not isinstance(key, x25519.X25519PublicKey):
        raise IdentityError("公钥不是 X25519 密钥")
    return key


def _decrypt_pem(pem: str, passphrase: bytes, what: str) -> Any:
    try:
        return serialization.load_pem_private_key(pem.encode("ascii"), password=passphrase)
    except (ValueError, TypeError):
        raise IdentityError(
            f"口令不正确，无法解锁{what}（请检查 FIELDAPP_PASSPHRASE 或 --passphrase-file）"
        ) from None


def _name_attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def staff_info(cert: x509.Certificate) -> StaffInfo:
    subject = cert.subject
    return StaffInfo(
        staff_id=_name_attr(subject, NameOID.USER_ID),
        name=_name_attr(subject, NameOID.COMMON_NAME),
        unit=_name_attr(subject, NameOID.ORGANIZATION_NAME),
        role=_name_attr(subject, NameOID.ORGANIZATIONAL_UNIT_NAME),
        fingerprint=fingerprint(cert),
    )


def _clean(text: str, what: str, limit: int = 64) -> str:
    text = " ".join(text.split())
    if not text:
        raise IdentityError(f"{what}不能为空")
    if len(text) > limit:
        raise IdentityError(f"{what}过长（最多 {limit} 字）")
    return text


# -- the keys table ------------------------------------------------------------------------------


def _put_key(store: Store, purpose: str, kind: str, pem: str, fp: str, author: str) -> None:
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


def _key_pem(store: Store, purpose: str) -> str | None:
    row = store.db.execute(
        "select pem from keys where purpose = ? order by seq desc limit 1", [purpose]
    ).fetchone()
    return None if row is None else str(row[0])


def _require_pem(store: Store, purpose: str) -> str:
    pem = _key_pem(store, purpose)
    if pem is None:
        raise IdentityError(
            "本数据库尚未设置身份：总部请先运行 fieldapp hq init，"
            "笔记本请先导入登记文件 fieldapp enroll 文件"
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
    return load_cert(_require_pem(store, K_CA_CERT))


def own_certificate(store: Store) -> x509.Certificate:
    return load_cert(_require_pem(store, K_SELF_CERT))


def hq_receive_public_key(store: Store) -> x25519.X25519PublicKey:
    return load_x25519_public(_require_pem(store, K_HQ_RECEIVE_PUB))


def signing_identity(store: Store, passphrase: bytes) -> SigningIdentity:
    """The laptop's enrolled identity, or at headquarters the HQ office identity."""
    cert = own_certificate(store)
    key = _decrypt_pem(_require_pem(store, K_SELF_KEY), passphrase, "签名私钥")
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
    key = _decrypt_pem(_require_pem(store, purpose), passphrase, "接收私钥")
    if not isinstance(key, x25519.X25519PrivateKey):
        raise IdentityError("接收私钥类型不正确")
    return key


def check_passphrase(store: Store, passphrase: bytes) -> None:
    """Raise IdentityError (wrong passphrase) before anything is written."""
    signing_identity(store, passphrase)


# -- certificates --------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _ca_name(unit: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{unit} 户户清根证书"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, unit),
        ]
    )


def _make_ca(unit: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _ca_name(unit)
    start = _now() - timedelta(minutes=5)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _issue(
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    *,
    sid: str,
    name: str,
    unit: str,
    role: str,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    start = _now() - timedelta(minutes=5)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, unit),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role),
            x509.NameAttribute(NameOID.USER_ID, sid),
        ]
    )
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(
            min(start + timedelta(days=365 * STAFF_YEARS), ca_cert.not_valid_after_utc)
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectAlternativeName([x509.UniformResourceIdentifier(f"urn:uuid:{sid}")]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def verify_issued_by(
    cert: x509.Certificate, ca: x509.Certificate, *, at: datetime | None = None
) -> None:
    """Check that ``cert`` was signed by ``ca`` and is within its validity period."""
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        raise IdentityError(f"证书“{staff_info(cert).label()}”不是本总部根证书签发的") from None
    moment = at or datetime.now(UTC)
    if not cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc:
        raise IdentityError(f"证书“{staff_info(cert).label()}”不在有效期内")


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
    ca_key, ca_cert = _make_ca(unit)
    receive = x25519.X25519PrivateKey.generate()
    with store.db.atomic():
        store.set_meta("identity_mode", MODE_HQ)
        store.set_meta("hq_id", new_hq_id)
        store.set_meta("hq_unit", unit)
        _put_key(
            store,
            K_CA_KEY,
            "private",
            _encrypt_pem(ca_key, passphrase),
            fingerprint(ca_cert),
            author,
        )
        _put_key(store, K_CA_CERT, "certificate", cert_pem(ca_cert), fingerprint(ca_cert), author)
        _put_key(
            store,
            K_HQ_RECEIVE,
            "private",
            _encrypt_pem(receive, passphrase),
            public_key_fingerprint(receive.public_key()),
            author,
        )
        _put_key(
            store,
            K_HQ_RECEIVE_PUB,
            "public",
            _public_pem(receive.public_key()),
            public_key_fingerprint(receive.public_key()),
            author,
        )
        office = _enroll(
            store, ca_key, ca_cert, name=office_name, unit=unit, role="office", author=author
        )
        sign_key, cert, recv_key = office
        info = staff_info(cert)
        store.set_meta("staff_id", info.staff_id)
        _put_key(
            store,
            K_SELF_KEY,
            "private",
            _encrypt_pem(sign_key, passphrase),
            info.fingerprint,
            author,
        )
        _put_key(store, K_SELF_CERT, "certificate", cert_pem(cert), info.fingerprint, author)
        _put_key(
            store,
            K_SELF_RECEIVE,
            "private",
            _encrypt_pem(recv_key, passphrase),
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
    sign_key, cert = _issue(ca_key, ca_cert, sid=sid, name=name, unit=unit, role=role)
    receive = x25519.X25519PrivateKey.generate()
    store.db.table("devices").insert(
        {
            "device_id": sid,
            "name": name,
            "unit": unit,
            "role": role,
            "cert_fingerprint": fingerprint(cert),
            "certificate": cert_pem(cert),
            "receive_public_key": _public_pem(receive.public_key()),
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


def _ca_key(store: Store, passphrase: bytes) -> ec.EllipticCurvePrivateKey:
    key = _decrypt_pem(_require_pem(store, K_CA_KEY), passphrase, "根证书私钥")
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise IdentityError("根证书私钥类型不正确")
    return key


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
    ca_key = _ca_key(store, hq_passphrase)
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
        "hq_receive_public_key": _require_pem(store, K_HQ_RECEIVE_PUB),
        "signing_key": _encrypt_pem(sign_key, staff_passphrase),
        "receive_key": _encrypt_pem(recv_key, staff_passphrase),
    }
    signature = ca_key.sign(_canonical(body), ec.ECDSA(hashes.SHA256()))
    body["ca_signature"] = base64.b64encode(signature).decode("ascii")
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
            "or (length(?) >= 8 and (device_id like ? or cert_fingerprint like ?)) order by rowid",
            [ref, ref.lower(), ref, ref, ref + "%", ref.lower() + "%"],
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


def read_enrollment(data: bytes) -> dict[str, Any]:
    """Parse and check an enrollment file (format, CA signature, certificate issued by the CA)."""
    try:
        body = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
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
    signed = {k: v for k, v in body.items() if k != "ca_signature"}
    try:
        ca_public = ca.public_key()
        if not isinstance(ca_public, ec.EllipticCurvePublicKey):
            raise InvalidSignature
        ca_public.verify(
            base64.b64decode(body["ca_signature"], validate=True),
            _canonical(signed),
            ec.ECDSA(hashes.SHA256()),
        )
    except (InvalidSignature, ValueError):
        raise IdentityError("登记文件已损坏或被改动（总部签名不符）") from None
    verify_issued_by(cert, ca)
    if staff_info(cert).staff_id != body["staff_id"]:
        raise IdentityError("登记文件内容不一致（证书与人员 ID 不符）")
    load_x25519_public(body["hq_receive_public_key"])
    return body


def take_enrollment(store: Store, data: bytes, passphrase: bytes, *, author: str) -> StaffInfo:
    """The laptop takes in an enrollment file (keys stay encrypted with the staff passphrase)."""
    body = read_enrollment(data)
    mode = identity_mode(store)
    if mode == MODE_HQ:
        raise IdentityError("这是总部数据库，不能再登记为笔记本")
    if mode == MODE_LAPTOP and hq_id(store) != body["hq_id"]:
        raise IdentityError(
            f"本笔记本已登记到另一个总部（{hq_id(store)}），不能改登记到 {body['hq_id']}"
        )
    sign_key = _decrypt_pem(body["signing_key"], passphrase, "登记文件中的签名私钥")
    recv_key = _decrypt_pem(body["receive_key"], passphrase, "登记文件中的接收私钥")
    cert = load_cert(body["certificate"])
    if not isinstance(sign_key, ec.EllipticCurvePrivateKey) or not isinstance(
        recv_key, x25519.X25519PrivateKey
    ):
        raise IdentityError("登记文件中的密钥类型不正确")
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if sign_key.public_key().public_bytes(*spki) != cert.public_key().public_bytes(*spki):
        raise IdentityError("登记文件内容不一致（私钥与证书不符）")
    info = staff_info(cert)
    ca = load_cert(body["ca_certificate"])
    hq_pub = load_x25519_public(body["hq_receive_public_key"])
    with store.db.atomic():
        store.set_meta("identity_mode", MODE_LAPTOP)
        store.set_meta("hq_id", body["hq_id"])
        store.set_meta("hq_unit", str(body.get("hq_unit") or ""))
        store.set_meta("staff_id", info.staff_id)
        _put_key(store, K_CA_CERT, "certificate", cert_pem(ca), fingerprint(ca), author)
        _put_key(
            store,
            K_HQ_RECEIVE_PUB,
            "public",
            body["hq_receive_public_key"],
            public_key_fingerprint(hq_pub),
            author,
        )
        _put_key(store, K_SELF_KEY, "private", body["signing_key"], info.fingerprint, author)
        _put_key(store, K_SELF_CERT, "certificate", cert_pem(cert), info.fingerprint, author)
        _put_key(
            store,
            K_SELF_RECEIVE,
            "private",
            body["receive_key"],
            public_key_fingerprint(recv_key.public_key()),
            author,
        )
        store.audit(
            author,
            "take_enrollment",
            detail={"hq_id": body["hq_id"], "staff_id": info.staff_id, "cert": info.fingerprint},
        )
    return info

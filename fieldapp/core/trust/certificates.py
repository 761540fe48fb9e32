"""Certificates and keys as objects: issuing, loading, checking, and encrypting private keys.

Pure x509 and key handling with no database: the headquarters CA and the staff certificates it
issues, who a certificate names, and private keys as passphrase-encrypted PKCS#8 PEM. The key
store and enrollment build on these; bundles and ledgers use them to check signers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.x509.oid import NameOID

from fieldapp.core.store.errors import StoreError

ROLES = ("cadre", "office", "reviewer")
ROLE_NAMES = {"cadre": "入户干部", "office": "机关工作人员", "reviewer": "审核人"}

CA_YEARS = 20
STAFF_YEARS = 5


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
    except (ValueError, TypeError, UnicodeError, UnsupportedAlgorithm) as exc:
        # UnsupportedAlgorithm: a flipped bit in the curve's OID (random keys make it rare)
        raise IdentityError(f"证书格式不正确：{exc}") from None
    return cert


def encrypt_pem(
    key: ec.EllipticCurvePrivateKey | x25519.X25519PrivateKey, passphrase: bytes
) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    ).decode("ascii")


def public_pem(key: x25519.X25519PublicKey) -> str:
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


def decrypt_pem(pem: str, passphrase: bytes, what: str) -> Any:
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


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _ca_name(unit: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{unit} 户户清根证书"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, unit),
        ]
    )


def make_ca(unit: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
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


def issue_certificate(
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

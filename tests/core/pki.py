"""Test PKI for ledger signatures: a headquarters-like CA, staff identities, signed ledgers.

Shared by the ledger signature, tampering and revocation tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from fieldapp.core.ledger.render import countersign_ledger, render_household_ledger
from tests.conftest import TODAY
from tests.core.households import complete_household
from tests.stores import open_test_store


@dataclass(frozen=True)
class Identity:
    """The shape of fieldapp.core.trust.identity.SigningIdentity."""

    private_key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    chain: list[x509.Certificate]
    name: str
    unit: str


def make_ca(unit: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{unit} 户户清根证书"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, unit),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_staff(
    ca: tuple[ec.EllipticCurvePrivateKey, x509.Certificate], name: str, unit: str, role: str
) -> Identity:
    ca_key, ca_cert = ca
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, unit),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return Identity(key, cert, [ca_cert], name, unit)


@dataclass(frozen=True)
class Pki:
    ca: x509.Certificate
    cadre: Identity
    reviewer: Identity
    stranger_ca: x509.Certificate
    office: Identity


def make_pki() -> Pki:
    ca = make_ca("昆明市总工会")
    return Pki(
        ca=ca[1],
        cadre=make_staff(ca, "李干事", "五华区总工会", "cadre"),
        reviewer=make_staff(ca, "王科长", "昆明市总工会", "reviewer"),
        stranger_ca=make_ca("别的单位")[1],
        office=make_staff(ca, "办公室", "昆明市总工会", "office"),
    )


def signed_ledgers(folder: Path, pki: Pki, **signing: Any) -> tuple[Path, Path, Any]:
    """A ledger signed by the cadre, and a copy countersigned by the reviewer."""
    store = open_test_store(folder / "test.db")
    hid = store.create_household("李干事")
    for form_id, values in complete_household().items():
        store.save_form(hid, form_id, values, author="李干事", final=True, today=TODAY)
    one = folder / "signed.pdf"
    info = render_household_ledger(store, hid, one, signer=pki.cadre, **signing)
    both = folder / "countersigned.pdf"
    countersign_ledger(one, both, pki.reviewer, **signing)
    store.close()
    return one, both, info

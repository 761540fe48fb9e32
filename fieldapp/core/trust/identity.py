"""Identities: the headquarters' certificate authority and keys, and each enrolled cadre/laptop.

Headquarters (``fieldapp hq init``) keeps in its own database:

- a small certificate authority: an ECDSA P-256 self-signed root (CN "<单位> 户户清根证书");
- an X25519 key pair for receiving bundles (laptops encrypt for its public key);
- its own office identity (an ECDSA P-256 certificate issued by the CA) to sign ledgers and
  assign bundles, plus an X25519 key pair like every enrolled device.

Each enrollment (``fieldapp hq enroll``) issues a staff/device certificate (ECDSA P-256, CN=name,
O=unit, OU=role, UID=staff id, SAN ``urn:uuid:<staff id>``) and an X25519 key pair for receiving
assign bundles. The enrollment file carries both private keys sealed with the staff passphrase (Argon2id),
the certificate, the CA certificate, the HQ receiving public key and the ``hq_id``; it is signed by
the CA key. The laptop takes it in (``fieldapp enroll FILE``) and seals the keys with its owner's
passphrase, the one that unlocks the database (``private_keys``); the database key is also sealed
for the HQ receiving key, which is the recovery key (``recovery``, docs/security.md).

Private keys are never stored unsealed, and never written to a bundle or a ledger.
Nothing here imports Qt.

The code is in three modules; this one is the front door that callers use as
``from fieldapp.core.trust import identity; identity.xyz(...)``:

- ``certificates``: certificates and keys as objects (issue, load, check, encrypt), no database;
- ``keystore``: the ``keys`` table and identity meta values of this database, unlocking keys;
- ``enrollment``: ``hq init``, enrolling staff, taking an enrollment in, devices and revocation.
"""

from __future__ import annotations

from fieldapp.core.trust.certificates import (
    CA_YEARS,
    ROLE_NAMES,
    ROLES,
    STAFF_YEARS,
    IdentityError,
    SigningIdentity,
    StaffInfo,
    cert_pem,
    device_staff,
    fingerprint,
    load_cert,
    load_x25519_public,
    public_key_fingerprint,
    staff_info,
    verify_issued_by,
)
from fieldapp.core.trust.enrollment import (
    ENROLLMENT_FORMAT,
    ENROLLMENT_VERSION,
    HqInfo,
    bind_device,
    device,
    devices,
    enroll_staff,
    enrollment_bytes,
    hq_init,
    open_enrollment_keys,
    read_enrollment,
    revoke_device,
    take_enrollment,
)
from fieldapp.core.trust.keystore import (
    K_HQ_RECEIVE_PUB,
    MODE_HQ,
    MODE_LAPTOP,
    ca_certificate,
    check_passphrase,
    hq_id,
    hq_receive_public_key,
    identity_mode,
    own_certificate,
    put_key,
    receiving_private_key,
    require_hq,
    require_pem,
    signing_identity,
    staff_id,
    staff_name,
)

# A test plants a foreign HQ receiving key through these two, by the names they had when they
# lived here, and ``K_HQ_RECEIVE_PUB``; the other key purposes (``K_*``) are keystore's own.
_put_key = put_key
_require_pem = require_pem

__all__ = [
    "CA_YEARS",
    "ENROLLMENT_FORMAT",
    "ENROLLMENT_VERSION",
    "K_HQ_RECEIVE_PUB",
    "MODE_HQ",
    "MODE_LAPTOP",
    "ROLES",
    "ROLE_NAMES",
    "STAFF_YEARS",
    "HqInfo",
    "IdentityError",
    "SigningIdentity",
    "StaffInfo",
    "bind_device",
    "ca_certificate",
    "cert_pem",
    "check_passphrase",
    "device",
    "device_staff",
    "devices",
    "enroll_staff",
    "fingerprint",
    "hq_id",
    "hq_init",
    "hq_receive_public_key",
    "identity_mode",
    "load_cert",
    "load_x25519_public",
    "open_enrollment_keys",
    "own_certificate",
    "public_key_fingerprint",
    "enrollment_bytes",
    "read_enrollment",
    "receiving_private_key",
    "require_hq",
    "revoke_device",
    "signing_identity",
    "staff_id",
    "staff_info",
    "staff_name",
    "take_enrollment",
    "verify_issued_by",
]

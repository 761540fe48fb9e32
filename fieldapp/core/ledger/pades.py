"""What signing and verifying ledgers share: the error, the signer's shape, certificate bytes,
and keeping pyHanko's logging quiet (the reports say what went wrong, in Chinese)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from fieldapp.core.store.errors import StoreError


class SigningError(StoreError):
    """Signing or verification refused; the message says why, in Chinese."""


class SignerIdentity(Protocol):
    """What signing needs; fieldapp.core.trust.identity.SigningIdentity has this shape."""

    @property
    def private_key(self) -> Any: ...
    @property
    def certificate(self) -> x509.Certificate: ...
    @property
    def chain(self) -> list[x509.Certificate]: ...
    @property
    def name(self) -> str: ...
    @property
    def unit(self) -> str: ...


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def asn1_certificates(certs: list[x509.Certificate]) -> list[Any]:
    from asn1crypto import x509 as asn1_x509

    return [asn1_x509.Certificate.load(der(c)) for c in certs]


@contextmanager
def quiet() -> Iterator[None]:
    """pyHanko logs every untrusted chain with a traceback; the report says it in Chinese."""
    loggers = [logging.getLogger(name) for name in ("pyhanko", "pyhanko_certvalidator")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)

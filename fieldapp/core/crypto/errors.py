"""The one error this package raises: something could not be opened (wrong key, altered data)."""

from __future__ import annotations


class CryptoError(ValueError):
    """A sealed value could not be opened or is malformed; the message is Chinese."""


class Malformed(CryptoError):
    """A sealed value's structure is wrong (not base64, wrong length): it was never valid."""

"""How big a bundle and the things in it may be: a 200 KB file must not become 200 MB of database.

A bundle is untrusted until every record in it has been checked, and zlib turns a few hundred
kilobytes into gigabytes. These caps are checked while the payload streams in, before anything is
kept, so a refusal costs only the time to read up to the cap. The numbers are generous for real
work: one cadre's form data is a few kilobytes, a photo or scan at most ``MAX_ATTACHMENT_BYTES``,
an audit entry's detail a few hundred bytes, a province's archive a few hundred thousand records.
"""

from __future__ import annotations

from fieldapp.core.values.limits import ATTACHMENT_MAX_BYTES as MAX_ATTACHMENT_BYTES
from fieldapp.core.values.limits import BUNDLE_MAX_BYTES

MiB = 1 << 20

MAX_BUNDLE_BYTES = BUNDLE_MAX_BYTES  # one number, stated in values/limits.py
"""A whole ``.hhq`` file (a laptop with many photos stays far below)."""

MAX_PAYLOAD_BYTES = 8 << 30
"""All decompressed payload lines together."""

MAX_EXPANSION = 100
"""Decompressed bytes per compressed payload byte, above the allowance (JSON compresses 5–20×)."""

EXPANSION_ALLOWANCE = 64 * MiB
"""Decompressed bytes any bundle may have whatever its size (small bundles compress well)."""

MAX_RECORD_BYTES = 1 * MiB
"""One payload line (household, revision with its form data, status change, audit entry …)."""

MAX_ATTACHMENT_RECORD_BYTES = MAX_ATTACHMENT_BYTES * 4 // 3 + 64 * 1024
"""An attachment line: the file in base64 plus its description."""

MAX_AUDIT_DETAIL_BYTES = 64 * 1024
"""An audit entry's ``detail`` object, encoded as stored."""

MAX_STEP_DATA_BYTES = 16 * 1024
"""A procedure step's ``data`` object (公示 dates, the rules' check, an override reason)."""

MAX_ROWS = 5_000_000
"""Payload records in one bundle."""

MAX_CLOCK_ENTRIES = 10_000
"""Entries in one revision's version vector."""

MAX_FUTURE_SKEW_SECONDS = 24 * 3600
"""How far past this computer's clock a received time may be (laptop clocks drift, by hours)."""


def payload_allowance(compressed: int) -> int:
    """The most decompressed payload a bundle with ``compressed`` payload bytes may carry."""
    return min(MAX_PAYLOAD_BYTES, EXPANSION_ALLOWANCE + MAX_EXPANSION * compressed)

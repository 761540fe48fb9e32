"""Payload lines as records, a revision's form data kept as the text it arrived in.

Every payload line is one JSON object. A revision line, as export writes it, ends with its form
data spliced in as the text the sender stores (``records.encode_revision``: ``…,"data":TEXT}``).
An import of a province archive reads hundreds of thousands of them; decoding that text and
encoding it again for the database and the author hash cost as much as writing it. So
``split_revision`` splits such a line at the data key: the head is parsed on its own, the data text
once, and the text is handed on with the record. Parsing the two halves gives exactly the record
the whole line gives (the head, closed with ``}``, is a JSON object; ``,"data":TEXT}`` adds one
member to it), so a line that does not split that way is simply parsed whole. Whether the text
may be kept as it is, is the importer's question (``prepared``, ``apply``: only where the author's
signed hash proves it is what the author stored).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fieldapp.core.sync.container import BundleError, Envelope, read_lines
from fieldapp.core.sync.limits import MAX_RECORD_BYTES

REVISION_START = b'{"t":"revision",'
DATA_KEY = ',"data":'

Record = tuple[dict[str, Any], str | None]
"""A payload record and, for a revision split at its data, the data's text."""


def parse_record(line: bytes) -> dict[str, Any]:
    """One payload line as a JSON object; anything else, or an over-long record, is refused."""
    try:
        record = json.loads(line)
    except (ValueError, RecursionError):
        raise BundleError("载荷中有无法读取的记录") from None
    if not isinstance(record, dict):
        raise BundleError("载荷中的记录不是对象")
    if len(line) > MAX_RECORD_BYTES and record.get("t") != "attachment":
        raise BundleError(f"载荷中有过长的记录（{len(line):,} 字节，上限 {MAX_RECORD_BYTES:,}）")
    return record


def split_revision(line: bytes) -> Record | None:
    """A revision line written with its data last: the record and the data's text (else None)."""
    if not line.startswith(REVISION_START) or not line.endswith(b"}"):
        return None
    if len(line) > MAX_RECORD_BYTES:
        return None
    try:
        text = line.decode()
    except UnicodeDecodeError:
        return None
    at = text.find(DATA_KEY)
    if at < 0:
        return None
    data_text = text[at + len(DATA_KEY) : -1]
    try:
        head = json.loads(text[:at] + "}")
        data = json.loads(data_text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(head, dict) or "data" in head:
        return None
    head["data"] = data
    return head, data_text


def read_records(env: Envelope, key: bytes) -> Iterator[dict[str, Any]]:
    """The payload's records (see ``container.read_lines`` for the checks on the way)."""
    for line in read_lines(env, key):
        yield parse_record(line)

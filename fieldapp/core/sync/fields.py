"""Checking one value of an untrusted payload record: a UUID, a bounded text, an integer, a time.

Every check raises BundleError with a Chinese message naming the field; nothing here writes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fieldapp.core.forms.model import Survey
from fieldapp.core.sync.container import BundleError

MAX_TEXT = 4000
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def fail(message: str) -> BundleError:
    return BundleError(message)


UUID_TEXT = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


def check_uuid(value: Any, what: str) -> str:
    if isinstance(value, str) and UUID_TEXT.match(value):
        return value
    raise fail(f"数据包记录中的 {what} 不是 UUID")


def text(value: Any, what: str, *, optional: bool = True, limit: int = MAX_TEXT) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise fail(f"数据包记录中的 {what} 格式不正确")
    return value


def integer(value: Any, what: str, low: int = 0, high: int = 2**62) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise fail(f"数据包记录中的 {what} 不是合理的整数")
    return value


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def moment(value: Any, what: str) -> datetime:
    """An ISO 8601 time as stored (``now_iso``); one without a zone is taken as UTC."""
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise fail(f"数据包记录中的 {what} 不是 ISO 8601 时间：{str(value)[:40]}") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


class FieldNames:
    """Keys a form does not define (as FormEngine.unknown_fields, with the name sets cached:
    an import checks hundreds of thousands of revisions)."""

    def __init__(self, survey: Survey) -> None:
        self.survey = survey
        self.names: dict[str, tuple[set[str], dict[str, set[str]]]] = {}
        self.allowed: dict[str, dict[str, set[str]]] = {}

    def unknown(self, form_id: str, data: Mapping[str, Any]) -> list[str]:
        names = self.names.get(form_id)
        if names is None:
            form = self.survey.form(form_id)
            names = (
                {f.name for f in form.fields},
                {f.name: {c.name for c in f.fields} for f in form.fields if f.type == "repeat"},
            )
            self.names[form_id] = names
            self.allowed[form_id] = {k: {*v, "_id"} for k, v in names[1].items()}
        top, repeats = names
        if data.keys() <= top and all(  # the common case, with set operations: none unknown
            _rows_known(data.get(key), allowed) for key, allowed in self.allowed[form_id].items()
        ):
            return []
        unknown = []
        for key, value in data.items():
            if key not in top:
                unknown.append(key)
            elif key in repeats and isinstance(value, list):
                children = repeats[key]
                for i, row in enumerate(value):
                    if isinstance(row, dict):
                        unknown += [
                            f"{key}[{i + 1}].{k}" for k in row if k != "_id" and k not in children
                        ]
        return unknown


def _rows_known(rows: Any, allowed: set[str]) -> bool:
    """Whether a repeat group's rows (if it is a list of rows) name only ``allowed`` keys."""
    if isinstance(rows, list):
        for row in rows:
            if isinstance(row, dict) and not row.keys() <= allowed:
                return False
    return True

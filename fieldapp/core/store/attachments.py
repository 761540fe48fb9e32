"""Attachments: files kept inside the database by their SHA-256, so a photo is stored only once.

Form values hold only the reference (sha256, name, kind, mime); this module is the one place that
reads and writes the bytes, and that enforces the size limit.
"""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path
from typing import Any

from fieldapp.core.store.base import StoreBase
from fieldapp.core.store.errors import NotFound, StoreError
from fieldapp.core.store.records import now_iso
from fieldapp.core.values.limits import ATTACHMENT_MAX_BYTES, size_text


class AttachmentsMixin(StoreBase):
    """``Store.add_attachment``, ``add_attachment_bytes`` and ``attachment_bytes``."""

    def add_attachment(
        self, source: Path | str, *, author: str, kind: str | None = None, name: str | None = None
    ) -> dict[str, Any]:
        """Store a file by content (SHA-256); returns the reference kept in an attachment field."""
        source = Path(source)
        if not source.is_file():
            raise StoreError(f"附件文件不存在：{source}")
        _check_size(source.stat().st_size)
        data = source.read_bytes()
        return self.add_attachment_bytes(data, name=name or source.name, author=author, kind=kind)

    def add_attachment_bytes(
        self,
        data: bytes,
        *,
        name: str,
        author: str,
        kind: str | None = None,
        mime: str | None = None,
    ) -> dict[str, Any]:
        _check_size(len(data))
        digest = hashlib.sha256(data).hexdigest()
        mime = mime or mimetypes.guess_type(name)[0] or "application/octet-stream"
        with self.db.atomic():
            if not list(self.db.table("attachments").rows_where("sha256 = ?", [digest], limit=1)):
                self.db.table("attachments").insert(
                    {
                        "sha256": digest,
                        "name": name,
                        "mime": mime,
                        "size": len(data),
                        "data": data,
                        "added_at": now_iso(),
                        "added_by": author,
                    }
                )
                self.audit(author, "add_attachment", detail={"sha256": digest, "name": name})
        return {"sha256": digest, "name": name, "kind": kind, "mime": mime}

    def attachment_bytes(self, sha256: str) -> bytes:
        row = self.db.execute("select data from attachments where sha256 = ?", [sha256]).fetchone()
        if row is None:
            raise NotFound(f"找不到附件 {sha256[:12]}…")
        return bytes(row[0])


def _check_size(size: int) -> None:
    if size > ATTACHMENT_MAX_BYTES:
        raise StoreError(
            f"附件过大（{size_text(size)}），单个附件最多 {size_text(ATTACHMENT_MAX_BYTES)}"
        )

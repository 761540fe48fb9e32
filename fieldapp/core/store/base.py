"""The part of the Store that every other part builds on: the connection, meta values, the audit.

The Store is put together from mixins by job (search, index rows, attachments, 低保 standards);
each subclasses ``StoreBase`` so it can use the database, the survey, the device id and the audit
log, typed, without importing the Store it becomes part of.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from fieldapp.core.forms.engine import FormEngine
from fieldapp.core.forms.loader import default_survey
from fieldapp.core.forms.model import Survey
from fieldapp.core.store.connection import DEFAULT_WAIT, StoreDatabase
from fieldapp.core.store.encryption import DatabaseKey
from fieldapp.core.store.records import now_iso
from fieldapp.core.values.regions import RegionTable, load_regions


class StoreBase:
    """The open database, the survey and regions it is checked against, meta and audit."""

    def __init__(
        self,
        db: Database,
        path: Path | None = None,
        *,
        survey: Survey | None = None,
        regions: RegionTable | None = None,
    ) -> None:
        self.db = db
        self.path = path
        self.survey = survey or default_survey()
        self.regions = regions or load_regions()
        self._engine: FormEngine | None = None

    @property
    def readonly(self) -> bool:
        """Opened read-only (``mode=ro``): every write is refused with a message."""
        return isinstance(self.db, StoreDatabase) and self.db.readonly

    @property
    def key(self) -> DatabaseKey | None:
        """The unlocked database key this store was opened with (None: a plaintext file)."""
        return self.db.key if isinstance(self.db, StoreDatabase) else None

    @property
    def wait(self) -> float:
        """Seconds a write waits while another program writes."""
        return self.db.wait if isinstance(self.db, StoreDatabase) else DEFAULT_WAIT

    def meta(self, key: str) -> str | None:
        row = self.db.execute("select value from meta where key = ?", [key]).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.db.table("meta").upsert({"key": key, "value": value}, pk="key")

    @property
    def device_id(self) -> str:
        return self.meta("device_id") or ""

    @property
    def device_ids(self) -> list[str]:
        """The revision device id new work is written under, then the ones this database had
        before (``adopt_device_id``): every record with one of them was made here."""
        earlier = json.loads(self.meta("previous_device_ids") or "[]")
        return [self.device_id, *earlier]

    def adopt_device_id(self, device_id: str) -> None:
        """Write new revisions and audit entries under ``device_id`` from now on; records under
        the old id stay this database's own (``device_ids``). Call inside a write transaction."""
        if device_id != self.device_id:
            self.set_meta("previous_device_ids", json.dumps(self.device_ids))
            self.set_meta("device_id", device_id)

    def _next_device_seq(self) -> int:
        seq = int(self.meta("device_seq") or "0") + 1
        self.set_meta("device_seq", str(seq))
        return seq

    def close(self) -> None:
        self.db.close()

    # -- audit ----------------------------------------------------------------------------

    def audit(
        self,
        actor: str,
        action: str,
        *,
        household_id: str | None = None,
        form_id: str | None = None,
        revision_id: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        self.db.table("audit").insert(
            {
                "id": str(uuid.uuid4()),
                "at": now_iso(),
                "actor": actor,
                "device_id": self.device_id,
                "action": action,
                "household_id": household_id,
                "form_id": form_id,
                "revision_id": revision_id,
                "detail": json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
            }
        )

    def audit_log(self, household_id: str | None = None) -> list[dict[str, Any]]:
        where, args = ("household_id = ?", [household_id]) if household_id else (None, [])
        rows = self.db.table("audit").rows_where(where, args, order_by="seq")
        return [{**row, "detail": json.loads(row["detail"] or "{}")} for row in rows]

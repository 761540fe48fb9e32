"""The local store: one SQLite file per laptop (or per headquarters), written through sqlite-utils.

Nothing a user saved is overwritten: every save of a form is a new row in ``revisions`` (triggers
make revisions, the audit log, status changes and 低保 standards append-only). The ``households``
table is only an index derived from the newest revisions, so the list and search stay fast.

This module holds the Store itself: households, their revisions and saves, and status changes.
Search, index rows, attachments and 低保 standards are mixins from their own modules; opening a
file is ``database.open_store``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from fieldapp.core.forms.engine import FormEngine
from fieldapp.core.forms.storable import unstorable
from fieldapp.core.store.attachments import AttachmentsMixin
from fieldapp.core.store.errors import NotFound, StoreError, Unstorable, ValidationFailed
from fieldapp.core.store.index import IndexMixin
from fieldapp.core.store.records import STATUSES, Revision, SaveResult, now_iso
from fieldapp.core.store.search import SearchMixin
from fieldapp.core.store.standards import StandardsMixin

APP_ID = "fieldapp-huhuqing"


class Store(SearchMixin, IndexMixin, AttachmentsMixin, StandardsMixin):
    """Households, their revisions, the audit log, attachments and 低保 standards."""

    # -- set-up ---------------------------------------------------------------------------

    def _initialise(self) -> None:
        with self.db.atomic():
            if self.meta("device_id") is None:
                self.set_meta("device_id", str(uuid.uuid4()))
                self.set_meta("created_at", now_iso())
                self.set_meta("app_id", APP_ID)
                self.set_meta("device_seq", "0")
            self._seed_dibao_standards()

    def engine(self, today: date | None = None) -> FormEngine:
        if today is not None:
            return FormEngine(
                self.survey, regions=self.regions, dibao=self.dibao_standard, today=today
            )
        if self._engine is None:
            self._engine = FormEngine(self.survey, regions=self.regions, dibao=self.dibao_standard)
        return self._engine

    # -- households -------------------------------------------------------------------------

    def create_household(self, author: str, *, household_id: str | None = None) -> str:
        hid = household_id or str(uuid.uuid4())
        uuid.UUID(hid)
        stamp = now_iso()
        with self.db.atomic():
            self.db.table("households").insert(
                {
                    "id": hid,
                    "status": "在档",
                    "clears": "[]",
                    "final_forms": "[]",
                    "search_text": "",
                    "created_at": stamp,
                    "created_by": author,
                    "updated_at": stamp,
                }
            )
            self.audit(author, "create_household", household_id=hid)
        return hid

    def household(self, ref: str) -> dict[str, Any]:
        """Find a household by UUID, 档案编号 or ID number; NotFound with a clear message."""
        ref = ref.strip()
        for column in ("id", "archive_no", "id_number"):
            rows = list(self.db.table("households").rows_where(f"{column} = ?", [ref], limit=2))
            if len(rows) == 1:
                return rows[0]
            if len(rows) > 1:
                raise StoreError(f"“{ref}”对应多户，请使用户 ID (UUID)")
        raise NotFound(f"找不到户“{ref}”（可用户 ID、档案编号或身份证号）")

    def count_households(self) -> int:
        return self.db.table("households").count

    def iter_household_ids(self) -> Iterator[str]:
        for row in self.db.execute("select id from households order by rowid"):
            yield row[0]

    # -- revisions --------------------------------------------------------------------------

    def current_revision(self, household_id: str, form_id: str) -> Revision | None:
        rows = list(
            self.db.query(
                "select * from revisions where household_id = ? and form_id = ? "
                "order by rowid desc limit 1",
                [household_id, form_id],
            )
        )
        return Revision.from_row(rows[0]) if rows else None

    def current(self, household_id: str) -> dict[str, dict[str, Any]]:
        """The household's newest data per form (form id -> values)."""
        out: dict[str, dict[str, Any]] = {}
        rows = self.db.query(
            "select r.* from revisions r join (select form_id, max(rowid) as top from revisions "
            "where household_id = ? group by form_id) t on r.rowid = t.top",
            [household_id],
        )
        for row in rows:
            out[row["form_id"]] = json.loads(row["data"])
        return out

    def current_states(self, household_id: str) -> dict[str, str]:
        rows = self.db.query(
            "select r.form_id, r.state from revisions r join (select form_id, max(rowid) as top "
            "from revisions where household_id = ? group by form_id) t on r.rowid = t.top",
            [household_id],
        )
        return {row["form_id"]: row["state"] for row in rows}

    def history(self, household_id: str, form_id: str | None = None) -> list[Revision]:
        where, args = "household_id = ?", [household_id]
        if form_id:
            where += " and form_id = ?"
            args.append(form_id)
        rows = self.db.table("revisions").rows_where(where, args, order_by="rowid")
        return [Revision.from_row(row) for row in rows]

    def save_form(
        self,
        household_id: str,
        form_id: str,
        data: Mapping[str, Any],
        *,
        author: str,
        final: bool = False,
        today: date | None = None,
    ) -> SaveResult:
        """Validate and keep a new revision; a final save with errors is refused, a draft never is.

        Saving identical data in the same state again adds nothing (autosave calls this often).
        """
        self.household(household_id)
        form = self.survey.form(form_id)
        if not isinstance(data, Mapping):
            raise StoreError("表单数据应为 JSON 对象（字段名: 值）")
        unknown = self.engine(today).unknown_fields(form_id, data)
        if unknown:
            raise StoreError(f"{form.title}没有这些字段：{'、'.join(unknown)}")
        if (refusal := unstorable(form, data)) is not None:
            raise Unstorable(refusal)
        household = dict(self.current(household_id))
        data = _carry_row_ids(household.get(form_id) or {}, data)
        household[form_id] = dict(data)
        result = self.engine(today).validate(household, form_id)
        if final and result.errors:
            raise ValidationFailed(
                f"{form.title}有 {len(result.errors)} 处错误，不能定稿（可先保存为草稿）",
                result.problems,
            )
        state = "final" if final else "draft"
        encoded = json.dumps(result.values, ensure_ascii=False, sort_keys=True)
        previous = self.current_revision(household_id, form_id)
        if previous is not None and (previous.state == state or not final):
            # Unchanged data adds nothing; a draft save of an unchanged final form keeps it final.
            if json.dumps(previous.data, ensure_ascii=False, sort_keys=True) == encoded:
                return SaveResult(previous, result.problems, created=False)
        with self.db.atomic():
            revision_id = str(uuid.uuid4())
            row: dict[str, Any] = {
                "id": revision_id,
                "household_id": household_id,
                "form_id": form_id,
                "form_version": self.survey.version,
                "state": state,
                "data": encoded,
                "created_at": now_iso(),
                "author": author,
                "device_id": self.device_id,
                "device_seq": self._next_device_seq(),
                "parent_id": previous.id if previous else None,
            }
            self.db.table("revisions").insert(row)
            self.audit(
                author,
                "finalise_form" if final else "save_draft",
                household_id=household_id,
                form_id=form_id,
                revision_id=revision_id,
                detail={"errors": len(result.errors), "warnings": len(result.warnings)},
            )
            self.reindex(household_id)
        return SaveResult(Revision.from_row(row), result.problems, created=True)

    def reindex(self, household_id: str) -> None:
        """Rebuild the household's list entry from its newest revisions."""
        row = self.index_row(self.current(household_id), self.current_states(household_id))
        self.db.table("households").update(household_id, {**row, "updated_at": now_iso()})

    # -- status ---------------------------------------------------------------------------

    def set_status(self, household_id: str, status: str, *, reason: str, author: str) -> None:
        if status not in STATUSES:
            raise StoreError(f"档案状态只能是：{'、'.join(STATUSES)}（收到“{status}”）")
        if not reason.strip():
            raise StoreError("变更档案状态须填写原因")
        household = self.household(household_id)
        with self.db.atomic():
            self.db.table("status_changes").insert(
                {
                    "id": str(uuid.uuid4()),
                    "household_id": household["id"],
                    "status": status,
                    "reason": reason.strip(),
                    "changed_at": now_iso(),
                    "author": author,
                }
            )
            self.db.table("households").update(
                household["id"], {"status": status, "updated_at": now_iso()}
            )
            self.audit(
                author,
                "set_status",
                household_id=household["id"],
                detail={"from": household["status"], "to": status, "reason": reason},
            )

    def status_history(self, household_id: str) -> list[dict[str, Any]]:
        return list(
            self.db.table("status_changes").rows_where(
                "household_id = ?", [household_id], order_by="rowid"
            )
        )


def _carry_row_ids(previous: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """Rows submitted without an ``_id`` (JSON from a script) keep the id of the row at the same
    position in the previous revision, so re-submitting the same data is recognised as unchanged."""
    out = dict(data)
    for key, rows in data.items():
        old_rows = previous.get(key)
        if not isinstance(rows, list) or not isinstance(old_rows, list):
            continue
        carried = []
        for i, row in enumerate(rows):
            if isinstance(row, dict) and "_id" not in row and i < len(old_rows):
                old = old_rows[i]
                if isinstance(old, dict) and "_id" in old:
                    row = {"_id": old["_id"], **row}
            carried.append(row)
        out[key] = carried
    return out

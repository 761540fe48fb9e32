"""The local store: one SQLite file per laptop (or per headquarters), written through sqlite-utils.

Nothing a user saved is overwritten: every save of a form is a new row in ``revisions`` (triggers
make revisions, the audit log, status changes and 低保 standards append-only). The ``households``
table is only an index derived from the newest revisions, so the list and search stay fast.
Every save names the revision it was based on and is checked against the current one inside its
write transaction, so a save made from stale data never replaces a newer one (``save_form``).

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
from fieldapp.core.store.drafts import DraftsMixin
from fieldapp.core.store.errors import NotFound, StoreError, Unstorable, ValidationFailed
from fieldapp.core.store.index import IndexMixin
from fieldapp.core.store.lineage import causal_history
from fieldapp.core.store.records import HEAD, STATUSES, BasedOn, Revision, SaveResult, now_iso
from fieldapp.core.store.search import SearchMixin
from fieldapp.core.store.standards import StandardsMixin
from fieldapp.core.store.versions import Clocks, branch_clock, hold, open_conflict

APP_ID = "fieldapp-huhuqing"
LOCAL_CONFLICT_NOTE = "本机并发保存：保存时该表已被其他窗口或程序修改"


class Store(SearchMixin, IndexMixin, AttachmentsMixin, StandardsMixin, DraftsMixin):
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
                self.survey,
                regions=self.regions,
                dibao=self.dibao_standard,
                minimum_wage=self.minimum_wage,
                today=today,
            )
        if self._engine is None:
            self._engine = FormEngine(
                self.survey,
                regions=self.regions,
                dibao=self.dibao_standard,
                minimum_wage=self.minimum_wage,
            )
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
        return {form: r.data for form, r in self.current_revisions(household_id).items()}

    def current_revisions(self, household_id: str) -> dict[str, Revision]:
        """The household's current revision per form, read in one statement: the data and the
        revision ids that a later save names as its base belong together."""
        rows = self.db.query(
            "select r.* from revisions r join (select form_id, max(rowid) as top from revisions "
            "where household_id = ? group by form_id) t on r.rowid = t.top",
            [household_id],
        )
        return {row["form_id"]: Revision.from_row(row) for row in rows}

    def current_states(self, household_id: str) -> dict[str, str]:
        rows = self.db.query(
            "select r.form_id, r.state from revisions r join (select form_id, max(rowid) as top "
            "from revisions where household_id = ? group by form_id) t on r.rowid = t.top",
            [household_id],
        )
        return {row["form_id"]: row["state"] for row in rows}

    def history(self, household_id: str, form_id: str | None = None) -> list[Revision]:
        """Every revision on file, held ones too (``Revision.held``), in causal order: the same
        list whatever order bundles arrived in (``lineage``)."""
        return causal_history(self, household_id, form_id)

    def save_form(
        self,
        household_id: str,
        form_id: str,
        data: Mapping[str, Any],
        *,
        author: str,
        final: bool = False,
        today: date | None = None,
        base_revision_id: str | None | BasedOn = HEAD,
    ) -> SaveResult:
        """Validate and keep a new revision; a final save with errors is refused, a draft never is.

        ``base_revision_id`` is the revision the caller's data was based on (None: the form was
        empty then; by default whatever is current). It is compared with the current revision
        inside the write transaction (``BEGIN IMMEDIATE``): if another save came in between, this
        one is never written over it but kept as a concurrent revision with an open conflict
        (``SaveResult.conflict_id``), as a concurrent revision from a bundle is. Saving identical
        data in the same state again adds nothing (autosave calls this often).
        """
        self._check_shape(form_id, data, today)
        with self.db.atomic():
            self.household(household_id)
            head = self.current_revision(household_id, form_id)
            base = self._base(head, household_id, form_id, base_revision_id)
            result, encoded = self._validated(household_id, form_id, data, base, final, today)
            state = "final" if final else "draft"
            if head is not None and _same(head, encoded, final):
                return SaveResult(head, result.problems, created=False)
            newer = head if head is not None and (base is None or base.id != head.id) else None
            if newer is not None and base is not None and _same(base, encoded, final):
                return SaveResult(newer, result.problems, created=False)  # nothing new from us
            row: dict[str, Any] = {
                "id": str(uuid.uuid4()),
                "household_id": household_id,
                "form_id": form_id,
                "form_version": self.survey.version,
                "state": state,
                "data": encoded,
                "created_at": now_iso(),
                "author": author,
                "device_id": self.device_id,
                "device_seq": self._next_device_seq(),
                "parent_id": base.id if base else None,
            }
            if newer is not None:  # saved in between: never written over, kept as a conflict
                conflict_id = self._keep_concurrent(row, newer, base)
                return SaveResult(Revision.from_row(row), result.problems, True, conflict_id)
            self.db.table("revisions").insert(row)
            self.audit(
                author,
                "finalise_form" if final else "save_draft",
                household_id=household_id,
                form_id=form_id,
                revision_id=row["id"],
                detail={"errors": len(result.errors), "warnings": len(result.warnings)},
            )
            self.reindex(household_id)
        return SaveResult(Revision.from_row(row), result.problems, created=True)

    def _base(
        self, head: Revision | None, household_id: str, form_id: str, ref: str | None | BasedOn
    ) -> Revision | None:
        """The revision a save is based on (the current one unless the caller names another)."""
        if ref is HEAD or (head is not None and ref == head.id):
            return head
        if ref is None:
            return None
        rows = list(
            self.db.query(
                "select * from revisions where id = ? and household_id = ? and form_id = ?",
                [ref, household_id, form_id],
            )
        )
        if not rows:
            raise StoreError(f"版本 {ref} 不是该户{self.survey.form(form_id).title}的已保存版本")
        return Revision.from_row(rows[0])

    def _keep_concurrent(self, row: dict[str, Any], head: Revision, base: Revision | None) -> str:
        """Hold a save whose base is no longer current, with a conflict naming both versions."""
        clock = branch_clock(Clocks(self).of(base.id if base else None), row["id"])
        hold(self, row, clock, [], "conflict", None)
        return open_conflict(
            self,
            household_id=row["household_id"],
            form_id=row["form_id"],
            current_id=head.id,
            incoming_id=row["id"],
            actor=row["author"],
            note=LOCAL_CONFLICT_NOTE,
        )

    def would_save(
        self,
        household_id: str,
        form_id: str,
        data: Mapping[str, Any],
        *,
        final: bool = False,
        today: date | None = None,
    ) -> bool:
        """Whether ``save_form`` (based on the current revision) would add a revision: dry runs
        report exactly what the real run will do. Raises as ``save_form`` would."""
        self._check_shape(form_id, data, today)
        self.household(household_id)
        head = self.current_revision(household_id, form_id)
        _, encoded = self._validated(household_id, form_id, data, head, final, today)
        return head is None or not _same(head, encoded, final)

    def _check_shape(self, form_id: str, data: Mapping[str, Any], today: date | None) -> None:
        form = self.survey.form(form_id)
        if not isinstance(data, Mapping):
            raise StoreError("表单数据应为 JSON 对象（字段名: 值）")
        unknown = self.engine(today).unknown_fields(form_id, data)
        if unknown:
            raise StoreError(f"{form.title}没有这些字段：{'、'.join(unknown)}")
        if (refusal := unstorable(form, data)) is not None:
            raise Unstorable(refusal)

    def _validated(
        self,
        household_id: str,
        form_id: str,
        data: Mapping[str, Any],
        base: Revision | None,
        final: bool,
        today: date | None,
    ) -> tuple[Any, str]:
        """The validated values and their stored encoding; a final save with errors is refused."""
        household = dict(self.current(household_id))
        data = _carry_row_ids(base.data if base else {}, data)
        household[form_id] = dict(data)
        result = self.engine(today).validate(household, form_id)
        if final and result.errors:
            title = self.survey.form(form_id).title
            raise ValidationFailed(
                f"{title}有 {len(result.errors)} 处错误，不能定稿（可先保存为草稿）",
                result.problems,
            )
        return result, json.dumps(result.values, ensure_ascii=False, sort_keys=True)

    # -- status ---------------------------------------------------------------------------

    def set_status(
        self,
        household_id: str,
        status: str,
        *,
        reason: str,
        author: str,
        check: Mapping[str, Any] | None = None,
    ) -> None:
        """Record a status change; ``check`` is what the 脱困/解困 rules said (kept as JSON with
        the change, an override marked in it). Call it through ``rules.status_change``, which
        runs the rules first."""
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
                    "rules_check": (
                        None if check is None else json.dumps(check, ensure_ascii=False)
                    ),
                }
            )
            self.db.table("households").update(
                household["id"], {"status": status, "updated_at": now_iso()}
            )
            detail = {"from": household["status"], "to": status, "reason": reason}
            if check is not None and check.get("override"):
                detail["override"] = True
            self.audit(author, "set_status", household_id=household["id"], detail=detail)

    def status_history(self, household_id: str) -> list[dict[str, Any]]:
        return list(
            self.db.table("status_changes").rows_where(
                "household_id = ?", [household_id], order_by="rowid"
            )
        )


def _same(revision: Revision, encoded: str, final: bool) -> bool:
    """Saving ``encoded`` over ``revision`` would add nothing (a draft save of unchanged data
    keeps a final form final)."""
    state_kept = revision.state == ("final" if final else "draft") or not final
    return state_kept and json.dumps(revision.data, ensure_ascii=False, sort_keys=True) == encoded


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

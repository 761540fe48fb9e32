"""Records applied as they come, not in chunks: standards and revocations (which only an
assignment bundle, headquarters → laptop, carries), third-party check records, procedure cases
and steps.

They are few and go to tables no other record touches; a check record, case or step is applied
after the chunk before it (``Applier.handle``), so everything lands in the order it came. Part of the ``Applier``
(this mixin).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from fieldapp.core.store import checks
from fieldapp.core.store.standards import standard_kind
from fieldapp.core.store.store import Store
from fieldapp.core.sync import authorship as authors
from fieldapp.core.sync.authorship import record_label
from fieldapp.core.sync.check_records import received_row
from fieldapp.core.sync.fields import check_uuid, fail
from fieldapp.core.sync.fields import integer as _int
from fieldapp.core.sync.fields import text as _text
from fieldapp.core.sync.procedure_sync import ProcedureReceiver
from fieldapp.core.sync.records import KIND_ASSIGN, KIND_UP, STANDARD_RECORDS
from fieldapp.core.sync.report import ImportReport
from fieldapp.core.trust import identity
from fieldapp.core.trust.revocation import Revocation, remember

Member = tuple[str, int, str] | None
"""A record's place in its author's batch: (batch id, index, hash), or None outside batches."""


class DirectRecords:
    store: Store
    kind: str
    m: dict[str, Any]
    report: ImportReport
    changed: bool
    counts: dict[str, int]
    procedures: ProcedureReceiver

    if TYPE_CHECKING:  # the Applier's, which this mixin is part of

        def _need_household(self, hid: str) -> None: ...
        def _time(self, value: Any, what: str, label: str) -> None: ...
        def _authored(self, kind: str, r: Mapping[str, Any], body: str | None = None) -> Member: ...
        def _keep(self, kind: str, rid: str, member: Member, new: bool) -> None: ...

    def _count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    def _standard(self, r: Mapping[str, Any]) -> None:
        """A 低保 standard (``dibao``) or a minimum wage (``min_wage``), assign bundles only."""
        spec = standard_kind(STANDARD_RECORDS[str(r.get("t"))])
        if self.kind != KIND_ASSIGN:
            raise fail(f"笔记本数据包不应包含{spec.label}")
        did = check_uuid(r.get("id"), f"{spec.label} ID")
        county = _text(r.get("county_code"), "区县代码", optional=False, limit=6) or ""
        since = _text(r.get("effective_from"), "生效日期", optional=False, limit=10) or ""
        amount = _int(r.get("amount_fen"), spec.label, 1, 10_000_000 - 1)
        if not self.store.regions.get(county):
            raise fail(f"数据包中的{spec.label}区县代码 {county} 不存在")
        try:
            date.fromisoformat(since)
        except ValueError:
            raise fail(f"数据包中的{spec.label}生效日期不正确") from None
        self._count(spec.table)
        if self.store.db.conn.execute(f"select 1 from {spec.table} where id = ?", [did]).fetchone():
            return
        same = self.store.db.conn.execute(
            f"select amount_fen from {spec.table} where county_code = ? and effective_from = ? "
            "order by rowid desc limit 1",
            [county, since],
        ).fetchone()
        if same is not None and same[0] == amount:
            return  # the same standard, entered separately here (every store seeds its own rows)
        self.store.db.conn.execute(
            f"insert into {spec.table} (id, county_code, effective_from, amount_fen, source, "
            "entered_at, entered_by) values (?, ?, ?, ?, ?, ?, ?)",
            [
                did,
                county,
                since,
                amount,
                _text(r.get("source"), "依据", limit=500),
                _text(r.get("entered_at"), "录入时间", limit=64),
                _text(r.get("entered_by"), "录入人", limit=200),
            ],
        )
        self.report.added[spec.table] += 1
        self.changed = True

    def _revocation(self, r: Mapping[str, Any]) -> None:
        """A certificate headquarters revoked: kept so ``fieldapp verify`` honours it here."""
        if self.kind != KIND_ASSIGN:
            raise fail("笔记本数据包不应包含吊销名单")
        try:
            entry = Revocation.from_record(r)
        except identity.IdentityError as exc:
            raise fail(f"数据包中的{exc}") from None
        self._count("revocations")
        if remember(self.store, entry, bundle_id=self.m["bundle_id"]):
            self.report.added["revocations"] += 1
            self.changed = True

    def _procedure(self, r: Mapping[str, Any]) -> None:
        """A procedure case or step (``procedure_sync``: signature, sender, order checked)."""
        what = "procedure_cases" if r.get("t") == "case" else "procedure_steps"
        self._count(what)
        new = self.procedures.case(r) if what == "procedure_cases" else self.procedures.step(r)
        if new:
            self.report.added[what] += 1
            self.changed = True

    def _check_record(self, r: Mapping[str, Any]) -> None:
        """A revision of a third-party check record, laptop bundles only (store.checks)."""
        if self.kind != KIND_UP:
            raise fail("分配数据包不应包含核查记录")
        row = received_row(r)
        if row["household_id"] is not None:
            self._need_household(row["household_id"])
        rid = row["revision_id"]
        self._time(row["created_at"], "录入时间", record_label(authors.CHECK_RECORD, rid))
        member = self._authored(authors.CHECK_RECORD, r)
        self._count("check_records")
        new = checks.keep_received(self.store, row)
        self._keep(authors.CHECK_RECORD, rid, member, new)
        if new:
            self.report.added["check_records"] += 1
            self.changed = True

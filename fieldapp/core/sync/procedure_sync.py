"""Procedure cases and steps in bundles: which ones a bundle carries, and reading them back in.

Up (laptop → headquarters): the cases and steps made on this laptop since its last export (those
that did not arrive here in a bundle, ``record_origins`` kinds ``case`` and ``step``). Down
(assignment): every case and step of the assigned households, whoever made them, so a cadre sees
the county's 审批 on the laptop. Each record carries its author's signature and certificate and
needs no author batch: ``procedures.receive`` checks the signature, that a laptop's records are
its sender's own, and that each step could have been taken where it follows. Records are written
cases first, then steps in the order they were stored (a step's parent always comes before it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import Any

from fieldapp.core.procedures.definitions import ProcedureError
from fieldapp.core.procedures.forks import settle_conflicts
from fieldapp.core.procedures.receive import accept_case, accept_step
from fieldapp.core.procedures.records import DECISIONS, RESOLVE, Case, Signer, Step
from fieldapp.core.procedures.storage import CASES, STEPS, case_by_id
from fieldapp.core.store.store import Store
from fieldapp.core.sync import authorship as authors
from fieldapp.core.sync.authorcheck import AuthorCheck
from fieldapp.core.sync.fields import HEX64, check_uuid, fail, text
from fieldapp.core.sync.limits import MAX_STEP_DATA_BYTES
from fieldapp.core.sync.records import case_record, step_record
from fieldapp.core.trust import identity

CASE, STEP = "case", "step"
MARKS = {CASES: f"select max(rowid) from {CASES}", STEPS: f"select max(rowid) from {STEPS}"}
_OWN = (
    "select x.* from {table} x where x.rowid > ? and x.rowid <= ? and not exists (select 1 "
    "from record_origins o where o.kind = '{kind}' and o.record_id = x.id) order by x.rowid"
)


def own_rows(store: Store, ranges: Mapping[str, tuple[int, int]]) -> dict[str, list[Any]]:
    """This store's own cases and steps in the export's row ranges."""
    out: dict[str, list[Any]] = {}
    for table, kind in ((CASES, CASE), (STEPS, STEP)):
        low, high = ranges[table]
        out[table] = list(store.db.query(_OWN.format(table=table, kind=kind), [low, high]))
    return out


def household_rows(store: Store, household_ids: list[str]) -> dict[str, list[Any]]:
    """Every case and step of these households (an assignment)."""
    out: dict[str, list[Any]] = {CASES: [], STEPS: []}
    for hid in household_ids:
        for table in (CASES, STEPS):
            out[table] += store.db.query(
                f"select * from {table} where household_id = ? order by rowid", [hid]
            )
    return out


def payload(rows: Mapping[str, list[Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(counted kind, payload record) for the rows, cases first."""
    for row in rows[CASES]:
        yield CASES, case_record(row)
    for row in rows[STEPS]:
        yield STEPS, step_record(row)


# -- receiving ------------------------------------------------------------------------------------


def _day(value: Any, what: str) -> str:
    day = text(value, what, optional=False, limit=10) or ""
    try:
        date.fromisoformat(day)
    except ValueError:
        raise fail(f"数据包记录中的 {what} 不是日期") from None
    return day


def _signer(r: Mapping[str, Any]) -> Signer:
    fingerprint = text(r.get("cert_fingerprint"), "证书指纹", optional=False, limit=64) or ""
    if not HEX64.match(fingerprint):
        raise fail("数据包记录中的证书指纹格式不正确")
    return Signer(
        actor_id=check_uuid(r.get("actor_id"), "办理人 ID"),
        actor_name=text(r.get("actor_name"), "办理人", optional=False, limit=200) or "",
        role=text(r.get("role"), "办理人角色", optional=False, limit=20) or "",
        signed_at=text(r.get("signed_at"), "签署时间", optional=False, limit=64) or "",
        device_id=text(r.get("device_id"), "设备", optional=False, limit=100) or "",
        cert_fingerprint=fingerprint,
        certificate=text(r.get("certificate"), "证书", optional=False, limit=8000) or "",
        signature=text(r.get("signature"), "签名", optional=False, limit=400) or "",
    )


def parse_case(r: Mapping[str, Any]) -> Case:
    return Case(
        id=check_uuid(r.get("id"), "案件 ID"),
        household_id=check_uuid(r.get("household_id"), "户 ID"),
        procedure=text(r.get("procedure"), "办理程序", optional=False, limit=40) or "",
        target=text(r.get("target"), "目标状态", optional=False, limit=20) or "",
        opened_on=_day(r.get("opened_on"), "开立日期"),
        signer=_signer(r),
    )


def parse_step(r: Mapping[str, Any]) -> Step:
    decision = r.get("decision")
    if decision not in (*DECISIONS, RESOLVE):
        raise fail("数据包记录中的办理决定不正确")
    data = r.get("data")
    if not isinstance(data, dict):
        raise fail("数据包记录中的步骤数据不是对象")
    if len(authors.stored_json(data).encode("utf-8", "surrogatepass")) > MAX_STEP_DATA_BYTES:
        raise fail(f"数据包记录中的步骤数据超过 {MAX_STEP_DATA_BYTES:,} 字节")
    parent = r.get("parent_id")
    return Step(
        id=check_uuid(r.get("id"), "步骤 ID"),
        case_id=check_uuid(r.get("case_id"), "案件 ID"),
        household_id=check_uuid(r.get("household_id"), "户 ID"),
        procedure=text(r.get("procedure"), "办理程序", optional=False, limit=40) or "",
        step=text(r.get("step"), "步骤", optional=False, limit=100) or "",
        parent_id=None if parent is None else check_uuid(parent, "上一步骤"),
        decision=str(decision),
        opinion=text(r.get("opinion"), "意见", limit=2000) or "",
        decided_on=_day(r.get("decided_on"), "办理日期"),
        data=json.loads(authors.stored_json(data)),
        signer=_signer(r),
    )


def _storable(r: Mapping[str, Any]) -> None:
    """Text the database can hold (JSON may carry lone surrogates, which UTF-8 cannot)."""
    try:
        authors.stored_json(r).encode("utf-8")
    except UnicodeEncodeError:
        raise fail("数据包记录中有无法保存的字符") from None


class ProcedureReceiver:
    """Cases and steps of one bundle being imported (``sync.apply.Applier`` hands them over).

    ``up``: a laptop bundle, whose records must be the sender's own. At headquarters ``check``
    (the bundle's ``authorcheck.AuthorCheck``) refuses times in the future and a device id that
    belongs to someone else, as for every other record."""

    def __init__(
        self,
        store: Store,
        *,
        sender: identity.StaffInfo,
        up: bool,
        bundle_id: str,
        received_at: str,
        need_household: Callable[[str], None],
        check: AuthorCheck | None,
    ) -> None:
        self.store = store
        self.sender = sender
        self.up = up
        self.bundle_id = bundle_id
        self.received_at = received_at
        self.need_household = need_household
        self.check = check
        self.touched: dict[str, Case] = {}

    def _keep(self, kind: str, record: Case | Step, accept: Callable[..., bool]) -> bool:
        self.need_household(record.household_id)
        if self.check is not None:
            label = f"{'案件' if kind == CASE else '办理步骤'} {record.id}"
            self.check.check_time(record.signer.signed_at, "签署时间", label)
            self.check.check_device(record.signer.device_id, self.sender.staff_id, f"{label} ")
        try:
            new = accept(self.store, record, sender=self.sender.staff_id if self.up else None)
        except ProcedureError as exc:
            raise fail(str(exc)) from None
        if new:
            authors.keep_origin(
                self.store, kind, record.id, self.bundle_id, self.sender, self.received_at
            )
        return new

    def case(self, r: Mapping[str, Any]) -> bool:
        _storable(r)
        return self._keep(CASE, parse_case(r), accept_case)

    def step(self, r: Mapping[str, Any]) -> bool:
        _storable(r)
        step = parse_step(r)
        new = self._keep(STEP, step, accept_step)
        if new and step.case_id not in self.touched:
            case = case_by_id(self.store, step.case_id)
            if case is not None:
                self.touched[case.id] = case
        return new

    def finish(self, actor: str) -> list[str]:
        """Open (or close) the conflicts of the cases this bundle touched; the households of
        newly conflicting cases."""
        return [
            case.household_id
            for case in self.touched.values()
            if settle_conflicts(self.store, case, actor=actor, bundle_id=self.bundle_id)
        ]

"""Third-party check records (第三方核查): what an outside firm found on a sample, kept for good.

Why: the campaign was judged on rates an outside firm measured on a sample of households (错评,
漏评, 错退, 漏退, 帮扶方式精准率, 满意度; seed 004). An office enters or imports what the firm
reported and statistics compute the rates from these records (fieldapp.core.reports.check_rates),
so every rate can be traced to the records behind it. Two kinds of record share one table:

- ``check``: one sampled household of the archive — checker, day, findings (错评 / 错退 / 漏退,
  none or several; 漏评 through the people below), 帮扶方式是否精准, the 满意度 answer — and the
  household's 档案状态 on the check day, fixed when the check is entered (a later status change
  does not move a check into or out of a rate's denominator). Findings must fit that status: 错评
  and 漏退 a 在档 household, 错退 an exited one (已脱困 / 已解困).
- ``missed`` (漏评): a person who should be in the archive and is not — name, ID number, region,
  reason — a record of its own (there is no household to hang it on), naming the check during
  which it was found when there was one. A check "found 漏评" exactly when such records name it.

Nothing is updated or deleted (triggers, migration m012): a correction is a new revision of the
record (same ``record_id``, ``parent_id`` = the revision it replaces); a record entered by mistake
is withdrawn by a revision saying so. Validation and what a batch does are in ``check_entries``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fieldapp.core.store.errors import NotFound, StoreError
from fieldapp.core.store.records import now_iso
from fieldapp.core.store.store import Store

CHECK, MISSED = "check", "missed"
KINDS = (CHECK, MISSED)
KIND_LABELS = {CHECK: "核查户", MISSED: "漏评人员"}
WRONG_FILED, MISSED_FILING, WRONG_EXIT, MISSED_EXIT = "错评", "漏评", "错退", "漏退"
FINDINGS = (WRONG_FILED, MISSED_FILING, WRONG_EXIT, MISSED_EXIT)
FINDING_STATUSES: dict[str, tuple[str, ...]] = {
    WRONG_FILED: ("在档",),
    MISSED_EXIT: ("在档",),
    WRONG_EXIT: ("已脱困", "已解困"),
}
"""The 档案状态 on the check day a household finding applies to (漏评 names people instead)."""


@dataclass(frozen=True)
class CheckRecord:
    """One revision of a check record (the current one, unless read from its history)."""

    record_id: str
    revision_id: str
    kind: str
    parent_id: str | None
    household_id: str | None
    region_code: str | None
    """A 漏评 person's region; for a check, the household's region when it was entered."""
    check_date: str
    data: Mapping[str, Any]
    created_at: str
    author: str | None
    device_id: str | None
    source: str | None

    @property
    def withdrawn(self) -> str | None:
        """Why the record was withdrawn (None while it counts)."""
        reason = self.data.get("withdrawn")
        return str(reason) if reason else None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> CheckRecord:
        return cls(
            record_id=row["record_id"],
            revision_id=row["revision_id"],
            kind=row["kind"],
            parent_id=row["parent_id"],
            household_id=row["household_id"],
            region_code=row["region_code"],
            check_date=row["check_date"],
            data=json.loads(row["data"]),
            created_at=row["created_at"],
            author=row["author"],
            device_id=row["device_id"],
            source=row["source"],
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "revision_id": self.revision_id,
            "kind": self.kind,
            "parent_id": self.parent_id,
            "household_id": self.household_id,
            "region_code": self.region_code,
            "check_date": self.check_date,
            **dict(self.data),
            "created_at": self.created_at,
            "author": self.author,
            "source": self.source,
        }


@dataclass(frozen=True)
class NewRevision:
    """A revision about to be written: a new record (``parent_id`` None) or a change to one."""

    record_id: str
    kind: str
    parent_id: str | None
    household_id: str | None
    region_code: str | None
    check_date: str
    data: Mapping[str, Any]


CURRENT = (
    "select * from check_records where rowid in "
    "(select max(rowid) from check_records group by record_id)"
)


def current_records(
    store: Store, kind: str | None = None, *, include_withdrawn: bool = False
) -> list[CheckRecord]:
    """The current revision of every record (of ``kind``), oldest record first."""
    rows = store.db.query(CURRENT + " order by check_date, rowid")
    out = [CheckRecord.from_row(r) for r in rows]
    return [
        r
        for r in out
        if (kind is None or r.kind == kind) and (include_withdrawn or r.withdrawn is None)
    ]


def missed_by_check(records: Iterable[CheckRecord]) -> dict[str, int]:
    """How many current 漏评 records name each check: a check found 漏评 when any does."""
    out: dict[str, int] = {}
    for r in records:
        check_id = r.data.get("check_id") if r.kind == MISSED and r.withdrawn is None else None
        if check_id:
            out[str(check_id)] = out.get(str(check_id), 0) + 1
    return out


def record_history(store: Store, record_id: str) -> list[CheckRecord]:
    """Every revision of a record, oldest first (a record id's first 8 characters suffice)."""
    ref = record_id.strip().lower()
    if len(ref) < 8 or not all(c in "0123456789abcdef-" for c in ref):
        raise NotFound(f"核查记录编号“{record_id}”不正确（至少 8 位，见 fieldapp check list）")
    ids = [
        r[0]
        for r in store.db.execute(
            "select distinct record_id from check_records where record_id like ? || '%'", [ref]
        )
    ]
    if not ids:
        raise NotFound(f"找不到核查记录“{record_id}”（见 fieldapp check list）")
    if len(ids) > 1:
        raise StoreError(f"“{record_id}”对应多条核查记录，请多写几位编号")
    rows = store.db.query(
        "select * from check_records where record_id = ? order by rowid", [ids[0]]
    )
    return [CheckRecord.from_row(r) for r in rows]


def write_revisions(
    store: Store, revisions: Iterable[NewRevision], *, author: str, source: str
) -> list[str]:
    """Append the revisions (inside the caller's transaction); their revision ids."""
    stamp, device = now_iso(), store.device_id
    ids = []
    for rev in revisions:
        revision_id = str(uuid.uuid4())
        store.db.table("check_records").insert(
            {
                "revision_id": revision_id,
                "record_id": rev.record_id,
                "kind": rev.kind,
                "parent_id": rev.parent_id,
                "household_id": rev.household_id,
                "region_code": rev.region_code,
                "check_date": rev.check_date,
                "data": json.dumps(dict(rev.data), ensure_ascii=False, sort_keys=True),
                "created_at": stamp,
                "author": author,
                "device_id": device,
                "source": source,
            }
        )
        ids.append(revision_id)
    return ids


def withdraw(store: Store, record_id: str, reason: str, *, author: str) -> CheckRecord:
    """Take a record out of every rate (entered by mistake): a revision saying why."""
    if not reason.strip():
        raise StoreError("撤销核查记录须写明原因")
    if len(reason) > 500:
        raise StoreError("撤销原因最多 500 字")
    current = record_history(store, record_id)[-1]
    if current.withdrawn:
        raise StoreError(f"核查记录 {current.record_id[:8]} 已于此前撤销：{current.withdrawn}")
    revision = NewRevision(
        record_id=current.record_id,
        kind=current.kind,
        parent_id=current.revision_id,
        household_id=current.household_id,
        region_code=current.region_code,
        check_date=current.check_date,
        data={**current.data, "withdrawn": reason.strip()},
    )
    with store.db.atomic():
        write_revisions(store, [revision], author=author, source="撤销")
        store.audit(
            author,
            "withdraw_check_record",
            household_id=current.household_id,
            detail={"record": current.record_id, "reason": reason.strip()},
        )
    return record_history(store, current.record_id)[-1]


def status_on(store: Store, household_id: str, day: str) -> str:
    """A household's 档案状态 on ``day``: its latest status change dated (Beijing date) on or
    before it. Before its first change: the status it came into the database with when that
    change was made as it was created (an imported archive row, nothing earlier is known), else
    在档 (every household entered by hand starts 在档)."""
    row = store.db.execute(
        "select status from status_changes where household_id = ? and "
        "date(changed_at, '+8 hours') <= ? order by changed_at desc, rowid desc limit 1",
        [household_id, day],
    ).fetchone()
    if row is None:
        row = store.db.execute(
            "select s.status from status_changes s join households h on h.id = s.household_id "
            "where s.household_id = ? and s.changed_at <= h.created_at "
            "order by s.rowid limit 1",
            [household_id],
        ).fetchone()
    return str(row[0]) if row is not None else "在档"


def _texts(data: Mapping[str, Any], keys: tuple[str, ...], limit: int = 500) -> bool:
    return all(
        data.get(k) is None or (isinstance(data.get(k), str) and len(data[k]) <= limit)
        for k in keys
    )


def data_problem(kind: str, data: Any) -> str | None:
    """What is wrong with a record's data as received from elsewhere (a sync bundle), or None:
    the shapes statistics rely on (their values were checked where the record was entered)."""
    if kind not in KINDS or not isinstance(data, dict):
        return "核查记录的种类或内容格式不正确"
    if not _texts(data, ("checker", "note", "withdrawn")):
        return "核查记录的文字内容格式不正确"
    if kind == CHECK:
        findings = data.get("findings")
        if not isinstance(findings, list) or not all(f in FINDINGS for f in findings):
            return "核查记录的发现问题不正确"
        if data.get("status_at_check") not in ("在档", "已脱困", "已解困", "注销"):
            return "核查记录的核查时档案状态不正确"
        if not _texts(data, ("precise", "satisfaction"), 50):
            return "核查记录的答案格式不正确"
    elif not _texts(data, ("name", "id_number", "reason", "standard", "check_id")):
        return "漏评人员记录的内容格式不正确"
    return None


RECEIVED_COLUMNS = (
    "revision_id",
    "record_id",
    "kind",
    "parent_id",
    "household_id",
    "region_code",
    "check_date",
    "data",
    "created_at",
    "author",
    "device_id",
    "source",
)


def keep_received(store: Store, row: Mapping[str, Any]) -> bool:
    """Keep a revision that came in a bundle (inside the import's transaction); whether it is
    new here (a revision already kept is skipped: importing twice changes nothing)."""
    cursor = store.db.conn.execute(
        f"insert or ignore into check_records ({', '.join(RECEIVED_COLUMNS)}) "
        f"values ({', '.join('?' for _ in RECEIVED_COLUMNS)})",
        [row[c] for c in RECEIVED_COLUMNS],
    )
    return bool(cursor.rowcount)

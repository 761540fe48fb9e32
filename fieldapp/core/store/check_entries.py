"""Entering third-party checks: a batch (one ``check add``, one imported file) checked whole.

Why all or nothing: a sample imported in part gives wrong rates, so any refused entry refuses the
batch, every problem listed (sheet, row, column) and nothing written. Entering a check again adds
nothing when nothing changed and a revision when something did. A check is the same record when
it has the same household, day and checker; a 漏评 person when they have the same ID number (else
the same name and region) and day; either when the entry names the record (核查编号). So importing
a file twice changes nothing, and a corrected file revises what it corrects.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fieldapp.core.store.check_scale import check_scale
from fieldapp.core.store.checks import (
    CHECK,
    FINDING_STATUSES,
    FINDINGS,
    MISSED,
    MISSED_EXIT,
    MISSED_FILING,
    WRONG_FILED,
    CheckRecord,
    NewRevision,
    current_records,
    status_on,
    write_revisions,
)
from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.records import STATUSES
from fieldapp.core.store.store import Store
from fieldapp.core.values.idcard import check_id_number, has_blocking, normalize_id_number

CHECK_SHEET, MISSED_SHEET = "核查结果", "漏评人员"
EARLIEST = "2000-01-01"
FILED = ("在档", "已脱困", "已解困")
"""Statuses of a household that is in the archive (a 注销 one may be 漏评 again)."""


@dataclass(frozen=True)
class CheckEntry:
    """One sampled household's check, as typed or read from a file (text, not yet checked)."""

    household: str
    """档案编号, 身份证号 or household id."""
    checker: str
    check_date: str
    findings: tuple[str, ...] = ()
    precise: str | None = None
    satisfaction: str | None = None
    status: str | None = None
    """档案状态 on the check day as the firm's sample frame states it; None: from status changes."""
    note: str = ""
    record_id: str | None = None
    row: int | None = None
    """Where it came from (sheet row, list position), for messages."""


@dataclass(frozen=True)
class MissedEntry:
    """One person found missing from the archive (漏评)."""

    name: str
    region: str
    reason: str
    checker: str
    check_date: str
    id_number: str = ""
    standard: str | None = None
    """The 建档标准 the person should be filed at, when the firm says."""
    household: str | None = None
    """The sampled household whose check found this person (same day), if any."""
    note: str = ""
    record_id: str | None = None
    row: int | None = None


@dataclass(frozen=True)
class EntryProblem:
    sheet: str
    row: int | None
    column: str
    message: str

    def text(self) -> str:
        where = f"{self.sheet}第 {self.row} 行" if self.row is not None else self.sheet
        return f"{where} {self.column}：{self.message}"


class ChecksRefused(StoreError):
    """The batch has problems; nothing was written."""

    def __init__(self, problems: list[EntryProblem]) -> None:
        shown = "；".join(p.text() for p in problems[:5])
        more = f"（另有 {len(problems) - 5} 处）" if len(problems) > 5 else ""
        super().__init__(f"核查记录有 {len(problems)} 处问题，未导入任何记录：{shown}{more}")
        self.problems = problems


@dataclass
class BatchResult:
    added: int = 0
    revised: int = 0
    unchanged: int = 0
    records: list[str] = field(default_factory=list)
    """Record ids of every entry, in the order given (checks first)."""
    problems: list[EntryProblem] = field(default_factory=list)
    dry_run: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "revised": self.revised,
            "unchanged": self.unchanged,
            "records": self.records,
            "dry_run": self.dry_run,
            "problems": [
                {"sheet": p.sheet, "row": p.row, "column": p.column, "message": p.message}
                for p in self.problems
            ],
        }


def _key(record: CheckRecord) -> tuple[str, ...]:
    if record.kind == CHECK:
        return (CHECK, record.household_id or "", record.check_date, str(record.data["checker"]))
    who = str(record.data.get("id_number") or "") or f"{record.data['name']}|{record.region_code}"
    return (MISSED, who, record.check_date)


class _Batch:
    def __init__(self, store: Store, today: date) -> None:
        self.store, self.today, self.scale = store, today, check_scale()
        self.problems: list[EntryProblem] = []
        self.existing = {r.record_id: r for r in current_records(store, include_withdrawn=True)}
        self.by_key = {_key(r): r for r in self.existing.values() if r.withdrawn is None}
        self.seen: dict[tuple[str, ...], int | None] = {}
        self.planned: list[tuple[CheckRecord | None, NewRevision]] = []
        self.checks_by_day: dict[tuple[str, str], str] = {
            (r.household_id or "", r.check_date): r.record_id
            for r in self.by_key.values()
            if r.kind == CHECK
        }
        self.expect_missed: list[tuple[str, int | None]] = []
        self.linked: set[str] = {
            str(r.data.get("check_id")) for r in self.by_key.values() if r.kind == MISSED
        }

    def problem(self, sheet: str, row: int | None, column: str, message: str) -> None:
        self.problems.append(EntryProblem(sheet, row, column, message))

    def text(self, value: str | None, sheet: str, row: int | None, column: str, limit: int) -> str:
        text = (value or "").strip()
        if len(text) > limit:
            self.problem(sheet, row, column, f"最多 {limit} 字（现有 {len(text)} 字）")
        return text

    def required(
        self, value: str | None, sheet: str, row: int | None, column: str, limit: int
    ) -> str:
        text = self.text(value, sheet, row, column, limit)
        if not text:
            self.problem(sheet, row, column, "必须填写")
        return text

    def day(self, value: str, sheet: str, row: int | None) -> str:
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            self.problem(sheet, row, "核查日期", f"“{value}”应为 YYYY-MM-DD 格式的日期")
            return ""
        if not EARLIEST <= day.isoformat() <= self.today.isoformat():
            self.problem(sheet, row, "核查日期", f"{day} 不在 {EARLIEST} 至今天之间")
        return day.isoformat()

    def record_ref(
        self, ref: str | None, kind: str, sheet: str, row: int | None
    ) -> CheckRecord | None:
        if not ref:
            return None
        key = ref.strip().lower()
        found = self.existing.get(key)
        if found is None and len(key) >= 8:  # the 8 characters `check list` shows suffice
            matches = [r for rid, r in self.existing.items() if rid.startswith(key)]
            found = matches[0] if len(matches) == 1 else None
        if found is None or found.kind != kind:
            self.problem(sheet, row, "核查编号", f"没有这条{sheet}记录：{ref}")
        return found

    def plan(
        self,
        current: CheckRecord | None,
        key: tuple[str, ...],
        sheet: str,
        row: int | None,
        revision: NewRevision,
    ) -> str:
        """Plan ``revision`` as a new record or a change to ``current`` (named, or the same key);
        the record id it has."""
        if key in self.seen:
            self.problem(sheet, row, "-", f"与第 {self.seen[key]} 行是同一条记录（重复）")
        self.seen[key] = row
        current = current or self.by_key.get(key)
        if current is not None:
            revision = NewRevision(
                record_id=current.record_id,
                kind=revision.kind,
                parent_id=current.revision_id,
                household_id=revision.household_id,
                region_code=revision.region_code,
                check_date=revision.check_date,
                data=revision.data,
            )
        self.planned.append((current, revision))
        return revision.record_id

    def check(self, e: CheckEntry, position: int) -> None:
        s, row = CHECK_SHEET, e.row if e.row is not None else position
        household: Mapping[str, Any] | None = None
        try:
            household = self.store.household(e.household)
        except StoreError as exc:
            self.problem(s, row, "核查户", str(exc))
        checker = self.required(e.checker, s, row, "核查人", 50)
        day = self.day(e.check_date, s, row)
        current = self.record_ref(e.record_id, CHECK, s, row)
        findings = [f.strip() for f in e.findings if f.strip()]
        for finding in findings:
            if finding not in FINDINGS:
                self.problem(s, row, "发现问题", f"“{finding}”不是{'、'.join(FINDINGS)}之一")
        if len(set(findings)) != len(findings):
            self.problem(s, row, "发现问题", "同一问题写了两次")
        if WRONG_FILED in findings and MISSED_EXIT in findings:
            self.problem(s, row, "发现问题", "错评（不应建档）和漏退（应当退出）不能同时成立")
        precise = (e.precise or "").strip() or None
        if precise is not None and precise not in self.scale.precise_answers:
            answers = "、".join(self.scale.precise_answers)
            self.problem(s, row, "帮扶方式是否精准", f"“{precise}”应为{answers}之一或不填")
        satisfaction = (e.satisfaction or "").strip() or None
        if satisfaction is not None and satisfaction not in self.scale.satisfaction_answers:
            answers = "、".join(self.scale.satisfaction_answers)
            self.problem(s, row, "满意度", f"“{satisfaction}”应为{answers}之一或不填")
        note = self.text(e.note, s, row, "备注", 500)
        status = (e.status or "").strip() or None
        if status is not None and status not in STATUSES:
            self.problem(s, row, "核查时档案状态", f"“{status}”应为{'、'.join(STATUSES)}之一或不填")
        if household is None or not day:
            return
        status = status or status_on(self.store, household["id"], day)
        for finding in findings:
            allowed = FINDING_STATUSES.get(finding)
            if allowed is not None and status not in allowed:
                self.problem(
                    s,
                    row,
                    "发现问题",
                    f"{finding}只适用于核查日档案状态为{'或'.join(allowed)}的户，这一户当日为{status}",
                )
        data = {
            "checker": checker,
            "findings": [f for f in FINDINGS if f in findings and f != MISSED_FILING],
            "precise": precise,
            "satisfaction": satisfaction,
            "status_at_check": status,
            "note": note,
        }
        revision = NewRevision(
            str(uuid.uuid4()), CHECK, None, household["id"], household["region_code"], day, data
        )
        key = (CHECK, household["id"], day, checker)
        record_id = self.plan(current, key, s, row, revision)
        self.checks_by_day[(household["id"], day)] = record_id
        if MISSED_FILING in findings:
            self.expect_missed.append((record_id, row))

    def missed(self, e: MissedEntry, position: int) -> None:
        s, row = MISSED_SHEET, e.row if e.row is not None else position
        name = self.required(e.name, s, row, "姓名", 50)
        region = (e.region or "").strip()
        if not (len(region) == 6 and region.isdigit() and self.store.regions.get(region)):
            self.problem(s, row, "区县代码", f"“{region}”不是已知的 6 位行政区划代码")
        reason = self.required(e.reason, s, row, "漏评原因", 500)
        checker = self.required(e.checker, s, row, "核查人", 50)
        day = self.day(e.check_date, s, row)
        current = self.record_ref(e.record_id, MISSED, s, row)
        number = normalize_id_number(e.id_number or "")
        if number:
            _, id_problems = check_id_number(number, regions=self.store.regions, today=self.today)
            if has_blocking(id_problems):
                self.problem(s, row, "身份证号", "；".join(p.message for p in id_problems))
            for other in self.store.db.query(
                "select archive_no, status from households where id_number = ?", [number]
            ):
                if other["status"] in FILED:
                    self.problem(
                        s,
                        row,
                        "身份证号",
                        f"此人已在档案中（档案编号 {other['archive_no'] or '-'}，"
                        f"{other['status']}），不是漏评",
                    )
        standard = (e.standard or "").strip() or None
        standards = [o.value for o in self.store.survey.options.get("filing_standard", ())]
        if standard is not None and standard not in standards:
            self.problem(s, row, "应建档标准", f"“{standard}”应为{'、'.join(standards)}之一或不填")
        check_id = None
        if e.household and e.household.strip():
            try:
                found = self.store.household(e.household)
                check_id = self.checks_by_day.get((found["id"], day))
                if check_id is None and day:
                    self.problem(s, row, "所在核查户", f"这一户在 {day} 没有核查记录")
            except StoreError as exc:
                self.problem(s, row, "所在核查户", str(exc))
        if not day:
            return
        data = {
            "name": name,
            "id_number": number,
            "reason": reason,
            "checker": checker,
            "standard": standard,
            "check_id": check_id,
            "note": self.text(e.note, s, row, "备注", 500),
        }
        revision = NewRevision(str(uuid.uuid4()), MISSED, None, None, region, day, data)
        self.plan(current, (MISSED, number or f"{name}|{region}", day), s, row, revision)
        if check_id:
            self.linked.add(check_id)

    def finish(self) -> None:
        for record_id, row in self.expect_missed:
            if record_id not in self.linked:
                self.problem(
                    CHECK_SHEET,
                    row,
                    "发现问题",
                    "发现漏评时，请在“漏评人员”中列出漏评的人（所在核查户填这一户）",
                )


def save_batch(
    store: Store,
    checks: Sequence[CheckEntry],
    missed: Sequence[MissedEntry] = (),
    *,
    author: str,
    source: str,
    today: date | None = None,
    dry_run: bool = False,
) -> BatchResult:
    """Check every entry; write them all (unless ``dry_run``) or refuse the batch
    (``ChecksRefused``, nothing written). A dry run returns its problems instead of raising."""
    batch = _Batch(store, today or date.today())
    for position, entry in enumerate(checks, start=1):
        batch.check(entry, position)
    for position, item in enumerate(missed, start=1):
        batch.missed(item, position)
    batch.finish()
    if not checks and not missed:
        batch.problem(CHECK_SHEET, None, "-", "没有核查记录")
    result = BatchResult(dry_run=dry_run, problems=batch.problems)
    writes = []
    for current, revision in batch.planned:
        result.records.append(revision.record_id)
        if current is None:
            result.added += 1
        elif _same(current, revision):
            result.unchanged += 1
            continue
        else:
            result.revised += 1
        writes.append(revision)
    if batch.problems and not dry_run:
        raise ChecksRefused(batch.problems)
    if dry_run or not writes:
        return result
    with store.db.atomic():
        write_revisions(store, writes, author=author, source=source)
        store.audit(
            author,
            "add_check_records",
            detail={"source": source, "added": result.added, "revised": result.revised},
        )
    return result


def _same(current: CheckRecord, revision: NewRevision) -> bool:
    return (
        current.withdrawn is None
        and dict(current.data) == dict(revision.data)
        and current.household_id == revision.household_id
        and current.check_date == revision.check_date
        and (current.kind == CHECK or current.region_code == revision.region_code)
    )

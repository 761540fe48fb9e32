"""Applying a bundle's records inside the import transaction, checking each one on the way.

``Applier.handle`` takes the decrypted records one by one; ``finish`` checks the counts, rebuilds
the list index of changed households and writes the log. Any malformed record raises BundleError,
and the caller rolls the whole transaction back.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from fieldapp.core.store.records import STATES, STATUSES, now_iso
from fieldapp.core.store.store import Store
from fieldapp.core.sync.container import BundleError, Envelope
from fieldapp.core.sync.merge import Clocks, is_known, receive_revision
from fieldapp.core.sync.records import COUNTED, KIND_ASSIGN, KIND_UP, log_bundle
from fieldapp.core.trust import identity
from fieldapp.core.values.limits import ATTACHMENT_MAX_BYTES

Progress = Callable[[int, int], None]
HEX64 = re.compile(r"^[0-9a-f]{64}$")
MAX_TEXT = 4000


@dataclass
class ImportReport:
    file: str
    bundle_id: str = ""
    kind: str = ""
    sender: str = ""
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    conflict_households: int = 0
    conflicts: int = 0
    revisions: dict[str, int] = field(
        default_factory=lambda: {"current": 0, "stale": 0, "conflict": 0, "known": 0}
    )
    added: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("status_changes", "audit", "attachments", "dibao_standards"), 0
        )
    )
    already_imported: bool = False
    changed: bool = False
    rejected: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "bundle_id": self.bundle_id,
            "kind": self.kind,
            "sender": self.sender,
            "households": {
                "new": self.new,
                "updated": self.updated,
                "unchanged": self.unchanged,
                "conflict": self.conflict_households,
            },
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "conflicts": self.conflicts,
            "rejected": self.rejected,
            "revisions": self.revisions,
            "added": self.added,
            "already_imported": self.already_imported,
            "changed": self.changed,
        }


def fail(message: str) -> BundleError:
    return BundleError(message)


UUID_TEXT = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


def check_uuid(value: Any, what: str) -> str:
    if isinstance(value, str) and UUID_TEXT.match(value):
        return value
    raise fail(f"数据包记录中的 {what} 不是 UUID")


def _text(value: Any, what: str, *, optional: bool = True, limit: int = MAX_TEXT) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise fail(f"数据包记录中的 {what} 格式不正确")
    return value


def _int(value: Any, what: str, low: int = 0, high: int = 2**62) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise fail(f"数据包记录中的 {what} 不是合理的整数")
    return value


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class Applier:
    def __init__(
        self,
        store: Store,
        env: Envelope,
        sender: identity.StaffInfo,
        kind: str,
        author: str,
        report: ImportReport,
        progress: Progress | None,
    ) -> None:
        self.store = store
        self.env = env
        self.m = env.manifest
        self.sender = sender
        self.kind = kind
        self.author = author
        self.report = report
        self.progress = progress
        self.total = sum(int(self.m["counts"].get(k, 0)) for k in COUNTED)
        self.done = 0
        self.counts = dict.fromkeys(COUNTED, 0)
        self.declared: set[str] = set()
        self.new: set[str] = set()
        self.updated: set[str] = set()
        self.conflicted: set[str] = set()
        self.reindex: set[str] = set()
        self.status_touched: set[str] = set()
        self.changed = False
        self.begun = False
        self.ended = False
        self.clocks = Clocks(store)
        self.device_id = str(self.m["sender"]["device_id"])
        self.versions = set(self.m["form_versions"])
        self.field_names: dict[str, tuple[set[str], dict[str, set[str]]]] = {}
        self.exec = store.db.conn.execute

    def handle(self, record: Mapping[str, Any]) -> None:
        kind = record.get("t")
        if self.ended:
            raise fail("数据包在结束标记之后还有记录")
        if not self.begun:
            if kind != "begin" or record.get("bundle_id") != self.m["bundle_id"]:
                raise fail("载荷与清单不属于同一个数据包")
            self.begun = True
            return
        handler = {
            "household": self._household,
            "attachment": self._attachment,
            "revision": self._revision,
            "status": self._status,
            "audit": self._audit,
            "dibao": self._dibao,
            "end": self._end,
        }.get(str(kind))
        if handler is None:
            raise fail(f"载荷中有未知的记录类型“{kind}”")
        handler(record)
        self.done += 1
        if self.progress is not None and self.done % 1000 == 0:
            self.progress(self.done, self.total)

    def _count(self, what: str) -> None:
        self.counts[what] += 1

    def _household(self, r: Mapping[str, Any]) -> None:
        hid = check_uuid(r.get("id"), "户 ID")
        created_at = _text(r.get("created_at"), "建档时间", optional=False)
        created_by = _text(r.get("created_by"), "建档人")
        self._count("households")
        self.declared.add(hid)
        if self.exec("select 1 from households where id = ?", [hid]).fetchone() is None:
            self.exec(
                "insert into households (id, status, clears, final_forms, search_text, "
                "created_at, created_by, updated_at) values (?, '在档', '[]', '[]', '', ?, ?, ?)",
                [hid, created_at, created_by, now_iso()],
            )
            self.new.add(hid)
            self.changed = True

    def _need_household(self, hid: str) -> None:
        if hid not in self.declared:
            raise fail("数据包中有记录所属的户没有随包提供")

    def _attachment(self, r: Mapping[str, Any]) -> None:
        digest = _text(r.get("sha256"), "附件摘要", optional=False) or ""
        if not HEX64.match(digest):
            raise fail("数据包中的附件摘要格式不正确")
        size = _int(r.get("size"), "附件大小", 0, ATTACHMENT_MAX_BYTES)
        self._count("attachments")
        if self.exec("select 1 from attachments where sha256 = ?", [digest]).fetchone():
            return
        try:
            data = base64.b64decode(str(r.get("data")), validate=True)
        except (binascii.Error, ValueError):
            raise fail("数据包中的附件内容无法读取") from None
        if len(data) != size or hashlib.sha256(data).hexdigest() != digest:
            raise fail("数据包中的附件内容与摘要不符")
        self.exec(
            "insert into attachments (sha256, name, mime, size, data, added_at, added_by) "
            "values (?, ?, ?, ?, ?, ?, ?)",
            [
                digest,
                _text(r.get("name"), "附件名", optional=False, limit=500),
                _text(r.get("mime"), "附件类型", limit=200),
                size,
                data,
                _text(r.get("added_at"), "附件时间"),
                _text(r.get("added_by"), "附件添加人"),
            ],
        )
        self.report.added["attachments"] += 1
        self.changed = True

    def _unknown_fields(self, form_id: str, data: Mapping[str, Any]) -> list[str]:
        """Keys the form does not define (as FormEngine.unknown_fields, with cached name sets)."""
        names = self.field_names.get(form_id)
        if names is None:
            form = self.store.survey.form(form_id)
            names = (
                {f.name for f in form.fields},
                {f.name: {c.name for c in f.fields} for f in form.fields if f.type == "repeat"},
            )
            self.field_names[form_id] = names
        top, repeats = names
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

    def _revision(self, r: Mapping[str, Any]) -> None:
        rid = check_uuid(r.get("id"), "版本 ID")
        hid = check_uuid(r.get("household_id"), "户 ID")
        self._need_household(hid)
        if is_known(self.store, rid):
            self._count("revisions")
            self.report.revisions["known"] += 1
            return
        form_id = _text(r.get("form_id"), "表单", optional=False, limit=40) or ""
        if form_id not in self.store.survey.forms:
            raise fail(f"数据包中有未知的表单“{form_id}”")
        version = _text(r.get("form_version"), "表单版本", optional=False, limit=40) or ""
        if version not in self.versions:
            raise fail(f"数据包中的表单版本 {version} 未在清单中声明")
        state = r.get("state")
        if state not in STATES:
            raise fail("数据包中的版本状态不正确")
        data = r.get("data")
        if not isinstance(data, dict):
            raise fail("数据包中的表单数据不是对象")
        if version == self.store.survey.version:
            unknown = self._unknown_fields(form_id, data)
            if unknown:
                raise fail(f"数据包中的表单 {form_id} 有未知字段：{'、'.join(unknown[:5])}")
        device = _text(r.get("device_id"), "设备", optional=False, limit=64) or ""
        seq = _int(r.get("device_seq"), "设备序号", 1)
        if self.kind == KIND_UP and device != self.device_id:
            raise fail("笔记本数据包中有不是本机产生的版本（设备不符）")
        parent = r.get("parent_id")
        if parent is not None:
            parent = check_uuid(parent, "上一版本")
        clock = r.get("clock")
        if (
            not isinstance(clock, dict)
            or len(clock) > 10_000
            or not all(isinstance(k, str) and len(k) <= 64 for k in clock)
        ):
            raise fail("数据包中的版本向量格式不正确")
        clean = {str(k): _int(v, "版本向量", 1) for k, v in clock.items()}
        if clean.get(device) != seq:
            raise fail("数据包中的版本向量与设备序号不符")
        merged = r.get("merged_from") or []
        if not isinstance(merged, list) or len(merged) > 100:
            raise fail("数据包中的合并来源格式不正确")
        merged_ids = [check_uuid(x, "合并来源") for x in merged]
        self._count("revisions")
        row = {
            "id": rid,
            "household_id": hid,
            "form_id": form_id,
            "form_version": version,
            "state": state,
            "data": json.dumps(data, ensure_ascii=False, sort_keys=True),
            "created_at": _text(r.get("created_at"), "保存时间", optional=False, limit=64),
            "author": _text(r.get("author"), "填写人", limit=200),
            "device_id": device,
            "device_seq": seq,
            "parent_id": parent,
        }
        outcome = receive_revision(
            self.store,
            self.clocks,
            row,
            clean,
            merged_ids,
            bundle_id=self.m["bundle_id"],
            actor=self.author,
            checked_unknown=True,
        )
        self.report.revisions[outcome.kind] += 1
        if outcome.kind == "known":
            return
        self.changed = True
        if outcome.kind == "current":
            self.reindex.add(hid)
            if hid not in self.new:
                self.updated.add(hid)
        elif outcome.kind == "conflict":
            self.report.conflicts += 1
            self.conflicted.add(hid)

    def _status(self, r: Mapping[str, Any]) -> None:
        sid = check_uuid(r.get("id"), "状态变更 ID")
        hid = check_uuid(r.get("household_id"), "户 ID")
        self._need_household(hid)
        if r.get("status") not in STATUSES:
            raise fail("数据包中的档案状态不正确")
        self._count("status_changes")
        if self.exec("select 1 from status_changes where id = ?", [sid]).fetchone():
            return
        self.exec(
            "insert into status_changes (id, household_id, status, reason, changed_at, author) "
            "values (?, ?, ?, ?, ?, ?)",
            [
                sid,
                hid,
                r["status"],
                _text(r.get("reason"), "原因"),
                _text(r.get("changed_at"), "变更时间", optional=False, limit=64),
                _text(r.get("author"), "变更人", limit=200),
            ],
        )
        self.report.added["status_changes"] += 1
        self.status_touched.add(hid)
        self.changed = True

    def _audit(self, r: Mapping[str, Any]) -> None:
        aid = check_uuid(r.get("id"), "审计 ID")
        device = _text(r.get("device_id"), "审计设备", limit=64)
        if self.kind == KIND_UP and device != self.device_id:
            raise fail("笔记本数据包中有不是本机产生的审计记录（设备不符）")
        detail = r.get("detail")
        if not isinstance(detail, dict):
            raise fail("数据包中的审计详情格式不正确")
        household = r.get("household_id")
        self._count("audit")
        if self.exec("select 1 from audit where id = ?", [aid]).fetchone():
            return
        self.exec(
            "insert into audit (id, at, actor, device_id, action, household_id, form_id, "
            "revision_id, detail) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                aid,
                _text(r.get("at"), "审计时间", optional=False, limit=64),
                _text(r.get("actor"), "操作人", limit=200),
                device,
                _text(r.get("action"), "操作", optional=False, limit=64),
                None if household is None else check_uuid(household, "审计户 ID"),
                _text(r.get("form_id"), "审计表单", limit=40),
                _text(r.get("revision_id"), "审计版本", limit=64),
                json.dumps(detail, ensure_ascii=False, sort_keys=True),
            ],
        )
        self.report.added["audit"] += 1
        self.changed = True

    def _dibao(self, r: Mapping[str, Any]) -> None:
        if self.kind != KIND_ASSIGN:
            raise fail("笔记本数据包不应包含低保标准")
        did = check_uuid(r.get("id"), "低保标准 ID")
        county = _text(r.get("county_code"), "区县代码", optional=False, limit=6) or ""
        since = _text(r.get("effective_from"), "生效日期", optional=False, limit=10) or ""
        amount = _int(r.get("amount_fen"), "低保标准", 1, 10_000_000 - 1)
        if not self.store.regions.get(county):
            raise fail(f"数据包中的低保标准区县代码 {county} 不存在")
        try:
            date.fromisoformat(since)
        except ValueError:
            raise fail("数据包中的低保标准生效日期不正确") from None
        self._count("dibao_standards")
        if self.exec("select 1 from dibao_standards where id = ?", [did]).fetchone():
            return
        same = self.exec(
            "select amount_fen from dibao_standards where county_code = ? and effective_from = ? "
            "order by rowid desc limit 1",
            [county, since],
        ).fetchone()
        if same is not None and same[0] == amount:
            return  # the same standard, entered separately here (every store seeds its own rows)
        self.exec(
            "insert into dibao_standards (id, county_code, effective_from, amount_fen, source, "
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
        self.report.added["dibao_standards"] += 1
        self.changed = True

    def _end(self, r: Mapping[str, Any]) -> None:
        if r.get("bundle_id") != self.m["bundle_id"] or r.get("counts") != self.counts:
            raise fail("载荷的结束标记与内容不符")
        self.ended = True
        self.done -= 1

    def _reindex(self, hid: str) -> None:
        """As Store.reindex (the list entry from the newest revisions), parsing only the forms
        whose fields the index shows."""
        index_forms = sorted({form_id for form_id, _ in self.store.survey.household_index.values()})
        marks = ", ".join("?" for _ in index_forms)
        rows = self.exec(
            f"select r.form_id, r.state, case when r.form_id in ({marks}) then r.data end "
            "from revisions r join (select form_id, max(rowid) as top from revisions "
            "where household_id = ? group by form_id) t on r.rowid = t.top",
            [*index_forms, hid],
        )
        data: dict[str, dict[str, Any]] = {}
        states: dict[str, str] = {}
        for form_id, state, text in rows:
            states[form_id] = state
            if text is not None:
                data[form_id] = json.loads(text)
        row = {**self.store.index_row(data, states), "updated_at": now_iso()}
        self.exec(
            f"update households set {', '.join(f'{k} = ?' for k in row)} where id = ?",
            [*row.values(), hid],
        )

    def finish(self) -> None:
        if not self.ended:
            raise fail("载荷不完整（缺少结束标记）")
        expected = {k: int(self.m["counts"].get(k, 0)) for k in COUNTED}
        if expected != self.counts:
            raise fail(f"载荷内容与清单计数不符（清单 {expected}，实际 {self.counts}）")
        store = self.store
        for hid in self.status_touched:
            row = self.exec(
                "select status from status_changes where household_id = ? "
                "order by changed_at desc, rowid desc limit 1",
                [hid],
            ).fetchone()
            current = self.exec("select status from households where id = ?", [hid]).fetchone()
            if row is not None and current is not None and row[0] != current[0]:
                self.exec(
                    "update households set status = ?, updated_at = ? where id = ?",
                    [row[0], now_iso(), hid],
                )
                if hid not in self.new:
                    self.updated.add(hid)
        for hid in self.reindex | self.new:
            self._reindex(hid)
        report = self.report
        report.new = len(self.new)
        report.updated = len(self.updated - self.new)
        report.conflict_households = len(self.conflicted - self.new - self.updated)
        report.unchanged = len(self.declared) - report.new - report.updated
        report.unchanged -= report.conflict_households
        report.changed = self.changed
        if self.progress is not None:
            self.progress(self.total, self.total)
        if not self.changed:
            return
        peer = self.sender.staff_id
        log_bundle(
            store,
            self.m,
            "import",
            self.author,
            peer=peer,
            counts=report.to_dict(),
            file_sha256=_sha256_file(self.env.path),
        )
        store.audit(
            self.author,
            "import_bundle",
            detail={
                "bundle": self.m["bundle_id"],
                "kind": self.kind,
                "from": self.sender.label(),
                "new": report.new,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "conflicts": report.conflicts,
            },
        )

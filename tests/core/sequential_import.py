"""The oracle for batched imports: a bundle applied record by record, as the importer did before.

This is the old path of ``fieldapp/core/sync/apply.py`` (commit 7770709) with its checks left
out (the bundles given to it are genuine): every record is looked up and written with its own
statements, in bundle order, each revision through ``merge.receive_revision``, and at the end
the status and list index of every touched household are re-read from the database. The
effects, and their order, are the old code's line for line, so a database imported this way
is what the batched importer must produce exactly (tests/core/test_sync_batch.py).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from fieldapp.core.store import checks
from fieldapp.core.store.records import now_iso
from fieldapp.core.store.store import Store
from fieldapp.core.store.versions import Clocks
from fieldapp.core.sync import authorship as authors
from fieldapp.core.sync.authorcheck import AuthorCheck
from fieldapp.core.sync.check_records import received_row
from fieldapp.core.sync.container import read_envelope, unwrap_key
from fieldapp.core.sync.importer import check_envelope
from fieldapp.core.sync.lines import read_records
from fieldapp.core.sync.merge import is_known, receive_revision
from fieldapp.core.sync.procedure_sync import ProcedureReceiver
from fieldapp.core.sync.records import KIND_UP, log_import
from fieldapp.core.sync.report import ImportReport
from fieldapp.core.trust import identity


def import_sequentially(
    store: Store, path: Path, passphrase: bytes, *, author: str
) -> ImportReport:
    env = read_envelope(path)
    info, kind = check_envelope(store, env)
    m = env.manifest
    key = unwrap_key(
        m["key_wrap"], identity.receiving_private_key(store, passphrase), m["bundle_id"]
    )
    report = ImportReport(str(path), m["bundle_id"], kind, info.label())
    report.already_imported = (
        store.db.execute(
            "select 1 from bundle_log where bundle_id = ? and direction = 'import'",
            [m["bundle_id"]],
        ).fetchone()
        is not None
    )
    with store.db.atomic():
        one = OneByOne(store, m, info, kind, author, report)
        for record in read_records(env, key):
            one.handle(record)
        one.finish(path)
    return report


class OneByOne:
    def __init__(
        self,
        store: Store,
        manifest: dict[str, Any],
        sender: identity.StaffInfo,
        kind: str,
        author: str,
        report: ImportReport,
    ) -> None:
        self.store, self.m, self.sender, self.kind = store, manifest, sender, kind
        self.author, self.report = author, report
        self.exec = store.db.conn.execute
        self.clocks = Clocks(store)
        self.declared: set[str] = set()
        self.new: set[str] = set()
        self.updated: set[str] = set()
        self.conflicted: set[str] = set()
        self.reindex: set[str] = set()
        self.status_touched: set[str] = set()
        self.changed = False
        self.check = (
            AuthorCheck(store, sender, str(manifest["sender"]["device_id"]))
            if kind == KIND_UP
            else None
        )
        self.received_at = now_iso()
        self.procedures = ProcedureReceiver(
            store,
            sender=sender,
            up=kind == KIND_UP,
            bundle_id=manifest["bundle_id"],
            received_at=self.received_at,
            need_household=lambda hid: None,
            check=self.check,
        )

    def handle(self, r: dict[str, Any]) -> None:
        handler = getattr(self, f"_{r['t']}", None)
        if handler is not None:
            handler(r)

    def _batch(self, r: dict[str, Any]) -> None:
        assert self.check is not None
        self.check.batch(r)

    def _keep(self, kind: str, rid: str, member: Any, new: bool) -> None:
        if new:
            self.exec(
                "insert or ignore into record_origins (kind, record_id, bundle_id, via_staff_id, "
                "via_name, received_at) values (?, ?, ?, ?, ?, ?)",
                [kind, rid, self.m["bundle_id"], self.sender.staff_id, self.sender.name,
                 self.received_at],
            )  # fmt: skip
        if member is not None:
            cursor = self.exec(
                "insert or ignore into record_batches (kind, record_id, batch_id, batch_index, "
                "record_hash) values (?, ?, ?, ?, ?)",
                [kind, rid, *member],
            )
            self.changed |= bool(cursor.rowcount)

    def _member(self, kind: str, r: dict[str, Any], body: str | None = None) -> Any:
        return None if self.check is None else self.check.record(kind, r, body)

    def _case(self, r: dict[str, Any]) -> None:
        if self.procedures.case(r):
            self.report.added["procedure_cases"] += 1
            self.changed = True

    def _step(self, r: dict[str, Any]) -> None:
        if self.procedures.step(r):
            self.report.added["procedure_steps"] += 1
            self.changed = True

    def _check(self, r: dict[str, Any]) -> None:
        row = received_row(r)
        member = self._member(authors.CHECK_RECORD, r)
        new = checks.keep_received(self.store, row)
        self._keep(authors.CHECK_RECORD, row["revision_id"], member, new)
        if new:
            self.report.added["check_records"] += 1
            self.changed = True

    def _household(self, r: dict[str, Any]) -> None:
        hid = r["id"]
        self.declared.add(hid)
        if self.exec("select 1 from households where id = ?", [hid]).fetchone() is None:
            self.exec(
                "insert into households (id, status, clears, final_forms, search_text, "
                "created_at, created_by, updated_at) values (?, '在档', '[]', '[]', '', ?, ?, ?)",
                [hid, r["created_at"], r.get("created_by"), now_iso()],
            )
            self.new.add(hid)
            self.changed = True

    def _attachment(self, r: dict[str, Any]) -> None:
        digest = r["sha256"]
        member = self._member(authors.ATTACHMENT, r)
        if self.exec("select 1 from attachments where sha256 = ?", [digest]).fetchone():
            self._keep(authors.ATTACHMENT, digest, member, False)
            return
        self.exec(
            "insert into attachments (sha256, name, mime, size, data, added_at, added_by) "
            "values (?, ?, ?, ?, ?, ?, ?)",
            [digest, r["name"], r.get("mime"), r["size"], base64.b64decode(r["data"]),
             r.get("added_at"), r.get("added_by")],
        )  # fmt: skip
        self._keep(authors.ATTACHMENT, digest, member, True)
        self.report.added["attachments"] += 1
        self.changed = True

    def _revision(self, r: dict[str, Any]) -> None:
        rid, hid = r["id"], r["household_id"]
        data_text = authors.stored_json(r["data"])
        member = self._member(authors.REVISION, r, data_text)
        if is_known(self.store, rid):
            self.report.revisions["known"] += 1
            self._keep(authors.REVISION, rid, member, False)
            return
        clock = {str(k): int(v) for k, v in r["clock"].items()}
        if self.check is not None:
            self.check.check_clock(
                hid, r["form_id"], r["device_id"], clock, rid, fresh=hid in self.new
            )
        keys = ("form_id", "form_version", "state", "created_at", "author", "device_id")
        row = {"id": rid, "household_id": hid, **{k: r.get(k) for k in keys}}
        row.update(data=data_text, device_seq=r["device_seq"], parent_id=r.get("parent_id"))
        outcome = receive_revision(
            self.store,
            self.clocks,
            row,
            clock,
            list(r.get("merged_from") or []),
            bundle_id=self.m["bundle_id"],
            actor=self.author,
            checked_unknown=True,
        )
        self.report.revisions[outcome.kind] += 1
        if outcome.kind == "known":
            return
        self._keep(authors.REVISION, rid, member, True)
        if self.check is not None:
            self.check.received(hid, r["form_id"], r["device_id"], r["device_seq"])
        self.changed = True
        if outcome.kind == "current":
            self.reindex.add(hid)
            if hid not in self.new:
                self.updated.add(hid)
        elif outcome.kind == "conflict":
            self.report.conflicts += 1
            self.conflicted.add(hid)

    def _status(self, r: dict[str, Any]) -> None:
        sid, hid = r["id"], r["household_id"]
        member = self._member(authors.STATUS, r)
        if self.exec("select 1 from status_changes where id = ?", [sid]).fetchone():
            self._keep(authors.STATUS, sid, member, False)
            return
        check = r.get("rules_check")
        self.exec(
            "insert into status_changes (id, household_id, status, reason, changed_at, author, "
            "rules_check) values (?, ?, ?, ?, ?, ?, ?)",
            [sid, hid, r["status"], r.get("reason"), r["changed_at"], r.get("author"),
             None if check is None else json.dumps(check, ensure_ascii=False)],
        )  # fmt: skip
        self._keep(authors.STATUS, sid, member, True)
        self.report.added["status_changes"] += 1
        self.status_touched.add(hid)
        self.changed = True

    def _audit(self, r: dict[str, Any]) -> None:
        aid = r["id"]
        detail_text = authors.stored_json(r["detail"])
        member = self._member(authors.AUDIT, r, detail_text)
        if self.exec("select 1 from audit where id = ?", [aid]).fetchone():
            self._keep(authors.AUDIT, aid, member, False)
            return
        keys = ("at", "actor", "device_id", "action", "household_id", "form_id", "revision_id")
        self.exec(
            "insert into audit (id, at, actor, device_id, action, household_id, form_id, "
            "revision_id, detail) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [aid, *(r.get(k) for k in keys), detail_text],
        )
        self._keep(authors.AUDIT, aid, member, True)
        self.report.added["audit"] += 1
        self.changed = True

    def finish(self, path: Path) -> None:
        store, report = self.store, self.report
        if self.check is not None and self.check.finish(self.m["bundle_id"]):
            self.changed = True
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
        for hid in self.procedures.finish(self.author):
            report.conflicts += 1
            self.conflicted.add(hid)
        for hid in self.reindex | self.new:
            store.reindex(hid)
        report.new = len(self.new)
        report.updated = len(self.updated - self.new)
        report.conflict_households = len(self.conflicted - self.new - self.updated)
        report.unchanged = len(self.declared) - report.new - report.updated
        report.unchanged -= report.conflict_households
        report.changed = self.changed
        if not self.changed:
            return
        log_import(store, self.m, self.sender, self.author, report, path)

"""The local store: one SQLite file per laptop (or per headquarters), written through sqlite-utils.

Nothing a user saved is overwritten: every save of a form is a new row in ``revisions`` (triggers
make revisions, the audit log, status changes and 低保 standards append-only). The ``households``
table is only an index derived from the newest revisions, so the list and search stay fast.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from fieldapp.core.forms.engine import FormEngine, Problem
from fieldapp.core.forms.loader import default_survey
from fieldapp.core.forms.model import Survey
from fieldapp.core.store.migrations import MIGRATION_SET, known_migration_names, migrations
from fieldapp.core.values.regions import RegionTable, load_regions

STATUSES = ("在档", "已脱困", "已解困", "注销")
TRIGRAM = 3
STATES = ("draft", "final")
APP_ID = "fieldapp-huhuqing"
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024

# Seed values from shared/domain.md (昆明 主城 590 元/人·月 from 2018-07-01; 东川/禄劝/寻甸 570;
# 曲靖 麒麟 557). The brief gives one effective date; it is applied to all of them.
SEED_DIBAO: tuple[tuple[str, str, int, str], ...] = (
    ("530102", "2018-07-01", 59000, "昆明主城（五华区）"),
    ("530103", "2018-07-01", 59000, "昆明主城（盘龙区）"),
    ("530111", "2018-07-01", 59000, "昆明主城（官渡区）"),
    ("530112", "2018-07-01", 59000, "昆明主城（西山区）"),
    ("530114", "2018-07-01", 59000, "昆明主城（呈贡区）"),
    ("530113", "2018-07-01", 57000, "昆明东川区"),
    ("530128", "2018-07-01", 57000, "昆明禄劝县"),
    ("530129", "2018-07-01", 57000, "昆明寻甸县"),
    ("530302", "2018-07-01", 55700, "曲靖麒麟区"),
)


class StoreError(Exception):
    """A refusal the user must understand: the message is Chinese and says what to do."""


class NewerDatabaseError(StoreError):
    pass


class NotFound(StoreError):
    pass


class ValidationFailed(StoreError):
    def __init__(self, message: str, problems: list[Problem]) -> None:
        super().__init__(message)
        self.problems = problems


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Revision:
    id: str
    household_id: str
    form_id: str
    form_version: str
    state: str
    data: dict[str, Any]
    created_at: str
    author: str
    device_id: str
    device_seq: int
    parent_id: str | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Revision:
        return cls(
            id=row["id"],
            household_id=row["household_id"],
            form_id=row["form_id"],
            form_version=row["form_version"] or "",
            state=row["state"],
            data=json.loads(row["data"]),
            created_at=row["created_at"],
            author=row["author"] or "",
            device_id=row["device_id"] or "",
            device_seq=row["device_seq"] or 0,
            parent_id=row["parent_id"],
        )


@dataclass
class BulkHousehold:
    """A new household for bulk_insert_households: its id, data per form and form states."""

    id: str
    forms: dict[str, dict[str, Any]]
    states: dict[str, str]
    created_at: str
    status: str = "在档"
    status_reason: str = "批量导入"
    revision_ids: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SaveResult:
    revision: Revision
    problems: list[Problem]
    created: bool


def _connect(path: Path) -> Database:
    conn = sqlite3.connect(str(path), timeout=5.0, isolation_level=None)
    db = Database(conn)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA busy_timeout = 5000")
    return db


def _explain_sqlite_error(path: Path, exc: sqlite3.Error) -> StoreError:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return StoreError(f"数据库 {path} 正被另一个程序使用，请关闭其他户户清窗口后重试。({exc})")
    if "not a database" in text or "malformed" in text or "encrypted" in text:
        return StoreError(
            f"数据库文件 {path} 已损坏或不是户户清数据库，程序未作任何修改。"
            f"请从备份恢复或联系上级工会。({exc})"
        )
    if "unable to open" in text or "readonly" in text:
        return StoreError(f"无法打开数据库 {path}：没有权限或目录不存在。({exc})")
    return StoreError(f"无法打开数据库 {path}：{exc}")


def open_store(
    path: Path | str,
    *,
    survey: Survey | None = None,
    regions: RegionTable | None = None,
    create: bool = True,
) -> Store:
    """Open (and create or upgrade) the store; refuse newer, foreign or damaged files untouched."""
    path = Path(path)
    if path.is_dir():
        raise StoreError(f"{path} 是一个目录，请指定数据库文件")
    if not path.exists() and not create:
        raise StoreError(f"数据库 {path} 不存在")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        db = _connect(path)
        tables = set(db.table_names())
        if tables and "_sqlite_migrations" not in tables:
            raise StoreError(f"{path} 不是户户清数据库（包含其他程序的数据），程序未作任何修改。")
        applied = (
            {
                row["name"]
                for row in db.query(
                    "select name from _sqlite_migrations where migration_set = ?", [MIGRATION_SET]
                )
            }
            if tables
            else set()
        )
        unknown = applied - set(known_migration_names())
        if unknown:
            raise NewerDatabaseError(
                f"数据库 {path} 由更新版本的户户清写入（结构 {', '.join(sorted(unknown))}），"
                "本版本无法安全打开，也未作任何修改。请先升级户户清软件。"
            )
        if tables and not applied:
            raise StoreError(f"{path} 不是户户清数据库，程序未作任何修改。")
        if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.execute("PRAGMA journal_mode = WAL")
        migrations.apply(db)
        store = Store(db, path, survey=survey, regions=regions)
        store._initialise()
        return store
    except sqlite3.Error as exc:
        raise _explain_sqlite_error(path, exc) from exc


class Store:
    """Households, their revisions, the audit log, attachments and 低保 standards."""

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

    # -- set-up ---------------------------------------------------------------------------

    def _initialise(self) -> None:
        with self.db.atomic():
            if self.meta("device_id") is None:
                self.set_meta("device_id", str(uuid.uuid4()))
                self.set_meta("created_at", now_iso())
                self.set_meta("app_id", APP_ID)
                self.set_meta("device_seq", "0")
            if not self.db.table("dibao_standards").count:
                for county, since, fen, note in SEED_DIBAO:
                    self.add_dibao_standard(
                        county, since, fen, source=f"domain.md：{note}", author="系统初始值"
                    )

    def meta(self, key: str) -> str | None:
        row = self.db.execute("select value from meta where key = ?", [key]).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.db.table("meta").upsert({"key": key, "value": value}, pk="key")

    @property
    def device_id(self) -> str:
        return self.meta("device_id") or ""

    def _next_device_seq(self) -> int:
        seq = int(self.meta("device_seq") or "0") + 1
        self.set_meta("device_seq", str(seq))
        return seq

    def engine(self, today: date | None = None) -> FormEngine:
        if today is not None:
            return FormEngine(
                self.survey, regions=self.regions, dibao=self.dibao_standard, today=today
            )
        if self._engine is None:
            self._engine = FormEngine(self.survey, regions=self.regions, dibao=self.dibao_standard)
        return self._engine

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

    SORTABLE = (
        "archive_no",
        "name",
        "id_number",
        "region_code",
        "category",
        "status",
        "clears",
        "updated_at",
    )

    def search(
        self,
        query: str = "",
        *,
        status: str | None = None,
        region_prefix: str | None = None,
        category: str | None = None,
        clears_complete: bool | None = None,
        changed_since: str | None = None,
        order_by: str = "archive_no",
        descending: bool = False,
        limit: int | None = 200,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Households whose name, ID number, 档案编号, region or phone contains ``query``.

        Terms of three or more characters go through the FTS5 trigram index; shorter ones (a
        two-character name) scan the short ``search_text`` column. Sorting with ``+column``
        keeps SQLite from walking the sort index row by row for selective queries.
        """
        clauses, args = self._search_clauses(
            query, status, region_prefix, category, clears_complete, changed_since
        )
        sql = "select * from households"
        if clauses:
            sql += " where " + " and ".join(clauses)
        column = order_by if order_by in self.SORTABLE else "archive_no"
        if column == "clears":
            column = "json_array_length(clears)"
        direction = "desc" if descending else "asc"
        sql += f" order by +{column} {direction}, name, id"
        if limit is not None:
            sql += f" limit {int(limit)} offset {int(offset)}"
        return [dict(row) for row in self.db.query(sql, args)]

    def count_matching(self, query: str = "", **filters: Any) -> int:
        clauses, args = self._search_clauses(
            query,
            filters.get("status"),
            filters.get("region_prefix"),
            filters.get("category"),
            filters.get("clears_complete"),
            filters.get("changed_since"),
        )
        sql = "select count(*) from households"
        if clauses:
            sql += " where " + " and ".join(clauses)
        return int(self.db.execute(sql, args).fetchone()[0])

    def _search_clauses(
        self,
        query: str,
        status: str | None,
        region_prefix: str | None,
        category: str | None,
        clears_complete: bool | None,
        changed_since: str | None,
    ) -> tuple[list[str], list[Any]]:
        clauses: list[str] = []
        args: list[Any] = []
        for term in query.strip().upper().split():
            if len(term) >= TRIGRAM:
                clauses.append(
                    "rowid in (select rowid from households_fts where households_fts match ?)"
                )
                args.append('"' + term.replace('"', '""') + '"')
            clauses.append("instr(search_text, ?) > 0")
            args.append(term)
        if status:
            clauses.append("status = ?")
            args.append(status)
        if region_prefix:
            clauses.append("region_code like ?")
            args.append(region_prefix.rstrip("0") + "%")
        if category:
            clauses.append("category = ?")
            args.append(category)
        if clears_complete is not None:
            clauses.append("json_array_length(clears) " + ("= 6" if clears_complete else "< 6"))
        if changed_since:
            clauses.append("updated_at > ?")
            args.append(changed_since)
        return clauses, args

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

    def index_row(
        self, data: Mapping[str, Mapping[str, Any]], states: Mapping[str, str]
    ) -> dict[str, Any]:
        """The households-table columns derived from a household's data (list, search, 六清)."""
        index: dict[str, Any] = {}
        for key, (form_id, field_name) in self.survey.household_index.items():
            value = (data.get(form_id) or {}).get(field_name)
            index[key] = value if isinstance(value, str) else None
        final_forms = sorted(f for f, s in states.items() if s == "final")
        region = index.get("region")
        region_name = self.regions.full_name(region) if region else ""
        search_text = " ".join(
            str(v)
            for v in (
                index.get("name"),
                index.get("id_number"),
                index.get("archive_no"),
                index.get("worker_no"),
                index.get("phone"),
                region,
                region_name,
            )
            if v
        ).upper()
        return {
            "archive_no": index.get("archive_no"),
            "name": index.get("name"),
            "id_number": index.get("id_number"),
            "region_code": region,
            "category": index.get("category"),
            "phone": index.get("phone"),
            "worker_no": index.get("worker_no"),
            "final_forms": json.dumps(final_forms),
            "clears": json.dumps(self.complete_clears(final_forms), ensure_ascii=False),
            "search_text": search_text,
        }

    def bulk_insert_households(
        self, households: Iterable[BulkHousehold], *, author: str, batch_size: int = 2000
    ) -> int:
        """Insert many new households with one revision per form, fast (demo data, imports).

        The caller vouches that the data is already normalised (as FormEngine produces it);
        each household still gets its audit entry and revisions, exactly as a save would.
        """
        count = 0
        device = self.device_id
        seq = int(self.meta("device_seq") or "0")
        batch_h: list[dict[str, Any]] = []
        batch_r: list[dict[str, Any]] = []
        batch_a: list[dict[str, Any]] = []
        batch_s: list[dict[str, Any]] = []

        def flush() -> None:
            self.db.table("households").insert_all(batch_h, batch_size=500)
            self.db.table("revisions").insert_all(batch_r, batch_size=500)
            self.db.table("audit").insert_all(batch_a, batch_size=500)
            self.db.table("status_changes").insert_all(batch_s, batch_size=500)
            batch_s.clear()
            batch_h.clear()
            batch_r.clear()
            batch_a.clear()

        with self.db.atomic():
            for item in households:
                states = {form_id: item.states.get(form_id, "draft") for form_id in item.forms}
                batch_h.append(
                    {
                        "id": item.id,
                        "status": item.status,
                        "created_at": item.created_at,
                        "created_by": author,
                        "updated_at": item.created_at,
                        **self.index_row(item.forms, states),
                    }
                )
                for form_id, values in item.forms.items():
                    seq += 1
                    batch_r.append(
                        {
                            "id": item.revision_ids.get(form_id) or str(uuid.uuid4()),
                            "household_id": item.id,
                            "form_id": form_id,
                            "form_version": self.survey.version,
                            "state": states[form_id],
                            "data": json.dumps(values, ensure_ascii=False, sort_keys=True),
                            "created_at": item.created_at,
                            "author": author,
                            "device_id": device,
                            "device_seq": seq,
                            "parent_id": None,
                        }
                    )
                batch_a.append(
                    {
                        "id": str(uuid.uuid4()),
                        "at": now_iso(),
                        "actor": author,
                        "device_id": device,
                        "action": "bulk_insert_household",
                        "household_id": item.id,
                        "form_id": None,
                        "revision_id": None,
                        "detail": json.dumps({"forms": sorted(item.forms)}),
                    }
                )
                if item.status != "在档":
                    batch_s.append(
                        {
                            "id": str(uuid.uuid4()),
                            "household_id": item.id,
                            "status": item.status,
                            "reason": item.status_reason,
                            "changed_at": item.created_at,
                            "author": author,
                        }
                    )
                count += 1
                if len(batch_h) >= batch_size:
                    flush()
            flush()
            self.set_meta("device_seq", str(seq))
        return count

    def complete_clears(self, final_forms: list[str]) -> list[str]:
        """Which of the 六清 are evidenced by finalised forms (a clear needs all its forms)."""
        by_clear: dict[str, list[str]] = {}
        for form_id, form in self.survey.forms.items():
            for clear in form.clears:
                by_clear.setdefault(clear, []).append(form_id)
        return [c for c, ids in by_clear.items() if all(i in final_forms for i in ids)]

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

    # -- attachments ------------------------------------------------------------------------

    def add_attachment(
        self, source: Path | str, *, author: str, kind: str | None = None, name: str | None = None
    ) -> dict[str, Any]:
        """Store a file by content (SHA-256); returns the reference kept in an attachment field."""
        source = Path(source)
        if not source.is_file():
            raise StoreError(f"附件文件不存在：{source}")
        size = source.stat().st_size
        if size > MAX_ATTACHMENT_BYTES:
            raise StoreError(f"附件过大（{size // 1024 // 1024} MB），单个附件最多 50 MB")
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

    # -- 低保 standards ---------------------------------------------------------------------

    def add_dibao_standard(
        self, county_code: str, effective_from: str, amount_fen: int, *, source: str, author: str
    ) -> None:
        """Record a local 低保 standard (元/人·月 as 分); a later entry for the same day wins."""
        if not self.regions.get(county_code):
            raise StoreError(f"行政区划代码 {county_code} 不存在")
        try:
            date.fromisoformat(effective_from)
        except ValueError:
            raise StoreError(f"生效日期“{effective_from}”应为 YYYY-MM-DD") from None
        if not isinstance(amount_fen, int) or not 0 < amount_fen < 10_000_000:
            raise StoreError("低保标准应为正数金额（元/人·月）")
        with self.db.atomic():
            self.db.table("dibao_standards").insert(
                {
                    "id": str(uuid.uuid4()),
                    "county_code": county_code,
                    "effective_from": effective_from,
                    "amount_fen": amount_fen,
                    "source": source,
                    "entered_at": now_iso(),
                    "entered_by": author,
                }
            )
            self.audit(
                author,
                "add_dibao_standard",
                detail={"county": county_code, "from": effective_from, "fen": amount_fen},
            )

    def dibao_standard(self, county_code: str, day: date) -> int | None:
        """Standard in force in the county on ``day`` (falls back to the city, then province)."""
        candidates = [county_code, county_code[:4] + "00", county_code[:2] + "0000"]
        for code in dict.fromkeys(candidates):
            row = self.db.execute(
                "select amount_fen from dibao_standards where county_code = ? and "
                "effective_from <= ? order by effective_from desc, rowid desc limit 1",
                [code, day.isoformat()],
            ).fetchone()
            if row is not None:
                return int(row[0])
        return None

    def dibao_standards(self) -> list[dict[str, Any]]:
        return list(
            self.db.table("dibao_standards").rows_where(order_by="county_code, effective_from")
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


def default_db_path() -> Path:
    """--db, else $FIELDAPP_DB, else a file in the user's data directory."""
    env = os.environ.get("FIELDAPP_DB")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("fieldapp", appauthor=False)) / "huhuqing.db"

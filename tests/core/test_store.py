"""The local store: migrations, refusal of foreign/newer/damaged files, revisions, audit, 低保."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from fieldapp.core.store import driver
from fieldapp.core.store.database import open_store
from fieldapp.core.store.errors import NewerDatabaseError, NotFound, StoreError, ValidationFailed
from fieldapp.core.store.migrations import known_migration_names
from fieldapp.core.store.store import Store
from tests.conftest import TODAY
from tests.core.households import SPOUSE_ID, WORKER_ID, complete_household
from tests.stores import open_test_store


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _saved_household(store: Store) -> str:
    hid = store.create_household("测试员")
    for form_id, data in complete_household().items():
        store.save_form(hid, form_id, data, author="测试员", final=True, today=TODAY)
    return hid


def test_migration_from_empty_file_creates_schema(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    store = open_test_store(path)
    tables = set(store.db.table_names())
    assert {"households", "revisions", "audit", "attachments", "dibao_standards"} <= tables
    applied = [r["name"] for r in store.db.query("select name from _sqlite_migrations")]
    assert applied == known_migration_names() and applied[0] == "m001_initial"
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    device = store.device_id
    assert len(device) == 36
    store.close()
    again = open_test_store(path)
    assert again.device_id == device  # reopening neither re-runs migrations nor re-seeds
    assert len(again.dibao_standards()) == len(
        open_test_store(tmp_path / "other.db").dibao_standards()
    )


@pytest.mark.parametrize("encrypted", [True, False])
def test_database_from_newer_version_is_refused_untouched(tmp_path: Path, encrypted: bool) -> None:
    """Encrypted, it is refused on opening; plaintext (before encryption), before converting."""
    path = tmp_path / "newer.db"
    store = open_test_store(path) if encrypted else open_store(path, key=None)
    store.db.execute(
        "insert into _sqlite_migrations (migration_set, name, applied_at) "
        "values ('fieldapp', 'm999_from_the_future', '2030-01-01')"
    )
    store.close()
    before = _digest(path)
    with pytest.raises(NewerDatabaseError, match="更新版本"):
        open_test_store(path)
    assert _digest(path) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"this is not sqlite at all" * 100, "已损坏或不是户户清数据库")],
)
def test_damaged_file_is_refused_untouched(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(content)
    with pytest.raises(StoreError, match=message):
        open_test_store(path)
    assert path.read_bytes() == content


def test_foreign_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other-app.db"
    conn = sqlite3.connect(path)
    conn.execute("create table notes (id integer primary key, text text)")
    conn.commit()
    conn.close()
    before = _digest(path)
    with pytest.raises(StoreError, match="不是户户清数据库"):
        open_test_store(path)
    assert _digest(path) == before


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="是一个目录"):
        open_test_store(tmp_path)


def test_every_save_keeps_a_revision_and_history_lists_them(store: Store) -> None:
    hid = store.create_household("甲")
    data = complete_household()["A"]
    first = store.save_form(hid, "A", data, author="甲", today=TODAY)
    data["phone"] = "13900000001"
    second = store.save_form(hid, "A", data, author="乙", final=True, today=TODAY)
    history = store.history(hid)
    assert [r.id for r in history] == [first.revision.id, second.revision.id]
    assert [r.state for r in history] == ["draft", "final"]
    assert history[1].parent_id == history[0].id
    assert history[0].data["phone"] == "13800138000"  # the old revision is intact
    assert store.current(hid)["A"]["phone"] == "13900000001"
    assert [r.device_seq for r in history] == [1, 2]
    again = store.save_form(hid, "A", data, author="乙", final=True, today=TODAY)
    assert not again.created and len(store.history(hid)) == 2  # unchanged data adds nothing


def test_final_save_with_errors_is_refused_and_changes_nothing(store: Store) -> None:
    hid = store.create_household("甲")
    data = complete_household()["A"]
    store.save_form(hid, "A", data, author="甲", final=True, today=TODAY)
    bad = dict(data, id_number="532301199002290072", phone="12345")
    with pytest.raises(ValidationFailed) as caught:
        store.save_form(hid, "A", bad, author="甲", final=True, today=TODAY)
    codes = {p.code for p in caught.value.problems}
    assert {"id_birth_date", "phone"} <= codes
    assert len(store.history(hid)) == 1
    assert store.current(hid)["A"]["id_number"] == WORKER_ID


def test_draft_keeps_invalid_values_as_typed(store: Store) -> None:
    hid = store.create_household("甲")
    data = dict(complete_household()["A"], phone="1380013", floor_area="五十")
    result = store.save_form(hid, "A", data, author="甲", today=TODAY)
    assert result.revision.state == "draft"
    saved = store.current(hid)["A"]
    assert saved["phone"] == "1380013" and saved["floor_area"] == "五十"
    assert {p.path for p in result.problems if p.blocking} >= {"phone", "floor_area"}


def test_unknown_fields_and_households_are_refused(store: Store) -> None:
    hid = store.create_household("甲")
    with pytest.raises(StoreError, match="没有这些字段：nmae"):
        store.save_form(hid, "A", {"nmae": "张三"}, author="甲")
    with pytest.raises(StoreError, match=r"members\[1\]\.agee"):
        store.save_form(hid, "A", {"members": [{"agee": 3}]}, author="甲")
    with pytest.raises(NotFound):
        store.save_form("00000000-0000-4000-8000-000000000000", "A", {}, author="甲")
    with pytest.raises(KeyError, match="没有表单"):
        store.save_form(hid, "Z", {}, author="甲")
    assert store.history(hid) == []


def test_revisions_and_audit_are_append_only(store: Store) -> None:
    hid = _saved_household(store)
    with pytest.raises(driver.IntegrityError, match="append-only"):
        store.db.execute("update revisions set data = '{}' where household_id = ?", [hid])
    with pytest.raises(driver.IntegrityError, match="append-only"):
        store.db.execute("delete from audit")
    with pytest.raises(driver.IntegrityError, match="append-only"):
        store.db.execute("delete from dibao_standards")
    actions = [e["action"] for e in store.audit_log(hid)]
    assert actions[0] == "create_household"
    assert actions.count("finalise_form") == 5


def test_household_index_search_and_six_clears(store: Store) -> None:
    hid = _saved_household(store)
    row = store.household(hid)
    assert row["name"] == "张建国" and row["region_code"] == "530102"
    assert store.household("YN-530102-2020-000001")["id"] == hid
    assert store.household(WORKER_ID)["id"] == hid
    for query in ("张建国", "建国", WORKER_ID[:10], "000001", "五华区", "昆明"):
        assert [r["id"] for r in store.search(query)] == [hid], query
    assert store.search("不存在的人") == []
    assert store.search(SPOUSE_ID) == []  # members are not the household's key
    clears = set(__import__("json").loads(store.household(hid)["clears"]))
    assert "家庭基本情况清" in clears and "结对帮扶记录清" in clears
    with pytest.raises(NotFound, match="找不到户"):
        store.household("nobody")


def test_status_changes_are_recorded_and_validated(store: Store) -> None:
    hid = _saved_household(store)
    with pytest.raises(StoreError, match="档案状态只能是"):
        store.set_status(hid, "已毕业", reason="x", author="甲")
    with pytest.raises(StoreError, match="须填写原因"):
        store.set_status(hid, "已脱困", reason=" ", author="甲")
    store.set_status(hid, "已脱困", reason="连续 6 个月收入超过低保标准", author="甲")
    assert store.household(hid)["status"] == "已脱困"
    assert [s["status"] for s in store.status_history(hid)] == ["已脱困"]
    assert store.search("", status="已脱困")[0]["id"] == hid


def test_attachments_are_stored_by_content(store: Store, tmp_path: Path) -> None:
    photo = tmp_path / "户口本.jpg"
    photo.write_bytes(b"\xff\xd8\xff fake jpeg bytes")
    ref = store.add_attachment(photo, author="甲", kind="户口本")
    assert ref["sha256"] == hashlib.sha256(photo.read_bytes()).hexdigest()
    assert ref["mime"] == "image/jpeg" and ref["kind"] == "户口本"
    assert store.attachment_bytes(ref["sha256"]) == photo.read_bytes()
    store.add_attachment(photo, author="甲")
    assert store.db.table("attachments").count == 1
    hid = store.create_household("甲")
    data = dict(complete_household()["A"], attachments=[ref])
    store.save_form(hid, "A", data, author="甲", final=True, today=TODAY)
    assert store.current(hid)["A"]["attachments"][0]["sha256"] == ref["sha256"]
    with pytest.raises(StoreError, match="附件文件不存在"):
        store.add_attachment(tmp_path / "missing.png", author="甲")


def test_dibao_standards_by_county_and_date(store: Store) -> None:
    assert store.dibao_standard("530102", date(2020, 1, 1)) == 59000
    assert store.dibao_standard("530113", date(2020, 1, 1)) == 57000
    assert store.dibao_standard("530302", date(2020, 1, 1)) == 55700
    assert store.dibao_standard("530102", date(2018, 6, 30)) is None
    assert store.dibao_standard("530402", date(2020, 1, 1)) is None
    store.add_dibao_standard("530102", "2026-01-01", 62000, source="测试文件", author="甲")
    assert store.dibao_standard("530102", date(2025, 12, 31)) == 59000
    assert store.dibao_standard("530102", date(2026, 1, 1)) == 62000
    store.add_dibao_standard("530400", "2019-01-01", 55000, source="玉溪市", author="甲")
    assert store.dibao_standard("530402", date(2020, 1, 1)) == 55000  # falls back to the city
    for bad in (
        ("999999", "2020-01-01", 100),
        ("530102", "2020-13-01", 100),
        ("530102", "2020-01-01", -5),
    ):
        with pytest.raises(StoreError):
            store.add_dibao_standard(*bad, source="x", author="甲")


def test_form_b_uses_the_stored_dibao_standard(store: Store) -> None:
    hid = _saved_household(store)
    b = store.current(hid)["B"]
    assert b["dibao_standard"] == 59000
    assert b["monthly_per_capita"] == 50000  # (27000 − 9000) ÷ 3 ÷ 12 = 500.00 元
    assert b["hardship_band"] == "低于低保标准"

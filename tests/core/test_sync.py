"""Sync bundles end to end: two laptops and one headquarters, each in its own temporary directory.

The helpers at the top (``World``, ``digest``) are shared with the other test_sync* files.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fieldapp.cli.main import main
from fieldapp.core.store import driver
from fieldapp.core.store.store import Store
from fieldapp.core.sync.bundle import assign_bundle, export_bundle, inspect_bundle
from fieldapp.core.sync.container import BundleError
from fieldapp.core.sync.importer import import_bundle
from fieldapp.core.sync.merge import AFTER, list_conflicts, resolve_conflict
from fieldapp.core.trust import identity
from tests.conftest import TODAY
from tests.core.households import SPOUSE_ID, complete_household
from tests.stores import copy_database, open_test_store

HQ_PASS = b"hq-passphrase-1"
LI_PASS = b"li-passphrase-1"
WANG_PASS = b"wang-passphrase-1"


@dataclass
class World:
    root: Path
    hq: Store
    li: Store
    wang: Store
    li_info: identity.StaffInfo
    wang_info: identity.StaffInfo
    n: int = 0

    def out(self, name: str = "") -> Path:
        self.n += 1
        (self.root / "usb").mkdir(exist_ok=True)
        return self.root / "usb" / f"{self.n:02d}{name}.hhq"

    def export(self, store: Store, full: bool = False) -> Path:
        password = LI_PASS if store is self.li else WANG_PASS
        return export_bundle(store, self.out(), password, author="干部", full=full).path

    def to_hq(self, path: Path) -> dict[str, Any]:
        return import_bundle(self.hq, path, HQ_PASS, author="办公室").to_dict()

    def assign(self, to: identity.StaffInfo, households: list[str]) -> Path:
        out = self.out("assign")
        assign_bundle(self.hq, out, HQ_PASS, to=to.staff_id, households=households, author="办公室")
        return out

    def to_laptop(self, store: Store, path: Path) -> dict[str, Any]:
        password = LI_PASS if store is self.li else WANG_PASS
        return import_bundle(store, path, password, author="干部").to_dict()


def make_world(root: Path, wang_role: str = "cadre") -> World:
    """HQ and two enrolled laptops: li (a cadre) and wang (a cadre unless ``wang_role``)."""
    for sub in ("hq", "li", "wang"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    hq = open_test_store(root / "hq" / "hq.db", passphrase=HQ_PASS)
    identity.hq_init(hq, HQ_PASS, unit="昆明市总工会", author="办公室")
    stores = []
    for name, password, role in (("li", LI_PASS, "cadre"), ("wang", WANG_PASS, wang_role)):
        data, info = identity.enroll_staff(
            hq, HQ_PASS, password, name=name, unit="五华区总工会", role=role, author="办公室"
        )
        laptop = open_test_store(root / name / "laptop.db", passphrase=password)
        identity.take_enrollment(laptop, data, password, author=name)
        stores.append((laptop, info))
    (li, li_info), (wang, wang_info) = stores
    return World(root, hq, li, wang, li_info, wang_info)


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path)


def digest(store: Store) -> str:
    """SHA-256 over the content of every table, row ids included where a table has them."""
    h = hashlib.sha256()
    tables = [
        r[0]
        for r in store.db.execute(
            "select name from sqlite_master where type = 'table' order by name"
        )
    ]
    for table in tables:
        h.update(table.encode())
        try:
            rows = list(store.db.execute(f"select rowid, * from [{table}] order by rowid"))
        except driver.OperationalError:  # WITHOUT ROWID tables
            rows = sorted(store.db.execute(f"select * from [{table}]"), key=repr)
        for row in rows:
            h.update(repr(row).encode())
    return h.hexdigest()


def new_household(store: Store, forms: tuple[str, ...] = ("A", "B"), **changes: Any) -> str:
    data = complete_household()
    hid = store.create_household("干部")
    for form_id in forms:
        values = {**data[form_id], **changes.get(form_id, {})}
        store.save_form(hid, form_id, values, author="干部", final=True, today=TODAY)
    return hid


def edit(store: Store, hid: str, form_id: str, **values: Any) -> None:
    data = {**store.current(hid)[form_id], **values}
    store.save_form(hid, form_id, data, author="编辑者", final=True, today=TODAY)


# -- laptop → HQ ----------------------------------------------------------------------------------


def test_export_import_counts_match_and_data_arrives(world: World) -> None:
    li = world.li
    a = new_household(li)
    b = new_household(
        li,
        forms=("A",),
        A={
            "name": "王秀英",
            "id_number": SPOUSE_ID,
            "gender": "女",
            "birth_date": "1975-12-31",
            "archive_no": "YN-2",
        },
    )
    li.set_status(b, "已解困", reason="重病，纳入常态化帮扶", author="干部")
    photo = li.add_attachment_bytes(b"\x89PNG fake photo", name="收入证明.png", author="干部")
    before = digest(li)
    result = export_bundle(li, world.out(), LI_PASS, author="干部")
    assert result.counts["households"] == 2 and result.counts["revisions"] == 3
    assert result.counts["status_changes"] == 1 and result.counts["attachments"] == 1
    # exporting changed no household data (only the export log and its audit entry were added)
    after = {
        t: list(li.db.query(f"select * from {t}"))
        for t in ("households", "revisions", "status_changes")
    }
    assert before != digest(li)
    assert after["revisions"] == list(li.db.query("select * from revisions"))
    report = world.to_hq(result.path)
    assert (report["new"], report["updated"], report["unchanged"], report["conflicts"]) == (
        2,
        0,
        0,
        0,
    )
    assert report["revisions"]["current"] == result.counts["revisions"]
    assert report["added"]["status_changes"] == 1 and report["added"]["attachments"] == 1
    assert report["added"]["audit"] == result.counts["audit"]
    hq = world.hq
    for hid in (a, b):
        assert hq.current(hid) == li.current(hid)
        assert [r.id for r in hq.history(hid)] == [r.id for r in li.history(hid)]
    assert hq.household(b)["status"] == "已解困"
    assert [h["id"] for h in hq.search("张建国")] == [a]  # the household index was rebuilt
    assert hq.household("YN-2")["id"] == b
    assert json.loads(hq.household(a)["final_forms"]) == ["A", "B"]
    assert hq.attachment_bytes(photo["sha256"]) == b"\x89PNG fake photo"
    assert any(e["action"] == "import_bundle" for e in hq.audit_log())


def test_reimport_is_a_no_op(world: World) -> None:
    new_household(world.li)
    path = world.export(world.li)
    world.to_hq(path)
    before = digest(world.hq)
    again = world.to_hq(path)
    assert again["already_imported"] and not again["changed"]
    assert (again["new"], again["updated"], again["unchanged"]) == (0, 0, 1)
    assert digest(world.hq) == before


def test_incremental_export_then_full(world: World) -> None:
    li = world.li
    a = new_household(li)
    first = export_bundle(li, world.out(), LI_PASS, author="干部")
    edit(li, a, "A", phone="13900000001")
    second = export_bundle(li, world.out(), LI_PASS, author="干部")
    assert second.counts["revisions"] == 1 and second.counts["households"] == 1
    assert second.manifest["covers"]["previous_bundle"] == first.bundle_id
    third = export_bundle(li, world.out(), LI_PASS, author="干部")
    assert third.counts["revisions"] == 0
    full = export_bundle(li, world.out(), LI_PASS, author="干部", full=True)
    assert full.counts["revisions"] == 3
    world.to_hq(second.path)  # out of order: the newer edit first
    assert world.hq.current(a)["A"]["phone"] == "13900000001"
    report = world.to_hq(first.path)
    # form A's first version is a late ancestor (kept as history); form B's is new here
    assert report["revisions"]["stale"] == 1 and report["revisions"]["current"] == 1
    assert world.hq.current(a) == li.current(a)
    report = world.to_hq(full.path)  # overlapping: only the laptop's export audit entries are new
    assert report["revisions"] == {"current": 0, "stale": 0, "conflict": 0, "known": 3}
    assert report["unchanged"] == 1 and report["added"]["status_changes"] == 0
    assert world.hq.current(a) == li.current(a)
    before = digest(world.hq)
    for path in (first.path, second.path, full.path):
        assert not world.to_hq(path)["changed"]
    assert digest(world.hq) == before


def test_bundle_order_does_not_matter(world: World, tmp_path: Path) -> None:
    li = world.li
    a, b = new_household(li), new_household(li, forms=("A",))
    paths = [world.export(li)]
    edit(li, a, "A", phone="13900000001")
    paths.append(world.export(li))
    edit(li, a, "B", surveyor="王干事")
    edit(li, b, "A", address="新地址 1 号")
    li.set_status(a, "已脱困", reason="收入连续 6 个月超过低保", author="干部")
    paths.append(world.export(li))
    paths.append(world.export(li, full=True))
    world.hq.close()
    copies = []
    for i in range(2):
        copy_database(tmp_path / "hq" / "hq.db", tmp_path / f"hq{i}.db")
        copies.append(open_test_store(tmp_path / f"hq{i}.db", passphrase=HQ_PASS))
    for path in paths[:3]:
        import_bundle(copies[0], path, HQ_PASS, author="x")
    for path in (paths[2], paths[0], paths[3], paths[1]):
        import_bundle(copies[1], path, HQ_PASS, author="x")
    for store in copies:
        for hid in (a, b):
            assert store.current(hid) == li.current(hid)
        assert store.household(a)["status"] == "已脱困"
        assert not list_conflicts(store)
    known = [
        sorted(
            r[0]
            for r in s.db.execute("select id from revisions union select id from held_revisions")
        )
        for s in copies
    ]
    assert known[0] == known[1] == sorted(r[0] for r in li.db.execute("select id from revisions"))


# -- conflicts -----------------------------------------------------------------------------------


def test_concurrent_edits_become_a_conflict_that_can_be_resolved(world: World) -> None:
    li, wang, hq = world.li, world.wang, world.hq
    hid = new_household(li)
    world.to_hq(world.export(li))
    world.to_laptop(wang, world.assign(world.wang_info, [hid]))
    assert wang.current(hid) == li.current(hid)
    edit(li, hid, "A", phone="13911111111")
    edit(wang, hid, "A", address="昆明市五华区新地址 8 号")
    li_bundle, wang_bundle = world.export(li), world.export(wang)
    assert world.to_hq(li_bundle)["updated"] == 1
    before = hq.current(hid)
    report = world.to_hq(wang_bundle)
    assert report["conflicts"] == 1 and report["updated"] == 0
    assert hq.current(hid) == before  # nothing silently overwritten
    [conflict] = list_conflicts(hq)
    assert conflict["current"]["data"]["phone"] == "13911111111"
    assert conflict["incoming"]["data"]["address"] == "昆明市五华区新地址 8 号"
    assert set(conflict["differences"]) == {"phone", "address"}
    snapshot = digest(hq)
    world.to_hq(wang_bundle)
    world.to_hq(li_bundle)
    assert digest(hq) == snapshot and len(list_conflicts(hq)) == 1

    merged = {**conflict["current"]["data"], "address": conflict["incoming"]["data"]["address"]}
    revision = resolve_conflict(hq, conflict["id"][:8], author="主任", merged=merged)
    a = hq.current(hid)["A"]
    assert (a["phone"], a["address"]) == ("13911111111", "昆明市五华区新地址 8 号")
    assert revision.state == "final" and not list_conflicts(hq)
    closed = list_conflicts(hq, include_closed=True)[0]
    assert closed["status"] == "resolved" and closed["resolution_id"] == revision.id
    # both laptops receive the resolution; it descends from both their versions
    for laptop, info in ((li, world.li_info), (wang, world.wang_info)):
        report = world.to_laptop(laptop, world.assign(info, [hid]))
        assert report["conflicts"] == 0 and laptop.current(hid)["A"] == a
    edit(li, hid, "A", phone="13922222222")
    report = world.to_hq(world.export(li))
    assert report["updated"] == 1 and report["conflicts"] == 0
    assert hq.current(hid)["A"]["phone"] == "13922222222"


def test_office_edit_and_laptop_edit_conflict_pick_incoming(world: World) -> None:
    li, hq = world.li, world.hq
    hid = new_household(li)
    world.to_hq(world.export(li))
    edit(hq, hid, "B", surveyor="办公室复核")
    edit(li, hid, "B", surveyor="李干事复访")
    report = world.to_hq(world.export(li))
    assert report["conflicts"] == 1
    assert hq.current(hid)["B"]["surveyor"] == "办公室复核"
    [conflict] = list_conflicts(hq)
    with pytest.raises(Exception, match="不是这个冲突中的版本"):
        resolve_conflict(hq, conflict["id"], author="主任", pick="not-a-revision")
    resolve_conflict(hq, conflict["id"], author="主任", pick="incoming")
    assert hq.current(hid)["B"]["surveyor"] == "李干事复访"
    history = hq.history(hid, "B")
    line = [r.data["surveyor"] for r in history if not r.held]
    assert line[-2:] == ["办公室复核", "李干事复访"]
    assert [(r.data["surveyor"], r.held) for r in history if r.held] == [("李干事复访", "conflict")]
    with pytest.raises(Exception, match="已处理"):
        resolve_conflict(hq, conflict["id"], author="主任", pick="current")


def test_assign_never_loses_unsent_laptop_edits(world: World) -> None:
    li, hq = world.li, world.hq
    hid = new_household(li)
    world.to_hq(world.export(li))
    edit(hq, hid, "A", phone="13933333333")
    edit(li, hid, "A", phone="13944444444")  # not yet sent
    report = world.to_laptop(li, world.assign(world.li_info, [hid]))
    assert report["conflicts"] == 1
    assert li.current(hid)["A"]["phone"] == "13944444444"
    [conflict] = list_conflicts(li)
    assert conflict["incoming"]["data"]["phone"] == "13933333333"
    # the laptop's edit still reaches HQ, where it is a conflict too
    assert world.to_hq(world.export(li))["conflicts"] == 1


def test_assign_brings_households_and_dibao_standards(world: World) -> None:
    hq, wang = world.hq, world.wang
    hid = new_household(hq, forms=("A", "B", "C"))
    hq.set_status(hid, "已解困", reason="常态化帮扶", author="办公室")
    hq.add_dibao_standard(
        "530102", "2026-01-01", 62000, source="昆民发〔2026〕1号", author="办公室"
    )
    hq.add_standard(
        "minimum_wage",
        "530102",
        "2026-01-01",
        190000,
        source="云人社发〔2025〕1号",
        author="办公室",
    )
    path = world.assign(world.wang_info, [complete_household()["A"]["archive_no"]])
    info = inspect_bundle(path)
    assert info["intact"] and info["kind"] == "hq-to-laptop" and info["counts"]["households"] == 1
    assert "张建国" not in path.read_bytes().decode("latin-1")
    report = world.to_laptop(wang, path)
    assert report["new"] == 1 and report["added"]["dibao_standards"] >= 1
    assert wang.current(hid) == hq.current(hid)
    assert wang.household(hid)["status"] == "已解困"
    assert wang.search("张建国")[0]["id"] == hid
    assert wang.dibao_standard("530102", TODAY) == 62000
    # the minimum wage travels too; the seeded rows every store has are not added twice
    assert wang.minimum_wage("530102", TODAY) == 190000
    assert report["added"]["minimum_wage_standards"] == 1
    assert info["counts"]["minimum_wage_standards"] == len(hq.standards("minimum_wage"))
    with pytest.raises(BundleError, match="另一台笔记本"):
        world.to_laptop(world.li, path)
    with pytest.raises(BundleError, match="只能在笔记本上导入"):
        world.to_hq(path)


def test_conflict_clock_of_resolution_descends_from_both(world: World) -> None:
    from fieldapp.core.sync.merge import Clocks, compare

    li, hq = world.li, world.hq
    hid = new_household(li)
    world.to_hq(world.export(li))
    edit(hq, hid, "A", phone="13955555555")
    edit(li, hid, "A", phone="13966666666")
    world.to_hq(world.export(li))
    [conflict] = list_conflicts(hq)
    revision = resolve_conflict(hq, conflict["id"], author="主任", pick="current")
    clocks = Clocks(hq)
    for other in (conflict["current_id"], conflict["incoming_id"]):
        assert compare(clocks.of(revision.id), clocks.of(other)) == AFTER


# -- the command line ----------------------------------------------------------------------------


def run(db: Path, *args: str) -> int:
    return main(["--db", str(db), "--user", "测试员", *args])


def test_cli_round_trip(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hq_db, li_db = world.root / "hq" / "hq.db", world.root / "li" / "laptop.db"
    hid = new_household(world.li)
    usb = world.root / "usb"
    usb.mkdir(exist_ok=True)
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", LI_PASS.decode())
    assert run(li_db, "bundle", "export", "--out", str(usb)) == 0
    assert "已导出" in capsys.readouterr().out
    [path] = usb.glob("*.hhq")
    assert run(li_db, "bundle", "inspect", str(path), "--json") == 0
    assert json.loads(capsys.readouterr().out)["intact"] is True
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", HQ_PASS.decode())
    assert run(hq_db, "bundle", "import", str(path), "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["new"], out["updated"], out["unchanged"], out["conflicts"], out["rejected"]) == (
        1,
        0,
        0,
        0,
        0,
    )
    assert run(hq_db, "bundle", "import", str(path)) == 0
    text = capsys.readouterr().out
    assert "未变 1" in text and "未作任何修改" in text
    bad = usb / "bad.hhq"
    bad.write_bytes(path.read_bytes()[:-10])
    assert run(hq_db, "bundle", "import", str(bad), str(path)) == 1
    captured = capsys.readouterr()
    assert "拒绝" in captured.err and "截断" in captured.err and "拒绝 1" in captured.out
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", "wrong-passphrase")
    assert run(hq_db, "bundle", "import", str(path)) == 1
    assert "口令不正确" in capsys.readouterr().err

    # a conflict, listed and resolved from the command line
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", HQ_PASS.decode())
    edit(world.hq, hid, "A", phone="13977777777")
    edit(world.li, hid, "A", phone="13988888888")
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", LI_PASS.decode())
    second = usb / "second.hhq"
    assert run(li_db, "bundle", "export", "--out", str(second)) == 0
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", HQ_PASS.decode())
    assert run(hq_db, "bundle", "import", str(second)) == 0
    assert "新冲突 1 处" in capsys.readouterr().out
    assert run(hq_db, "conflicts", "list", "--json") == 0
    [conflict] = json.loads(capsys.readouterr().out)
    assert run(hq_db, "conflicts", "show", conflict["id"][:8]) == 0
    assert "13988888888" in capsys.readouterr().out
    assert run(hq_db, "conflicts", "resolve", conflict["id"]) == 1
    assert "二选一" in capsys.readouterr().err
    merged = usb / "merged.json"
    merged.write_text(
        json.dumps({**conflict["incoming"]["data"], "phone": "123"}), encoding="utf-8"
    )
    assert run(hq_db, "conflicts", "resolve", conflict["id"], "--merge", str(merged)) == 1
    assert "不能定稿" in capsys.readouterr().err
    assert (
        run(hq_db, "conflicts", "resolve", conflict["id"], "--pick", conflict["incoming"]["id"][:8])
        == 0
    )
    assert "冲突已处理" in capsys.readouterr().out
    assert run(hq_db, "show", hid, "--json") == 0
    assert json.loads(capsys.readouterr().out)["forms"]["A"]["phone"] == "13988888888"

    # HQ → laptop
    assert (
        run(hq_db, "hq", "assign", "--to", "wang", "--households", hid, "--out", str(usb / "w.hhq"))
        == 0
    )
    assert "1 户" in capsys.readouterr().out
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", WANG_PASS.decode())
    wang_db = world.root / "wang" / "laptop.db"
    assert run(wang_db, "bundle", "import", str(usb / "w.hhq")) == 0
    assert "新增 1" in capsys.readouterr().out


def test_tables_are_append_only(world: World) -> None:
    new_household(world.li)
    world.to_hq(world.export(world.li))
    for table in ("revision_clocks", "bundle_log"):
        with pytest.raises(driver.DatabaseError):
            world.hq.db.execute(f"delete from {table}")


def test_refusals_before_anything_is_written(world: World) -> None:
    with pytest.raises(BundleError, match="不是已登记的笔记本"):
        export_bundle(world.hq, world.out(), HQ_PASS, author="x")
    hid = new_household(world.hq, forms=("A",))
    office = identity.staff_id(world.hq) or ""
    with pytest.raises(BundleError, match="总部自身"):
        assign_bundle(world.hq, world.out(), HQ_PASS, to=office, households=[hid], author="x")
    identity.revoke_device(world.hq, world.wang_info.staff_id, reason="调离", author="x")
    with pytest.raises(BundleError, match="已吊销"):
        assign_bundle(
            world.hq,
            world.out(),
            HQ_PASS,
            to=world.wang_info.staff_id,
            households=[hid],
            author="x",
        )
    with pytest.raises(identity.IdentityError, match="口令不正确"):
        export_bundle(world.li, world.out(), HQ_PASS, author="x")
    assert not list((world.root / "usb").glob("*.hhq*"))

"""Conflicts show the true current version; history lists every revision whatever the arrival order.

The reported sequence: li edits household H and exports A2; HQ (which assigned H to wang before
A2 arrived) gets wang's phone edit B1; li edits H again (address, bank account) and exports A3.
HQ imports A2, B1, A3: the conflict found at B1 named A2's revision as current, but A3's is
current now. It must be shown, and resolved, against A3's — never silently undo A3.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fieldapp.core.sync.importer import import_bundle
from fieldapp.core.sync.merge import ConflictError, list_conflicts, resolve_conflict
from tests.core.test_sync import HQ_PASS, World, digest, edit, make_world, new_household, run
from tests.stores import copy_database, open_test_store

BANK = "6222020200112233445"


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path)


def stale_conflict(world: World) -> tuple[str, dict[str, Any]]:
    li, wang = world.li, world.wang
    hid = new_household(li)
    world.to_hq(world.export(li))
    to_wang = world.assign(world.wang_info, [hid])
    edit(li, hid, "A", phone="13911111111")
    a2 = world.export(li)
    world.to_laptop(wang, to_wang)
    edit(wang, hid, "A", phone="13922222222")
    b1 = world.export(wang)
    edit(li, hid, "A", address="昆明市盘龙区新址 9 号", bank_account=BANK)
    a3 = world.export(li)
    for path in (a2, b1, a3):
        world.to_hq(path)
    [conflict] = list_conflicts(world.hq)
    return hid, conflict


def test_a_conflict_compares_the_true_current_version(world: World) -> None:
    hid, conflict = stale_conflict(world)
    hq = world.hq
    head = hq.current_revision(hid, "A")
    assert head is not None and head.data["bank_account"] == BANK
    assert conflict["current_id"] == head.id and conflict["heads"] == [head.id]
    assert conflict["detected_current_id"] != head.id  # what it was when B1 arrived
    assert conflict["current"]["data"]["address"] == "昆明市盘龙区新址 9 号"
    assert {"phone", "address", "bank_account"} <= set(conflict["differences"])
    assert [b["id"] for b in conflict["branches"]] == [conflict["incoming_id"]]
    # a resolution chosen against an out-of-date view is refused, and writes nothing
    before = digest(hq)
    with pytest.raises(ConflictError, match="当前版本已变化"):
        resolve_conflict(
            hq,
            conflict["id"],
            author="主任",
            pick="incoming",
            expect_head=conflict["detected_current_id"],
        )
    assert digest(hq) == before
    merged = {**conflict["current"]["data"], "phone": conflict["incoming"]["data"]["phone"]}
    revision = resolve_conflict(
        hq, conflict["id"], author="主任", merged=merged, expect_head=head.id[:8]
    )
    a = hq.current(hid)["A"]
    assert (a["phone"], a["bank_account"]) == ("13922222222", BANK)
    assert revision.parent_id == head.id
    detail = hq.audit_log(hid)[-1]["detail"]
    assert detail["supersedes"] == [head.id, conflict["incoming_id"]]


def test_the_command_line_shows_and_guards_the_true_current_version(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hid, conflict = stale_conflict(world)
    db = world.root / "hq" / "hq.db"
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", HQ_PASS.decode())  # the office's database
    assert run(db, "conflicts", "show", conflict["id"][:8]) == 0
    out = capsys.readouterr().out
    assert "昆明市盘龙区新址 9 号" in out and BANK in out
    assert f"--expect-head {conflict['current_id'][:8]}" in out
    stale = conflict["detected_current_id"]
    assert (
        run(
            db, "conflicts", "resolve", conflict["id"], "--pick", "incoming", "--expect-head", stale
        )
        == 1
    )
    assert "当前版本已变化" in capsys.readouterr().err
    assert world.hq.current(hid)["A"]["bank_account"] == BANK


def test_history_is_the_same_whatever_order_bundles_arrive_in(world: World, tmp_path: Path) -> None:
    li, wang = world.li, world.wang
    hid = new_household(li, forms=("A",))
    paths = [world.export(li)]
    world.to_hq(paths[0])
    to_wang = world.assign(world.wang_info, [hid])
    for phone in ("13900000001", "13900000002"):
        edit(li, hid, "A", phone=phone)
        paths.append(world.export(li))
    world.to_laptop(wang, to_wang)
    edit(wang, hid, "A", address="王干事改的地址")
    paths.append(world.export(wang))
    world.hq.close()
    copies = []
    for i, order in enumerate(([1, 2, 3], [3, 2, 1])):
        copy_database(tmp_path / "hq" / "hq.db", tmp_path / f"hq{i}.db")
        copy = open_test_store(tmp_path / f"hq{i}.db", passphrase=HQ_PASS)
        for k in order:
            import_bundle(copy, paths[k], HQ_PASS, author="办公室")
        copies.append(copy)
    histories = [[(r.id, r.held is None) for r in c.history(hid, "A")] for c in copies]
    assert [r[0] for r in histories[0]] == [r[0] for r in histories[1]]
    mine = [r.id for r in li.history(hid, "A")]
    assert [r[0] for r in histories[0] if r[0] in mine] == mine  # li's line, in li's order
    assert len(histories[0]) == len(mine) + 1  # and wang's concurrent edit
    assert any(not applied for _, applied in histories[1])  # some arrived late: held, still listed


def test_history_on_the_command_line_says_where_each_revision_came_from(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    li = world.li
    hid = new_household(li, forms=("A",))
    first = world.export(li)
    edit(li, hid, "A", phone="13900000001")
    second = world.export(li)
    world.to_hq(second)
    world.to_hq(first)  # a late ancestor: held as stale, still history
    db = world.root / "hq" / "hq.db"
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", HQ_PASS.decode())  # the office's database
    assert run(db, "history", hid, "--json") == 0
    revisions = json.loads(capsys.readouterr().out)["revisions"]
    assert [r["id"] for r in revisions] == [r.id for r in li.history(hid)]
    assert [r["held"] for r in revisions] == ["stale", None]
    assert {r["origin"]["via"] for r in revisions} == {"li"}
    assert run(db, "history", hid) == 0
    text = capsys.readouterr().out
    assert "未采用：迟到的旧版本" in text and "数据包" in text and "（li）" in text

"""The batched import writes exactly what importing record by record wrote.

Headquarters already holds households from two laptops; then come bundles with new households,
updates, a concurrent edit (conflict), an edit against the office's own (conflict), a late
ancestor (stale), a status change, an attachment, a procedure case, records outside author
batches and a bundle imported twice. Two copies of
headquarters' database take the same bundles in the same order: one through ``import_bundle``
(batched; also with chunks of a few records, so chains and conflicts straddle chunk boundaries),
one through the old record-by-record path (tests/core/sequential_import.py). With the clock and
the id generator pinned, every table must be identical row for row (row ids included), the
import reports equal, and the search indexes consistent with the households they index.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from fieldapp.core import procedures as proc
from fieldapp.core.demo.generate import generate_demo
from fieldapp.core.store import records as records_module
from fieldapp.core.store.new_households import pack, unpack
from fieldapp.core.store.store import Store
from fieldapp.core.sync import apply as apply_module
from fieldapp.core.sync.importer import import_bundle
from fieldapp.core.sync.lines import split_revision
from fieldapp.core.sync.records import encode_revision
from fieldapp.core.trust import identity
from tests.core import forging
from tests.core.sequential_import import import_sequentially
from tests.core.test_sync import HQ_PASS, LI_PASS, World, edit, make_world, new_household
from tests.stores import copy_database, open_test_store

Importer = Callable[[Store, Path], dict[str, Any]]
FTS_TABLES = ("households_fts", "households_grams")


class PinnedClock(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
        return datetime(2026, 11, 1, 8, 30, tzinfo=UTC)


@contextmanager
def pinned(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """now_iso() fixed and uuid4() counting from 1, so two imports can be compared byte for byte."""
    counter = itertools.count(1)
    with monkeypatch.context() as m:
        m.setattr(records_module, "datetime", PinnedClock)
        m.setattr(uuid, "uuid4", lambda: uuid.UUID(int=next(counter)))
        yield


def dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows with their row ids, except the FTS indexes' own storage (its layout
    depends on the order entries were written; its consistency is checked separately)."""
    names = [
        r[0]
        for r in store.db.execute("select name from sqlite_master where type = 'table' order by 1")
    ]
    out = {}
    for name in names:
        if name.startswith(FTS_TABLES):
            continue
        out[name] = list(store.db.execute(f"select rowid, * from [{name}] order by rowid"))
    return out


def check_search_indexes(store: Store) -> None:
    for table in FTS_TABLES:  # raises if the index differs from the households it indexes
        store.db.execute(f"insert into {table}({table}, rank) values ('integrity-check', 1)")


def scenario(world: World, tmp: Path) -> list[Path]:
    """Bundles for headquarters, after it has taken in a first one from each laptop."""
    li, wang, hq = world.li, world.wang, world.hq
    generate_demo(li, 12, seed=5, author="李干事")
    h1, h2, h3 = new_household(li), new_household(li), new_household(li)
    world.to_hq(world.export(li))
    world.to_laptop(wang, world.assign(world.wang_info, [h1]))
    edit(li, h1, "A", phone="13911111111")
    edit(wang, h1, "A", address="昆明市五华区新地址 8 号")
    edit(hq, h2, "B", surveyor="办公室复核")
    edit(li, h2, "B", surveyor="李干事复访")
    edit(li, h3, "B", surveyor="第一次")
    older = world.export(li)
    edit(li, h3, "B", surveyor="第二次")
    li.add_attachment_bytes(b"%PDF-1.4 scan", name="低保证明.pdf", author="李干事")
    li.set_status(h3, "已脱困", reason="收入稳定", author="李干事")
    signer = identity.signing_identity(li, LI_PASS)
    proc.open_case(li, new_household(li), "filing", signer=signer, opened_on=date(2026, 10, 1))
    generate_demo(li, 5, seed=6, author="李干事")
    newer = world.export(li)
    wang_edit = world.export(wang)
    full = world.export(li, full=True)
    return [newer, wang_edit, older, full, unbatched(li, tmp / "unbatched.hhq"), newer]


def unbatched(li: Store, out: Path) -> Path:
    """Records outside author batches (older software), a household and a revision sent twice,
    data text that is not as the store writes it, two status changes at the same time."""
    hid = str(uuid.uuid4())
    head = forging.revision(li, hid, device_id=li.device_id, seq=9001, clock={li.device_id: 9001})
    del head["data"]
    line = encode_revision(head, '{"phone" : "13900000000",  "name": "王五"}')
    twin = {**forging.household(hid), "created_by": "另一人"}
    at = {"changed_at": "2026-10-01T00:00:00"}
    records = [forging.household(hid), line, forging.status(hid, status="已脱困", **at)]
    records += [twin, forging.status(hid, **at), line]
    return forging.forge(li, LI_PASS, out, records)


def run(root: Path, bundles: list[Path], importer: Importer, monkeypatch: Any) -> Any:
    store = open_test_store(root, passphrase=HQ_PASS)
    reports = []
    with pinned(monkeypatch):
        for bundle in bundles:
            reports.append(importer(store, bundle))
    check_search_indexes(store)
    searched = [[h["id"] for h in store.search(term)] for term in ("王", "李", "5301", "1391", "")]
    result = (dump(store), reports, searched)
    store.close()
    return result


def batched(store: Store, path: Path) -> dict[str, Any]:
    return import_bundle(store, path, HQ_PASS, author="办公室").to_dict()


def one_by_one(store: Store, path: Path) -> dict[str, Any]:
    return import_sequentially(store, path, HQ_PASS, author="办公室").to_dict()


@pytest.mark.parametrize("chunk", [None, 3])
def test_batched_import_equals_record_by_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int | None
) -> None:
    world = make_world(tmp_path / "world")
    bundles = scenario(world, tmp_path)
    world.hq.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    start = tmp_path / "world" / "hq" / "hq.db"
    for name in ("expected.db", "actual.db"):
        copy_database(start, tmp_path / name)
    if chunk is not None:  # chunks of a few records, or of a few kilobytes of form data
        monkeypatch.setattr(apply_module, "CHUNK_RECORDS", chunk)
        monkeypatch.setattr(apply_module, "CHUNK_BYTES", 4000)
    expected = run(tmp_path / "expected.db", bundles, one_by_one, monkeypatch)
    actual = run(tmp_path / "actual.db", bundles, batched, monkeypatch)
    conflicts = [(r["conflicts"], r["revisions"]["stale"], r["new"]) for r in expected[1]]
    assert conflicts == [(0, 0, 6), (0, 0, 0), (2, 1, 0), (0, 0, 0), (0, 0, 1), (0, 0, 0)]
    assert expected[1][0]["added"]["attachments"] == 1 and expected[1][0]["updated"] == 1
    assert expected[1][4]["revisions"] == {"current": 1, "stale": 0, "conflict": 0, "known": 1}
    assert expected[1][0]["added"]["procedure_cases"] == 1
    for table in expected[0]:
        assert actual[0][table] == expected[0][table], table
    assert actual[0].keys() == expected[0].keys()
    assert actual[1] == expected[1]
    assert actual[2] == expected[2]


def test_new_households_pack_any_text() -> None:
    for values in (
        ["a\x1fb", None, ""],
        ["\x1e", None],
        [None, "王小明", ""],
        ["甲\x1e", "乙", None],
        ["\x1f", "\x1e\x1f"],
    ):
        assert unpack(pack(values)) == values


@pytest.mark.parametrize(
    "line",
    [
        b'{"t":"revision","id":"r","clock":{"d":1},"data":{"name":"\\u738b","x":[1,{"y":null}]}}',
        b'{"t":"revision","clock":{"data":1},"id":"r","data":{"a":1}}',
        b'{"t":"revision","data":{"a":1},"id":"r","data":{"b":2}}',
        b'{"t":"revision","id":"r","data":{"a":1},"data":{"b":2}}',
        b'{"t":"revision","id":"r","data": {"a": 1} }',
        b'{"t":"revision","id":"r","data":{"a":1},"more":2}',
        b'{"t":"revision","data":{"a":1}}',
    ],
)
def test_a_split_revision_line_is_the_whole_line(line: bytes) -> None:
    split = split_revision(line)
    if split is not None:
        record, text = split
        assert record == json.loads(line) and json.loads(text) == record["data"]
        assert line.decode().endswith(',"data":' + text + "}")

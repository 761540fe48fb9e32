"""A large bundle prepared by the helper process (sync.read_ahead): same result, same refusals.

The helper takes over once it has started; these tests make every bundle "large" and the
importer wait for the helper, so all records after the first are prepared by the other process
(``took_over`` counts it), then check what the importer made of them."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldapp.core.sync import read_ahead
from fieldapp.core.sync.apply import Applier
from fieldapp.core.sync.container import BundleError
from fieldapp.core.sync.export import relayed_records
from fieldapp.core.sync.importer import import_bundle
from fieldapp.core.sync.prepared import Audit
from fieldapp.core.sync.records import household_record
from tests.core import forging
from tests.core import test_sync_authorship as authorship_tests
from tests.core import test_sync_batch as batch_tests
from tests.core.test_sync import HQ_PASS, LI_PASS, WANG_PASS, digest, make_world, new_household


def helper_takes_over(monkeypatch: pytest.MonkeyPatch, *, shared: bool) -> list[int]:
    """Every payload goes to the helper, which takes over as soon as it is ready; the lines
    from which it took over. Either the helper prepares every record after that (the importer
    never asks for lines), or (``shared``), as when importing, the importer asks for the
    helper's next batch unprepared whenever it waits (a small bundle is one batch: it may come
    either way)."""
    if not shared:
        monkeypatch.setattr(read_ahead.Helper, "ask_for_lines", lambda self: None)
    lines: list[int] = []
    ready, take_over = read_ahead.Helper.ready, read_ahead.Helper.take_over

    def patient(self: read_ahead.Helper) -> bool:
        if self.alive:
            self.connection.poll(60)
        return ready(self)

    def noted(self: read_ahead.Helper, line: int) -> None:
        lines.append(line)
        take_over(self, line)

    monkeypatch.setattr(read_ahead, "PARALLEL_FROM", 0)
    monkeypatch.setattr(read_ahead.Helper, "ready", patient)
    monkeypatch.setattr(read_ahead.Helper, "take_over", noted)
    return lines


@pytest.fixture(params=["helper prepares", "shared"])
def took_over(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[int]]:
    """``helper_takes_over``, both ways."""
    yield helper_takes_over(monkeypatch, shared=request.param == "shared")


def test_the_helper_imports_exactly_what_the_importer_alone_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, took_over: list[int]
) -> None:
    batch_tests.test_batched_import_equals_record_by_record(tmp_path, monkeypatch, 3)
    assert len(took_over) >= 6 and set(took_over) == {0}  # every bundle read by the helper


def test_a_changed_record_is_refused_with_the_helper(tmp_path: Path, took_over: list[int]) -> None:
    world = make_world(tmp_path)
    hid = new_household(world.li)
    own = world.export(world.li)  # li signs its batch
    forged = authorship_tests.relay(world, hid, change={"name": "篡改"})
    authorship_tests.refused(world, forged, "摘要不符")
    assert took_over == [0]
    assert world.to_hq(own)["new"] == 1  # the genuine bundle still imports


def test_a_helper_that_dies_refuses_the_bundle_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, took_over: list[int]
) -> None:
    world = make_world(tmp_path)
    new_household(world.li)
    bundle = world.export(world.li)
    take_over = read_ahead.Helper.take_over

    def killed_first(self: read_ahead.Helper, line: int) -> None:
        os.kill(int(self.process.pid or 0), signal.SIGKILL)
        self.process.join()
        take_over(self, line)

    monkeypatch.setattr(read_ahead.Helper, "take_over", killed_first)
    before = digest(world.hq)
    with pytest.raises(BundleError, match="辅助进程意外退出"):
        import_bundle(world.hq, bundle, HQ_PASS, author="x")
    assert digest(world.hq) == before
    monkeypatch.undo()
    assert world.to_hq(bundle)["new"] == 1


def test_a_helper_that_stops_while_starting_leaves_the_work_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world(tmp_path)
    new_household(world.li)
    bundle = world.export(world.li)
    start = read_ahead.Helper.__init__
    helpers: list[read_ahead.Helper] = []

    def stillborn(self: read_ahead.Helper, *args: object) -> None:
        start(self, *args)  # type: ignore[arg-type]
        os.kill(int(self.process.pid or 0), signal.SIGKILL)
        self.process.join()
        self.connection.poll(60)  # its end of the pipe is closed
        helpers.append(self)

    monkeypatch.setattr(read_ahead, "PARALLEL_FROM", 0)
    monkeypatch.setattr(read_ahead.Helper, "__init__", stillborn)
    assert world.to_hq(bundle)["new"] == 1
    assert len(helpers) == 1 and not helpers[0].alive and not helpers[0].process.is_alive()


# -- audit records: checked ahead (``prepared``, ``audit_fields``), refused as before --------------

BAD_AUDITS = [
    ({"id": "not-a-uuid"}, "审计 ID 不是 UUID"),
    ({"device_id": 7}, "审计设备 格式不正确"),
    ({"detail": "text"}, "审计详情格式不正确"),
    ({"detail": {"note": "长" * 30_000}}, "的详情超过 65,536 字节"),
    ({"at": "2999-01-01T00:00:00"}, "在未来"),
    ({"at": "not a time"}, "审计时间"),
    ({"action": None}, "操作 格式不正确"),
    ({"household_id": "nope"}, "审计户 ID 不是 UUID"),
    ({"revision_id": "r" * 65}, "审计版本 格式不正确"),
    ({"device_id": "someone-else"}, "设备不符"),
]


@pytest.mark.parametrize("prepared_by", ["importer", "helper", "shared"])
@pytest.mark.parametrize(("change", "reason"), BAD_AUDITS)
def test_a_bad_audit_record_is_refused_wherever_it_is_prepared(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    change: dict[str, object],
    reason: str,
    prepared_by: str,
) -> None:
    """The same refusal, naming the field, whether the importer or its helper read the record;
    nothing is written."""
    if prepared_by != "importer":
        helper_takes_over(monkeypatch, shared=prepared_by == "shared")
    world = make_world(tmp_path)
    household = forging.household()
    good = forging.audit(world.li.device_id, household_id=household["id"])
    bad = {**forging.audit(world.li.device_id), **change}
    path = forging.forge(world.li, LI_PASS, world.out("forged"), [household, good, bad])
    authorship_tests.refused(world, path, reason)


def test_audit_records_prepared_by_the_helper_are_kept_as_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, took_over: list[int]
) -> None:
    """Every column of an audit row and its place in its author's batch, as the importer alone
    keeps them; a changed detail breaks the author's signed digest."""
    world = make_world(tmp_path)
    hid = new_household(world.li)
    bundle = world.export(world.li)
    ahead: list[object] = []
    prepared_audit = Applier._prepared_audit

    def noted(self: Applier, audit: Audit) -> None:
        ahead.append(audit)
        prepared_audit(self, audit)

    monkeypatch.setattr(Applier, "_prepared_audit", noted)
    world.to_hq(bundle)
    assert took_over == [0] and ahead  # audit records came prepared
    columns = "id, at, actor, device_id, action, household_id, form_id, revision_id, detail"
    sent = {r[0]: tuple(r) for r in world.li.db.execute(f"select {columns} from audit")}
    kept = {r[0]: tuple(r) for r in world.hq.db.execute(f"select {columns} from audit")}
    both = sent.keys() & kept.keys()
    assert {kept[aid] for aid in both} == {sent[aid] for aid in both}
    assert any(sent[aid][5] == hid for aid in both)  # this household's history came
    batches = "select record_id, batch_id, batch_index, record_hash from record_batches"
    where = " where kind = 'audit' order by record_id"
    in_batches = world.li.db.execute(batches + where).fetchall()
    assert in_batches and world.hq.db.execute(batches + where).fetchall() == in_batches

    records: list[object] = [household_record(world.li.household(hid))]
    for record in relayed_records(world.li, authorship_tests.lis_batches(world)):
        if isinstance(record, dict) and record.get("t") == "audit":
            record = {**record, "detail": {**record["detail"], "changed": True}}
        records.append(record)
    forged = forging.forge(world.wang, WANG_PASS, world.out("relayed"), records)
    authorship_tests.refused(world, forged, "摘要不符")

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
from fieldapp.core.sync.container import BundleError
from fieldapp.core.sync.importer import import_bundle
from tests.core import test_sync_authorship as authorship_tests
from tests.core import test_sync_batch as batch_tests
from tests.core.test_sync import HQ_PASS, digest, make_world, new_household


@pytest.fixture(params=["helper prepares", "shared"])
def took_over(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[int]]:
    """Every payload goes to the helper, which takes over as soon as it is ready; the lines
    from which it took over. Either the helper prepares every record after that (the importer
    never asks for lines), or, as when importing, the importer asks for the helper's next batch
    unprepared whenever it waits (a small bundle is one batch: it may come either way)."""
    if request.param == "helper prepares":
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
    yield lines


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

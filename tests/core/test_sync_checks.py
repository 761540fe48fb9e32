"""Third-party checks entered on an enrolled laptop travel to headquarters in its bundle, like
status changes: each revision proven to be its author's, nothing overwritten, importing twice
changes nothing, and a malformed or altered record refuses the bundle with HQ unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fieldapp.core.reports.check_rates import compute_check_rates
from fieldapp.core.store.check_entries import CheckEntry, MissedEntry, save_batch
from fieldapp.core.store.checks import current_records, record_history
from fieldapp.core.sync.container import BundleError
from fieldapp.core.sync.export import relayed_records
from fieldapp.core.sync.importer import import_bundle
from fieldapp.core.sync.records import check_payload
from tests.core import forging
from tests.core.test_sync import HQ_PASS, WANG_PASS, World, digest, make_world, new_household


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path)


def test_checks_entered_on_a_laptop_arrive_at_headquarters(world: World) -> None:
    hid = new_household(world.li)
    archive_no = world.li.household(hid)["archive_no"]
    entry = CheckEntry(archive_no, "第三方甲", "2026-06-01", ("错评", "漏评"), "否", "不满意")
    person = MissedEntry("王小芳", "530102", "未申请", "第三方甲", "2026-06-01", household=hid)
    save_batch(world.li, [entry], [person], author="li", source="命令行")
    bundle = world.export(world.li)
    report = world.to_hq(bundle)
    assert report["added"]["check_records"] == 2 and report["new"] == 1
    assert {r.revision_id for r in current_records(world.hq)} == {
        r.revision_id for r in current_records(world.li)
    }
    rates = {r.key: (r.numerator, r.denominator) for r in compute_check_rates(world.hq).total.rates}
    assert rates["wrong_filed_rate"] == (1, 1) and rates["missed_filing_rate"] == (1, 2)

    before = digest(world.hq)
    assert world.to_hq(bundle)["added"]["check_records"] == 0
    assert digest(world.hq) == before

    corrected = CheckEntry(archive_no, "第三方甲", "2026-06-01", ("漏评",), "是", "满意")
    save_batch(world.li, [corrected], [person], author="li", source="更正")
    assert world.to_hq(world.export(world.li))["added"]["check_records"] == 1
    check = next(r for r in current_records(world.hq) if r.kind == "check")
    history = record_history(world.hq, check.record_id)
    assert [h.data["findings"] for h in history] == [["错评"], []]
    assert history[1].parent_id == history[0].revision_id


def refused(world: World, records: list[Any], reason: str) -> None:
    path = forging.forge(world.wang, WANG_PASS, world.out("forged"), records)
    before = digest(world.hq)
    with pytest.raises(BundleError) as caught:
        import_bundle(world.hq, path, HQ_PASS, author="办公室")
    assert reason in str(caught.value)
    assert digest(world.hq) == before


def test_a_malformed_or_altered_check_record_refuses_the_bundle(world: World) -> None:
    hid = new_household(world.wang)
    entry = CheckEntry(world.wang.household(hid)["archive_no"], "甲", "2026-06-01", ("错评",))
    save_batch(world.wang, [entry], author="wang", source="命令行")
    row = world.wang.db.execute("select * from check_records").fetchone()
    columns = [c[0] for c in world.wang.db.execute("select * from check_records").description]
    good = check_payload(dict(zip(columns, row, strict=True)))
    household = forging.household(hid)
    bad = {**good, "data": {**good["data"], "findings": "错评"}}
    refused(world, [household, bad], "发现问题不正确")
    refused(world, [household, {**good, "check_date": "2026-13-01"}], "核查日期不正确")
    refused(world, [{**good, "household_id": None}], "没有核查户")
    # in no author batch and under li's device: not wang's to send
    refused(world, [household, {**good, "device_id": world.li.device_id}], "设备不符")
    # wang's genuine bundle is accepted; its batch with the check record altered is not
    path = world.export(world.wang)
    batch = world.wang.db.execute("select batch_id from record_batches where kind = 'check'")
    whole = list(relayed_records(world.wang, [batch.fetchone()[0]]))
    altered = [
        {**r, "data": {**r["data"], "findings": []}}
        if isinstance(r, dict) and r["t"] == "check"
        else r
        for r in whole
    ]
    refused(world, [household, *altered], "摘要不符")
    assert world.to_hq(path)["added"]["check_records"] == 1

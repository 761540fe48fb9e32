"""The campaign's help figures (seed 004: 户次 of 生活救助 / 子女助学 / 医疗救助, 人次 of training,
the unions' money) and its base of 全国级 households, through ``fieldapp stats`` as an office runs it.

Three households (Form C rows dated in 2026 unless said; 是否落实 是 unless said):
  H1 五华 全国级 在档   生活救助 1,000 元 工会; 生活救助 500 元 工会 dated 2025-12-01;
                        子女助学 2,000 元 工会 未落实; 技能培训补贴 and 就业创业服务 for 张小明;
                        技能培训补贴 naming nobody (counts as the worker)
  H2 盘龙 省级   已脱困 医疗救助 3,000 元 民政; 生活救助 800 元 工会
  H3 麒麟 (no 建档标准) 在档, no Form C
In 2026: 生活救助 2 户次 (H1, H2), 子女助学 0 (未落实), 医疗救助 1; training 3 人次 of 2 people
(张小明, the worker); unions' money 1,000 + 800 = 1,800 元 (民政's 3,000 is not the unions').
全国级 only: 1 household, 生活救助 1, training 3 人次 / 2 人, 1,000 元.
All time: 生活救助 3 户次, unions' money 2,300 元.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from fieldapp.cli.main import main
from fieldapp.core.store.store import Store
from tests.core.filed_households import filed_household

PERIOD = ("--from", "2026-01-01", "--to", "2026-12-31")
TRAINING = "技能培训、就业咨询、就业指导"


def row(day: str, category: str, amount: int, source: str = "工会", **more: Any) -> dict[str, Any]:
    return {
        "date": day,
        "category": category,
        "policy_name": category,
        "amount": amount,
        "fund_source": source,
        "implemented": "是",
        **more,
    }


@pytest.fixture
def archive(store: Store) -> Store:
    rows = {
        "H1": [
            row("2026-02-01", "生活救助", 100_000),
            row("2025-12-01", "生活救助", 50_000),
            row("2026-03-01", "子女助学", 200_000, implemented="否"),
            row("2026-04-01", "技能培训补贴", 0, member="张小明"),
            row("2026-05-01", "就业创业服务", 0, member="张小明"),
            row("2026-06-01", "技能培训补贴", 0),
        ],
        "H2": [
            row("2026-02-01", "医疗救助", 300_000, "民政"),
            row("2026-02-02", "生活救助", 80_000),
        ],
    }
    for n, (key, county, standard, status) in enumerate(
        [
            ("H1", "530102", "全国级", "在档"),
            ("H2", "530103", "省级", "已脱困"),
            ("H3", "530302", None, "在档"),
        ],
        start=1,
    ):
        forms = {"C": {"policies": rows[key]}} if key in rows else {}
        hid = filed_household(store, n, county, standard, **forms)
        if status != "在档":
            store.set_status(hid, status, reason="测试", author="测试员")
    return store


def stats(store: Store, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert store.path is not None
    assert main(["--db", str(store.path), "stats", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_help_in_household_times_and_person_times_by_filing_standard(
    archive: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = stats(archive, capsys, "--by", "standard", *PERIOD)
    assert doc["total"]["aid"] == {
        "aid.生活救助": 2,
        "aid_households.生活救助": 2,
        "aid.医疗救助": 1,
        "aid_households.医疗救助": 1,
        f"training.{TRAINING}": 3,
        f"trained_people.{TRAINING}": 2,
        "union_funds_fen": 180_000,
    }
    groups = {g["key"]: g["figures"] for g in doc["groups"]}
    assert set(groups) == {"全国级", "省级", "（未填建档标准）"}
    national = groups["全国级"]["aid"]
    assert (national["aid.生活救助"], national["union_funds_fen"]) == (1, 100_000)
    assert national[f"training.{TRAINING}"] == 3 and groups["（未填建档标准）"]["aid"] == {}
    assert doc["campaign"]["standards"] == {
        "全国级": {"households": 1, "status.在档": 1},
        "省级": {"households": 1, "status.已脱困": 1},
        "（未填建档标准）": {"households": 1, "status.在档": 1},
    }
    only_national = stats(archive, capsys, "--standard", "全国级", *PERIOD)
    assert only_national["total"]["aid"] == national
    assert only_national["total"]["in_archive"] == 1
    assert list(only_national["campaign"]["standards"]) == ["全国级"]
    all_time = stats(archive, capsys)["total"]["aid"]
    assert (all_time["aid.生活救助"], all_time["union_funds_fen"]) == (3, 230_000)
    assert main(["--db", str(archive.path), "stats", "--households", "aid.医疗救助"]) == 0
    assert len(capsys.readouterr().out.split()) == 1


def test_the_printed_report_has_the_filing_standard_and_help_tables(
    archive: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    assert archive.path is not None
    assert main(["--db", str(archive.path), "stats", "--by", "region", *PERIOD]) == 0
    text = capsys.readouterr().out
    assert "合计\t3\t2\t1\t0\t0" in text and "全国级\t1\t1\t0\t0\t0" in text
    assert "合计\t2\t0\t1\t3\t2\t1,800.00" in text
    assert "  五华区\t1\t0\t0\t3\t2\t1,000.00" in text
    assert main(["--db", str(archive.path), "stats", "--standard", "国家级"]) == 1
    assert "--standard 应为全国级、省级、地市级、区县级、基层之一" in capsys.readouterr().err

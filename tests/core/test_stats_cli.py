"""The headquarters commands as a script runs them: stats, exit-review, policies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fieldapp.cli.main import main
from fieldapp.core.store.store import Store
from tests.core.hq_households import Built, build


@pytest.fixture
def built(store: Store, monkeypatch: pytest.MonkeyPatch) -> Built:
    return build(store, monkeypatch)


def run(store: Store, *args: str) -> int:
    assert store.path is not None
    return main(["--db", str(store.path), "--user", "测试员", *args])


def test_stats_command(store: Store, built: Built, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(store, "stats", "--json", "--date", "2026-11-01") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["total"]["households"] == 6 and doc["total"]["visits"] == 7
    assert run(store, "stats", "--by", "region", "--from", "2026-01-01", "--to", "2026-10-31") == 0
    text = capsys.readouterr().out
    assert "统计期间：2026-01-01 至 2026-10-31" in text and "五华区" in text and "昆明市" in text
    assert "结对帮扶覆盖率" in text and "66.67%" in text
    assert run(store, "stats", "--households", "coverage_gap", "--json") == 0
    assert json.loads(capsys.readouterr().out) == [built["H5"]]
    assert (
        run(store, "stats", "--households", "households", "--by", "region", "--group", "530102")
        == 0
    )
    assert len(capsys.readouterr().out.split()) == 3
    assert run(store, "stats", "--from", "2026-13-01") == 1
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert run(store, "stats", "--from", "2026-10-01", "--to", "2026-01-01") == 1
    assert "晚于" in capsys.readouterr().err
    assert run(store, "stats", "--region", "五华区") == 1
    assert "行政区划代码" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        run(store, "stats", "--by", "county")
    assert usage.value.code == 2
    capsys.readouterr()


def test_exit_review_command(
    store: Store, built: Built, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(store, "exit-review", "--json", "--date", "2026-11-01") == 0
    doc = json.loads(capsys.readouterr().out)
    assert {d["household_id"] for d in doc["missed"]} == {built["H2"], built["H5"]}
    assert {d["household_id"] for d in doc["wrong"]} == {built["H6"]}
    assert {d["household_id"] for d in doc["watch"]} == {built["H3"]}
    assert run(store, "exit-review", "--date", "2026-11-01") == 0
    text = capsys.readouterr().out
    assert "漏退（符合脱困或解困但仍在档）：2 户" in text and "[错退风险]" in text
    assert "渐退期预警（已退出、仍在渐退期内，收入回落）：1 户" in text and "[渐退期预警]" in text


def test_policy_commands(store: Store, built: Built, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(store, "policies", "check") == 0
    assert "政策目录检查通过" in capsys.readouterr().out
    assert run(store, "policies", "list", "--province", "320000", "--json") == 0
    assert json.loads(capsys.readouterr().out)[0]["name"] == "江苏省"
    assert (
        run(store, "policies", "hints", "YN-530102-2020-000001", "--date", "2026-11-01", "--json")
        == 0
    )
    hints = {(h["policy_id"], h["person"]) for h in json.loads(capsys.readouterr().out)}
    assert ("yn-07b", "王秀英") in hints
    # Add the uremia policy to Form E: a new final revision with one more need.
    assert (
        run(
            store,
            "policies",
            "add",
            "YN-530102-2020-000001",
            "yn-07b",
            "--to",
            "E",
            "--date",
            "2026-11-01",
        )
        == 0
    )
    assert "已在表E添加一行" in capsys.readouterr().out
    e = store.current(built["H1"])["E"]
    assert e["needs_found"] == 2 and e["problems"][-1]["status"] == "待办"
    assert store.current_states(built["H1"])["E"] == "final"
    # … and to Form C as applied for (是否落实 否): still a hint, marked pending, until received.
    assert (
        run(
            store,
            "policies",
            "add",
            "YN-530102-2020-000001",
            "yn-07b",
            "--to",
            "C",
            "--date",
            "2026-11-01",
        )
        == 0
    )
    capsys.readouterr()
    assert run(store, "policies", "hints", built["H1"], "--date", "2026-11-01", "--json") == 0
    pending = {h["policy_id"]: h["pending"] for h in json.loads(capsys.readouterr().out)}
    assert pending["yn-07b"] is True and pending["yn-06c"] is False
    assert run(store, "policies", "hints", built["H1"], "--date", "2026-11-01") == 0
    assert "尿毒症患者医疗费用按90%报销（已登记申请，尚未落实）" in capsys.readouterr().out
    assert run(store, "policies", "add", built["H1"], "yn-99", "--to", "C") == 1
    assert "不在该户的应享未享提示中" in capsys.readouterr().err


def test_policies_check_reports_a_broken_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "110000-beijing.yaml").write_text(
        "province: '110000'\nname: 北京市\npolicies:\n  - id: bj-1\n    name: 测试\n"
        "    category: 不存在\n    department: 工会\n    for: household\n    problem: 其他\n"
        '    qualifies: "A.category =="\n',
        encoding="utf-8",
    )
    assert main(["policies", "check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "不存在" in out and "条件无法解析" in out

"""Third-party checks (第三方核查) as an office uses them: a firm's workbook imported through the
command line, every rate worked out by hand below, refusals that change nothing.

The worked example: three counties in two 州市 of 云南, ten sampled households and two 漏评
people, checked on 2026-06-01 (one more check of A1 on 2025-01-10, outside the period, and one
withdrawn). 档案状态 on the check day comes from the status changes (made 2026-03-01).

  county        household status   findings  精准  满意度     standard
  五华 530102   A1        在档     —         是    满意       全国级   (its check found M1)
                A2        在档     错评      否    不满意     全国级
                A3        已脱困   —         是    基本满意   省级
                A4        已脱困   错退      是    满意       省级
  盘龙 530103   B1        在档     漏退      是    满意       全国级
                B2        在档     —         是    (blank)    省级
                B3        已解困   —         (blank) 满意     省级
  麒麟 530302   C1        在档     —         是    不满意     省级
                C2        注销     —         是    满意       省级
  漏评 people   M1 五华 (应建档标准 全国级), M2 麒麟 (none)

Counts (满意 and 基本满意 count as satisfied, resources/checks.yaml):
  五华: sampled 4, 在档 2 (A1 A2), exited 2 (A3 A4); 错评 1 (A2); 漏评 1 (M1), base 2+1 = 3;
        错退 1 (A4) of 2; 漏退 0 of should-have-exited 0 + 1 (A3, exited and not 错退) = 1;
        精准 3 of 4 answered (A2 否); 满意 3 of 4 answered (A2 不满意).
  盘龙: sampled 3, 在档 2 (B1 B2), exited 1 (B3); 错评 0 of 2; 漏评 0 of 2; 错退 0 of 1;
        漏退 1 (B1) of 1 (B1) + 1 (B3) = 2; 精准 2 of 2 (B3 blank); 满意 2 of 2 (B2 blank).
  昆明 = 五华 + 盘龙: 错评 1/4 = 25 %, 漏评 1/5 = 20 %, 错退 1/3, 漏退 1/3, 精准 5/6, 满意 5/6.
  麒麟 = 曲靖: sampled 2, 在档 1 (C1), exited 0; 错评 0/1; 漏评 1 (M2) of 1 + 1 = 2 → 50 %;
        错退 and 漏退 have no denominator (—); 精准 2/2; 满意 1/2 (C1 不满意).
  云南 (the total): 错评 1/5 = 20 %, 漏评 2/7, 错退 1/3, 漏退 1/3, 精准 7/8 = 87.5 %,
        满意 6/8 = 75 %.
  全国级 only (A1 A2 B1 and M1): 在档 3, 错评 1/3, 漏评 1/(3+1) = 25 %, 错退 —, 漏退 1/1,
        精准 2/3 (A2 否), 满意 2/3 (A2 不满意).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from fieldapp.cli.main import main
from fieldapp.core.reports.checks_import import CHECK_COLUMNS, MISSED_COLUMNS
from fieldapp.core.store.store import Store
from tests.core.filed_households import filed_household
from tests.core.fuzzing import content_digest
from tests.core.hq_households import clock

PERIOD = ("--from", "2026-01-01", "--to", "2026-12-31")
HOUSEHOLDS = {
    # key: (county, status on 2026-06-01, 建档标准)
    "A1": ("530102", "在档", "全国级"),
    "A2": ("530102", "在档", "全国级"),
    "A3": ("530102", "已脱困", "省级"),
    "A4": ("530102", "已脱困", "省级"),
    "B1": ("530103", "在档", "全国级"),
    "B2": ("530103", "在档", "省级"),
    "B3": ("530103", "已解困", "省级"),
    "C1": ("530302", "在档", "省级"),
    "C2": ("530302", "注销", "省级"),
}
CHECKS = [
    # household, date, findings, 精准, 满意度, checker
    ("A1", "2026-06-01", "漏评", "是", "满意", "第三方甲"),
    ("A2", "2026-06-01", "错评", "否", "不满意", "第三方甲"),
    ("A3", "2026-06-01", "无", "是", "基本满意", "第三方甲"),
    ("A4", "2026-06-01", "错退", "是", "满意", "第三方甲"),
    ("B1", "2026-06-01", "漏退", "是", "满意", "第三方乙"),
    ("B2", "2026-06-01", "", "是", None, "第三方乙"),
    ("B3", "2026-06-01", None, None, "满意", "第三方乙"),
    ("C1", "2026-06-01", None, "是", "不满意", "第三方丙"),
    ("C2", "2026-06-01", None, "是", "满意", "第三方丙"),
    ("A1", "2025-01-10", "错评", "否", "不满意", "第三方丁"),  # before the period
    ("B2", "2026-06-01", "错评", "否", "不满意", "第三方丁"),  # withdrawn below
]
MISSED = [
    # name, ID number, county, reason, 应建档标准, found at
    ("王小芳", "530102198001010015", "530102", "收入低于低保未建档", "全国级", "A1"),
    ("赵大勇", "", "530302", "下岗后未申请", None, None),
]


def run(store: Store, *args: str) -> int:
    assert store.path is not None
    return main(["--db", str(store.path), "--user", "办公室", *args])


@pytest.fixture
def archive(store: Store, monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, Any]]:
    out = {}
    for n, (key, (county, status, standard)) in enumerate(HOUSEHOLDS.items(), start=1):
        with clock(monkeypatch, "2025-01-01T02:00:00.000+00:00"):
            hid = filed_household(store, n, county, standard)
        if status != "在档":
            with clock(monkeypatch, "2026-03-01T02:00:00.000+00:00"):
                store.set_status(hid, status, reason="测试", author="测试员")
        out[key] = store.household(hid)
    return out


def workbook(
    path: Path, archive: dict[str, dict[str, Any]], checks: list[Any], missed: list[Any]
) -> Path:
    assert run_template(path) == 0
    wb = load_workbook(path)
    sheet = wb["核查结果"]
    for key, day, findings, precise, satisfaction, checker in checks:
        cells = {
            "核查户（档案编号或身份证号）": archive[key]["archive_no"],
            "核查人": checker,
            "核查日期": date.fromisoformat(day),  # as Excel holds it
            "发现问题": findings,
            "帮扶方式是否精准": precise,
            "满意度": satisfaction,
        }
        sheet.append([cells.get(h) for h in CHECK_COLUMNS])
    sheet = wb["漏评人员"]
    for name, number, county, reason, standard, found_at in missed:
        cells = {
            "姓名": name,
            "身份证号": number,
            "区县代码": int(county),  # typed as a number
            "漏评原因": reason,
            "应建档标准": standard,
            "核查人": "第三方甲" if found_at else "第三方丙",
            "核查日期": "2026-06-01",
            "所在核查户（档案编号或身份证号）": archive[found_at]["id_number"]
            if found_at
            else None,
        }
        sheet.append([cells.get(h) for h in MISSED_COLUMNS])
    wb.save(path)
    return path


def run_template(path: Path) -> int:
    return main(["check", "template", "--out", str(path)])


def rates(doc: dict[str, Any]) -> dict[str, tuple[int, int]]:
    return {r["key"]: (r["numerator"], r["denominator"]) for r in doc["rates"]}


def test_a_firms_workbook_gives_every_rate_worked_out_by_hand(
    store: Store,
    archive: dict[str, dict[str, Any]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = workbook(tmp_path / "核查.xlsx", archive, CHECKS, MISSED)
    assert run(store, "check", "import", str(path)) == 0
    assert "新增 13 条" in capsys.readouterr().out
    withdrawn = next(
        r
        for r in json.loads(_out(store, capsys, "check", "list", "--json"))
        if r["checker"] == "第三方丁" and r["check_date"] == "2026-06-01"
    )
    assert run(store, "check", "withdraw", withdrawn["record_id"][:8], "--reason", "重复录入") == 0
    capsys.readouterr()

    doc = json.loads(_out(store, capsys, "stats", "--json", "--by", "region", *PERIOD))
    checks = doc["campaign"]["checks"]
    assert rates(checks["total"]) == {
        "wrong_filed_rate": (1, 5),
        "missed_filing_rate": (2, 7),
        "wrong_exit_rate": (1, 3),
        "missed_exit_rate": (1, 3),
        "precise_rate": (7, 8),
        "satisfaction_rate": (6, 8),
    }
    by_code = {g["key"]: g for g in checks["groups"]}
    assert set(by_code) == {"530000", "530100", "530102", "530103", "530300", "530302"}
    assert rates(by_code["530102"]["figures"]) == {
        "wrong_filed_rate": (1, 2),
        "missed_filing_rate": (1, 3),
        "wrong_exit_rate": (1, 2),
        "missed_exit_rate": (0, 1),
        "precise_rate": (3, 4),
        "satisfaction_rate": (3, 4),
    }
    assert rates(by_code["530103"]["figures"]) == {
        "wrong_filed_rate": (0, 2),
        "missed_filing_rate": (0, 2),
        "wrong_exit_rate": (0, 1),
        "missed_exit_rate": (1, 2),
        "precise_rate": (2, 2),
        "satisfaction_rate": (2, 2),
    }
    assert rates(by_code["530100"]["figures"]) == {
        "wrong_filed_rate": (1, 4),
        "missed_filing_rate": (1, 5),
        "wrong_exit_rate": (1, 3),
        "missed_exit_rate": (1, 3),
        "precise_rate": (5, 6),
        "satisfaction_rate": (5, 6),
    }
    qujing = {r["key"]: r for r in by_code["530300"]["figures"]["rates"]}
    assert (qujing["missed_filing_rate"]["value"], qujing["satisfaction_rate"]["value"]) == (
        0.5,
        0.5,
    )
    assert (
        qujing["wrong_exit_rate"]["value"] is None and qujing["missed_exit_rate"]["value"] is None
    )
    assert by_code["530300"]["figures"] == by_code["530302"]["figures"]
    assert rates(by_code["530000"]["figures"]) == rates(checks["total"])

    national = json.loads(_out(store, capsys, "stats", "--json", "--standard", "全国级", *PERIOD))
    assert rates(national["campaign"]["checks"]["total"]) == {
        "wrong_filed_rate": (1, 3),
        "missed_filing_rate": (1, 4),
        "wrong_exit_rate": (0, 0),
        "missed_exit_rate": (1, 1),
        "precise_rate": (2, 3),
        "satisfaction_rate": (2, 3),
    }
    assert national["total"]["households"] == 3 and national["standard"] == "全国级"

    text = _out(store, capsys, "stats", *PERIOD)
    assert "错评率：错评户数 ÷ 抽查时在档户数\t20.00%\t1\t5" in text
    assert "满意度：满意户数 ÷ 回答满意度的户数\t75.00%\t6\t8" in text
    # Without a period the 2025 check of A1 (错评) counts too: 错评 2 of 6 在档 checks.
    everything = json.loads(_out(store, capsys, "stats", "--json"))
    assert rates(everything["campaign"]["checks"]["total"])["wrong_filed_rate"] == (2, 6)


def _out(store: Store, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert run(store, *args) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def test_importing_the_same_file_again_changes_nothing_and_a_correction_is_a_revision(
    store: Store,
    archive: dict[str, dict[str, Any]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = workbook(tmp_path / "核查.xlsx", archive, CHECKS[:2], MISSED[:1])
    assert run(store, "check", "import", str(path)) == 0
    before = content_digest(store.path)  # type: ignore[arg-type]
    assert run(store, "check", "import", str(path)) == 0
    assert "新增 0 条，修改 0 条，未变 3 条" in capsys.readouterr().out
    assert content_digest(store.path) == before  # type: ignore[arg-type]
    corrected = [("A2", "2026-06-01", "错评", "是", "满意", "第三方甲")]
    assert (
        run(store, "check", "import", str(workbook(tmp_path / "改.xlsx", archive, corrected, [])))
        == 0
    )
    assert "修改 1 条" in capsys.readouterr().out
    listed = json.loads(_out(store, capsys, "check", "list", "--json", "--kind", "check"))
    a2 = next(r for r in listed if r["household_id"] == archive["A2"]["id"])
    history = json.loads(_out(store, capsys, "check", "show", a2["record_id"], "--json"))
    assert [(h["precise"], h["satisfaction"]) for h in history] == [
        ("否", "不满意"),
        ("是", "满意"),
    ]
    assert history[1]["parent_id"] == history[0]["revision_id"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"发现问题": "错退"}, "错退只适用于核查日档案状态为已脱困或已解困的户"),
        ({"发现问题": "错评、漏退"}, "不能同时成立"),
        ({"发现问题": "漏评"}, "请在“漏评人员”中列出漏评的人"),
        ({"满意度": "很好"}, "“很好”应为满意、基本满意、不满意之一或不填"),
        ({"核查日期": "2026-02-30"}, "应为 YYYY-MM-DD"),
        ({"核查户（档案编号或身份证号）": "YN-无此户"}, "找不到户"),
    ],
)
def test_a_bad_row_refuses_the_whole_file_and_changes_nothing(
    store: Store,
    archive: dict[str, dict[str, Any]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: dict[str, str],
    message: str,
) -> None:
    path = workbook(tmp_path / "核查.xlsx", archive, CHECKS[:3], [])
    wb = load_workbook(path)
    sheet = wb["核查结果"]
    for column, value in change.items():
        sheet.cell(row=3, column=CHECK_COLUMNS.index(column) + 1, value=value)
    wb.save(path)
    before = content_digest(store.path)  # type: ignore[arg-type]
    assert run(store, "check", "import", str(path)) == 1
    err = capsys.readouterr().err
    assert "核查结果第 3 行" in err and message in err and "未保存任何记录" in err
    assert content_digest(store.path) == before  # type: ignore[arg-type]


def test_check_add_and_missed_from_the_command_line(
    store: Store, archive: dict[str, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    a4 = archive["A4"]["id_number"]
    assert (
        run(
            store,
            "check",
            "add",
            a4,
            "--checker",
            "甲",
            "--date",
            "2026-06-01",
            "--finding",
            "错退",
            "--precise",
            "是",
            "--satisfaction",
            "满意",
        )
        == 0
    )
    assert (
        run(
            store,
            "check",
            "add",
            archive["A1"]["archive_no"],
            "--checker",
            "甲",
            "--date",
            "2026-06-01",
            "--missed",
            "王小芳,530102198001010015,530102,未申请",
        )
        == 0
    )
    # 漏评 of someone already in the archive is refused, naming the household
    assert (
        run(
            store,
            "check",
            "missed",
            "--name",
            "测试A2",
            "--region",
            "530102",
            "--reason",
            "x",
            "--checker",
            "甲",
            "--date",
            "2026-06-01",
            "--id-number",
            archive["A2"]["id_number"],
        )
        == 1
    )
    assert "此人已在档案中" in capsys.readouterr().err
    listed = _out(store, capsys, "check", "list")
    assert "错退" in listed and "漏评" in listed and "王小芳" in listed
    with pytest.raises(SystemExit) as usage:
        run(store, "check", "add", a4, "--checker", "甲", "--date", "2026-06-01", "--finding", "错")
    assert usage.value.code == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"checks": [{"household": "x", }]}', "不是有效的 JSON"),
        ('{"checks": {"household": "x"}}', "checks：应为列表"),
        (
            '{"checks": [{"household": 5, "checker": "甲", "date": "2026-06-01"}]}',
            "应为文字或 null",
        ),
        ('{"checks": [], "other": []}', '应为 {"checks": [...], "missed": [...]}'),
        (
            '{"missed": [{"name": "王", "region": "999999", "reason": "x", "checker": "甲", '
            '"date": "2026-06-01"}]}',
            "不是已知的 6 位行政区划代码",
        ),
    ],
)
def test_a_bad_json_file_is_refused_with_a_message_and_changes_nothing(
    store: Store,
    archive: dict[str, dict[str, Any]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    text: str,
    message: str,
) -> None:
    path = tmp_path / "核查.json"
    path.write_text(text, encoding="utf-8")
    before = content_digest(store.path)  # type: ignore[arg-type]
    assert run(store, "check", "import", str(path)) == 1
    assert message in capsys.readouterr().err
    assert content_digest(store.path) == before  # type: ignore[arg-type]

"""The Excel export opens with openpyxl and its totals are the hand-made households' totals."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from fieldapp.cli.main import main
from fieldapp.core.reports.xlsx_export import export_xlsx
from fieldapp.core.store.store import Store
from tests.core.hq_households import Built, build


@pytest.fixture
def built(store: Store, monkeypatch: pytest.MonkeyPatch) -> Built:
    return build(store, monkeypatch)


def table(ws: Any) -> tuple[list[str], list[dict[str, Any]]]:
    rows = list(ws.iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    return header, [dict(zip(header, r, strict=False)) for r in rows[1:]]


def test_workbook_sheets_and_totals(store: Store, built: Built, tmp_path: Path) -> None:
    out = tmp_path / "archive.xlsx"
    summary = export_xlsx(store, out)
    assert summary.households == 6
    wb = load_workbook(out)
    assert wb.sheetnames == [
        "统计表",
        "户信息",
        "家庭成员",
        "收入明细",
        "刚性支出",
        "月度收入记录",
        "帮扶政策资金",
        "走访帮扶记录",
        "问题和措施",
        "说明",
    ]
    header, households = table(wb["户信息"])
    assert len(households) == 6
    assert {"档案编号", "困难类别", "月人均收入（元）", "帮扶责任人", "困难需求数"} <= set(header)
    h1 = next(h for h in households if h["档案编号"] == "YN-530102-2020-000001")
    assert h1["档案状态"] == "在档" and h1["州市"] == "昆明市" and h1["区县"] == "五华区"
    assert (
        h1["居住地（区县）"] == "云南省 昆明市 五华区"
        and h1["户ID（系统编号，勿改）"] == built["H1"]
    )
    assert h1["月人均收入（元）"] == 500 and h1["身份证号"] == "530102198001010015"
    assert h1["出生日期"] == datetime(1980, 1, 1)
    money_col = header.index("月人均收入（元）") + 1
    assert wb["户信息"].cell(row=2, column=money_col).number_format == "0.00"

    # Form C rows: H1 and H3 each hold the 初中寄宿生生活补助 of 1250 元 (H4 has no Form C),
    # H5 the union living allowance of 2000 元.
    _, policies = table(wb["帮扶政策资金"])
    assert len(policies) == 3
    assert sum(Decimal(str(p["金额（元）"])) for p in policies) == Decimal("4500")
    assert {p["项目类别"] for p in policies} == {"子女助学", "生活救助"}
    # Visits and problems: the same totals as the statistics (newest revisions).
    _, visits = table(wb["走访帮扶记录"])
    assert len(visits) == 7 and sum(1 for v in visits if v["帮扶方式"] == "入户走访") == 5
    _, problems = table(wb["问题和措施"])
    assert len(problems) == 6
    assert sum(p["计入措施数"] for p in problems) == 8
    assert sum(1 for p in problems if p["落实情况"] == "已解决") == 4
    _, members = table(wb["家庭成员"])
    assert len(members) == 6  # H1, H3, H4: 2 each
    assert {m["职工姓名"] for m in members} == {"张建国", "刘建军", "孙德胜"}
    _, months = table(wb["月度收入记录"])
    assert len(months) == 6 and all(m["月份"].startswith("2026-") for m in months)
    assert summary.rows["走访帮扶记录"] == 7

    figures = {row[0]: row[1] for row in wb["统计表"].iter_rows(values_only=True) if row}
    assert figures["建档户数（全部档案状态）"] == 6
    assert figures["走访帮扶人次"] == 7 and figures["帮扶措施数"] == 8
    assert figures["结对帮扶覆盖率"] == pytest.approx(2 / 3)
    region_rows = [r for r in wb["统计表"].iter_rows(values_only=True) if r and r[1] == "530102"]
    assert region_rows and region_rows[0][0].strip() == "五华区"


def test_region_filter_and_cli(
    store: Store, built: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "qujing.xlsx"
    db = store.path
    assert db is not None
    assert main(["--db", str(db), "export", "--xlsx", str(out), "--region", "530300"]) == 0
    assert "已导出 1 户" in capsys.readouterr().out
    wb = load_workbook(out, read_only=True)
    rows = list(wb["户信息"].iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][rows[0].index("区县")] == "麒麟区"
    figures = {r[0]: r[1] for r in wb["统计表"].iter_rows(values_only=True) if len(r) > 1}
    assert figures["建档户数（全部档案状态）"] == 1
    wb.close()
    assert main(["--db", str(db), "export", "--xlsx", str(tmp_path / "x.csv")]) == 1
    assert "xlsx" in capsys.readouterr().err

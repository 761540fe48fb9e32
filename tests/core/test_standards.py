"""Issue 12, item 4: 低保 and minimum-wage standards managed, imported from Excel, bundled."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from fieldapp.cli.main import main
from fieldapp.core.reports.standards_xlsx import (
    StandardsFileError,
    import_standards,
    write_template,
)
from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.store import Store
from fieldapp.core.sync.records import COUNTED, normalised_counts


def test_both_kinds_are_seeded_and_looked_up_by_county_and_date(store: Store) -> None:
    assert store.minimum_wage("530102", date(2026, 11, 1)) == 167_000
    assert store.minimum_wage("530102", date(2018, 4, 30)) is None  # before 2018-05-01
    assert store.minimum_wage("530402", date(2026, 11, 1)) is None
    store.add_standard("minimum_wage", "530400", "2025-01-01", 150_000, source="x", author="t")
    assert store.minimum_wage("530402", date(2026, 11, 1)) == 150_000  # the city's applies
    with pytest.raises(StoreError, match="依据"):
        store.add_standard("minimum_wage", "530402", "2025-01-01", 1, source=" ", author="t")
    with pytest.raises(StoreError, match="没有这种标准"):
        store.standards("salary")


def test_cli_minwage_add_and_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "w.db")
    add = [
        "--db",
        db,
        "--create",
        "minwage",
        "add",
        "530402",
        "2025-10-01",
        "1750",
        "--source",
        "云政发〔2025〕1号",
    ]
    assert main(add) == 0
    assert (
        "已记录最低工资标准：云南省 玉溪市 红塔区 2025-10-01 起 1750 元/月"
        in capsys.readouterr().out
    )
    assert (
        main(["--db", db, "minwage", "add", "999999", "2025-10-01", "1750", "--source", "x"]) == 1
    )
    assert "999999 不存在" in capsys.readouterr().err
    assert main(["--db", db, "minwage", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {(r["county_code"], r["amount_fen"]) for r in rows} >= {
        ("530402", 175_000),
        ("530102", 167_000),
    }


def test_template_and_import_row_by_row(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "低保.xlsx"
    write_template(store, "dibao", path)
    wb = load_workbook(path)
    ws = wb.active
    assert [c.value for c in ws[1]] == ["区县代码", "区县名称", "生效日期", "金额（元）", "依据"]
    assert ws.max_row == 1 + len(store.standards("dibao"))  # the current entries, ready to edit
    ws.append(["530402", "红塔区", date(2026, 1, 1), 600, "玉政发〔2025〕9号"])  # good
    ws.append([530423, "通海县", "2026-01-01", "585.50", "玉政发〔2025〕9号"])  # good, number cell
    ws.append(["530499", "", "2026-01-01", 600, "x"])  # unknown county
    ws.append(["530402", "", "明年", "-5", ""])  # bad date, amount, no source
    wb.save(path)
    rows = ws.max_row
    result = import_standards(store, "dibao", path, author="办公室")
    assert result.added == 2  # the template's own rows are already there: skipped
    assert result.problems == [
        (rows - 1, "区县代码", "“530499”不是已知的6位行政区划代码"),
        (rows, "生效日期", "“明年”应为 YYYY-MM-DD"),
        (rows, "金额（元）", "“-5”不是正数金额（元）"),
        (rows, "依据", "请写明文件号或来源"),
    ]
    assert store.dibao_standard("530402", date(2026, 6, 1)) == 60_000
    assert store.dibao_standard("530423", date(2026, 6, 1)) == 58_550
    assert import_standards(store, "dibao", path, author="办公室").added == 0  # again: nothing


def test_import_refuses_a_file_that_is_not_a_sheet_of_standards(
    store: Store, tmp_path: Path
) -> None:
    text = tmp_path / "x.xlsx"
    text.write_text("区县代码,生效日期\n", encoding="utf-8")
    with pytest.raises(StandardsFileError, match="不是有效的 Excel"):
        import_standards(store, "dibao", text, author="t")
    other = tmp_path / "other.xlsx"
    write_template(store, "dibao", other)
    wb = load_workbook(other)
    wb.active.delete_rows(1)
    wb.save(other)
    with pytest.raises(StandardsFileError, match="缺少"):
        import_standards(store, "dibao", other, author="t")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=2000))
def test_any_bytes_give_a_clear_refusal(store: Store, tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.xlsx"
    path.write_bytes(b"PK\x03\x04" + data)
    with pytest.raises(StandardsFileError):
        import_standards(store, "minimum_wage", path, author="t")


def test_counts_of_bundles_made_before_minimum_wages_still_read() -> None:
    old = {k: 0 for k in COUNTED if k != "minimum_wage_standards"}
    assert normalised_counts(old) == {**old, "minimum_wage_standards": 0}
    assert normalised_counts({**old, "salaries": 1}) is None
    assert normalised_counts({**old, "households": True}) is None


def test_the_in_memory_table_answers_like_the_store(store: Store) -> None:
    """Statistics read the standards once (StandardTable); it must agree with Store.standard."""
    store.add_standard("dibao", "530400", "2020-01-01", 50_000, source="x", author="t")
    store.add_standard("dibao", "530402", "2024-01-01", 60_000, source="x", author="t")
    store.add_standard("dibao", "530402", "2024-01-01", 61_000, source="更正", author="t")
    store.add_standard("dibao", "530000", "2019-01-01", 45_000, source="x", author="t")
    table = store.standard_table("dibao")
    for county in ("530102", "530402", "530421", "530423", "532301", "110101"):
        for day in (
            "2018-06-30",
            "2018-07-01",
            "2020-01-01",
            "2023-12-31",
            "2024-01-01",
            "2030-01-01",
        ):
            on = date.fromisoformat(day)
            assert table.lookup(county, on) == store.dibao_standard(county, on), (county, day)
    assert table.lookup("530402", date(2024, 6, 1)) == 61_000  # the later entry of the day

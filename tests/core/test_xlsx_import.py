"""Importing the existing archive from the template: good rows in, bad rows reported, no duplicates."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from fieldapp.cli.main import main
from fieldapp.core.forms.loader import default_survey
from fieldapp.core.reports.xlsx_import import import_archive, write_report
from fieldapp.core.reports.xlsx_reading import TemplateError
from fieldapp.core.reports.xlsx_template import (
    HOUSEHOLD_SHEET,
    MEMBER_SHEET,
    NOTES_SHEET,
    write_template,
)
from fieldapp.core.store.store import Store
from fieldapp.core.values.idcard import make_id_number
from tests.conftest import TODAY

FORM_A = default_survey().form("A")


def worker(name: str, id_number: str, archive_no: str, **more: Any) -> dict[str, Any]:
    """A household row by column label (as an office would type it)."""
    row = {
        "档案编号": archive_no,
        "困难类别": "深度困难",
        "姓名": name,
        "性别": "男",
        "民族": "彝族",
        "政治面貌": "群众",
        "身份证号": id_number,
        "出生日期": datetime(1978, 3, 9),
        "健康状况": "良好",
        "工作状态": "失(无)业",
        "婚姻状况": "已婚",
        "手机号码": 13987654321,  # typed as a number in Excel
        "住房类型": "租房",
        "住房安全状况": "安全",
        "家庭住址": "昆明市盘龙区某街道 8 号",
        "居住地（区县）": "530103",
        "主要致困原因": "下岗失业",
        "建档人": "李干事",
    }
    row.update(more)
    return row


def fill(
    template: Path, out: Path, households: list[dict[str, Any]], members: list[dict[str, Any]]
) -> Path:
    wb = load_workbook(template)
    for title, rows in ((HOUSEHOLD_SHEET, households), (MEMBER_SHEET, members)):
        ws = wb[title]
        header = [c.value for c in ws[1]]
        for row in rows:
            unknown = set(row) - set(header)
            assert not unknown, unknown
            ws.append([row.get(h) for h in header])
    wb.save(out)
    return out


GOOD_1 = make_id_number("530103", date(1978, 3, 9), 17)
GOOD_2 = make_id_number("530103", date(1981, 11, 2), 19)
GOOD_3 = make_id_number("530102", date(1975, 6, 30), 22)
WIFE = make_id_number("530103", date(1980, 4, 1), 24)


@pytest.fixture
def template(tmp_path: Path) -> Path:
    return write_template(tmp_path / "模板.xlsx", FORM_A)


@pytest.fixture
def filled(template: Path, tmp_path: Path) -> Path:
    households = [
        worker("陈志明", GOOD_1, "YN-530103-2019-000101"),  # row 3
        worker("罗永强", GOOD_2, "YN-530103-2019-000102", **{"出生日期": "1981-11-02"}),  # row 4
        worker(
            "何秀兰",
            GOOD_3,
            "YN-530102-2019-000103",
            性别="女",  # row 5
            出生日期="1975/6/30",
            **{"居住地（区县）": "云南省 昆明市 五华区"},
        ),
        worker("坏身份证", "530103197803090018", "YN-530103-2019-000104"),  # row 6: checksum
        worker(
            "",
            make_id_number("530103", date(1979, 1, 1), 31),
            "YN-530103-2019-000105",
            困难类别="特困户",
        ),  # row 7: no name, unknown category
        worker("重复", GOOD_1, "YN-530103-2019-000106"),  # row 8: same ID as row 3
    ]
    members = [
        {
            "职工身份证号": GOOD_1,
            "姓名": "李桂芬",
            "与户主关系": "配偶",
            "身份证号": WIFE,
            "性别": "女",
            "出生日期": "1980-04-01",
            "健康状况": "糖尿病",
            "人员身份": "灵活就业",
            "月收入（元）": 1500.5,
            "医保状况": "城乡居民医保",
        },  # row 3
        {
            "职工身份证号": GOOD_1,
            "姓名": "陈小龙",
            "与户主关系": "子女",
            "性别": "男",
            "出生日期": "2012-09-01",
            "人员身份": "初中",
            "月收入（元）": 0,
        },  # row 4
        {"职工身份证号": GOOD_2, "姓名": "罗小红", "与户主关系": "女儿", "性别": "女"},  # row 5
        {"职工身份证号": "530103199001010000", "姓名": "无主", "与户主关系": "子女"},  # row 6
    ]
    return fill(template, template.with_name("填好.xlsx"), households, members)


def test_template_has_headers_example_and_notes(template: Path) -> None:
    wb = load_workbook(template)
    assert wb.sheetnames == [HOUSEHOLD_SHEET, MEMBER_SHEET, NOTES_SHEET, "可选项"]
    assert wb["可选项"].sheet_state == "hidden"
    header = [c.value for c in wb[HOUSEHOLD_SHEET][1]]
    assert header[:4] == ["说明", "档案状态", "档案编号", "职工编号"]
    assert {"姓名", "身份证号", "居住地（区县）", "主要致困原因"} <= set(header)
    assert "家庭人口" not in header  # calculated fields are not typed in
    example = [c.value for c in wb[HOUSEHOLD_SHEET][2]]
    assert example[0].startswith("示例") and "张建国" in example
    member_header = [c.value for c in wb[MEMBER_SHEET][1]]
    assert member_header[:3] == ["说明", "职工身份证号", "姓名"] and "年龄" not in member_header
    notes = [r for r in wb[NOTES_SHEET].iter_rows(values_only=True)]
    category = next(r for r in notes if r[1] == "困难类别")
    assert category[2] == "是" and "深度困难" in category[4]
    # conditions in plain words, never the form language's expressions
    enterprise = next(r for r in notes if r[1] == "企业状况")
    assert "“单位性质”为“国有企业”" in enterprise[4] and "之一时填写" in enterprise[4]
    assert not any("==" in str(r[4]) or " in [" in str(r[4]) for r in notes)
    # every single-choice column offers its options as a dropdown
    lists = wb["可选项"]
    dropdowns = {}
    for rule in wb[HOUSEHOLD_SHEET].data_validations.dataValidation:
        column = str(rule.sqref).split(":")[0].rstrip("0123456789")
        letter = rule.formula1.split("!")[1].split(":")[0].strip("$").rstrip("$0123456789")
        options = [c.value for c in lists[letter] if c.value is not None]
        dropdowns[header[wb[HOUSEHOLD_SHEET][column + "1"].column - 1]] = options
    assert dropdowns["档案状态"] == ["在档", "已脱困", "已解困", "注销"]
    assert dropdowns["困难类别"][0] == "深度困难" and "性别" in dropdowns
    assert "姓名" not in dropdowns


def test_template_itself_imports_nothing(store: Store, template: Path) -> None:
    result = import_archive(store, template, author="导入员", today=TODAY)
    assert (result.created, result.examples_skipped, result.problems) == (0, 2, [])
    assert store.count_households() == 0


def test_good_rows_in_bad_rows_reported(store: Store, filled: Path, tmp_path: Path) -> None:
    result = import_archive(store, filled, author="导入员", today=TODAY)
    # Rows 3 and 5 are good; row 4 falls with its member (row 5 of 家庭成员); rows 6–8 are bad.
    assert (result.created, result.updated, result.rejected) == (2, 0, 4)
    assert store.count_households() == 2
    errors = {(p.sheet, p.row, p.column) for p in result.errors}
    assert (HOUSEHOLD_SHEET, 6, "身份证号") in errors  # checksum
    assert (HOUSEHOLD_SHEET, 7, "姓名") in errors  # required
    assert (HOUSEHOLD_SHEET, 7, "困难类别") in errors  # not an option
    assert (HOUSEHOLD_SHEET, 8, "身份证号") in errors  # duplicate of row 3
    assert (MEMBER_SHEET, 5, "与户主关系") in errors  # 女儿 is not an option → household 罗永强 …
    assert (MEMBER_SHEET, 6, "职工身份证号") in errors  # no such household
    messages = {p.row: p.message for p in result.errors if p.sheet == HOUSEHOLD_SHEET}
    assert "重复" in messages[8] and "不是可选项" in " ".join(
        p.message for p in result.errors if p.row == 7
    )

    # … so 罗永强 (row 4) is rejected with his member; 陈志明 and 何秀兰 are in.
    names = {r["name"] for r in store.search("", limit=None)}
    assert "陈志明" in names and "何秀兰" in names and "罗永强" not in names

    chen = store.household(GOOD_1)
    a = store.current(chen["id"])["A"]
    assert [m["name"] for m in a["members"]] == ["李桂芬", "陈小龙"]
    assert a["members"][0]["monthly_income"] == 150050  # 1500.5 元 typed as a number
    assert a["phone"] == "13987654321" and a["family_size"] == 3
    assert store.current_states(chen["id"]) == {"A": "final"}
    he = store.current(store.household(GOOD_3)["id"])["A"]
    assert he["residence_region"] == "530102" and he["birth_date"] == "1975-06-30"

    report = write_report(tmp_path / "报告.xlsx", result.problems, result)
    rows = list(load_workbook(report)["导入问题"].iter_rows(values_only=True))
    assert rows[0] == ("工作表", "行号", "列", "问题", "严重程度")
    assert (HOUSEHOLD_SHEET, 6, "身份证号") in {r[:3] for r in rows[1:]}
    as_csv = write_report(tmp_path / "报告.csv", result.problems, result)
    with as_csv.open(encoding="utf-8-sig") as handle:
        assert len(list(csv.reader(handle))) == len(rows)


def test_reimport_creates_no_duplicates(store: Store, filled: Path, template: Path) -> None:
    first = import_archive(store, filled, author="导入员", today=TODAY)
    revisions = store.db.execute("select count(*) from revisions").fetchone()[0]
    again = import_archive(store, filled, author="导入员", today=TODAY)
    assert (again.created, again.updated, again.unchanged) == (0, 0, first.created)
    assert store.count_households() == 2
    assert store.db.execute("select count(*) from revisions").fetchone()[0] == revisions

    # A changed phone number: the household gets a new Form A revision, not a new household.
    changed = fill(
        template,
        template.with_name("改.xlsx"),
        [worker("陈志明", GOOD_1, "YN-530103-2019-000101", 手机号码="13800001111")],
        [],
    )
    result = import_archive(store, changed, author="导入员", today=TODAY)
    assert (result.created, result.updated) == (0, 1)
    chen = store.household(GOOD_1)
    assert store.current(chen["id"])["A"]["phone"] == "13800001111"
    assert store.current(chen["id"])["A"]["members"] == []  # the sheet lists no members now
    assert store.count_households() == 2
    # Matched by 档案编号 when the ID number was corrected.
    other_id = make_id_number("530103", date(1978, 3, 9), 35)
    by_archive = fill(
        template,
        template.with_name("号.xlsx"),
        [worker("陈志明", other_id, "YN-530103-2019-000101")],
        [],
    )
    assert import_archive(store, by_archive, author="导入员", today=TODAY).updated == 1
    assert store.count_households() == 2


def test_dry_run_and_bad_files(store: Store, filled: Path, tmp_path: Path) -> None:
    result = import_archive(store, filled, author="导入员", today=TODAY, dry_run=True)
    assert result.created == 2 and store.count_households() == 0
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a zip")
    with pytest.raises(TemplateError, match="不是有效的 Excel"):
        import_archive(store, junk, author="导入员")
    wb = load_workbook(filled)
    del wb[HOUSEHOLD_SHEET]
    wb.save(tmp_path / "nosheet.xlsx")
    with pytest.raises(TemplateError, match="户信息"):
        import_archive(store, tmp_path / "nosheet.xlsx", author="导入员")


def test_id_numbers_typed_as_numbers_are_refused(store: Store, template: Path) -> None:
    row = worker("数字号", GOOD_1, "YN-530103-2019-000201")
    row["身份证号"] = float(GOOD_1)  # what Excel keeps of an 18-digit number
    path = fill(template, template.with_name("数字.xlsx"), [row], [])
    result = import_archive(store, path, author="导入员", today=TODAY)
    assert result.created == 0 and any("文本格式" in p.message for p in result.errors)


def test_cli_template_and_import(
    tmp_path: Path, filled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "hq.db"
    out = tmp_path / "t.xlsx"
    assert main(["--db", str(db), "archive", "template", "--out", str(out)]) == 0
    assert out.exists()
    capsys.readouterr()
    report = tmp_path / "r.csv"
    args = ["--db", str(db), "--create", "--user", "导入员", "archive", "import-xlsx", str(filled)]
    assert main([*args, "--dry-run", "--json"]) == 1  # rows refused: exit 1, even on a dry run
    dry = json.loads(capsys.readouterr().out)
    assert main([*args, "--report", str(report), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert (doc["created"], doc["rejected"]) == (2, 4) and report.exists()
    counts = ("created", "updated", "unchanged", "rejected")
    assert [dry[k] for k in counts] == [doc[k] for k in counts]  # the dry run said exactly this
    assert main([*args, "--dry-run", "--json"]) == 1
    again = json.loads(capsys.readouterr().out)
    assert main(args) == 1
    captured = capsys.readouterr()
    assert "新建户数 0" in captured.out and "4 户因错误未导入" in captured.err
    assert [again[k] for k in counts] == [0, 0, 2, 4]  # re-import: unchanged, as the real run
    assert main(["--db", str(db), "archive", "import-xlsx", str(tmp_path / "none.xlsx")]) == 1
    assert "文件不存在" in capsys.readouterr().err

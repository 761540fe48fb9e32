"""Issue 10: nothing a cadre typed is ever lost — never cut or guessed, limits everywhere, clean
refusals of malformed input, no stray databases, LIKE wildcards taken literally.

Each test reproduces one reported problem through the path the user takes (the command line,
the store); docs/limits.md lists every limit tested here.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from fieldapp.cli.main import main
from fieldapp.core.store.errors import StoreError, Unstorable
from fieldapp.core.store.store import Store
from fieldapp.core.values import limits
from tests.core.fuzz_targets import filled_template
from tests.core.fuzzing import content_digest
from tests.core.households import complete_household
from tests.stores import copy_database, open_test_store

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def one_household(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("limits") / "limits.db"
    store = open_test_store(path)
    hid = store.create_household("测试员")
    for form_id, data in complete_household().items():
        store.save_form(hid, form_id, data, author="测试员", final=True)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return path


@pytest.fixture
def db(one_household: Path, tmp_path: Path) -> Path:
    """A copy of a database holding one complete household (A–E final)."""
    path = tmp_path / "limits.db"
    copy_database(one_household, path)
    return path


def household_id(db: Path) -> str:
    store = open_test_store(db)
    try:
        return str(next(store.iter_household_ids()))
    finally:
        store.close()


def cli(db: Path, *args: str) -> int:
    return main(["--db", str(db), "--user", "测试员", *args])


def record(db: Path, tmp_path: Path, form: str, payload: bytes | str, *flags: str) -> int:
    source = tmp_path / "in.json"
    source.write_bytes(payload.encode() if isinstance(payload, str) else payload)
    return cli(db, "record", household_id(db), "--form", form, "--json", str(source), *flags)


# -- never cut, never guess -------------------------------------------------------------------------


def test_over_long_text_is_kept_in_the_draft_and_blocks_finalising(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    members = complete_household()["A"]["members"]
    members[0]["notes"] = "说明" * 1000  # 2,000 characters where 200 are allowed
    payload = json.dumps({**complete_household()["A"], "members": members}, ensure_ascii=False)
    before = content_digest(db)
    assert record(db, tmp_path, "A", payload) == 1
    assert "已输入 2,000 字，超过上限 200 字" in capsys.readouterr().err
    assert content_digest(db) == before
    assert record(db, tmp_path, "A", payload, "--draft") == 0
    store = open_test_store(db)
    assert store.current(household_id(db))["A"]["members"][0]["notes"] == "说明" * 1000
    store.close()


def test_an_ambiguous_amount_is_refused_not_read_as_123(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    b = complete_household()["B"]
    b["incomes"][0]["annual_amount"] = "1,2,3元"
    assert record(db, tmp_path, "B", json.dumps(b, ensure_ascii=False)) == 1
    err = capsys.readouterr().err
    assert "“1,2,3元”不是有效金额" in err and "1,234.50" in err
    assert record(db, tmp_path, "B", json.dumps(b, ensure_ascii=False), "--draft") == 0
    store = open_test_store(db)
    kept = store.current(household_id(db))["B"]["incomes"][0]["annual_amount"]
    store.close()
    assert kept == "1,2,3元"  # kept as typed, never 12300 分


def test_a_name_with_a_character_the_ledger_cannot_print_is_refused(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = {**complete_household()["A"], "name": "王😀芳"}
    assert record(db, tmp_path, "A", json.dumps(a, ensure_ascii=False)) == 1
    assert "“😀”（U+1F600）无法打印（表册字体没有这个字）" in capsys.readouterr().err


def test_the_ledger_prints_a_visible_stand_in_and_lists_it(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Old data (a draft) holding a character the font lacks: printed as [U+1F600], never blank."""
    a = {**complete_household()["A"], "name": "王😀芳", "address": "某路𠀀号"}
    assert record(db, tmp_path, "A", json.dumps(a, ensure_ascii=False), "--draft") == 0
    capsys.readouterr()
    out = tmp_path / "表册.pdf"
    assert cli(db, "ledger", household_id(db), "--out", str(out)) == 0
    warning = capsys.readouterr().err
    assert "[U+1F600]（困难职工档案表·姓名）" in warning and "[U+20000]" in warning
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "王[U+1F600]芳" in text and "某路[U+20000]号" in text
    assert "王 芳" not in text and "王　芳" not in text
    assert "以下字符表册字体无法打印" in text.replace("\n", "")


def test_a_draft_with_odd_values_still_prints_shows_and_exports(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Values of the right shape but wrong content are kept in a draft; every reader copes."""
    a = {
        **complete_household()["A"],
        "worker_signature": {"strokes": [[["a", "b"], [1e300, 5]], 7]},
        "floor_area": "1,2,3",
        "residence_region": "999999",
        "address": "路\x07号",
        "category": "困难\x07",  # becomes a label of the statistics sheet in the export
    }
    assert record(db, tmp_path, "A", json.dumps(a, ensure_ascii=False), "--draft") == 0
    hid = household_id(db)
    assert cli(db, "ledger", hid, "--out", str(tmp_path / "x.pdf")) == 0
    assert cli(db, "show", hid) == 0 and cli(db, "list") == 0
    assert cli(db, "export", "--xlsx", str(tmp_path / "x.xlsx")) == 0
    assert "Traceback" not in capsys.readouterr().err


# -- limits everywhere ------------------------------------------------------------------------------


def test_a_ten_million_character_note_is_refused_not_even_kept_as_a_draft(store: Store) -> None:
    hid = store.create_household("测试员")
    note = "字" * 10_000_000
    with pytest.raises(Unstorable, match="已输入 10,000,000 字，超过每项 20,000 字的上限"):
        store.save_form(hid, "A", {"address": note}, author="测试员")
    assert store.current(hid) == {}


def test_a_form_over_a_megabyte_is_refused(store: Store) -> None:
    hid = store.create_household("测试员")
    rows = [{"name": f"成员{i}", "notes": "备" * 19_000} for i in range(30)]  # 30 × 57 KB
    with pytest.raises(Unstorable, match="超过每张表 .* 的上限"):
        store.save_form(hid, "A", {"members": rows}, author="测试员")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ('{"problems": [null]}', "第 1 行应为对象"),
        ('{"problems": [1, 2]}', "第 1 行应为对象"),
        ('{"problems": {"category": "就业"}}', "应为表格行的列表"),
        ('{"problems": [{"category": ["就业"]}]}', "应为一个值"),
        ("[" * 100_000 + "]" * 100_000, "嵌套层数超过 64 层"),
        ('{"problems": []' + "}" * 1, None),  # valid: nothing wrong with an empty list
        ('{"problems": [{"description": NaN}]}', "NaN 不是 JSON 数值"),
        ('{"family_size": ' + "9" * 5000 + "}", "数字位数过多"),
    ],
)
def test_malformed_record_json_is_refused_cleanly(
    db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    payload: str,
    message: str | None,
) -> None:
    before = content_digest(db)
    for draft in ((), ("--draft",)):
        code = record(db, tmp_path, "E", payload, *draft)
        err = capsys.readouterr().err
        assert "Traceback" not in err
        if message is None:
            assert code == 0
            continue
        assert code == 1 and message in err, err
        assert content_digest(db) == before


def test_json_over_the_size_limit_is_refused_before_parsing(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "JSON_MAX_BYTES", 1000)
    assert record(db, tmp_path, "A", '{"address": "' + "x" * 2000 + '"}', "--draft") == 1
    assert "JSON 数据最多 1000 字节" in capsys.readouterr().err


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return buffer.getvalue()


def test_damaged_spreadsheets_are_refused_and_change_nothing(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = filled_template(tmp_path).read_bytes()
    with zipfile.ZipFile(io.BytesIO(good)) as package:
        parts = {i.filename: package.read(i.filename) for i in package.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    ns = b"<worksheet xmlns='http://schemas.openxmlformats.org/spreadsheetml/2006/main'>"
    damaged = {
        "truncated": good[: len(good) // 2],
        "XML ParseError": _zip({**parts, sheet: b"<worksheet><sheetData><row>"}),
        "missing shared string": _zip(
            {
                **parts,
                sheet: ns + b"<sheetData><row r='1'><c r='A1' t='s'><v>999</v></c>"
                b"</row></sheetData></worksheet>",
            }
        ),
        "not a number": _zip(
            {
                **parts,
                sheet: ns + b"<sheetData><row r='1'><c r='A1' t='n'><v>abc</v></c>"
                b"</row></sheetData></worksheet>",
            }
        ),
        "missing workbook": _zip({k: v for k, v in parts.items() if k != "xl/workbook.xml"}),
        "not a zip": b"PK\x03\x04" + b"\x00" * 200,
    }
    before = content_digest(db)
    for name, data in damaged.items():
        source = tmp_path / f"{name}.xlsx"
        source.write_bytes(data)
        assert cli(db, "archive", "import-xlsx", str(source)) == 1, name
        err = capsys.readouterr().err
        assert err.startswith("错误：") and "Traceback" not in err, (name, err)
        assert content_digest(db) == before, name


def test_a_zip_bomb_is_refused_before_it_is_opened(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("fieldapp.core.reports.xlsx_reading.XLSX_MAX_UNPACKED_BYTES", 1 << 20)
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(_zip({"xl/worksheets/sheet1.xml": b"\x00" * (2 << 20)}))
    assert bomb.stat().st_size < 10_000
    assert cli(db, "archive", "import-xlsx", str(bomb)) == 1
    assert "解压后有 2 MB，超过导入上限 1 MB" in capsys.readouterr().err


def test_a_spreadsheet_over_the_row_limit_is_refused_whole(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl import load_workbook

    monkeypatch.setattr("fieldapp.core.reports.xlsx_import.XLSX_MAX_HOUSEHOLD_ROWS", 2)
    path = filled_template(tmp_path)
    wb = load_workbook(path)
    ws = wb["户信息"]
    row = [c.value for c in ws[3]]
    for n in range(2):
        ws.append([f"YN-{n}" if v == row[2] else v for v in row])
    wb.save(path)
    before = content_digest(db)
    assert cli(db, "archive", "import-xlsx", str(path)) == 1
    assert "“户信息”工作表超过 2 行，一次最多导入 2 行" in capsys.readouterr().err
    assert content_digest(db) == before


def test_a_bundle_over_the_size_limit_is_refused(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fieldapp.core.sync.container import BundleError, read_envelope

    monkeypatch.setattr("fieldapp.core.sync.container.BUNDLE_MAX_BYTES", 100)
    big = tmp_path / "big.hhq"
    big.write_bytes(b"\x89HHQ\r\n\x1a\n" + b"\x00" * 200)
    with pytest.raises(BundleError, match="过大（208 字节），数据包最多 100 字节"):
        read_envelope(big)


def test_an_attachment_over_the_limit_is_refused(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("fieldapp.core.store.attachments.ATTACHMENT_MAX_BYTES", 1000)
    with pytest.raises(StoreError, match="附件过大（2 KB），单个附件最多 1000 字节"):
        store.add_attachment_bytes(b"x" * 2048, name="照片.jpg", author="测试员")


def test_a_damaged_or_oversized_enrollment_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = tmp_path / "laptop.db"
    deep = tmp_path / "deep.hhqe"
    deep.write_text("[" * 100_000, encoding="utf-8")
    assert main(["--db", str(laptop), "enroll", str(deep)]) == 1
    assert "不是户户清登记文件（登记文件的嵌套层数超过 64 层" in capsys.readouterr().err
    monkeypatch.setattr("fieldapp.core.trust.enrollment.ENROLLMENT_MAX_BYTES", 1000)
    big = tmp_path / "big.hhqe"
    big.write_bytes(b" " * 2048)
    assert main(["--db", str(laptop), "enroll", str(big)]) == 1
    assert "登记文件过大（2 KB），最多 1000 字节" in capsys.readouterr().err
    assert not laptop.exists()


@pytest.mark.parametrize(
    "appendix",
    [
        "[" * 5000,
        "\n" + "".join(" " * i + "k:\n" for i in range(1, 1100)),
        "&x [1,1,1,1,1,1,1,1,1,1]\ny: &y [*x,*x,*x,*x,*x,*x,*x,*x,*x,*x]\n"
        "z: &z [*y,*y,*y,*y,*y,*y,*y,*y,*y,*y]\nw: &w [*z,*z,*z,*z,*z,*z,*z,*z,*z,*z]\n"
        "v: [*w,*w,*w,*w,*w,*w,*w,*w,*w,*w,*w,*w,*w,*w,*w,*w,*w,*w,*w,*w]",
    ],
)
def test_forms_check_refuses_deep_or_exploding_yaml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], appendix: str
) -> None:
    from fieldapp.core.paths import FORMS_DIR

    forms = tmp_path / "forms"
    forms.mkdir()
    for path in FORMS_DIR.iterdir():
        (forms / path.name).write_bytes(path.read_bytes())
    with (forms / "C.yaml").open("a", encoding="utf-8") as handle:
        handle.write("\nzz: " + appendix + "\n")
    assert main(["forms", "check", str(forms)]) == 1
    out = capsys.readouterr().out
    assert re.search(r"C\.yaml: .*(嵌套层数超过 64 层|内容过多（超过 200,000 项）)", out), out


def test_every_limit_is_listed_in_docs_and_the_schema_agrees() -> None:
    docs = (REPO / "docs" / "limits.md").read_text(encoding="utf-8")
    names = [n for n in vars(limits) if n.isupper() and n not in ("KIB", "MIB")]
    assert names and all(f"`{n}`" in docs for n in names), [
        n for n in names if f"`{n}`" not in docs
    ]
    schema = json.loads((REPO / "forms" / "schema.json").read_text(encoding="utf-8"))
    max_length = schema["$defs"]["field"]["properties"]["max_length"]["maximum"]
    assert max_length == limits.TEXT_FIELD_MAX_CHARS
    assert "limits.md" in (REPO / "README.md").read_text(encoding="utf-8")


# -- no stray databases -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["list"],
        ["show", "x"],
        ["record", "new", "--form", "A", "--json", str(REPO / "forms" / "schema.json")],
        ["stats"],
        ["ledger", "--all", "--out", "x.pdf"],
        ["dibao", "add", "530102", "2026-01-01", "620", "--source", "文件"],
        ["archive", "import-xlsx", str(REPO / "pyproject.toml")],
    ],
)
def test_a_mistyped_database_path_is_refused_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    missing = tmp_path / "户户清-拼错.db"
    assert main(["--db", str(missing), *command]) == 1
    err = capsys.readouterr().err
    assert f"数据库文件不存在：{missing}" in err and "--create" in err
    assert not missing.exists()


def test_commands_that_start_a_database_create_it(tmp_path: Path) -> None:
    assert main(["--db", str(tmp_path / "demo.db"), "demo", "--households", "1", "--quiet"]) == 0
    assert main(["--db", str(tmp_path / "new.db"), "--create", "list"]) == 0
    assert (tmp_path / "demo.db").exists() and (tmp_path / "new.db").exists()


# -- LIKE wildcards -----------------------------------------------------------------------------


@pytest.mark.parametrize("region", ["%", "5_01", "530\\"])
def test_region_wildcards_are_refused_on_the_command_line(
    db: Path, capsys: pytest.CaptureFixture[str], region: str
) -> None:
    for command in (["list"], ["export", "--xlsx", "x.xlsx"], ["ledger", "--out", "x.pdf"]):
        assert cli(db, *command, "--region", region) == 1
        assert "--region 应为行政区划代码或其前缀" in capsys.readouterr().err
    assert cli(db, "hq", "assign", "--to", "x", "--region", region, "--out", "x.hhq") == 1


@pytest.mark.parametrize("prefix", ["%", "_", "53010_"])
def test_prefix_matches_take_wildcards_literally(store: Store, prefix: str) -> None:
    hid = store.create_household("测试员")
    store.save_form(hid, "A", complete_household()["A"], author="测试员")
    assert store.search(region_prefix="5301") != []
    assert store.search(region_prefix=prefix, limit=None) == []


def test_a_province_code_selects_only_its_own_households(store: Store) -> None:
    """500000 (重庆) once became the prefix "5" and selected 云南 (53…) as well."""
    from fieldapp.core.reports.records import region_clause

    hid = store.create_household("测试员")
    store.save_form(hid, "A", complete_household()["A"], author="测试员")  # 530102
    assert store.search(region_prefix="500000") == []
    assert store.search(region_prefix="530000") != []
    where, args = region_clause("500000")
    rows = store.db.execute(f"select count(*) from households h where {where}", args).fetchone()
    assert rows[0] == 0


def test_conflict_and_device_references_take_wildcards_literally(store: Store) -> None:
    from fieldapp.core.sync.merge import ConflictError, find_conflict
    from fieldapp.core.trust import identity

    with pytest.raises(ConflictError, match="没有冲突"):
        find_conflict(store, "%%%%%%")
    with pytest.raises(StoreError, match="没有登记"):
        identity.device(store, "%%%%%%%%")

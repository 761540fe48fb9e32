"""The command line, run in-process as a script would: exit codes, messages, nothing lost."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fieldapp.cli.main import main
from tests.core.households import WORKER_ID, complete_household
from tests.stores import open_test_store

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A new, empty database (commands that only read or edit refuse a missing file)."""
    path = tmp_path / "cli.db"
    open_test_store(path).close()
    return path


def run(db: Path, *args: str) -> int:
    return main(["--db", str(db), "--user", "测试员", *args])


def write_json(tmp_path: Path, value: Any, name: str = "in.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


def db_digest(db: Path) -> str:
    store = open_test_store(db)
    rows = [
        json.dumps(list(store.db.query(f"select * from {t} order by rowid")), default=str)
        for t in ("households", "revisions", "audit", "status_changes", "dibao_standards")
    ]
    store.close()
    return hashlib.sha256("".join(rows).encode()).hexdigest()


def new_household(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    source = write_json(tmp_path, complete_household()["A"], "a.json")
    assert run(db, "record", "new", "--form", "A", "--json", str(source), "--json-output") == 0
    return str(json.loads(capsys.readouterr().out)["household"])


def test_record_new_show_list_history(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hid = new_household(db, tmp_path, capsys)
    source = write_json(tmp_path, complete_household()["B"], "b.json")
    assert run(db, "record", hid, "--form", "B", "--json", str(source)) == 0
    assert "已保存" in capsys.readouterr().out

    assert run(db, "show", "YN-530102-2020-000001", "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["forms"]["A"]["name"] == "张建国"
    assert shown["forms"]["B"]["monthly_per_capita"] == 50000
    assert shown["states"] == {"A": "final", "B": "final"}

    assert run(db, "show", WORKER_ID) == 0
    text = capsys.readouterr().out
    assert "月人均收入（元）：500.00 元" in text and "云南省 昆明市 五华区 (530102)" in text

    assert run(db, "list", "--query", "张建", "--json") == 0
    listed = json.loads(capsys.readouterr().out)["households"]
    assert [h["id"] for h in listed] == [hid]
    assert listed[0]["region"] == "云南省 昆明市 五华区"

    assert run(db, "history", hid, "--json") == 0
    history = json.loads(capsys.readouterr().out)
    assert [r["form_id"] for r in history["revisions"]] == ["A", "B"]


def test_record_reads_stdin(
    db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(complete_household()["A"])))
    assert run(db, "record", "new", "--form", "A") == 0
    assert "已保存" in capsys.readouterr().out


BAD_A_VALUES = [
    ({"id_number": "530102198001010016"}, "校验"),
    ({"id_number": "532301199002290072"}, "id_number"),
    ({"birth_date": "2027-01-01"}, "晚于今天"),
    ({"phone": "12345"}, "不是有效电话号码"),
    ({"category": "特困户"}, "不是可选项"),
    ({"address": "很长的地址" * 100}, "内容过长"),
    ({"name": "张\x1b三"}, "控制字符"),
    ({"floor_area": -3}, "不能小于"),
    ({"residence_region": "530321"}, "已撤销"),
]


@pytest.mark.parametrize(("change", "message"), BAD_A_VALUES)
def test_bad_values_are_refused_and_nothing_changes(
    db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: dict[str, Any],
    message: str,
) -> None:
    hid = new_household(db, tmp_path, capsys)
    before = db_digest(db)
    source = write_json(tmp_path, {**complete_household()["A"], **change})
    assert run(db, "record", hid, "--form", "A", "--json", str(source)) == 1
    err = capsys.readouterr().err
    assert message in err and "不能定稿" in err and "未保存任何内容" in err
    assert db_digest(db) == before


def test_bad_money_is_refused(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hid = new_household(db, tmp_path, capsys)
    before = db_digest(db)
    for amount, message in (
        (-100, "金额不能为负数"),
        ("12.345", "小数超过两位"),
        (1.5, "金额请以“元”填写"),
        ("99999999999", "超出合理范围"),
    ):
        b = complete_household()["B"]
        b["incomes"][0]["annual_amount"] = amount
        source = write_json(tmp_path, b)
        assert run(db, "record", hid, "--form", "B", "--json", str(source)) == 1
        assert message in capsys.readouterr().err
    assert db_digest(db) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "不是有效的 JSON"),
        ("[1, 2]", "JSON 顶层应为对象"),
        ('{"nmae": "张三"}', "没有这些字段：nmae"),
        ("\udcff", None),
    ],
)
def test_broken_json_is_refused(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str | None
) -> None:
    hid = new_household(db, tmp_path, capsys)
    before = db_digest(db)
    path = tmp_path / "bad.json"
    if message is None:
        path.write_bytes(b"\xff\xfe\x00garbage")
        message = "不是 UTF-8 文本"
    else:
        path.write_text(content, encoding="utf-8")
    assert run(db, "record", hid, "--form", "A", "--json", str(path)) == 1
    assert message in capsys.readouterr().err
    assert db_digest(db) == before


def test_unknown_form_household_and_file(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hid = new_household(db, tmp_path, capsys)
    source = write_json(tmp_path, {})
    assert run(db, "record", hid, "--form", "Z", "--json", str(source)) == 1
    assert "没有表单“Z”" in capsys.readouterr().err
    assert run(db, "record", "nobody", "--form", "A", "--json", str(source)) == 1
    assert "找不到户" in capsys.readouterr().err
    assert run(db, "record", hid, "--form", "A", "--json", str(tmp_path / "none.json")) == 1
    assert "文件不存在" in capsys.readouterr().err
    assert run(db, "show", "nobody") == 1


def test_draft_keeps_invalid_input(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_json(tmp_path, {"name": "李四", "phone": "138"})
    assert run(db, "record", "new", "--form", "A", "--json", str(source), "--draft") == 0
    out = capsys.readouterr()
    assert "草稿" in out.out and "不是有效电话号码" in out.err
    assert run(db, "list", "--json") == 0
    hid = json.loads(capsys.readouterr().out)["households"][0]["id"]
    assert run(db, "show", hid, "--json") == 0
    assert json.loads(capsys.readouterr().out)["forms"]["A"]["phone"] == "138"


def test_status_assess_dibao_audit(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hid = new_household(db, tmp_path, capsys)
    assert run(db, "status", hid, "已毕业", "--reason", "x") == 1
    assert "档案状态只能是" in capsys.readouterr().err
    # Form A alone shows no income at the 低保 level: the rules refuse 已解困 unless overridden.
    assert run(db, "status", hid, "已解困", "--reason", "重病无法脱困，纳入常态化帮扶") == 1
    err = capsys.readouterr().err
    assert "不符合“已解困”的条件" in err and "--override-reason" in err
    assert run(db, "list", "--status", "已解困", "--json") == 0
    assert json.loads(capsys.readouterr().out)["households"] == []
    reason = ["--reason", "重病无法脱困，纳入常态化帮扶", "--override-reason", "收入材料另附"]
    assert run(db, "status", hid, "已解困", *reason) == 0
    assert "人工认定" in capsys.readouterr().out
    assert run(db, "list", "--status", "已解困", "--json") == 0
    assert json.loads(capsys.readouterr().out)["total"] == 1
    assert run(db, "list", "--status", "不存在") == 1
    capsys.readouterr()
    assert run(db, "assess", hid, "--json", "--date", "2026-11-01") == 0
    report = json.loads(capsys.readouterr().out)
    assert {g["label"] for g in report["guarantees"]} >= {"有吃", "就业有保障", "住房有保障"}
    assert run(db, "dibao", "add", "530102", "2026-01-01", "六百", "--source", "x") == 1
    assert "不是有效金额" in capsys.readouterr().err
    assert (
        run(db, "dibao", "add", "530102", "2026-01-01", "620", "--source", "昆民发〔2026〕1号") == 0
    )
    capsys.readouterr()
    assert run(db, "dibao", "list", "--json") == 0
    assert any(r["amount_fen"] == 62000 for r in json.loads(capsys.readouterr().out))
    assert run(db, "audit", hid, "--json") == 0
    actions = [e["action"] for e in json.loads(capsys.readouterr().out)]
    assert actions[:2] == ["create_household", "finalise_form"] and "set_status" in actions


def test_newer_database_is_refused_with_exit_1(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    open_test_store(db).db.execute(
        "insert into _sqlite_migrations (migration_set, name, applied_at) "
        "values ('fieldapp', 'm999_future', 'x')"
    )
    assert run(db, "list") == 1
    assert "更新版本" in capsys.readouterr().err


def test_db_from_environment_and_python_dash_m(tmp_path: Path) -> None:
    env = {**os.environ, "FIELDAPP_DB": str(tmp_path / "env.db"), "PYTHONPATH": str(REPO)}
    refused = subprocess.run(
        [sys.executable, "-m", "fieldapp", "list", "--json"],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert refused.returncode == 1 and "--create" in refused.stderr  # issue 10: no stray database
    assert not (tmp_path / "env.db").exists()
    done = subprocess.run(
        [sys.executable, "-m", "fieldapp", "--create", "list", "--json"],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"total": 0, "shown": 0, "truncated": False, "households": []}
    assert (tmp_path / "env.db").exists()
    usage = subprocess.run(
        [sys.executable, "-m", "fieldapp", "record"],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert usage.returncode == 2


def test_help_and_usage_errors_are_chinese(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def fieldapp(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "fieldapp", *args],
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=60,
        )

    shown = fieldapp("--help")
    assert shown.returncode == 0
    assert shown.stdout.startswith("用法：fieldapp") and "选项" in shown.stdout
    assert "显示本帮助并退出" in shown.stdout
    for english in ("usage:", "options:", "show this help", "issue 6", "version number"):
        assert english not in shown.stdout
    wrong = fieldapp("stats", "--by", "county")
    assert wrong.returncode == 2
    assert "错误：参数 --by：无效的选项" in wrong.stderr and "error" not in wrong.stderr
    missing = fieldapp("archive")
    assert missing.returncode == 2 and "缺少必需的参数" in missing.stderr


def test_saves_and_ledgers_name_the_staff_member_not_the_os_account(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pypdf import PdfReader

    monkeypatch.delenv("FIELDAPP_USER", raising=False)
    store = open_test_store(db)
    store.set_meta("profile.name", "李干事")  # what the first-run wizard keeps
    store.close()
    source = write_json(tmp_path, complete_household()["A"], "a.json")
    args = ["--db", str(db), "record", "new", "--form", "A", "--json", str(source)]
    assert main([*args, "--json-output"]) == 0
    hid = json.loads(capsys.readouterr().out)["household"]
    store = open_test_store(db)
    assert [r.author for r in store.history(hid)] == ["李干事"]
    store.close()
    pdf = tmp_path / "ledger.pdf"
    assert main(["--db", str(db), "ledger", hid, "--out", str(pdf)]) == 0
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "已定稿　李干事" in text or "李干事 " in text
    assert "fieldapp" not in text  # no command names on printed pages

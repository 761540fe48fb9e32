"""``fieldapp case``: a cadre's laptop opens an exit case and signs its first step from the
command line; refusals exit 1 with the reason and change nothing; lists and cases print as JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fieldapp.cli.main import main
from fieldapp.core.trust import identity
from tests.core.procedure_people import HQ_PASS, STAFF_PASS, household
from tests.core.test_sync import digest
from tests.stores import open_test_store


@pytest.fixture
def laptop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, str]:
    """An enrolled cadre's laptop with one household: (database, passphrase file, household);
    the cadre's passphrase also unlocks the database (in $FIELDAPP_PASSPHRASE, as a script has it)."""
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", STAFF_PASS.decode())
    hq = open_test_store(tmp_path / "hq.db", passphrase=HQ_PASS)
    identity.hq_init(hq, HQ_PASS, unit="五华区总工会", author="办公室")
    data, _ = identity.enroll_staff(
        hq, HQ_PASS, STAFF_PASS, name="李干事", unit="五华区总工会", author="办公室"
    )
    hq.close()
    store = open_test_store(tmp_path / "li.db", passphrase=STAFF_PASS)
    identity.take_enrollment(store, data, STAFF_PASS, author="李干事")
    hid = household(store)
    store.close()
    secret = tmp_path / "pass.txt"
    secret.write_text(STAFF_PASS.decode(), encoding="utf-8")
    return tmp_path / "li.db", secret, hid


def run(db: Path, *args: str) -> int:
    return main(["--db", str(db), *args])


def unchanged(db: Path) -> str:
    store = open_test_store(db, passphrase=STAFF_PASS)
    try:
        return digest(store)
    finally:
        store.close()


def test_a_cadre_opens_a_case_and_signs_its_first_step(
    laptop: tuple[Path, Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    db, secret, hid = laptop
    signing = ("--passphrase-file", str(secret))
    assert (
        run(
            db,
            "case",
            "open",
            hid,
            "--procedure",
            "退出",
            "--target",
            "注销",
            *signing,
            "--date",
            "2026-11-01",
            "--json",
        )
        == 0
    )
    case_id = json.loads(capsys.readouterr().out)["id"]
    assert (
        run(
            db,
            "case",
            "step",
            case_id[:8],
            "--decision",
            "通过",
            "--opinion",
            "职工已死亡",
            "--date",
            "2026-11-02",
            *signing,
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "已办理：入户核查（通过）" in out and "下一步：基层工会审核（基层工会审核人）" in out

    before = unchanged(db)
    wrong = secret.with_name("wrong.txt")
    wrong.write_text("not it", encoding="utf-8")
    for args, reason in (
        (("--opinion", "同意", *signing), "只能由基层工会审核人办理"),
        (("--publicity-from", "2026-11-04", *signing), "须同时给出"),
        (("--opinion", "x", "--passphrase-file", str(wrong)), "口令不正确"),
    ):
        assert run(db, "case", "step", case_id, "--decision", "通过", *args) == 1
        assert reason in capsys.readouterr().err
    assert run(db, "case", "open", hid, "--procedure", "迁出", *signing) == 1
    assert "建档（filing）或 退出（exit）" in capsys.readouterr().err
    assert unchanged(db) == before

    assert run(db, "case", "show", case_id, "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["outcome"] == "办理中" and shown["next_step"] == "基层工会审核"
    assert [(s["step"], s["actor"], s["signature"]) for s in shown["steps"]] == [
        ("入户核查", "李干事", "valid")
    ]
    assert run(db, "case", "show", case_id) == 0
    text = capsys.readouterr().out
    assert "入户核查 通过  李干事（入户干部）" in text and "[签名有效]" in text
    assert "规则核对：" in text  # the exit rules shown to whoever acts next
    assert run(db, "case", "list", "--todo", "--json") == 0
    assert json.loads(capsys.readouterr().out) == []  # the next step is the reviewer's
    assert run(db, "case", "list", "--waiting-for", "reviewer", "--json") == 0
    (waiting,) = json.loads(capsys.readouterr().out)
    assert waiting["id"] == case_id and waiting["household"]["id"] == hid
    assert run(db, "stats", "--json") == 0
    figures = json.loads(capsys.readouterr().out)["procedures"]
    assert figures["open_exits"] == 1 and figures["exits"] == 0


def test_case_help_is_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["case", "step", "--help"])
    out = capsys.readouterr().out
    assert "办理案件的下一步" in out and "公示期间有无异议" in out and "用法" in out

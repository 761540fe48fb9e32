"""Recovery end to end from the command line: a cadre forgot the passphrase, the office helps.

The laptop's request opens nothing without the headquarters' private key; the reset file works
once, only on the laptop that asked; afterwards the new passphrase opens the database and the
cadre's own keys (a bundle can be signed and sent again), and the forgotten one no longer does.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldapp.cli.main import main
from fieldapp.core.store.encryption import WrongPassphrase, unlock
from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.store import Store
from fieldapp.core.trust import identity
from fieldapp.core.trust.recovery import apply_reset, grant, make_request, read_request
from tests.stores import TEST_COST, open_test_store

HQ_PASS, OLD, NEW = "office passphrase", "forgotten passphrase", "brand new passphrase"


def run(db: Path, passphrase: str | None, *args: str) -> int:
    options = ["--passphrase-file", str(_file(db, passphrase))] if passphrase else []
    return main(["--db", str(db), "--user", "测试员", *options, *args])


def _file(db: Path, text: str) -> Path:
    path = db.with_name(f"{abs(hash(text))}.pass")
    path.write_text(text + "\n", encoding="utf-8")
    return path


@pytest.fixture
def enrolled(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    hq, laptop = tmp_path / "hq" / "hq.db", tmp_path / "laptop" / "huhuqing.db"
    hq.parent.mkdir()
    laptop.parent.mkdir()
    assert run(hq, HQ_PASS, "hq", "init", "--unit", "昆明市总工会") == 0
    enrollment = tmp_path / "li.hhqe"
    staff = _file(hq, OLD)
    args = ("hq", "enroll", "--name", "李干事", "--unit", "五华区总工会", "--out", str(enrollment))
    assert run(hq, HQ_PASS, *args, "--staff-passphrase-file", str(staff)) == 0
    assert run(laptop, OLD, "enroll", str(enrollment)) == 0
    store = open_test_store(laptop, passphrase=OLD.encode())
    hid = store.create_household("李干事")
    store.save_form(hid, "A", {"name": "赵红梅"}, author="李干事")
    store.close()
    capsys.readouterr()
    return hq, laptop


def test_recovery_round_trip(
    enrolled: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hq, laptop = enrolled
    request, reset = tmp_path / "申请.hhqr", tmp_path / "重置.hhqk"
    assert run(laptop, None, "recovery", "request", "--out", str(request)) == 0  # no passphrase
    assert "恢复申请文件" in capsys.readouterr().out
    body = read_request(request.read_bytes())
    assert "赵红梅" not in request.read_text(encoding="utf-8")
    assert request.stat().st_mode & 0o077 == 0

    assert run(hq, "wrong passphrase", "recovery", "grant", str(request), "--out", str(reset)) == 1
    assert "口令不正确" in capsys.readouterr().err and not reset.exists()
    assert run(hq, HQ_PASS, "recovery", "grant", str(request), "--out", str(reset)) == 0
    assert "李干事" in capsys.readouterr().out
    store = open_test_store(hq, passphrase=HQ_PASS.encode())
    (entry,) = [e for e in store.audit_log() if e["action"] == "recovery_grant"]
    assert entry["detail"]["database_id"] == body["database_id"]
    store.close()

    new_file = _file(laptop, NEW)
    args = ("recovery", "apply", str(reset), "--new-passphrase-file", str(new_file))
    assert run(laptop, None, *args) == 0
    assert "口令已重置" in capsys.readouterr().out
    with pytest.raises(WrongPassphrase):
        unlock(laptop, OLD.encode())
    assert run(laptop, NEW, "list", "--json") == 0
    assert [h["name"] for h in json.loads(capsys.readouterr().out)["households"]] == ["赵红梅"]
    # the cadre's own keys came back too: a signed bundle for headquarters
    assert run(laptop, NEW, "bundle", "export", "--out", str(tmp_path / "out.hhq")) == 0
    assert run(hq, HQ_PASS, "bundle", "import", str(tmp_path / "out.hhq")) == 0
    capsys.readouterr()
    # the reset file works once
    assert run(laptop, None, *args) == 1
    assert "只能使用一次" in capsys.readouterr().err


def test_a_request_for_another_headquarters_or_a_forged_reset_is_refused(
    enrolled: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hq, laptop = enrolled
    other = tmp_path / "other.db"
    assert run(other, HQ_PASS, "hq", "init", "--unit", "曲靖市总工会") == 0
    request = tmp_path / "申请.hhqr"
    assert run(laptop, None, "recovery", "request", "--out", str(request)) == 0
    assert run(other, HQ_PASS, "recovery", "grant", str(request), "--out", str(tmp_path / "x")) == 1
    assert "另一个总部" in capsys.readouterr().err
    # a reset file made for a different request (an older one) does not open this laptop
    reset = tmp_path / "重置.hhqk"
    assert run(hq, HQ_PASS, "recovery", "grant", str(request), "--out", str(reset)) == 0
    assert run(laptop, None, "recovery", "request", "--out", str(tmp_path / "again.hhqr")) == 0
    capsys.readouterr()
    new_file = _file(laptop, NEW)
    assert (
        run(laptop, None, "recovery", "apply", str(reset), "--new-passphrase-file", str(new_file))
        == 1
    )
    assert "不是本机最近一次恢复申请" in capsys.readouterr().err
    unlock(laptop, OLD.encode())  # nothing changed


def test_a_laptop_not_enrolled_cannot_ask(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "huhuqing.db"
    open_test_store(db).close()
    assert run(db, None, "recovery", "request", "--out", str(tmp_path / "r.hhqr")) == 1
    assert "没有总部恢复副本" in capsys.readouterr().err


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
REQUEST_KEYS = ["format", "version", "request_id", "database_id", "hq_id", "staff_id", "sealed"]


@pytest.fixture(scope="module")
def exchange(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Path, bytes, bytes]:
    """An HQ store, an enrolled laptop with a waiting request, that request and its reset."""
    root = tmp_path_factory.mktemp("exchange")
    hq = open_test_store(root / "hq.db", passphrase=HQ_PASS.encode())
    identity.hq_init(hq, HQ_PASS.encode(), unit="昆明市总工会", author="x")
    data, _ = identity.enroll_staff(
        hq, HQ_PASS.encode(), OLD.encode(), name="李", unit="u", author="x"
    )
    laptop = root / "laptop.db"
    store = open_test_store(laptop, passphrase=OLD.encode())
    identity.take_enrollment(store, data, OLD.encode(), author="李")
    store.close()
    request = make_request(laptop)
    reset, _ = grant(hq, request, HQ_PASS.encode(), author="x")
    return hq, laptop, request, reset


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    key=st.sampled_from([*REQUEST_KEYS, "reply_public_key", "granted_by"]),
    value=json_values,
    cut=st.integers(0, 4000),
    noise=st.binary(max_size=16),
)
def test_damaged_request_and_reset_files_are_refused_cleanly(
    exchange: tuple[Store, Path, bytes, bytes], key: str, value: Any, cut: int, noise: bytes
) -> None:
    """Untrusted files: any altered field, truncation or noise is a Chinese refusal, never a
    traceback; only the genuine answer (its request, database and sealed key intact) resets."""
    hq, laptop, request, reset = exchange
    genuine = {k: json.loads(reset)[k] for k in ("request_id", "database_id", "sealed")}
    candidates = [request[:cut] + noise, reset[:cut] + noise]
    for original in (request, reset):
        body = json.loads(original)
        candidates.append(json.dumps({**body, key: value}, ensure_ascii=False).encode())
    for data in candidates:
        with contextlib.suppress(StoreError):
            grant(hq, data, HQ_PASS.encode(), author="x")
        try:
            apply_reset(laptop, data, NEW.encode(), cost=TEST_COST)
        except StoreError:
            continue
        applied = json.loads(data)  # it opened: then it was the genuine answer, used once
        assert {k: applied[k] for k in genuine} == genuine

"""The database encrypted at rest: nothing readable in the files, the passphrase, conversion.

A lost laptop leaks nothing: the raw bytes of the database, its write-ahead log and its key file
hold no name, ID number or phone of the households, and no SQLite header; ``sqlite3`` cannot list
the tables. A wrong passphrase is a clear Chinese message and changes nothing. A database of an
older version is converted in place, and one that cannot be converted is left as it was.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from fieldapp.cli.main import main
from fieldapp.core.demo.generate import generate_demo
from fieldapp.core.store.database import open_store
from fieldapp.core.store.encryption import (
    ENCRYPTED,
    PLAINTEXT,
    WrongPassphrase,
    change_passphrase,
    database_state,
    unlock,
)
from fieldapp.core.store.keyfile import key_file_path
from fieldapp.core.trust import identity
from fieldapp.core.trust.keystore import K_SELF_KEY, put_key
from tests.stores import TEST_COST, TEST_PASSPHRASE, open_test_store, raw_connection

PASS = TEST_PASSPHRASE.encode()


def files_of(db: Path) -> list[Path]:
    return [p for p in db.parent.iterdir() if p.name.startswith(db.name)]


def digest_files(db: Path) -> dict[str, str]:
    """Every file of the database (the lock file, empty when free, says who writes: not data)."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in files_of(db)
        if not p.name.endswith(".lock")
    }


def demo_secrets(db: Path) -> set[bytes]:
    """Names, ID numbers and phones of the demo households (read through the key)."""
    conn = raw_connection(db)
    found: set[bytes] = set()
    for (data,) in conn.execute("select data from revisions where form_id = 'A'"):
        values = json.loads(data)
        for field in ("name", "id_number", "phone"):
            if values.get(field):
                found.add(str(values[field]).encode("utf-8"))
    conn.close()
    return found


def test_raw_bytes_hold_no_personal_data_and_no_sqlite_header(tmp_path: Path) -> None:
    db = tmp_path / "huhuqing.db"
    store = open_test_store(db)
    generate_demo(store, 40, seed=5, author="测试员")
    store.add_attachment_bytes(
        "户口本 张三 530102198001010015".encode(), name="户口本.txt", author="x"
    )
    secrets = demo_secrets(db)
    assert len(secrets) >= 100 and b"530102198001010015" not in secrets
    secrets.add("户口本 张三 530102198001010015".encode())
    # while open (pages in the write-ahead log) and after closing (all in the file)
    for moment in ("open", "closed"):
        if moment == "closed":
            store.close()
        raw = b"".join(p.read_bytes() for p in files_of(db))
        assert b"SQLite format 3" not in raw
        leaked = [s.decode() for s in secrets if s in raw]
        assert leaked == [], f"{moment}: {leaked[:5]}"
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(db).execute("select name from sqlite_master").fetchall()
    if shutil.which("sqlite3"):  # the sqlite3 shell (tools/setup.sh installs it)
        done = subprocess.run(["sqlite3", str(db), ".tables"], capture_output=True, text=True)
        assert done.returncode != 0 and "not a database" in done.stderr


def test_wrong_passphrase_is_a_clear_message_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "huhuqing.db"
    store = open_test_store(db)
    store.create_household("甲")
    store.close()
    before = digest_files(db)
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", "not the passphrase")
    for command in (["list"], ["demo", "--households", "1"], ["stats"]):
        assert main(["--db", str(db), *command]) == 1
        err = capsys.readouterr().err
        assert "口令不正确，数据库未解锁，未作任何修改" in err and "Traceback" not in err
    assert digest_files(db) == before
    with pytest.raises(WrongPassphrase, match="口令不正确"):
        unlock(db, b"not the passphrase")


def test_no_passphrase_and_no_terminal_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("FIELDAPP_PASSPHRASE")
    monkeypatch.setattr("sys.stdin", None)
    assert main(["--db", str(tmp_path / "new.db"), "--create", "list"]) == 1
    assert "需要口令" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_fresh_cli_database_is_encrypted_and_opens_with_its_passphrase_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "huhuqing.db"
    passfile = tmp_path / "pass.txt"
    passfile.write_text("我的口令 2026\n", encoding="utf-8")  # Chinese passphrases work
    assert main(["--db", str(db), "--passphrase-file", str(passfile), "--create", "list"]) == 0
    assert "已新建加密数据库" in capsys.readouterr().err
    assert database_state(db) == ENCRYPTED and key_file_path(db).exists()
    assert key_file_path(db).stat().st_mode & 0o077 == 0
    body = json.loads(key_file_path(db).read_text(encoding="utf-8"))
    assert (
        body["passphrase"]["kdf"]["alg"] == "argon2id"
        and len(body["passphrase"]["kdf"]["salt"]) >= 32
    )
    assert main(["--db", str(db), "list"]) == 1  # the test passphrase is not this one
    capsys.readouterr()


def test_change_passphrase_rewraps_the_key_and_the_private_keys_follow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "hq.db"
    store = open_test_store(db)
    identity.hq_init(store, PASS, unit="昆明市总工会", author="办公室")
    hid = store.create_household("办公室")
    store.close()
    monkeypatch.setenv("FIELDAPP_NEW_PASSPHRASE", "new passphrase 2")
    assert main(["--db", str(db), "passphrase", "change"]) == 0
    assert "口令已修改" in capsys.readouterr().out
    with pytest.raises(WrongPassphrase):
        unlock(db, PASS)
    store = open_test_store(db, passphrase=b"new passphrase 2")
    assert store.household(hid)["id"] == hid
    identity.signing_identity(store, b"new passphrase 2")  # one passphrase for the keys too
    with pytest.raises(identity.IdentityError, match="口令不正确"):
        identity.signing_identity(store, PASS)
    store.close()
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", "new passphrase 2")
    monkeypatch.setenv("FIELDAPP_NEW_PASSPHRASE", "short")
    assert main(["--db", str(db), "passphrase", "change"]) == 1
    assert "至少 8 个字符" in capsys.readouterr().err
    unlock(db, b"new passphrase 2")


def plaintext_database(db: Path, households: int = 30) -> int:
    """A database as the version before encryption wrote it; its revision count."""
    store = open_store(db, key=None)
    generate_demo(store, households, seed=2, author="旧版本")
    count = int(store.db.execute("select count(*) from revisions").fetchone()[0])
    store.close()
    return count


def test_an_old_plaintext_database_is_converted_on_first_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "huhuqing.db"
    revisions = plaintext_database(db)
    assert database_state(db) == PLAINTEXT
    assert main(["--db", str(db), "list", "--json"]) == 0
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)["households"]) == 30 and "数据库已加密" in captured.err
    assert database_state(db) == ENCRYPTED
    assert sorted(p.name for p in files_of(db)) == [
        "huhuqing.db",
        "huhuqing.db.keys",
        "huhuqing.db.lock",
    ]
    store = open_test_store(db)
    assert store.db.execute("select count(*) from revisions").fetchone()[0] == revisions
    assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert len(store.search("", limit=None)) == 30


def test_a_database_that_cannot_be_converted_is_left_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "huhuqing.db"
    conn = sqlite3.connect(db)
    conn.execute("create table notes (id integer primary key, text text)")
    conn.commit()
    conn.close()
    before = digest_files(db)
    assert main(["--db", str(db), "list"]) == 1
    assert "不是户户清数据库" in capsys.readouterr().err
    assert digest_files(db) == before


def test_old_pkcs8_keys_still_open_and_are_resealed_on_first_use(tmp_path: Path) -> None:
    """Keys written before this version (PBKDF2 PKCS#8) open with the same passphrase, and the
    first use on the encrypted store seals them the new way."""
    db = tmp_path / "laptop.db"
    store = open_test_store(db)
    identity.hq_init(store, PASS, unit="昆明市总工会", author="x")
    key = ec.generate_private_key(ec.SECP256R1())
    old_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASS),
    ).decode()
    fp = store.db.execute(
        "select fingerprint from keys where purpose = ? order by seq desc", [K_SELF_KEY]
    ).fetchone()[0]
    put_key(store, K_SELF_KEY, "private", old_pem, fp, "旧版本")
    opened = identity.signing_identity(store, PASS).private_key
    assert opened.private_numbers() == key.private_numbers()
    newest = store.db.execute(
        "select pem from keys where purpose = ? order by seq desc limit 1", [K_SELF_KEY]
    ).fetchone()[0]
    assert json.loads(newest)["alg"] == "kpk+A256GCM"
    assert (
        identity.signing_identity(store, PASS).private_key.private_numbers()
        == key.private_numbers()
    )


def test_a_stale_key_file_part_or_half_converted_copy_does_not_block(tmp_path: Path) -> None:
    db = tmp_path / "huhuqing.db"
    plaintext_database(db, households=3)
    (tmp_path / "huhuqing.db.encrypting").write_bytes(b"half written")
    store = open_test_store(db)  # converts; the leftover of an interrupted attempt is removed
    assert not (tmp_path / "huhuqing.db.encrypting").exists()
    assert store.count_households() == 3
    store.close()
    change_passphrase(db, PASS, b"another passphrase", cost=TEST_COST)
    assert (
        unlock(db, b"another passphrase").database_id
        == json.loads(key_file_path(db).read_text(encoding="utf-8"))["database_id"]
    )

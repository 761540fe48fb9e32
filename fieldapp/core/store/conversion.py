"""Converting a database written before encryption: once, atomically, never losing it.

The plaintext file is exported page by page into an encrypted copy beside it (SQLCipher's
``sqlcipher_export``), the copy is verified (``integrity_check`` and the row count of every table
equal to the original's), the key file is written, and only then the copy is renamed over the
original in one step. Until that rename the original is untouched — a failure or a kill -9 leaves
it as it was (the half-written copy is removed at the next start) — and after it the encrypted
database is complete. The old plaintext bytes are then overwritten and deleted (see
docs/security.md for what that does and does not achieve on an SSD).

A plaintext database must have no write-ahead log left when the copy takes its place, or SQLite
would apply the old log's plaintext pages to the encrypted file: the log is checkpointed into the
file first, and a conversion whose log cannot be emptied (another program is using it) is refused.
"""

from __future__ import annotations

import glob
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from fieldapp.core.crypto.kdf import KdfCost
from fieldapp.core.store import driver
from fieldapp.core.store.driver import sqlite
from fieldapp.core.store.encryption import (
    ENCRYPTED,
    PLAINTEXT,
    DatabaseKey,
    check_new_passphrase,
    database_state,
    write_new_key_file,
)
from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.keyfile import Secrets, sync_directory

Progress = Callable[[float], None]
SHRED_CHUNK = 1 << 20
PROGRESS_STEPS = 20_000  # SQLite VM instructions between two progress reports


class ConversionFailed(StoreError):
    """The plaintext database could not be converted; it was left exactly as it was."""


def side_path(db_path: Path, suffix: str) -> Path:
    return db_path.with_name(db_path.name + suffix)


def finish_interrupted(db_path: Path | str) -> None:
    """Tidy what an interrupted conversion or key file write left: a half-written copy is
    removed; the old plaintext bytes are shredded once the encrypted database took their place."""
    path = Path(db_path)
    copy, old = side_path(path, ".encrypting"), side_path(path, ".plaintext-old")
    for leftover in (copy, side_path(copy, "-journal"), side_path(copy, "-wal")):
        leftover.unlink(missing_ok=True)
    for part in path.parent.glob(glob.escape(path.name) + ".keys.*.part"):
        part.unlink(missing_ok=True)  # a key file write interrupted before its rename
    if not old.exists():
        return
    if database_state(path) == ENCRYPTED:
        shred(old)
    else:
        old.unlink()  # a second name of the still-plaintext database: only the name goes


def convert_to_encrypted(
    db_path: Path | str,
    passphrase: bytes,
    *,
    cost: KdfCost | None = None,
    progress: Progress | None = None,
) -> DatabaseKey:
    """Encrypt a plaintext database in place; ``ConversionFailed`` leaves it untouched.

    The caller holds the database's lock (no other writer). ``progress(fraction)`` is called
    from this thread while the copy is written.
    """
    path = Path(db_path)
    if database_state(path) != PLAINTEXT:
        raise ConversionFailed(f"数据库 {path} 不是未加密的户户清数据库，无需转换。")
    check_new_passphrase(passphrase)
    _check_is_ours(path)
    finish_interrupted(path)
    copy = side_path(path, ".encrypting")
    secrets = Secrets.generate()
    probe = DatabaseKey("", secrets.data_key)
    try:
        counts = _export(path, copy, probe, progress)
        _verify(copy, probe, counts)
    except (driver.Error, ConversionFailed) as exc:
        finish_interrupted(path)
        raise ConversionFailed(
            f"数据库 {path} 未能转换为加密数据库（{exc}）。原文件未作任何修改。"
        ) from None
    key = write_new_key_file(path, secrets, passphrase, cost=cost)
    old = side_path(path, ".plaintext-old")
    try:
        try:
            os.link(path, old)
        except OSError:  # a file system without hard links: a copy, shredded all the same
            shutil.copyfile(path, old)
        os.replace(copy, path)
    except OSError as exc:  # e.g. Windows: another program has the file open
        finish_interrupted(path)
        raise ConversionFailed(
            f"数据库 {path} 未能替换为加密副本（{exc.strerror or exc}），原文件未作任何修改；"
            "请关闭其他户户清程序后重试。"
        ) from None
    sync_directory(path.parent)
    side_path(path, "-shm").unlink(missing_ok=True)
    shred(old)
    if progress is not None:
        progress(1.0)
    return key


def _check_is_ours(path: Path) -> None:
    """Refuse a foreign or newer database before anything is written (its own message)."""
    from fieldapp.core.store.connection import connect
    from fieldapp.core.store.database import check_schema

    try:
        db = connect(path, key=None)  # reads only; a read-write handle also reads a WAL file
    except driver.Error as exc:
        raise ConversionFailed(f"无法读取数据库 {path}：{exc}；程序未作任何修改。") from None
    try:
        check_schema(db, path)
    except driver.Error as exc:
        raise ConversionFailed(
            f"数据库文件 {path} 已损坏或不是户户清数据库，程序未作任何修改。({exc})"
        ) from None
    finally:
        db.close()


def _export(
    source: Path, copy: Path, key: DatabaseKey, progress: Progress | None
) -> dict[str, int]:
    """Write the encrypted copy; the row count of every table of the original."""
    conn = sqlite.connect(str(source), isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        counts = _row_counts(conn)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        total = max(1, source.stat().st_size)
        if progress is not None:
            conn.set_progress_handler(lambda: _report(progress, copy, total), PROGRESS_STEPS)
        conn.execute(f"ATTACH DATABASE ? AS encrypted KEY {key.pragma_value()}", [str(copy)])
        conn.execute("SELECT sqlcipher_export('encrypted')")
        conn.execute(f"PRAGMA encrypted.user_version = {int(version)}")
        conn.execute("DETACH DATABASE encrypted")
        conn.set_progress_handler(None, 0)
    finally:
        conn.close()
    wal = side_path(source, "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise ConversionFailed("另一个程序正在使用数据库，其预写日志无法并入；请关闭其他户户清程序")
    return counts


def _report(progress: Progress, copy: Path, total: int) -> int:
    try:
        done = copy.stat().st_size
    except OSError:
        done = 0
    progress(min(0.99, done / total))
    return 0  # go on


def _row_counts(conn: driver.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in conn.execute(
            "select name from sqlite_master where type = 'table' "
            "and sql not like 'CREATE VIRTUAL TABLE%' order by name"
        )
    ]
    return {n: conn.execute(f'select count(*) from "{n}"').fetchone()[0] for n in names}


def _verify(copy: Path, key: DatabaseKey, counts: dict[str, int]) -> None:
    """The copy is an intact encrypted database with every row of the original; WAL mode."""
    if database_state(copy) != ENCRYPTED:
        raise ConversionFailed("副本不是加密文件")
    conn = sqlite.connect(str(copy), isolation_level=None)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = {key.pragma_value()}")
        check = conn.execute("PRAGMA integrity_check").fetchall()
        if check != [("ok",)]:
            raise ConversionFailed(f"完整性检查：{check[0][0]}")
        copied = _row_counts(conn)
        if copied != counts:
            differ = sorted(
                n for n in counts.keys() | copied.keys() if counts.get(n) != copied.get(n)
            )
            raise ConversionFailed(f"表 {', '.join(differ)} 的行数与原数据库不同")
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()


def shred(path: Path) -> None:
    """Overwrite a file's bytes with zeros, flush, delete (best effort: see docs/security.md)."""
    try:
        size = path.stat().st_size
        with open(path, "r+b") as fh:
            written = 0
            while written < size:
                chunk = min(SHRED_CHUNK, size - written)
                fh.write(bytes(chunk))
                written += chunk
            fh.flush()
            os.fsync(fh.fileno())
    except OSError:
        pass  # deleting it is still better than keeping it
    path.unlink(missing_ok=True)

"""The connection to the database file: write transactions that wait for their turn, read-only mode.

Why a subclass of sqlite-utils' ``Database``: every write in the application goes through
``db.atomic()`` (the store, sync, reports, trust, and sqlite-utils' own ``insert``/``upsert``).
sqlite-utils starts it with a plain ``BEGIN``, a *deferred* transaction: it reads first and asks
for the write lock only at its first write. In WAL mode, if another connection committed in
between, that upgrade fails at once with ``database is locked`` (SQLITE_BUSY_SNAPSHOT) — the busy
timeout is not even consulted. That is how two writers on one household failed 981 of 2,148 saves
with a traceback. Here ``atomic()`` starts with ``BEGIN IMMEDIATE``: the write lock is taken
first, waiting (bounded by ``wait`` seconds) while another program writes, and whatever the
transaction reads is then guaranteed current until it commits. A database still busy after the
wait, and a write attempted on a read-only connection, become ``StoreError`` messages in Chinese,
never a ``sqlite3`` traceback.

A read-only connection (``mode=ro``) never writes, never checkpoints and never deletes the WAL
when it closes (see ``fieldapp/ui/file_dialogs.py`` for why that matters): commands that only
read, and a second window opened to look while another holds the database, use it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from sqlite_utils import Database

if TYPE_CHECKING:  # sqlite-utils is typed for the standard module; the driver is DB-API alike
    from sqlite3 import Cursor

from fieldapp.core.store import driver
from fieldapp.core.store.driver import sqlite
from fieldapp.core.store.encryption import DatabaseKey
from fieldapp.core.store.errors import BusyError, ReadOnlyError, StoreError

DEFAULT_WAIT = 5.0
"""Seconds a write waits for another program's write transaction before it gives up."""

CACHE_KIB = 256 * 1024
"""The most SQLite's page cache may hold per connection (default 2 MiB; memory is taken only as
pages are read). SQLCipher decrypts a page each time it enters this cache: with 2 or 32 MiB a
search that scans the list of 100,000 households decrypted every page again on every keystroke
(3.3× the plaintext time); with the list's pages kept, 1.1× (benchmarks/bench_encryption.py)."""


def is_busy(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, driver.OperationalError) and ("locked" in text or "busy" in text)


def busy_error(path: Path | None, waited: float) -> BusyError:
    return BusyError(
        f"数据库{f' {path} ' if path else ''}正忙：另一个程序正在写入（如导入数据包、生成演示数据），"
        f"已等待 {waited:g} 秒仍未结束。您的修改未保存，请稍后重试。"
    )


def read_only_error(path: Path | None) -> ReadOnlyError:
    return ReadOnlyError(
        f"数据库{f' {path} ' if path else ''}是以只读方式打开的（正由其他程序使用），不能修改。"
    )


class StoreDatabase(Database):
    """sqlite-utils' Database whose transactions take the write lock first and wait for it."""

    def __init__(
        self,
        conn: Any,
        *,
        path: Path | None,
        readonly: bool,
        wait: float,
        key: DatabaseKey | None = None,
    ) -> None:
        super().__init__(conn)
        self.path = path
        self.key = key
        self.readonly = readonly
        self.wait = wait

    def translate(self, exc: driver.Error) -> StoreError | None:
        """The user's message for a busy or read-only database; None for anything else."""
        text = str(exc).lower()
        if "readonly" in text or "read-only" in text:
            return read_only_error(self.path)
        if is_busy(exc):
            return busy_error(self.path, self.wait)
        return None

    @contextlib.contextmanager
    def atomic(self) -> Generator[Database, None, None]:
        if self.conn.in_transaction:
            with super().atomic():  # a savepoint inside the open transaction
                yield self
            return
        if self.readonly:
            raise read_only_error(self.path)
        self._begin_immediate()
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except driver.Error as exc:
            self.rollback()
            self._raise_translated(exc)

    def begin(self) -> None:
        self._begin_immediate()

    def _begin_immediate(self) -> None:
        """BEGIN IMMEDIATE, retried until ``wait`` seconds have passed (SQLite's busy handler does
        most of the waiting; the loop covers the cases where SQLite returns busy without it)."""
        deadline = time.monotonic() + self.wait
        while True:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                return
            except driver.OperationalError as exc:
                if not is_busy(exc):
                    self._raise_translated(exc)
                if time.monotonic() >= deadline:
                    raise busy_error(self.path, self.wait) from exc
                time.sleep(0.05)

    def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] | None = None) -> Cursor:
        try:
            return super().execute(sql, parameters)
        except driver.OperationalError as exc:
            self._raise_translated(exc)

    def _raise_translated(self, exc: driver.Error) -> NoReturn:
        translated = self.translate(exc)
        if translated is None:
            raise exc
        raise translated from exc


def connect(
    path: Path, *, key: DatabaseKey | None, readonly: bool = False, wait: float = DEFAULT_WAIT
) -> StoreDatabase:
    """A connection to the file: read-write (created if missing), or read-only (``mode=ro``).

    ``key``: the unlocked database key (SQLCipher); None only for a plaintext file (the
    conversion of a database written before encryption reads it so, and nothing else should).
    """
    if readonly:
        target, uri = path.resolve().as_uri() + "?mode=ro", True
    else:
        target, uri = str(path), False
    conn = sqlite.connect(target, timeout=wait, isolation_level=None, uri=uri)
    conn.execute("PRAGMA cipher_log_level = NONE")  # a wrong key is our message, not stderr noise
    if key is not None:
        conn.execute(f"PRAGMA key = {key.pragma_value()}")
    db = StoreDatabase(conn, path=path, readonly=readonly, wait=wait, key=key)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
    db.execute(f"PRAGMA cache_size = {-CACHE_KIB}")
    return db

"""From a passphrase to a usable key, whatever state the database file is in.

The command line and the GUI both call ``unlock_database``: a missing database gets a new key
file (a fresh install creates an encrypted database), a plaintext one is converted (once, with
progress), an encrypted one is unlocked. The caller holds the database's lock for the first two.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fieldapp.core.crypto.kdf import KdfCost
from fieldapp.core.store import driver
from fieldapp.core.store.connection import connect
from fieldapp.core.store.conversion import Progress, convert_to_encrypted, finish_interrupted
from fieldapp.core.store.encryption import (
    MISSING,
    PLAINTEXT,
    DatabaseKey,
    create_key,
    database_state,
    unlock,
)
from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.store import Store


def unlock_database(
    db_path: Path | str,
    passphrase: bytes,
    *,
    create: bool = True,
    cost: KdfCost | None = None,
    progress: Progress | None = None,
) -> DatabaseKey:
    """The key for ``db_path``: created (missing file), converted (plaintext) or unlocked.

    ``cost`` applies to a new key file only (None: calibrated here); ``WrongPassphrase`` when the
    passphrase does not unlock an encrypted database.
    """
    path = Path(db_path)
    state = database_state(path)
    if state == MISSING:
        if not create:
            raise StoreError(f"数据库 {path} 不存在")
        return create_key(path, passphrase, cost=cost)
    if state == PLAINTEXT:
        return convert_to_encrypted(path, passphrase, cost=cost, progress=progress)
    finish_interrupted(path)
    return unlock(path, passphrase)


def key_opens(db_path: Path | str, key: DatabaseKey) -> bool:
    """Whether ``key`` decrypts this database (read-only: nothing is written)."""
    try:
        db = connect(Path(db_path), key=key, readonly=True, wait=1.0)
    except driver.Error:
        return False
    try:
        db.execute("select count(*) from sqlite_master").fetchone()
        return True
    except (driver.Error, StoreError):
        return False
    finally:
        db.close()


def open_with_passphrase(
    db_path: Path | str, passphrase: bytes, *, cost: KdfCost | None = None, **options: Any
) -> Store:
    """``unlock_database`` then ``open_store``, for scripts, tools and benchmarks (the CLI and
    the GUI take the database's lock first, then do the same)."""
    from fieldapp.core.store.database import open_store

    key = unlock_database(db_path, passphrase, create=options.get("create", True), cost=cost)
    return open_store(db_path, key=key, **options)

"""Stores for tests, opened one way everywhere: encrypted, with a known passphrase and a tiny
Argon2id cost, both explicit.

Tests open databases through ``open_test_store`` (never ``open_store`` directly), and poke below
the store through ``raw_connection`` / ``copy_database``, so that how a test database is opened is
decided here once. Every test database is encrypted like a real one; only the key derivation is
cheap (the cost is written into the key file, so opening the database later is cheap too, in any
process).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fieldapp.core.crypto.kdf import KdfCost
from fieldapp.core.store.database import open_store
from fieldapp.core.store.encryption import DatabaseKey
from fieldapp.core.store.store import Store
from fieldapp.core.store.unlock import unlock_database

TEST_PASSPHRASE = "correct horse battery"
TEST_COST = KdfCost(time_cost=1, memory_kib=8, parallelism=1)


def unlock_test_db(
    path: Path | str, passphrase: bytes = TEST_PASSPHRASE.encode(), *, create: bool = True
) -> DatabaseKey:
    """The key of a test database (a new key file with the test cost if it does not exist)."""
    return unlock_database(path, passphrase, create=create, cost=TEST_COST)


def open_test_store(
    path: Path | str, *, passphrase: bytes = TEST_PASSPHRASE.encode(), **options: Any
) -> Store:
    """Open (or create) an encrypted test database with ``open_store``'s options."""
    key = unlock_test_db(path, passphrase, create=options.get("create", True))
    return open_store(path, key=key, **options)


def raw_connection(
    path: Path | str, passphrase: bytes = TEST_PASSPHRASE.encode(), *, readonly: bool = False
) -> Any:
    """A bare driver connection to an encrypted test database (autocommit), for tests that
    poke at the file below the store; ``readonly``: ``mode=ro``, the file is never changed."""
    from fieldapp.core.store.driver import sqlite

    key = unlock_test_db(path, passphrase, create=False)
    if readonly:
        conn = sqlite.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
    else:
        conn = sqlite.connect(str(path), isolation_level=None)
    conn.execute(f"PRAGMA key = {key.pragma_value()}")
    return conn


def copy_database(source: Path | str, target: Path | str) -> None:
    """Copy a (checkpointed) database file with its key file, as a backup would."""
    import shutil

    from fieldapp.core.store.keyfile import key_file_path

    shutil.copy(source, target)
    shutil.copy(key_file_path(source), key_file_path(target))

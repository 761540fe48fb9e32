"""Stores for tests, opened one way everywhere.

Tests open databases through ``open_test_store`` (never ``open_store`` directly) so that how a
test database is opened — today plaintext; with encryption at rest, a known test passphrase and a
cheap key derivation — is decided here once.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

from fieldapp.core.store.database import open_store
from fieldapp.core.store.store import Store

TEST_PASSPHRASE = "correct horse battery"


def open_test_store(path: Path | str, **options: Any) -> Store:
    """Open (or create) a test database with ``open_store``'s options."""
    return open_store(path, **options)


def raw_connection(path: Path | str) -> Any:
    """A bare connection to a test database (autocommit), for tests that poke below the store."""
    return sqlite3.connect(str(path), isolation_level=None)


def copy_database(source: Path | str, target: Path | str) -> None:
    """Copy a (checkpointed) database file as a backup would."""
    shutil.copy(source, target)

"""Shared fixtures: Qt runs offscreen; every test gets its own fresh (encrypted) store.

Commands run in-process or as child processes find the test passphrase in $FIELDAPP_PASSPHRASE;
new key files get the tiny test Argon2id cost (``tests.stores``) instead of a calibrated one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Derived data (forms already checked against the schema) goes to a folder of this run, not the
# developer's cache; child processes inherit it.
os.environ.setdefault("FIELDAPP_CACHE_DIR", tempfile.mkdtemp(prefix="fieldapp-test-cache-"))

from fieldapp.core.crypto import kdf  # noqa: E402
from fieldapp.core.store.store import Store  # noqa: E402
from tests.stores import TEST_COST, TEST_PASSPHRASE, open_test_store  # noqa: E402

os.environ["FIELDAPP_PASSPHRASE"] = TEST_PASSPHRASE

TODAY = date(2026, 11, 1)


@pytest.fixture(autouse=True)
def cheap_key_derivation(monkeypatch: pytest.MonkeyPatch) -> None:
    """New key files and enrollment files made in-process use the tiny test cost."""
    monkeypatch.setattr(kdf, "calibrated_cost", lambda target_seconds=0.5: TEST_COST)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_test_store(tmp_path / "test.db")
    yield s
    s.close()

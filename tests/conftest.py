"""Shared fixtures: Qt runs offscreen; every test gets its own fresh store."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from fieldapp.core.store.store import Store  # noqa: E402
from tests.stores import TEST_PASSPHRASE, open_test_store  # noqa: E402

os.environ["FIELDAPP_PASSPHRASE"] = TEST_PASSPHRASE

TODAY = date(2026, 11, 1)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_test_store(tmp_path / "test.db")
    yield s
    s.close()

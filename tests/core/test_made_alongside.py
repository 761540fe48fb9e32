"""Rows made by a second thread while SQLite writes (store.made_alongside): same rows, same
order, errors in their place, and the thread always ends."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator

import pytest

from fieldapp.core.store import made_alongside as alongside
from fieldapp.core.store.made_alongside import made_alongside


def makers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "fieldapp-rows"]


@pytest.mark.parametrize("count", [0, 1, alongside.BATCH, alongside.BATCH * 40 + 7])
def test_every_row_is_written_in_order(count: int) -> None:
    db = sqlite3.connect(":memory:")
    db.execute("create table t (n integer, square integer)")
    made: list[int] = []

    def rows() -> Iterator[tuple[int, int]]:
        for n in range(count):
            made.append(threading.get_ident())
            yield n, n * n

    with made_alongside(rows()) as ready:
        db.executemany("insert into t values (?, ?)", ready)
    assert db.execute("select n, square from t order by rowid").fetchall() == [
        (n, n * n) for n in range(count)
    ]
    assert threading.get_ident() not in made  # made by the other thread
    assert not makers()


def test_an_error_making_a_row_is_raised_where_that_row_would_come() -> None:
    db = sqlite3.connect(":memory:")
    db.execute("create table t (n integer)")

    def rows() -> Iterator[tuple[int]]:
        yield from ((n,) for n in range(100))
        raise ValueError("row 100")

    with pytest.raises(ValueError, match="row 100"), made_alongside(rows()) as ready:
        db.executemany("insert into t values (?)", ready)
    assert db.execute("select count(*) from t").fetchone() == (100,)  # those before it
    assert not makers()


def test_a_writer_that_stops_early_stops_the_maker() -> None:
    """SQLite refusing a row (here: a duplicate key) leaves an endless maker stopped."""
    db = sqlite3.connect(":memory:")
    db.execute("create table t (n integer primary key)")

    def endless() -> Iterator[tuple[int]]:
        n = 0
        while True:
            yield (n % 500,)
            n += 1

    with pytest.raises(sqlite3.IntegrityError), made_alongside(endless()) as ready:
        db.executemany("insert into t values (?)", ready)
    assert not makers()

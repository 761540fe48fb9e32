"""What the search indexes answered last, kept until the data may have changed.

The household list asks twice per keystroke: ``search`` for a page, then ``count_matching`` for
the number of matches. Both start from the same index lookups, and a 档案编号 or ID number
prefix's trigram lookup is most of a search (its trigrams, ``530``, ``YN-``, are in nearly every
household). The memo lets the second question reuse the first one's answer.

An answer is kept only while the database is unchanged for this connection: SQLite's
``data_version`` changes when another connection commits, and the connection's
``total_changes`` when this one writes. Either change empties the memo. Inside a transaction
nothing is kept: what it reads may be rolled back, and a rollback moves neither number.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")
KEPT = 64  # answers per unchanged database; a typed search asks a handful per keystroke


class SearchMemo:
    """Answers keyed by the question (a tuple naming the lookup), for one connection."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self._stamp: tuple[int, int] | None = None
        self._answers: dict[Hashable, Any] = {}

    def _current(self) -> tuple[int, int]:
        version = self.conn.execute("pragma data_version").fetchone()[0]
        return int(version), int(self.conn.total_changes)

    def answer(self, question: Hashable, compute: Callable[[], T]) -> T:
        """The remembered answer to ``question``, or ``compute()``'s, kept for next time."""
        if self.conn.in_transaction:
            return compute()
        stamp = self._current()
        if stamp != self._stamp or len(self._answers) >= KEPT:
            self._answers, self._stamp = {}, stamp
        if question not in self._answers:
            self._answers[question] = compute()
        return self._answers[question]  # type: ignore[no-any-return]

    def remember(self, question: Hashable, value: Any) -> None:
        """Keep ``value`` as the answer to ``question`` (worked out along with another)."""
        if not self.conn.in_transaction and self._stamp == self._current():
            self._answers[question] = value

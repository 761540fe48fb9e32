"""Long terms looked up by their end: a 档案编号 or ID number is told apart by its last
characters, while its first ones (``YN-53``, ``530``) are in nearly every household.

FTS5 matches a trigram phrase by stepping through the list of every one of its trigrams; for
``YN-530112-2022`` four of them list all 100,000 households, and the phrase costs 4–5 ms where
its last nine characters cost under 2. ``tails`` gives the query with each long term cut to its
end. The households the tails match include every household the whole terms match (a text
holding a term holds each piece of it); checking each of them for the whole terms in
``search_text`` (``instr``) leaves exactly those again, as long as the index and ``instr``
agree on what matches.

They agree for the characters in ``TAIL_CHARS``. The index folds case; ``search_text`` and the
term are both ``upper()``-ed already, so a text character matches a term character under the
index exactly when it is the same character, unless some other character folds to the same
lower-case letter: only İ (U+0130, folds to i) and the Kelvin sign (U+212A, to k) do, and
``upper()`` leaves both as they are. So I and K stay out, and a term with any character outside
the set keeps its whole-phrase lookup.
"""

from __future__ import annotations

TAIL = 9  # characters of a long term's end that are looked up
TAIL_CHARS = frozenset("0123456789-ABCDEFGHJLMNOPQRSTUVWXYZ")
TAIL_CANDIDATES = 1000
"""At most this many households matching the tails are checked (about a millisecond); when the
tails match more, the whole terms are looked up instead."""


def tails(query: str) -> tuple[str, list[str]] | None:
    """``query`` with each long term of ``TAIL_CHARS`` cut to its last ``TAIL`` characters,
    and the whole terms that were cut (to be checked); None when no term is cut."""
    terms = query.strip().upper().split()
    cut = [term for term in terms if len(term) > TAIL and set(term) <= TAIL_CHARS]
    if not cut:
        return None
    return " ".join(term[-TAIL:] if term in cut else term for term in terms), cut

"""Index terms for short searches: every one- and two-character piece of a household's search text.

Chinese names are one or two characters (a surname, a given name), below what the FTS5 trigram
index can answer. ``short_grams`` lists, space separated, the distinct unigrams and bigrams of
each run of letters and digits in ``search_text``; an FTS5 ``unicode61`` table over that column
(migration ``m008_search_grams``) then finds a 1–2 character term by its token instead of a scan.
A term made only of letters and digits is a substring of the text exactly when it is one of these
tokens, because it cannot straddle a space or a dash.
"""

from __future__ import annotations

import re

SHORT = 2
_RUN = re.compile(r"[^\W_]+")


def is_gram_term(term: str) -> bool:
    """Whether ``term`` (already upper-cased) can be looked up among the short grams."""
    return 0 < len(term) <= SHORT and _RUN.fullmatch(term) is not None


def short_grams(search_text: str) -> str:
    """The distinct one- and two-character pieces of each letter/digit run, space separated."""
    grams: set[str] = set()
    for run in _RUN.findall(search_text):
        grams.update(run)
        grams.update(map(str.__add__, run, run[1:]))  # each two neighbours (SHORT == 2)
    return " ".join(sorted(grams))

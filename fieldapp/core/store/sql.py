"""SQL fragments used in more than one place: prefix matching with LIKE, wildcards escaped.

Why: in ``LIKE ?`` the text itself may hold ``%`` and ``_``, SQLite's wildcards, so a prefix of
"%" matched every household and ``hq assign --region %`` would have assigned them all. Every
prefix match goes through ``like_prefix`` with the ``LIKE_PREFIX`` clause, which escapes them.
"""

from __future__ import annotations

ESCAPE = "\\"
LIKE_PREFIX = f"like ? escape '{ESCAPE}'"
"""The condition to put after a column: ``f"region_code {LIKE_PREFIX}"``."""


def like_prefix(text: str) -> str:
    """The LIKE pattern for values starting with ``text``, taken literally."""
    escaped = text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return escaped + "%"

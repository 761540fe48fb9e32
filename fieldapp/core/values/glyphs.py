"""Which characters the printed ledger can draw: the character map of the bundled font.

Why: a character the font lacks (an emoji, a rare 生僻字 outside the font) prints as a blank, so
"王😀芳" came out as "王　芳" — a name silently changed on a signed paper record. The form engine
refuses such characters in names and warns elsewhere; the ledger prints a visible stand-in
(``printable``) for any that are already stored. The font is read once (about 0.15 s) and only
its character map is kept.
"""

from __future__ import annotations

from functools import lru_cache

from fieldapp.core.paths import RESOURCES_DIR

FONT_FILE = RESOURCES_DIR / "fonts" / "wqy-microhei.ttc"
FONT_NUMBER = 0
"""The face of the collection that the ledger embeds (WenQuanYi Micro Hei)."""
NOT_DRAWN = frozenset("\n\r\t")
"""Layout characters: never looked up in the font."""


@lru_cache(maxsize=1)
def font_codepoints() -> frozenset[int]:
    """Code points the ledger font has a glyph for (empty if the font file is missing)."""
    from fontTools.ttLib import TTFont

    if not FONT_FILE.is_file():
        return frozenset()
    font = TTFont(str(FONT_FILE), fontNumber=FONT_NUMBER, lazy=True)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


def undrawable(text: str) -> list[str]:
    """The distinct characters of ``text`` the ledger font cannot draw, in order of appearance.

    Empty when the font itself is missing: the ledger then refuses to print at all, and input
    is not blocked for a fault of the installation."""
    known = font_codepoints()
    if not known:
        return []
    missing = {c for c in set(text) if ord(c) not in known and c not in NOT_DRAWN}
    if not missing:
        return []
    return list(dict.fromkeys(c for c in text if c in missing))


def code_name(char: str) -> str:
    """'😀' -> 'U+1F600', how a character is named when it cannot be shown."""
    return f"U+{ord(char):04X}"


def describe(chars: list[str]) -> str:
    """'“😀”（U+1F600）、“䶮”（U+4DAE）' for a message."""
    return "、".join(f"“{c}”（{code_name(c)}）" for c in chars)


def printable(text: str) -> str:
    """``text`` with every undrawable character replaced by a visible '[U+1F600]'."""
    missing = undrawable(text)
    for char in missing:
        text = text.replace(char, f"[{code_name(char)}]")
    return text

"""Typography of the printed ledger: the bundled CJK font, paragraph styles, dates, wrapping.

The font is WenQuanYi Micro Hei from resources/fonts (a TrueType collection, face 0), embedded
as a subset so a ledger prints the same on any computer. Every style and table names it
explicitly, and the canvas starts with it, so no unembedded Helvetica is ever referenced.

reportlab's CJK line breaking keeps a character that "cannot start a line" on the previous line;
its set lacks most Chinese punctuation (，；：！？》）” …), so it is extended here once.
"""

from __future__ import annotations

import threading
from datetime import date, datetime
from functools import lru_cache
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import registerFontFamily
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph

from fieldapp.core.values.glyphs import FONT_FILE, FONT_NUMBER

FONT = "WQYMicroHei"

PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT_MARGIN = 25 * mm  # wider on the left: the ledger is bound on that side
RIGHT_MARGIN = 20 * mm
TOP_MARGIN = 24 * mm
BOTTOM_MARGIN = 20 * mm
FRAME_WIDTH = PAGE_WIDTH - LEFT_MARGIN - RIGHT_MARGIN
FRAME_HEIGHT = PAGE_HEIGHT - TOP_MARGIN - BOTTOM_MARGIN

INK = colors.black
RULE = colors.black
LABEL_BG = colors.Color(0.93, 0.93, 0.93)
SECTION_BG = colors.Color(0.84, 0.84, 0.84)
MUTED = colors.Color(0.35, 0.35, 0.35)
SEAL_RED = colors.Color(0.78, 0.05, 0.05)
SIGNATURE_INK = colors.Color(0.05, 0.1, 0.45)

GRID_SIZE = 9.0
TABLE_SIZE = 8.0
SMALL_SIZE = 7.5

# Chinese (full-width) punctuation that must not start a line, added to reportlab's set.
CJK_CANNOT_START = "，。、；：！？）》」』】〕〗〙〛”’…—·％‰．｝〉｜～"
# Opening brackets and quotes that must not end a line.
CJK_CANNOT_END = "（《「『【〔〖〘〚“‘〈｛([{"

_lock = threading.Lock()
_ready = False


def ensure_fonts() -> str:
    """Register the bundled font once (about 0.3 s) and extend the line-breaking rules."""
    global _ready
    with _lock:
        if not _ready:
            if not FONT_FILE.is_file():
                from fieldapp.core.store.errors import StoreError

                raise StoreError(f"找不到随程序安装的字体文件 {FONT_FILE}，无法生成台账")
            pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE), subfontIndex=FONT_NUMBER))
            registerFontFamily(FONT, normal=FONT, bold=FONT, italic=FONT, boldItalic=FONT)
            from reportlab.lib import textsplit
            from reportlab.platypus import paragraph

            # Multi-fragment text goes through paragraph.cjkFragSplit, which keeps one
            # "cannot start" character on the line before; single-fragment text (nearly all of
            # a ledger) is split by wordSplit, replaced by cjk_word_split below.
            for module in (textsplit, paragraph):
                current: str = module.ALL_CANNOT_START
                extra = "".join(c for c in CJK_CANNOT_START if c not in current)
                module.ALL_CANNOT_START = current + extra
            paragraph.wordSplit = cjk_word_split
            _ready = True
    return FONT


@lru_cache(maxsize=65536)
def _width_1000(text: str) -> float:
    """Advance width of ``text`` at 1000 units per em (labels and values repeat a lot)."""
    if not _ready:
        ensure_fonts()
    width: float = pdfmetrics.stringWidth(text, FONT, 1000)
    return width


def text_width(text: str, size: float) -> float:
    return _width_1000(text) * size / 1000


def _style(name: str, size: float, *, leading: float | None = None, **kw: object) -> ParagraphStyle:
    options: dict[str, object] = {"textColor": INK, **kw}
    return ParagraphStyle(
        name,
        fontName=FONT,
        fontSize=size,
        leading=leading if leading is not None else round(size * 1.3, 1),
        wordWrap="CJK",
        **options,
    )


STYLES: dict[str, ParagraphStyle] = {
    "cover_title": _style("cover_title", 30, leading=40, alignment=TA_CENTER),
    "cover_subtitle": _style("cover_subtitle", 14, leading=20, alignment=TA_CENTER),
    "cover_label": _style("cover_label", 12, leading=16, alignment=TA_CENTER),
    "cover_value": _style("cover_value", 12, leading=16, alignment=TA_LEFT),
    "form_title": _style("form_title", 17, leading=24, alignment=TA_CENTER),
    "form_subtitle": _style("form_subtitle", 9, leading=13, alignment=TA_CENTER, textColor=MUTED),
    "section": _style("section", 10, leading=13, alignment=TA_LEFT),
    "label": _style("label", GRID_SIZE, alignment=TA_CENTER),
    "value": _style("value", GRID_SIZE, alignment=TA_LEFT),
    "head": _style("head", TABLE_SIZE, leading=10, alignment=TA_CENTER),
    "cell": _style("cell", TABLE_SIZE, leading=10.4, alignment=TA_LEFT),
    "cell_center": _style("cell_center", TABLE_SIZE, leading=10.4, alignment=TA_CENTER),
    "cell_right": _style("cell_right", TABLE_SIZE, leading=10.4, alignment=TA_RIGHT),
    "note": _style("note", SMALL_SIZE, leading=10.5, alignment=TA_LEFT, textColor=MUTED),
    "body": _style("body", 10, leading=15, alignment=TA_LEFT),
    "summary": _style("summary", 7, leading=8.5, alignment=TA_LEFT),
}


def para(text: str, style: str = "value") -> Paragraph:
    """A wrapping paragraph of plain text (escaped; newlines kept)."""
    if not _ready:
        ensure_fonts()
    markup = escape(text).replace("\n", "<br/>")
    return Paragraph(markup, STYLES[style])


def chinese_date(day: date | datetime | str | None) -> str:
    """2026-03-05 -> '2026年3月5日' (GB/T 9704 style, no leading zeros); '' for nothing."""
    if day is None or day == "":
        return ""
    if isinstance(day, str):
        try:
            parsed = date.fromisoformat(day[:10])
        except ValueError:
            return day
        return f"{parsed.year}年{parsed.month}月{parsed.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def chinese_month(month: str | None) -> str:
    """'2026-03' -> '2026年3月'."""
    if not month:
        return ""
    year, _, mon = str(month).partition("-")
    if year.isdigit() and mon.isdigit():
        return f"{int(year)}年{int(mon)}月"
    return str(month)


def fit_text(text: str, width: float, size: float) -> str:
    """Shorten ``text`` with an ellipsis so that it fits ``width`` on one line."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


_NO_START = frozenset(CJK_CANNOT_START + "!),.:;?]}")
_NO_END = frozenset(CJK_CANNOT_END)


def _latin(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char in "-./%_@+")


def cjk_word_split(
    word: str,
    max_widths: float | list[float],
    font_name: str,
    font_size: float,
    encoding: str = "utf8",
) -> list[list[object]]:
    """Break unspaced (CJK) text into lines, with the Chinese line-breaking rules.

    Greedy, character by character; then, where a line would start with closing punctuation
    (，。、；：）》” …) or end with an opening bracket (（《“ …), characters move down to the
    next line instead, so nothing hangs outside a table cell. A Latin word or number (an ID,
    an amount) is not cut in the middle if it can move down whole. Returns reportlab's shape:
    ``[[extra_space, line_text], ...]``.
    """
    text = word.decode(encoding) if isinstance(word, bytes) else word
    widths_list = max_widths if isinstance(max_widths, list | tuple) else [max_widths]
    if font_name == FONT:
        advance = [_width_1000(c) * font_size / 1000 for c in text]
    else:
        advance = [pdfmetrics.stringWidth(c, font_name, font_size) for c in text]
    lines: list[list[object]] = []
    start, n = 0, len(text)
    while start < n:
        limit = widths_list[min(len(lines), len(widths_list) - 1)]
        used, end = 0.0, start
        while end < n and used + advance[end] <= limit + 1e-6:
            used += advance[end]
            end += 1
        if end >= n:
            lines.append([limit - used, text[start:]])
            break
        end = max(end, start + 1)
        if _latin(text[end - 1]) and _latin(text[end]):
            back = end - 1
            while back > start and _latin(text[back - 1]):
                back -= 1
            if back > start:
                end = back
        fixed = end
        while fixed > start + 1 and (text[fixed] in _NO_START or text[fixed - 1] in _NO_END):
            fixed -= 1
        if fixed < end and _latin(text[fixed - 1]) and _latin(text[fixed]):
            while fixed > start and _latin(text[fixed - 1]):
                fixed -= 1  # move a number or word down whole, not its last digits
        if fixed > start and (text[fixed] not in _NO_START or fixed == end):
            end = fixed
        elif text[end] in _NO_START:
            end += 1  # nothing can move down: the punctuation hangs (one character)
        line = text[start:end].rstrip(" ")
        lines.append([limit - sum(advance[start : start + len(line)]), line])
        start = end
        while start < n and text[start] == " ":
            start += 1
    return lines

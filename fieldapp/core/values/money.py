"""Money as integer 分 (fen): parsing what cadres type and showing it as 元 with two decimals.

Floats never touch money: 0.1 元 + 0.2 元 must be exactly 0.3 元 in every ledger total.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

# After NFKC (full-width digits, ，．￥ become ASCII): an optional sign and ¥, the whole 元 either
# plain or grouped in threes with commas (1,234,567), at most one decimal point, an optional 元.
_MONEY_TEXT = re.compile(
    r"(?P<sign>[+-]?)\s*¥?\s*(?P<whole>[1-9]\d{0,2}(?:,\d{3})+|\d*)"
    r"(?:\.(?P<decimals>\d*))?\s*元?",
    re.ASCII,  # \d is 0-9 only: other scripts' digits are not guessed at
)
ACCEPTED_FORMS = "1234、1234.50、1,234.50、¥1234 或 1234元"
MAX_DIGITS = 30
"""Digits of whole 元: far beyond any amount on a form, and short of int()'s own limit."""


class MoneyError(ValueError):
    """Text that is not an amount of money; the message is Chinese, for users."""


def yuan_to_fen(value: Decimal | int) -> int:
    """An exact amount in 元 rounded half up to whole 分."""
    return int((Decimal(value) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fen_to_yuan(fen: int) -> Decimal:
    return Decimal(fen) / 100


def parse_yuan(text: str) -> int:
    """Parse what people type for an amount in 元 into 分, accepting only unambiguous forms.

    Accepted: digits with at most one decimal point and two decimals, an optional sign, ¥ and 元,
    full-width digits, and commas only as thousands separators (every group of three). Anything
    else is refused rather than guessed: "1,2,3" is not 123 and "12,34" is not 1234.
    """
    cleaned = unicodedata.normalize("NFKC", text).strip()
    match = _MONEY_TEXT.fullmatch(cleaned)
    if match is None or not (match["whole"] or match["decimals"]):
        raise MoneyError(
            f"“{text}”不是有效金额：请填写数字，如 {ACCEPTED_FORMS}（逗号只能每三位一个）"
        )
    whole = match["whole"].replace(",", "")
    decimals = match["decimals"] or ""
    if len(decimals) > 2:
        raise MoneyError(f"“{text}”的小数超过两位，金额精确到分")
    if len(whole.lstrip("0")) > MAX_DIGITS:
        raise MoneyError(f"“{text}”不是有效金额：位数过多（整数部分最多 {MAX_DIGITS} 位）")
    fen = int(whole or "0") * 100 + int(decimals.ljust(2, "0"))
    return -fen if match["sign"] == "-" else fen


def format_yuan(fen: int | None, *, grouping: bool = False) -> str:
    """123450 -> '1234.50' (or '1,234.50' with grouping); None -> ''."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    whole_text = f"{whole:,}" if grouping else str(whole)
    return f"{sign}{whole_text}.{cents:02d}"

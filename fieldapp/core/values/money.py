"""Money as integer 分 (fen): parsing what cadres type and showing it as 元 with two decimals.

Floats never touch money: 0.1 元 + 0.2 元 must be exactly 0.3 元 in every ledger total.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

_MONEY_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


class MoneyError(ValueError):
    """Text that is not an amount of money; the message is Chinese, for users."""


def yuan_to_fen(value: Decimal | int) -> int:
    """An exact amount in 元 rounded half up to whole 分."""
    return int((Decimal(value) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fen_to_yuan(fen: int) -> Decimal:
    return Decimal(fen) / 100


def parse_yuan(text: str) -> int:
    """Parse '1,234.5', '１２３４.５０', '¥12', '12元' into fen; more than two decimals is refused."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    for noise in (",", "，", " ", "¥", "￥", "元"):
        cleaned = cleaned.replace(noise, "")
    if not _MONEY_TEXT.match(cleaned):
        raise MoneyError(f"“{text}”不是有效金额，请输入数字，如 1234.50")
    whole, _, decimals = cleaned.partition(".")
    if len(decimals) > 2:
        raise MoneyError(f"“{text}”的小数超过两位，金额精确到分")
    try:
        return yuan_to_fen(Decimal(cleaned))
    except InvalidOperation as exc:  # pragma: no cover - the regex already guards this
        raise MoneyError(f"“{text}”不是有效金额") from exc


def format_yuan(fen: int | None, *, grouping: bool = False) -> str:
    """123450 -> '1234.50' (or '1,234.50' with grouping); None -> ''."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    whole_text = f"{whole:,}" if grouping else str(whole)
    return f"{sign}{whole_text}.{cents:02d}"

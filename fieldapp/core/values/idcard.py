"""居民身份证号 (GB 11643-1999) validation, decoding and synthesis.

Why: the ID number is the key that ties a hardship household's records together, and it is typed
by hand in the field, often on a Chinese IME. Catching typos on entry (checksum, impossible dates)
saves a return visit, while a region code missing from our tables must not stop the survey: ID
numbers keep the code of the issuing place, and our tables may simply not know it.

Layout: 6-digit region code (GB/T 2260) + YYYYMMDD + 3-digit sequence (odd = male, even =
female) + check character ``"10X98765432"[Σ aᵢ·wᵢ mod 11]``.

Input is normalised first: surrounding whitespace stripped, full-width ``０-９ Ｘ ｘ`` and
lowercase ``x`` turned into ``0-9 X``. Nothing else is rewritten (no inner spaces removed).

15-digit first-generation numbers are not converted: the conversion needs the century, which
the number does not record, so the user gets a blocking ``old_15_digit`` problem asking them to
enter the 18-digit number printed on the current card.

Problem codes (stable, for the UI and tests): ``empty``, ``old_15_digit``, ``chars``,
``length``, ``checksum``, ``birth_date``, ``future_birth``, ``too_old`` (all blocking) and
``unknown_region`` (a warning, never a rejection).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from fieldapp.core.values.regions import RegionTable, load_regions

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
MAX_AGE_YEARS = 120

_DIGITS = frozenset("0123456789")
_NORMALISE = str.maketrans(
    {**{chr(0xFF10 + i): str(i) for i in range(10)}, "Ｘ": "X", "ｘ": "X", "x": "X"}
)

Gender = Literal["男", "女"]


@dataclass(frozen=True)
class IdCardInfo:
    """What an 18-digit number says about its holder."""

    number: str
    region_code: str
    birth_date: date
    gender: Gender


@dataclass(frozen=True)
class IdProblem:
    """One finding: a stable English ``code``, a Chinese ``message`` for users."""

    code: str
    message: str
    blocking: bool


def normalize_id_number(text: str) -> str:
    """Strip surrounding whitespace; map full-width digits/X and lowercase x to ASCII."""
    return text.strip().translate(_NORMALISE)


def _is_digits(text: str) -> bool:
    return all(c in _DIGITS for c in text)


def check_digit(first17: str) -> str:
    """The check character for the first 17 digits of an ID number."""
    if len(first17) != 17 or not _is_digits(first17):
        raise ValueError(f"expected 17 ASCII digits, got {first17!r}")
    total = sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def make_id_number(region_code: str, birth_date: date, seq: int) -> str:
    """Build a valid 18-digit number; ``seq`` 0..999, odd for 男, even for 女."""
    if len(region_code) != 6 or not _is_digits(region_code):
        raise ValueError(f"region code must be 6 ASCII digits, got {region_code!r}")
    if not 0 <= seq <= 999:
        raise ValueError(f"sequence must be in 0..999, got {seq}")
    d = birth_date
    first17 = f"{region_code}{d.year:04d}{d.month:02d}{d.day:02d}{seq:03d}"
    return first17 + check_digit(first17)


def _years_before(day: date, years: int) -> date:
    if day.year - years < date.min.year:
        return date.min
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a non-leap target year
        return day.replace(year=day.year - years, day=28)


def _visible(char: str) -> str:
    """A way to show ``char`` in a message even when it is blank or invisible."""
    if char == " " or char == "\u3000":
        return "空格"
    if char.isspace() or not char.isprintable():
        return f"U+{ord(char):04X}"
    return char


def _structure_problems(number: str) -> list[IdProblem]:
    """Problems that make the number undecodable (wrong length or characters)."""
    if not number:
        return [IdProblem("empty", "请填写身份证号", True)]
    if len(number) == 15 and _is_digits(number):
        return [IdProblem("old_15_digit", "15 位旧身份证号请换算为 18 位", True)]
    problems: list[IdProblem] = []
    bad = [c for i, c in enumerate(number) if c not in _DIGITS and not (c == "X" and i == 17)]
    if bad and set(bad) == {"X"}:
        problems.append(IdProblem("chars", "身份证号中的 X 只能是最后一位", True))
    elif bad:
        shown = "".join(dict.fromkeys(f"「{_visible(c)}」" for c in bad))
        message = f"身份证号含有无效字符{shown}：只能是数字，最后一位可以是 X"
        problems.append(IdProblem("chars", message, True))
    if len(number) != 18:
        problems.append(IdProblem("length", f"身份证号应为 18 位，现为 {len(number)} 位", True))
    return problems


def check_id_number(
    text: str, *, regions: RegionTable | None = None, today: date | None = None
) -> tuple[IdCardInfo | None, list[IdProblem]]:
    """Validate ``text`` and decode it; report every problem found, not just the first.

    ``info`` is None when the number cannot be decoded (wrong length or characters, or a
    birth date that does not exist). It is still returned alongside other blocking problems
    (e.g. a wrong check character), so callers must look at ``blocking`` before trusting it.
    ``regions`` defaults to the bundled table, ``today`` to the system date.
    """
    number = normalize_id_number(text)
    problems = _structure_problems(number)
    if problems:
        return None, problems

    expected = check_digit(number[:17])
    if number[17] != expected:
        problems.append(IdProblem("checksum", f"身份证号校验位错误，应为 {expected}", True))

    region_code = number[:6]
    table = load_regions() if regions is None else regions
    if not table.is_known_historic(region_code):
        problems.append(
            IdProblem(
                "unknown_region",
                f"身份证号前 6 位地区码 {region_code} 不在行政区划代码表中，请核对",
                False,
            )
        )

    y, m, d = number[6:10], number[10:12], number[12:14]
    try:
        birth = date(int(y), int(m), int(d))
    except ValueError:
        problems.append(IdProblem("birth_date", f"身份证号中的出生日期 {y}-{m}-{d} 不存在", True))
        return None, problems

    today = date.today() if today is None else today
    if birth > today:
        problems.append(
            IdProblem("future_birth", f"身份证号中的出生日期 {birth.isoformat()} 晚于今天", True)
        )
    elif birth < _years_before(today, MAX_AGE_YEARS):
        problems.append(
            IdProblem(
                "too_old",
                f"身份证号中的出生日期 {birth.isoformat()} 距今超过 {MAX_AGE_YEARS} 年",
                True,
            )
        )

    gender: Gender = "男" if int(number[14:17]) % 2 == 1 else "女"
    return IdCardInfo(number, region_code, birth, gender), problems


def has_blocking(problems: list[IdProblem]) -> bool:
    """True if any problem must stop the number from being saved."""
    return any(p.blocking for p in problems)

"""Field types: turn what a cadre typed (or a JSON file holds) into the stored value, or say why not.

Each type is one small function, in the spirit of qutebrowser's config types: it accepts the stored
form and the forms people type (full-width digits from Chinese input methods, '1,234.50 元'), and
returns the normalised value with every problem found. A value that cannot be understood is kept as
typed (drafts never lose input) and reported; the engine decides what blocks finalising.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fieldapp.core.forms.model import Field
from fieldapp.core.values.glyphs import code_name, describe, undrawable
from fieldapp.core.values.idcard import IdCardInfo, check_id_number
from fieldapp.core.values.limits import count
from fieldapp.core.values.money import MoneyError, format_yuan, parse_yuan, yuan_to_fen
from fieldapp.core.values.regions import RegionTable

CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DEFAULT_MONEY_MAX_YUAN = Decimal(10_000_000)
OLDEST_DATE = date(1900, 1, 1)


@dataclass(frozen=True)
class Issue:
    """One problem with one value: a stable code, a Chinese message, and whether it blocks."""

    code: str
    message: str
    blocking: bool = True


@dataclass
class Coerced:
    value: Any
    issues: list[Issue] = field(default_factory=list)
    valid: bool = True
    id_info: IdCardInfo | None = None

    def fail(self, code: str, message: str) -> Coerced:
        self.issues.append(Issue(code, message, True))
        self.valid = False
        return self

    def warn(self, code: str, message: str) -> Coerced:
        self.issues.append(Issue(code, message, False))
        return self


@dataclass(frozen=True)
class Context:
    """What coercion needs besides the value: today's date (for 'not in the future') and regions."""

    today: date
    regions: RegionTable


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, list | dict):
        return len(value) == 0
    return False


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _text(f: Field, value: Any, ctx: Context) -> Coerced:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return Coerced(value).fail("type", "应为文字")
    text = str(value).strip()
    result = Coerced(text)
    allowed_controls = text.replace("\n", "").replace("\t", "") if f.multiline else text
    if CONTROL_CHARS.search(allowed_controls) or (
        not f.multiline and ("\n" in text or "\r" in text)
    ):
        result.fail("control_chars", "含有不可见的控制字符或换行，请删除后重新输入")
    if len(text) > f.max_length:
        result.fail(
            "too_long",
            f"内容过长：已输入 {count(len(text))} 字，超过上限 {count(f.max_length)} 字，请删减",
        )
    missing = [c for c in undrawable(text) if not CONTROL_CHARS.match(c)]  # reported above
    if missing and f.charset == "name":
        result.fail(
            "unprintable", f"{describe(missing)}无法打印（表册字体没有这个字），请改用常用字"
        )
    elif missing:
        result.warn(
            "unprintable",
            f"{describe(missing)}无法打印（表册字体没有这个字），表册上将以编码印出，如 "
            f"[{code_name(missing[0])}]",
        )
    return result


def _integer(f: Field, value: Any, ctx: Context) -> Coerced:
    number: int
    if isinstance(value, bool):
        return Coerced(value).fail("type", "应为整数")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,15}", _nfkc(value)):
        number = int(_nfkc(value))
    else:
        return Coerced(value).fail("type", f"“{value}”不是整数")
    result = Coerced(number)
    if f.min is not None and number < int(f.min):
        result.fail("too_small", f"不能小于 {f.min}")
    if f.max is not None and number > int(f.max):
        result.fail("too_large", f"不能大于 {f.max}")
    return result


def _money(f: Field, value: Any, ctx: Context) -> Coerced:
    if isinstance(value, bool) or isinstance(value, float):
        return Coerced(value).fail("type", "金额请以“元”填写（如 1234.50），或以整数“分”存储")
    if isinstance(value, int):
        fen = value
    elif isinstance(value, str):
        try:
            fen = parse_yuan(value)
        except MoneyError as exc:
            return Coerced(value).fail("type", str(exc))
    else:
        return Coerced(value).fail("type", "应为金额")
    result = Coerced(fen)
    low = yuan_to_fen(Decimal(str(f.min))) if f.min is not None else 0
    high = yuan_to_fen(Decimal(str(f.max)) if f.max is not None else DEFAULT_MONEY_MAX_YUAN)
    if fen < low:
        result.fail(
            "too_small", "金额不能为负数" if low == 0 else f"金额不能小于 {format_yuan(low)} 元"
        )
    if fen > high:
        result.fail(
            "too_large",
            f"金额 {format_yuan(fen)} 元超出合理范围（最多 {format_yuan(high)} 元），请核对",
        )
    return result


def parse_iso_date(text: str) -> date | None:
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def typed_date(text: str, today: date) -> date | None:
    """The day a typed text means, in the shapes people type dates: 2026-03-05, 2026/3/5,
    2026.3.5, 2026年3月5日, 20260305, and a day of this year as 3-5, 3/5 or 3月5日."""
    text = _nfkc(text).replace("/", "-").replace(".", "-")
    text = re.sub(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$", r"\1-\2-\3", text)
    text = re.sub(r"^(\d{1,2})月(\d{1,2})日?$", r"\1-\2", text)
    text = re.sub(r"^(\d{4})(\d{2})(\d{2})$", r"\1-\2-\3", text)
    if re.fullmatch(r"\d{1,2}-\d{1,2}", text):
        text = f"{today.year}-{text}"
    parts = text.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        text = f"{parts[0]:0>4}-{parts[1]:0>2}-{parts[2]:0>2}"
    return parse_iso_date(text)


def typed_month(text: str) -> str | None:
    """The month (``2026-03``) a typed text means: 2026-03, 2026-3, 2026/3, 2026.3, 2026年3月
    or 202603."""
    text = _nfkc(text).replace("/", "-").replace(".", "-")
    text = re.sub(r"^(\d{4})年(\d{1,2})月?$", r"\1-\2", text)
    text = re.sub(r"^(\d{4})(\d{2})$", r"\1-\2", text)
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if not match or not 1 <= int(match[2]) <= 12:
        return None
    return f"{match[1]}-{int(match[2]):02d}"


def _date(f: Field, value: Any, ctx: Context) -> Coerced:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        day: date | None = value
    elif isinstance(value, str):
        day = typed_date(value, ctx.today)
    else:
        day = None
    if day is None:
        return Coerced(value).fail("type", f"“{value}”不是有效日期，请按 2024-03-05 格式填写")
    result = Coerced(day.isoformat())
    if day < OLDEST_DATE:
        result.fail("too_old", "日期早于 1900 年，请核对")
    if not f.allow_future and day > ctx.today:
        result.fail("future", f"日期 {day.isoformat()} 晚于今天，请核对")
    if f.min is not None and day.isoformat() < str(f.min):
        result.fail("too_small", f"日期不能早于 {f.min}")
    if f.max is not None and day.isoformat() > str(f.max):
        result.fail("too_large", f"日期不能晚于 {f.max}")
    return result


def _month(f: Field, value: Any, ctx: Context) -> Coerced:
    month = typed_month(value) if isinstance(value, str) else None
    if month is None:
        return Coerced(value).fail("type", f"“{value}”不是有效月份，请按 2024-03 格式填写")
    result = Coerced(month)
    if int(month[:4]) < OLDEST_DATE.year:
        result.fail("too_old", "月份早于 1900 年，请核对")
    if not f.allow_future and month > ctx.today.isoformat()[:7]:
        result.fail("future", f"月份 {month} 晚于本月，请核对")
    return result


def _option_values(f: Field) -> dict[str, str]:
    return {o.value: o.label for o in f.options}


def _select_one(f: Field, value: Any, ctx: Context) -> Coerced:
    if not isinstance(value, str | int) or isinstance(value, bool):
        return Coerced(value).fail("type", "应为一个选项")
    text = str(value).strip()
    options = _option_values(f)
    if text not in options:
        by_label = {label: v for v, label in options.items()}
        if text in by_label:
            return Coerced(by_label[text])
        return Coerced(value).fail("unknown_option", f"“{text}”不是可选项")
    return Coerced(text)


def _select_multiple(f: Field, value: Any, ctx: Context) -> Coerced:
    if isinstance(value, str):
        value = [v for v in re.split(r"[,，、;；\s]+", value) if v]
    if not isinstance(value, list):
        return Coerced(value).fail("type", "应为选项列表")
    chosen: list[str] = []
    result = Coerced(chosen)
    for item in value:
        one = _select_one(f, item, ctx)
        if not one.valid:
            result.issues.extend(one.issues)
            result.valid = False
        elif one.value not in chosen:
            chosen.append(one.value)
    if not result.valid:
        result.value = value
    if f.max_selected is not None and len(chosen) > f.max_selected:
        result.fail("too_many", f"最多选择 {f.max_selected} 项，已选 {len(chosen)} 项")
    return result


def _id_number(f: Field, value: Any, ctx: Context) -> Coerced:
    if not isinstance(value, str):
        return Coerced(value).fail("type", "身份证号应为文字")
    info, problems = check_id_number(value, regions=ctx.regions, today=ctx.today)
    result = Coerced(info.number if info is not None else value.strip(), id_info=info)
    for problem in problems:
        if problem.blocking:
            result.fail(f"id_{problem.code}", problem.message)
        else:
            result.warn(f"id_{problem.code}", problem.message)
    if not result.valid:
        result.value = value.strip()
    return result


def _phone(f: Field, value: Any, ctx: Context) -> Coerced:
    if not isinstance(value, str | int) or isinstance(value, bool):
        return Coerced(value).fail("type", "电话号码应为文字")
    text = re.sub(r"[\s()（）]", "", _nfkc(str(value)))
    if text.startswith("+86"):
        text = text[3:]
    compact = text.replace("-", "")
    if MOBILE.match(compact):
        return Coerced(compact)
    if LANDLINE.match(text):
        return Coerced(text)
    return Coerced(value).fail("phone", f"“{value}”不是有效电话号码（手机 11 位，座机带区号）")


def _region(f: Field, value: Any, ctx: Context) -> Coerced:
    code = _nfkc(str(value)) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not re.fullmatch(r"\d{6}", code):
        return Coerced(value).fail("type", f"“{value}”不是 6 位行政区划代码")
    region = ctx.regions.get(code)
    if region is None:
        if ctx.regions.is_known_historic(code):
            return Coerced(code).fail(
                "region_abolished", f"行政区划代码 {code} 已撤销，请选择现行区划"
            )
        return Coerced(code).fail("region_unknown", f"行政区划代码 {code} 不存在")
    result = Coerced(code)
    wanted = {"province": 0, "city": 1, "county": 2}[f.level]
    actual = {"province": 0, "city": 1, "county": 2}[region.level]
    if actual < wanted:
        level_name = {"province": "省", "city": "市（州）", "county": "县（区）"}[f.level]
        result.fail("region_level", f"请选择到{level_name}一级（{ctx.regions.full_name(code)}）")
    if f.within and not code.startswith(str(f.within)):
        result.fail("region_outside", f"{ctx.regions.full_name(code)} 不在本表适用范围内")
    return result


def _signature(f: Field, value: Any, ctx: Context) -> Coerced:
    if not isinstance(value, dict):
        return Coerced(value).fail("type", "签名数据无效")
    if "png" in value:
        try:
            raw = base64.b64decode(str(value["png"]), validate=True)
        except (binascii.Error, ValueError):
            return Coerced(value).fail("signature", "签名图片无法读取")
        if not raw.startswith(PNG_MAGIC):
            return Coerced(value).fail("signature", "签名图片不是 PNG 格式")
        return Coerced({"png": value["png"]})
    strokes = value.get("strokes")
    if (
        isinstance(strokes, list)
        and strokes
        and all(
            isinstance(stroke, list)
            and len(stroke) > 0
            and all(
                isinstance(p, list | tuple)
                and len(p) == 2
                and all(isinstance(c, int | float) and not isinstance(c, bool) for c in p)
                for p in stroke
            )
            for stroke in strokes
        )
    ):
        return Coerced({"strokes": strokes})
    return Coerced(value).fail("signature", "签名数据无效")


def _attachment(f: Field, value: Any, ctx: Context) -> Coerced:
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return Coerced(value).fail("type", "附件数据无效")
    kinds = {o.value for o in f.kinds}
    result = Coerced(value)
    for item in value:
        if not isinstance(item, dict) or not SHA256.match(str(item.get("sha256", ""))):
            return result.fail("attachment", "附件记录无效（缺少文件摘要）")
        if kinds and item.get("kind") not in kinds and item.get("kind") is not None:
            result.fail("attachment_kind", f"附件类型“{item.get('kind')}”不是可选项")
    if f.max_files is not None and len(value) > f.max_files:
        result.fail("too_many", f"最多 {f.max_files} 个附件")
    return result


def _repeat(f: Field, value: Any, ctx: Context) -> Coerced:
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        return Coerced(value).fail("type", "应为表格行列表")
    rows = [dict(row) for row in value]
    for row in rows:
        row.setdefault("_id", str(uuid.uuid4()))
    return Coerced(rows)


def _note(f: Field, value: Any, ctx: Context) -> Coerced:
    return Coerced(None)


COERCERS: dict[str, Callable[[Field, Any, Context], Coerced]] = {
    "text": _text,
    "integer": _integer,
    "money": _money,
    "date": _date,
    "month": _month,
    "select_one": _select_one,
    "select_multiple": _select_multiple,
    "id_number": _id_number,
    "phone": _phone,
    "region": _region,
    "signature": _signature,
    "attachment": _attachment,
    "repeat": _repeat,
    "note": _note,
}


def coerce(f: Field, value: Any, ctx: Context) -> Coerced:
    """Normalise one non-empty value of field ``f``; never raises on bad input."""
    return COERCERS[f.type](f, value, ctx)

"""What a new form or a new repeat row starts with, and what a field offers to pick from.

Why: a cadre should not type what the laptop already knows. A form's YAML says where a starting
value comes from (``default: today``, ``default_from: profile.name``, ``default_from:
"add_months(previous.month, 1)"``) and where a field's choices come from (``choices_from:
[A.name, A.members.name]``); this module evaluates those with the expression language, over the
household's current data. It is Qt-free so the editor, the grid and the tests share one meaning.

Names a ``default_from`` expression may use besides the usual ones: ``profile.name``,
``profile.unit``, ``profile.region`` (the county the cadre works in), ``profile.phone``, and in a
repeat row ``previous.<column>`` (the row above; null for the first row). Two functions exist only
here: ``surname(name)`` and ``add_months(date, n)``.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from fieldapp.core.forms import expr
from fieldapp.core.forms.model import Field, Form
from fieldapp.core.values.money import yuan_to_fen

TODAY: Final = "today"
"""``default: today`` on a date (or month) field: the day the form or row is started."""
PROFILE_KEYS: Final = ("name", "unit", "region", "phone")
"""What ``profile.<key>`` reads: the first-run profile kept in the store's meta table."""
COMPOUND_SURNAMES: Final = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 "
    "澹台 端木 西门 南宫 独孤 呼延 闻人 万俟 申屠 太史 拓跋 百里 东郭 赫连".split()
)

Household = Mapping[str, Mapping[str, Any]]


def surname(name: object) -> str | None:
    """'欧阳修' -> '欧阳', '赵红梅' -> '赵' (null for an empty or non-Chinese name)."""
    if not isinstance(name, str):
        return None
    text = name.strip()
    if not text or not "\u4e00" <= text[0] <= "\u9fff":
        return None
    return text[:2] if text[:2] in COMPOUND_SURNAMES and len(text) > 2 else text[0]


def add_months(day: object, months: object) -> date | None:
    """The same day ``months`` later (clamped to the month's end); null in, null out."""
    if not isinstance(day, date) or not isinstance(months, Decimal | int):
        return None
    index = day.year * 12 + day.month - 1 + int(months)
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


DEFAULT_FROM_FUNCTIONS: Final[Mapping[str, expr.FunctionSpec]] = {
    **expr.DEFAULT_FUNCTIONS,
    "surname": expr.FunctionSpec(surname, 1, 1, doc="surname(name): 姓"),
    "add_months": expr.FunctionSpec(add_months, 2, 2, doc="add_months(date, n)"),
}
"""Functions a ``default_from`` expression may call (the built-ins and the two above)."""


def default_only_name(path: tuple[str, ...], row: Field | None) -> bool:
    """Names only a ``default_from`` may use: ``profile.<key>`` and, in a row, ``previous.<col>``."""
    if path[0] == "profile":
        return len(path) == 2 and path[1] in PROFILE_KEYS
    if path[0] == "previous" and row is not None:
        return len(path) == 2 and row.child(path[1]) is not None
    return False


def static_default(f: Field, today: date) -> Any:
    """A field's ``default`` as a stored value (``today`` resolved to the day)."""
    if f.default == TODAY and f.type in ("date", "month"):
        return today.isoformat()[: 7 if f.type == "month" else 10]
    return f.default


def _stored(f: Field, value: object) -> Any:
    """A default's expression result as the field stores it (date → text, 元 → 分)."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()[: 7 if f.type == "month" else 10]
    if isinstance(value, Decimal):
        if f.type == "money":
            return yuan_to_fen(value)
        if f.type == "integer":
            return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return format(value.normalize(), "f")
    if isinstance(value, bool):
        return "是" if value else "否"
    return value if isinstance(value, str | int) else None


class Defaults:
    """Starting values and choices for one household, given what expressions see of it."""

    def __init__(
        self,
        views: Mapping[str, Any],
        profile: Mapping[str, str | None],
        today: date,
    ) -> None:
        self.views = views
        self.profile = {key: profile.get(key) or None for key in PROFILE_KEYS}
        self.today = today

    def _value(self, f: Field, layers: Sequence[Mapping[str, Any]]) -> Any:
        if f.default_from is not None:
            try:
                found = expr.evaluate(
                    f.default_from,
                    expr.DictScope(*layers, {"profile": self.profile}),
                    today=self.today,
                    functions=DEFAULT_FROM_FUNCTIONS,
                )
            except expr.ExprError:
                found = None  # a default that cannot be worked out is simply not offered
            value = _stored(f, found)
            if value is not None:
                return value
        return static_default(f, self.today)

    def initial_values(self, form: Form) -> dict[str, Any]:
        """What a form that was never saved starts with (only fields that get a value)."""
        out: dict[str, Any] = {}
        form_view = self.views.get(form.id) or {}
        for f in form.fields:
            if not f.has_value or f.is_calculated or f.type == "repeat":
                continue
            value = self._value(f, [form_view, self.views])
            if value is not None:
                out[f.name] = value
        return out

    def row_values(self, form: Form, group: Field, previous: int | None) -> dict[str, Any]:
        """What a new row of ``group`` starts with; ``previous`` is the 0-based index of the row
        above it (None when it becomes the first row)."""
        form_view = self.views.get(form.id) or {}
        rows = form_view.get(group.name) or []
        above = rows[previous] if previous is not None and 0 <= previous < len(rows) else None
        out: dict[str, Any] = {}
        for f in group.fields:
            if not f.has_value or f.is_calculated:
                continue
            value = self._value(f, [{"previous": above}, form_view, self.views])
            if value is not None:
                out[f.name] = value
        return out

    def choices(self, form: Form, f: Field, row: int | None = None) -> list[str]:
        """The values ``choices_from`` offers (in order, blanks and repeats dropped)."""
        form_view = self.views.get(form.id) or {}
        layers: list[Mapping[str, Any]] = [form_view, self.views]
        out: list[str] = []
        for source in f.choices_from:
            try:
                found = expr.evaluate(source, expr.DictScope(*layers), today=self.today)
            except expr.ExprError:
                continue
            for item in found if isinstance(found, list) else [found]:
                text = str(item).strip() if isinstance(item, str | int) else ""
                if text and text not in out:
                    out.append(text)
        return out


def is_default_only(
    form: Form,
    values: Mapping[str, Any],
    initial: Mapping[str, Any],
    row_initial: Mapping[str, Mapping[str, Any]],
) -> bool:
    """True when ``values`` hold nothing a person typed: every field is blank or what the form
    started with (``initial``), and every repeat row holds only blanks and what it started with
    (``row_initial``, by row ``_id``). A household whose forms are all default-only has nothing
    worth saving yet."""
    for f in form.fields:
        if not f.has_value or f.is_calculated:
            continue
        value = values.get(f.name)
        if f.type == "repeat":
            for row in value if isinstance(value, list) else []:
                start = row_initial.get(str(row.get("_id"))) if isinstance(row, Mapping) else None
                if start is None or not _same_or_blank(f.fields, row, start):
                    return False
        elif not _blank(value) and value != initial.get(f.name):
            return False
    return True


def _same_or_blank(
    fields: Sequence[Field], row: Mapping[str, Any], start: Mapping[str, Any]
) -> bool:
    return all(
        f.is_calculated or _blank(row.get(f.name)) or row.get(f.name) == start.get(f.name)
        for f in fields
    )


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []

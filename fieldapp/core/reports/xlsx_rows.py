"""What the archive export's sheets hold: their columns, and each household's rows.

Headers are the forms' Chinese labels, options are shown by their labels, money is a number in 元
(shown with the 0.00 format), dates are dates, regions are names (codes in their own columns).
户信息 has one row per household (档案编号 and 姓名 first, then its place and state, every form's
fields, the system's household id last); each repeat group (members, incomes, visits …) has a sheet
of its own, one row per item, opened by the columns that tie it to its household.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

from fieldapp.core.forms.model import Field, Form
from fieldapp.core.reports.stats import city_of, region_label
from fieldapp.core.reports.xlsx_table import Column, TablePlan
from fieldapp.core.store.store import Store
from fieldapp.core.values.regions import RegionTable

SUMMARY_FORMS = ("A", "B", "C", "D", "E", "LQ", "BZ")
SKIP_TYPES = frozenset({"note"})

HOUSEHOLD_SHEET = "户信息"
REPEAT_SHEETS: dict[tuple[str, str], str] = {
    ("A", "members"): "家庭成员",
    ("B", "incomes"): "收入明细",
    ("B", "expenses"): "刚性支出",
    ("B", "monthly_records"): "月度收入记录",
    ("C", "policies"): "帮扶政策资金",
    ("D", "visits"): "走访帮扶记录",
    ("E", "problems"): "问题和措施",
}
FRONT_FIELDS = ("archive_no", "name")
"""Form A's fields that open every household row: what people look a household up by."""
ID_COLUMN = Column("户ID（系统编号，勿改）", 12)
KEY_COLUMNS = (
    Column("档案编号", 24),
    Column("职工姓名", 10),
    Column("职工身份证号", 21),
    Column("区县", 14),
)
"""What opens every row of a table sheet; 职工身份证号 ties a member to its household on import."""
PLACE_COLUMNS = (
    Column("档案状态", 8),
    Column("州市代码", 9),
    Column("州市", 14),
    Column("区县代码", 9),
    Column("区县", 14),
    Column("已定稿表", 14),
)

Household = tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, str]]
"""A household's index row (id, status, region_code), its newest data per form, forms' states."""


class Renderer:
    """Stored values -> what a cell shows."""

    def __init__(self, regions: RegionTable) -> None:
        self.regions = regions
        self.region_names: dict[str, str] = {}

    def region(self, code: Any) -> str | None:
        if not isinstance(code, str) or not code:
            return None
        name = self.region_names.get(code)
        if name is None:
            name = self.regions.full_name(code) if code in self.regions else code
            self.region_names[code] = name
        return name

    def value(self, f: Field, value: Any) -> Any:
        if value is None or value == "" or value == []:
            return None
        kind = f.type
        if kind == "money":
            # 分 / 100 as a double is exactly the number Excel keeps for the amount in 元
            return (
                value / 100
                if isinstance(value, int) and not isinstance(value, bool)
                else str(value)
            )
        if kind == "date":
            try:
                return date.fromisoformat(value) if isinstance(value, str) else value
            except ValueError:
                return str(value)
        if kind == "select_one":
            return f.option_label(value) if isinstance(value, str) else str(value)
        if kind == "select_multiple":
            items = value if isinstance(value, list) else [value]
            return "、".join(f.option_label(str(v)) for v in items)
        if kind == "region":
            return self.region(value)
        if kind == "integer":
            return value if isinstance(value, int) and not isinstance(value, bool) else str(value)
        if kind == "signature":
            return "已签名"
        if kind == "attachment":
            items = value if isinstance(value, list) else []
            return "、".join(str(a.get("name")) for a in items if isinstance(a, dict))
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False)
        return str(value)


def _kind(f: Field) -> str:
    return {"money": "money", "date": "date", "integer": "int"}.get(f.type, "text")


def _width(f: Field) -> float:
    if f.type in ("text",) and f.multiline:
        return 30
    return {"id_number": 21, "date": 12, "money": 12, "region": 22, "phone": 14}.get(f.type, 12)


def _form_fields(form: Form) -> list[Field]:
    return [f for f in form.fields if f.type not in SKIP_TYPES and f.type != "repeat"]


class SheetRows:
    """The export's sheets for one survey, and the rows each household adds to them."""

    def __init__(self, store: Store) -> None:
        self.survey = store.survey
        self.regions = store.regions
        self.render = Renderer(store.regions)
        self.fields = self._household_fields()
        self.front = sum(
            1 for form_id, f in self.fields if form_id == "A" and f.name in FRONT_FIELDS
        )
        self.repeats: list[tuple[str, str, Field, list[Field]]] = []
        for (form_id, name), title in REPEAT_SHEETS.items():
            form = self.survey.forms.get(form_id)
            repeat = form.field(name) if form is not None else None
            if repeat is not None and repeat.type == "repeat":
                children = [c for c in repeat.fields if c.type not in SKIP_TYPES]
                self.repeats.append((title, form_id, repeat, children))
        self.places: dict[str, list[Any]] = {}

    def _household_fields(self) -> list[tuple[str, Field]]:
        fields: list[tuple[str, Field]] = []
        for form_id in SUMMARY_FORMS:
            form = self.survey.forms.get(form_id)
            if form is not None:
                fields += [(form_id, f) for f in _form_fields(form)]
        front = [(i, f) for i, f in fields if i == "A" and f.name in FRONT_FIELDS]
        front.sort(key=lambda item: FRONT_FIELDS.index(item[1].name))
        return front + [item for item in fields if item not in front]

    def plans(self) -> list[TablePlan]:
        """户信息 first, then one sheet per repeat group, in workbook order."""
        return [self._household_plan()] + [
            TablePlan(title, self._repeat_columns(repeat, children), frozen=len(KEY_COLUMNS) - 2)
            for title, _, repeat, children in self.repeats
        ]

    def _household_plan(self) -> TablePlan:
        """档案编号 and 姓名 first (frozen), the household's place and state, every form's fields,
        and the system's household id last (it ties a re-imported row to its household)."""
        columns: list[Column] = []
        seen = {c.header for c in PLACE_COLUMNS} | {ID_COLUMN.header}
        for n, (form_id, f) in enumerate(self.fields):
            if n == self.front:
                columns += PLACE_COLUMNS
            title = self.survey.form(form_id).title
            header = f.label if f.label not in seen else f"{f.label}（{title}）"
            seen.add(header)
            columns.append(Column(header, 24 if f.name == "archive_no" else _width(f), _kind(f)))
        columns.append(ID_COLUMN)
        return TablePlan(HOUSEHOLD_SHEET, tuple(columns), frozen=self.front)

    @staticmethod
    def _repeat_columns(repeat: Field, children: list[Field]) -> tuple[Column, ...]:
        columns = [*KEY_COLUMNS, Column("序号", 6, "int")]
        seen = {c.header for c in columns} | {ID_COLUMN.header}
        for child in children:
            header = child.label if child.label not in seen else f"{child.label}（行）"
            seen.add(header)
            columns.append(Column(header, _width(child), _kind(child)))
        return (*columns, ID_COLUMN)

    def _place(self, code: str) -> list[Any]:
        """州市代码, 州市, 区县代码, 区县 of a county code (worked out once per code)."""
        place = self.places.get(code)
        if place is None:
            city = city_of(code, self.regions) if code else ""
            place = self.places[code] = [
                city or None,
                region_label(city, self.regions) if city else None,
                code or None,
                region_label(code, self.regions) if code else None,
                region_label(code, self.regions),
            ]
        return place

    def rows(self, household: Household) -> Iterator[tuple[str, list[Any]]]:
        """(sheet title, values) of every row the household adds, 户信息 first."""
        index, forms, states = household
        code = index["region_code"] or ""
        place = self._place(code)
        value = self.render.value
        row: list[Any] = []
        for n, (form_id, f) in enumerate(self.fields):
            if n == self.front:
                final = "、".join(f for f in SUMMARY_FORMS if states.get(f) == "final")
                row += [index["status"], *place[:4], final or None]
            row.append(value(f, (forms.get(form_id) or {}).get(f.name)))
        row.append(index["id"])
        yield HOUSEHOLD_SHEET, row
        a = forms.get("A") or {}
        keys = [a.get("archive_no"), a.get("name"), a.get("id_number"), place[4]]
        for title, form_id, repeat, children in self.repeats:
            items = (forms.get(form_id) or {}).get(repeat.name) or []
            for i, item in enumerate(items, 1):
                if not isinstance(item, dict):
                    continue
                yield (
                    title,
                    [
                        *keys,
                        i,
                        *(value(child, item.get(child.name)) for child in children),
                        index["id"],
                    ],
                )

"""The household the entry benchmark enters (``bench_entry.py``), and how the store is checked.

Written down once, as a cadre would copy it from the paper forms after a home visit: Form A with
one family member, Form B with one income line and six months of income, three policy rows on
Form C and three problems on Form E. Form → fields in screen order; repeat groups as lists of
rows; a region as (province, city, county); everything else as typed or chosen.
"""

from __future__ import annotations

from datetime import date
from typing import Any

PROFILE = {"name": "李干事", "unit": "昆明市五华区总工会", "region": "530102"}


def _months_back(n: int) -> list[str]:
    today = date.today()
    index = today.year * 12 + today.month - 1
    return [f"{(i // 12):04d}-{(i % 12) + 1:02d}" for i in range(index - n, index)]


MONTHS = _months_back(6)
# The documented household: form -> fields in screen order; repeat groups as lists of rows.
# Region values are (province, city, county); everything else is what is typed or chosen.
HOUSEHOLD: dict[str, dict[str, Any]] = {
    "A": {
        "category": "深度困难",
        "name": "赵红梅",
        "ethnicity": "彝族",
        "political": "群众",
        "id_number": "53040219751231002X",  # fills 出生日期 and 性别
        "health": "良好",
        "work_status": "下(待)岗",
        "marital_status": "已婚",
        "phone": "13912345678",
        "housing_type": "租房",
        "address": "昆明市五华区红云街道某小区5栋301室",
        "residence_region": ("云南省", "昆明市", "五华区"),
        "members": [
            {
                "name": "赵小军",
                "relation": "子女",
                "id_number": "53040220140901001X",  # fills 出生日期 and 性别
                "health": "良好",
                "identity": "初中",
            }
        ],
        "main_cause": "下岗失业",
        "created_by": "李干事",
    },
    "B": {
        "survey_date": date.today().isoformat(),
        "incomes": [
            {"member": "赵红梅", "kind": "工资性收入", "item": "打零工", "annual_amount": "18000"}
        ],
        "monthly_records": [
            {"month": month, "income": income, "expense": "300"}
            for month, income in zip(
                MONTHS, ("1500", "1500", "1600", "1400", "1500", "1550"), strict=True
            )
        ],
        "surveyor": "李干事",
    },
    "C": {
        "policies": [
            {
                "date": "2026-01-15",
                "category": "临时救助",
                "policy_name": "临时救助金",
                "department": "民政",
                "amount": "1000",
            },
            {
                "date": "2026-02-01",
                "category": "送温暖",
                "policy_name": "春节送温暖",
                "department": "工会",
                "amount": "500",
            },
            {
                "date": "2026-09-01",
                "category": "子女助学",
                "policy_name": "金秋助学",
                "department": "工会",
                "amount": "2000",
            },
        ]
    },
    "E": {
        "problems": [
            {
                "category": "就业",
                "description": "本人下岗，希望找到稳定工作",
                "responsible_unit": "县总工会",
                "measure": "推荐公益性岗位",
            },
            {
                "category": "就学",
                "description": "儿子读初中，学费和生活费负担重",
                "responsible_unit": "市总工会",
                "measure": "申请金秋助学",
            },
            {
                "category": "医疗",
                "description": "本人患慢性病，长期服药",
                "responsible_unit": "县医保局",
                "measure": "协助办理门诊慢特病",
            },
        ]
    },
}


def compare(store: Any, household_id: str) -> list[str]:
    """What the store holds that differs from HOUSEHOLD (empty when entry was complete)."""
    survey = store.survey
    saved = store.current(household_id)
    out = []

    def shown(field: Any, value: Any) -> str:
        if value is None:
            return ""
        if field.type == "money" and isinstance(value, int):
            return str(value // 100) if value % 100 == 0 else f"{value / 100:.2f}"
        if field.type == "region":
            return str(tuple(r.name for r in store.regions.path(value)))
        if field.options:
            return field.option_label(str(value))
        return str(value)

    for form_id, fields in HOUSEHOLD.items():
        form = survey.form(form_id)
        data = saved.get(form_id, {})
        for name, wanted in fields.items():
            field = form.field(name)
            if isinstance(wanted, list):
                rows = data.get(name) or []
                if len(rows) != len(wanted):
                    out.append(f"{form_id}.{name}: {len(rows)} rows, wanted {len(wanted)}")
                    continue
                for i, (row, want) in enumerate(zip(rows, wanted, strict=True)):
                    for column, value in want.items():
                        got = shown(field.child(column), row.get(column))
                        if got != value:
                            out.append(f"{form_id}.{name}[{i + 1}].{column}: {got!r} ≠ {value!r}")
                continue
            wanted_text = str(wanted) if not isinstance(wanted, tuple) else str(wanted)
            got = shown(field, data.get(name))
            if got != wanted_text:
                out.append(f"{form_id}.{name}: {got!r} ≠ {wanted_text!r}")
    return out

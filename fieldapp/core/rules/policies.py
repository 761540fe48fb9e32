"""应享未享: the policies a household appears to qualify for and has not received, from its
province's (or city's) catalog (``rules.catalogs``), and the Form C / Form E rows the GUI adds.

Why: seed 000 (二（二）基本原则) asks that filed households 应享尽享 every policy; a cadre cannot
keep twenty policies and their conditions in mind at each visit. A condition is evaluated once per
person (``for: person``: the worker and every living family member, with the person's own values
as plain names) or once for the household (``for: household``); the household's forms are always
available as ``A.…``, ``B.…`` (calculations done). A Form C row counts as received only when it is
not marked 是否落实 = 否: a policy applied for but not yet received stays a hint, marked pending.
A household whose region has no catalog is told so (``HintReport.message``), never "nothing found".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from fieldapp.core.forms import expr
from fieldapp.core.forms.engine import FormEngine
from fieldapp.core.rules.catalogs import (
    Catalog,
    CatalogError,
    Policy,
    catalog_for,
    check_catalog,
    load_catalogs,
    no_catalog_message,
    parse_catalog,
)
from fieldapp.core.store.records import SaveResult
from fieldapp.core.store.store import Store
from fieldapp.core.values.money import format_yuan
from fieldapp.core.values.regions import RegionTable

__all__ = [
    "CatalogError",
    "HintReport",
    "PolicyHint",
    "append_row",
    "catalog_for",
    "check_catalog",
    "form_c_row",
    "form_e_row",
    "load_catalogs",
    "parse_catalog",
    "policy_hints",
    "record_hint",
    "unclaimed_policies",
]

YEAR = timedelta(days=365)
WORKER_RELATION = "本人"
HINT_NOTE = "应享未享提示"
NOT_IMPLEMENTED = "否"
PERSON_KEYS = (
    "gender",
    "birth_date",
    "health",
    "disability_grade",
    "medical_insurance",
    "pension_insurance",
    "registered_unemployed",
    "school_year",
    "postgraduate_level",
    "boarding",
    "special_education",
)
"""Values of a person that conditions may read by name, as on the form (worker or member)."""


@dataclass(frozen=True)
class PolicyHint:
    """One policy the household appears to qualify for and has not received (应享未享)."""

    policy_id: str
    policy_name: str
    province: str
    category: str
    department: str
    departments: str
    amount_fen: int | None
    amount_text: str
    person: str | None
    """The family member concerned (None for a household policy)."""
    reason: str
    problem_category: str
    hint: str = ""
    fund_source: str | None = None
    pending: bool = False
    """Applied for (a Form C row marked 是否落实 = 否) but not received yet."""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class HintReport:
    """The hints of one household, and which catalog they come from (None: no catalog)."""

    catalog: Catalog | None
    hints: list[PolicyHint] = field(default_factory=list)
    message: str = ""
    """What to show when there is nothing to list (no catalog, or nothing unclaimed)."""


def _age(birth: Any, on: date) -> int | None:
    if not isinstance(birth, date):
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def people(views: Mapping[str, Mapping[str, Any]], on: date) -> list[dict[str, Any]]:
    """The worker and every living family member in one shape, as expressions see them."""
    a = views.get("A") or {}
    worker = {
        "name": a.get("name"),
        "relation": WORKER_RELATION,
        "is_worker": True,
        **{key: a.get(key) for key in PERSON_KEYS},
        "age": _age(a.get("birth_date"), on),
        "identity": a.get("work_status"),
        "school": a.get("employer"),
        "monthly_income": a.get("monthly_income"),
        "cohabiting": "是",
    }
    out = [worker]
    for m in a.get("members") or []:
        if m.get("deceased") == "是":
            continue
        out.append(
            {
                "name": m.get("name"),
                "relation": m.get("relation"),
                "is_worker": False,
                **{key: m.get(key) for key in PERSON_KEYS},
                "age": _age(m.get("birth_date"), on),
                "identity": m.get("identity"),
                "school": m.get("school_or_employer"),
                "monthly_income": m.get("monthly_income"),
                "cohabiting": m.get("cohabiting") or "是",
            }
        )
    return out


def _qualifies(
    policy: Policy,
    layers: Sequence[Mapping[str, Any]],
    engine: FormEngine,
    on: date,
) -> bool:
    assert policy.qualifies is not None
    try:
        value = expr.evaluate(
            policy.qualifies, expr.DictScope(*layers), today=on, functions=engine.functions
        )
    except expr.ExprError:
        return False  # reported by check_catalog; a broken condition never hints
    return value is True or (value is not None and value is not False and bool(value))


def _matching_rows(
    policy: Policy, rows: Sequence[Mapping[str, Any]], on: date
) -> list[Mapping[str, Any]]:
    """Form C rows that record this policy (received or not), within a year when yearly."""
    out = []
    for row in rows:
        if row.get("category") not in policy.received_categories:
            continue
        name = str(row.get("policy_name") or "")
        if policy.match and not any(word in name for word in policy.match):
            continue
        if policy.renew == "yearly":
            day = row.get("date")
            if not isinstance(day, str) or not (on - YEAR).isoformat() < day <= on.isoformat():
                continue
        out.append(row)
    return out


def _describe(person: Mapping[str, Any]) -> str:
    bits = [str(person.get("relation") or "")]
    if person.get("age") is not None:
        bits.append(f"{person['age']}岁")
    for key in ("identity", "health"):
        value = person.get(key)
        if value and value != "良好":
            bits.append(str(value))
    return f"{person.get('name') or '未填姓名'}（{'，'.join(b for b in bits if b)}）"


def _text_of(row: Mapping[str, Any]) -> str:
    return f"{row.get('policy_name') or ''}{row.get('notes') or ''}"


def _uncovered(
    qualified: list[dict[str, Any]],
    rows: list[Mapping[str, Any]],
    everyone: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """The qualifying people no row covers: a row naming someone covers them; rows naming
    nobody count for the people not yet covered, in order."""
    unmatched = list(rows)
    remaining = []
    for person in qualified:
        name = str(person.get("name") or "")
        named = next((r for r in unmatched if name and name in _text_of(r)), None)
        if named is not None:
            unmatched.remove(named)
        else:
            remaining.append(person)
    anonymous = [
        r for r in unmatched if not any(str(p.get("name") or "\0") in _text_of(r) for p in everyone)
    ]
    return remaining[len(anonymous) :]


def _policy_hints(
    catalog: Catalog,
    policy: Policy,
    views: Mapping[str, Mapping[str, Any]],
    c_rows: list[Mapping[str, Any]],
    everyone: list[dict[str, Any]],
    engine: FormEngine,
    day: date,
) -> list[PolicyHint]:
    rows = _matching_rows(policy, c_rows, day)
    received = [r for r in rows if r.get("implemented") != NOT_IMPLEMENTED]
    applied = [r for r in rows if r.get("implemented") == NOT_IMPLEMENTED]
    if policy.scope == "household":
        if received or not _qualifies(policy, [views], engine, day):
            return []
        reason = policy.hint or policy.amount_text
        return [_hint(catalog, policy, None, reason, pending=bool(applied))]
    qualified = [p for p in everyone if _qualifies(policy, [p, views], engine, day)]
    if policy.covers == "household":
        if received or not qualified:
            return []
        names = "、".join(str(p.get("name") or "未填姓名") for p in qualified)
        reason = f"{names}；{policy.hint or policy.amount_text}"
        return [_hint(catalog, policy, None, reason, pending=bool(applied))]
    missing = _uncovered(qualified, received, everyone)
    still_applied = _uncovered(missing, applied, everyone)
    return [
        _hint(
            catalog,
            policy,
            person.get("name"),
            _describe(person) + (f"；{policy.hint}" if policy.hint else ""),
            pending=person not in still_applied,
        )
        for person in missing
    ]


def policy_hints(
    household: Mapping[str, Mapping[str, Any]],
    engine: FormEngine,
    *,
    on: date | None = None,
    catalog: Catalog | None = None,
    regions: RegionTable | None = None,
) -> HintReport:
    """应享未享 of one household: ``household`` is the stored data (form id -> values, as
    Store.current returns); ``catalog`` defaults to the one of its residence."""
    day = on or engine.today
    views = engine.expression_views(household)
    region = (views.get("A") or {}).get("residence_region")
    region = region if isinstance(region, str) else None
    if catalog is None:
        catalog = catalog_for(region)
    if catalog is None:
        return HintReport(None, [], no_catalog_message(region, regions))
    c_rows = list((household.get("C") or {}).get("policies") or [])
    incomes = [str(r.get("item") or "") for r in (household.get("B") or {}).get("incomes") or []]
    everyone = people(views, day)
    hints: list[PolicyHint] = []
    for policy in catalog.policies:
        if policy.qualifies is None:
            continue
        if policy.income_items and any(
            word in item for item in incomes for word in policy.income_items
        ):
            continue
        hints += _policy_hints(catalog, policy, views, c_rows, everyone, engine, day)
    message = "" if hints else f"按{catalog.name}帮扶政策目录，未发现应享未享的政策"
    return HintReport(catalog, hints, message)


def unclaimed_policies(
    household: Mapping[str, Mapping[str, Any]],
    engine: FormEngine,
    *,
    on: date | None = None,
    catalog: Catalog | None = None,
) -> list[PolicyHint]:
    """The hints of ``policy_hints`` (empty when the household has no catalog)."""
    return policy_hints(household, engine, on=on, catalog=catalog).hints


def _hint(
    catalog: Catalog, policy: Policy, person: Any, reason: str, *, pending: bool = False
) -> PolicyHint:
    return PolicyHint(
        policy_id=policy.id,
        policy_name=policy.name,
        province=catalog.province,
        category=policy.category,
        department=policy.department,
        departments=policy.departments,
        amount_fen=policy.amount_fen,
        amount_text=policy.amount_text,
        person=str(person) if person else None,
        reason=reason,
        problem_category=policy.problem,
        hint=policy.hint,
        fund_source=policy.fund_source,
        pending=pending,
    )


# -- rows the GUI appends -----------------------------------------------------------------------


@dataclass
class RowToAdd:
    form_id: str
    repeat: str
    row: dict[str, Any] = field(default_factory=dict)


def form_c_row(hint: PolicyHint, on: date) -> RowToAdd:
    """The Form C (已享受帮扶政策资金记录表) row recording that the policy is being applied for:
    是否落实 = 否 until the money or service arrives."""
    who = f"{hint.person}：" if hint.person else ""
    amount = f"，标准 {format_yuan(hint.amount_fen)} 元" if hint.amount_fen is not None else ""
    return RowToAdd(
        "C",
        "policies",
        {
            "date": on.isoformat(),
            "category": hint.category,
            "policy_name": hint.policy_name,
            "department": hint.department,
            "amount": hint.amount_fen,
            "fund_source": hint.fund_source,
            "implemented": "否",
            "notes": f"{HINT_NOTE}（{who}{hint.policy_id}{amount}）"[:200],
        },
    )


def form_e_row(hint: PolicyHint, on: date) -> RowToAdd:
    """The Form E (问题清单) row: the unclaimed policy as a need with its measure, 待办."""
    who = hint.person or "家庭"
    return RowToAdd(
        "E",
        "problems",
        {
            "category": hint.problem_category,
            "description": f"{HINT_NOTE}：{who}符合“{hint.policy_name}”条件但尚未享受。{hint.reason}"[
                :500
            ],
            "suggestion": f"协助申请{hint.policy_name}（{hint.amount_text}）"[:500],
            "responsible_unit": hint.departments[:100],
            "measure": f"协助{who}申请{hint.policy_name}"[:500],
            "measure_count": 1,
            "status": "待办",
        },
    )


def record_hint(
    store: Store,
    household_id: str,
    hint: PolicyHint,
    form_id: str,
    *,
    author: str,
    on: date,
    final: bool | None = None,
) -> SaveResult:
    """Append the hint's Form C (applied for) or Form E (a need) row and save the form: final
    when ``final``, or (None) when the form is final now. ValidationFailed when a final save has
    errors (nothing saved); the caller may save it as a draft instead."""
    add = form_c_row(hint, on) if form_id == "C" else form_e_row(hint, on)
    values = append_row(store.current(household_id), add)
    if final is None:
        final = store.current_states(household_id).get(add.form_id) == "final"
    return store.save_form(household_id, add.form_id, values, author=author, final=final)


def append_row(household: Mapping[str, Mapping[str, Any]], add: RowToAdd) -> dict[str, Any]:
    """The form's values with the row appended (what to pass to Store.save_form)."""
    values = dict(household.get(add.form_id) or {})
    values[add.repeat] = [*(values.get(add.repeat) or []), dict(add.row)]
    return values

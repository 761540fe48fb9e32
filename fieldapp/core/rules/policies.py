"""The provincial policy catalogs (resources/policies/*.yaml) and 应享未享 hints.

Why: each province lists the help a filed household is entitled to (seed 000: Yunnan's 20
policies; seed 001: Jiangsu's). Offices keep the catalog as data: who qualifies is a condition in
the form expression language (docs/form-language.md), evaluated on the household's computed
values, so a changed rule or amount needs no new program. From a household's data the app lists
the policies it appears to qualify for but has not recorded in Form C (应享未享), and gives the
Form C or Form E row the GUI appends when the cadre clicks.

A condition is evaluated once per person (``for: person``: the worker and every family member,
with the person's own values as plain names) or once for the household (``for: household``);
the household's forms are always available as ``A.…``, ``B.…`` (calculations done).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from fieldapp.core.forms import expr
from fieldapp.core.forms.engine import FormEngine
from fieldapp.core.forms.model import Survey
from fieldapp.core.paths import RESOURCES_DIR
from fieldapp.core.values.documents import read_yaml
from fieldapp.core.values.money import format_yuan, yuan_to_fen

POLICIES_DIR = RESOURCES_DIR / "policies"
SCOPES = ("person", "household")
RENEWALS = ("once", "yearly")
YEAR = timedelta(days=365)
WORKER_RELATION = "本人"
HINT_NOTE = "应享未享提示"


class CatalogError(Exception):
    """A catalog file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Policy:
    id: str
    number: str
    """The item's number in the source document."""
    name: str
    category: str
    """Form C 项目类别 of a row recording it."""
    department: str
    """Form C 实施部门 (option value)."""
    departments: str
    """Responsible departments as the document words it."""
    amount_fen: int | None
    """Standard amount per person (or household) and year, pre-filled in Form C; None if it varies."""
    amount_text: str
    scope: str
    """person or household."""
    qualifies: str | None
    """Condition (expression); None: listed in the catalog but never hinted (data not on the forms)."""
    problem: str
    """Form E 问题类别 when added as a need."""
    renew: str = "once"
    """yearly: only a Form C row dated within the last 365 days counts as received."""
    match: tuple[str, ...] = ()
    """A Form C row counts as this policy when its name contains one of these words (any row of
    the categories when empty)."""
    categories: tuple[str, ...] = ()
    """Form C categories that can record it (default: its own category)."""
    income_items: tuple[str, ...] = ()
    """Form B income items that also show it is received (e.g. 低保金)."""
    hint: str = ""
    fund_source: str | None = None

    @property
    def received_categories(self) -> tuple[str, ...]:
        return self.categories or (self.category,)


@dataclass(frozen=True)
class Catalog:
    province: str
    name: str
    source: str
    policies: tuple[Policy, ...]
    path: Path | None = None

    def policy(self, policy_id: str) -> Policy:
        for policy in self.policies:
            if policy.id == policy_id:
                return policy
        raise KeyError(f"{self.name}政策目录中没有“{policy_id}”")


@dataclass(frozen=True)
class PolicyHint:
    """One policy the household appears to qualify for and has not recorded (应享未享)."""

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

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


# -- loading ----------------------------------------------------------------------------------


def _words(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CatalogError(f"{where}: 应为文字列表")
    return tuple(value)


def _amount(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise CatalogError(f"{where}: amount 应为金额（元）或 null")
    try:
        return yuan_to_fen(Decimal(str(value)))
    except ArithmeticError:
        raise CatalogError(f"{where}: amount “{value}”不是金额") from None


REQUIRED_KEYS = ("id", "name", "category", "department", "for", "problem")
KNOWN_KEYS = frozenset(
    {
        "id",
        "number",
        "name",
        "category",
        "department",
        "departments",
        "amount",
        "amount_text",
        "for",
        "qualifies",
        "problem",
        "renew",
        "match",
        "categories",
        "income_items",
        "hint",
        "fund_source",
    }
)


def parse_catalog(doc: Any, path: Path | None = None) -> Catalog:
    name = path.name if path else "目录"
    if not isinstance(doc, dict):
        raise CatalogError(f"{name}: 顶层应为对象（province, name, source, policies）")
    province = str(doc.get("province") or "")
    if not (len(province) == 6 and province.isdigit()):
        raise CatalogError(f"{name}: province 应为6位省级行政区划代码")
    entries = doc.get("policies")
    if not isinstance(entries, list) or not entries:
        raise CatalogError(f"{name}: policies 应为非空列表")
    policies: list[Policy] = []
    seen: set[str] = set()
    for i, raw in enumerate(entries, 1):
        where = f"{name}: 第 {i} 项"
        if not isinstance(raw, dict):
            raise CatalogError(f"{where}: 应为对象")
        missing = [k for k in REQUIRED_KEYS if not raw.get(k)]
        if missing:
            raise CatalogError(f"{where}: 缺少 {', '.join(missing)}")
        unknown = sorted(set(raw) - KNOWN_KEYS)
        if unknown:
            raise CatalogError(f"{where}（{raw['id']}）: 未知字段 {', '.join(unknown)}")
        pid = str(raw["id"])
        where = f"{name}: {pid}"
        if pid in seen:
            raise CatalogError(f"{where}: id 重复")
        seen.add(pid)
        if raw["for"] not in SCOPES:
            raise CatalogError(f"{where}: for 只能是 person 或 household")
        renew = raw.get("renew") or "once"
        if renew not in RENEWALS:
            raise CatalogError(f"{where}: renew 只能是 once 或 yearly")
        qualifies = raw.get("qualifies")
        if qualifies is not None and not isinstance(qualifies, str):
            raise CatalogError(f"{where}: qualifies 应为表达式文字或 null")
        policies.append(
            Policy(
                id=pid,
                number=str(raw.get("number") or ""),
                name=str(raw["name"]),
                category=str(raw["category"]),
                department=str(raw["department"]),
                departments=str(raw.get("departments") or raw["department"]),
                amount_fen=_amount(raw.get("amount"), where),
                amount_text=str(raw.get("amount_text") or ""),
                scope=str(raw["for"]),
                qualifies=qualifies,
                problem=str(raw["problem"]),
                renew=renew,
                match=_words(raw.get("match"), f"{where}: match"),
                categories=_words(raw.get("categories"), f"{where}: categories"),
                income_items=_words(raw.get("income_items"), f"{where}: income_items"),
                hint=str(raw.get("hint") or ""),
                fund_source=raw.get("fund_source"),
            )
        )
    return Catalog(
        province=province,
        name=str(doc.get("name") or province),
        source=str(doc.get("source") or ""),
        policies=tuple(policies),
        path=path,
    )


def read_catalogs(directory: Path) -> dict[str, Catalog]:
    """Every ``*.yaml`` catalog in the directory, by province code."""
    out: dict[str, Catalog] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            doc = read_yaml(path, "政策目录文件")
        except yaml.YAMLError as exc:
            raise CatalogError(f"{path.name}: YAML 格式错误：{exc}") from None
        except UnicodeDecodeError:
            raise CatalogError(f"{path.name}: 文件不是 UTF-8 编码") from None
        except (OSError, ValueError) as exc:
            raise CatalogError(f"{path.name}: {exc}") from None
        catalog = parse_catalog(doc, path)
        if catalog.province in out:
            raise CatalogError(f"{path.name}: 省份 {catalog.province} 已有目录")
        out[catalog.province] = catalog
    return out


@functools.lru_cache(maxsize=1)
def _bundled() -> dict[str, Catalog]:
    return read_catalogs(POLICIES_DIR)


def load_catalogs(directory: Path | None = None) -> dict[str, Catalog]:
    """The catalogs shipped in resources/policies (cached), or those of another directory."""
    return dict(_bundled()) if directory is None else read_catalogs(directory)


def catalog_for(
    region_code: str | None, catalogs: Mapping[str, Catalog] | None = None
) -> Catalog | None:
    """The catalog of the province a county code belongs to (None if there is none)."""
    if not region_code or len(region_code) < 2:
        return None
    found = (catalogs if catalogs is not None else load_catalogs()).get(region_code[:2] + "0000")
    return found


def check_catalog(catalog: Catalog, survey: Survey, engine: FormEngine) -> list[str]:
    """Problems an office should fix: options that Forms C/E do not offer, broken conditions."""
    problems: list[str] = []
    c_fields = survey.form("C").field("policies")
    e_fields = survey.form("E").field("problems")
    assert c_fields is not None and e_fields is not None

    def options(parent: Any, name: str) -> set[str]:
        f = parent.child(name)
        return {o.value for o in f.options} if f is not None else set()

    categories = options(c_fields, "category")
    departments = options(c_fields, "department")
    sources = options(c_fields, "fund_source")
    problem_categories = options(e_fields, "category")
    name = catalog.path.name if catalog.path else catalog.name
    for p in catalog.policies:
        where = f"{name}: {p.id}"
        for category in (p.category, *p.categories):
            if category not in categories:
                problems.append(f"{where}: 项目类别“{category}”不是表C的选项")
        if p.department not in departments:
            problems.append(f"{where}: 实施部门“{p.department}”不是表C的选项")
        if p.fund_source is not None and p.fund_source not in sources:
            problems.append(f"{where}: 资金来源“{p.fund_source}”不是表C的选项")
        if p.problem not in problem_categories:
            problems.append(f"{where}: 问题类别“{p.problem}”不是表E的选项")
        if p.qualifies is not None:
            try:
                expr.parse(p.qualifies, engine.functions)
            except expr.ExprError as exc:
                problems.append(f"{where}: 条件无法解析：{exc}")
    return problems


# -- hints ------------------------------------------------------------------------------------


def _age(birth: Any, on: date) -> int | None:
    if not isinstance(birth, date):
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def people(views: Mapping[str, Mapping[str, Any]], on: date) -> list[dict[str, Any]]:
    """The worker and every family member in one shape, as expressions see them."""
    a = views.get("A") or {}
    worker = {
        "name": a.get("name"),
        "relation": WORKER_RELATION,
        "is_worker": True,
        "gender": a.get("gender"),
        "birth_date": a.get("birth_date"),
        "age": _age(a.get("birth_date"), on),
        "health": a.get("health"),
        "disability_grade": a.get("disability_grade"),
        "identity": a.get("work_status"),
        "school": a.get("employer"),
        "medical_insurance": a.get("medical_insurance"),
        "pension_insurance": a.get("pension_insurance"),
        "monthly_income": None,
        "cohabiting": "是",
    }
    out = [worker]
    for m in a.get("members") or []:
        out.append(
            {
                "name": m.get("name"),
                "relation": m.get("relation"),
                "is_worker": False,
                "gender": m.get("gender"),
                "birth_date": m.get("birth_date"),
                "age": _age(m.get("birth_date"), on),
                "health": m.get("health"),
                "disability_grade": None,
                "identity": m.get("identity"),
                "school": m.get("school_or_employer"),
                "medical_insurance": m.get("medical_insurance"),
                "pension_insurance": m.get("pension_insurance"),
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


def unclaimed_policies(
    household: Mapping[str, Mapping[str, Any]],
    engine: FormEngine,
    *,
    on: date | None = None,
    catalog: Catalog | None = None,
) -> list[PolicyHint]:
    """应享未享: policies of the household's province it appears to qualify for, with no Form C
    record (or Form B income item) showing it received. ``household`` is the stored data
    (form id -> values, as Store.current returns); ``catalog`` defaults to its province's."""
    day = on or engine.today
    views = engine.expression_views(household)
    a = views.get("A") or {}
    region = a.get("residence_region")
    if catalog is None:
        catalog = catalog_for(region if isinstance(region, str) else None)
    if catalog is None:
        return []
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
        rows = _matching_rows(policy, c_rows, day)
        if policy.scope == "household":
            if not rows and _qualifies(policy, [views], engine, day):
                hints.append(_hint(catalog, policy, None, policy.hint or policy.amount_text))
            continue
        qualified = [p for p in everyone if _qualifies(policy, [p, views], engine, day)]
        unmatched = list(rows)
        remaining = []
        for person in qualified:
            name = str(person.get("name") or "")
            named = next(
                (
                    r
                    for r in unmatched
                    if name and name in f"{r.get('policy_name') or ''}{r.get('notes') or ''}"
                ),
                None,
            )
            if named is not None:
                unmatched.remove(named)
            else:
                remaining.append(person)
        # Rows naming nobody count for the qualifying people not yet covered, in order.
        anonymous = [
            r
            for r in unmatched
            if not any(
                str(p.get("name") or "\0") in f"{r.get('policy_name') or ''}{r.get('notes') or ''}"
                for p in everyone
            )
        ]
        for person in remaining[len(anonymous) :]:
            reason = _describe(person) + (f"；{policy.hint}" if policy.hint else "")
            hints.append(_hint(catalog, policy, person.get("name"), reason))
    return hints


def _hint(catalog: Catalog, policy: Policy, person: Any, reason: str) -> PolicyHint:
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


def append_row(household: Mapping[str, Mapping[str, Any]], add: RowToAdd) -> dict[str, Any]:
    """The form's values with the row appended (what to pass to Store.save_form)."""
    values = dict(household.get(add.form_id) or {})
    values[add.repeat] = [*(values.get(add.repeat) or []), dict(add.row)]
    return values

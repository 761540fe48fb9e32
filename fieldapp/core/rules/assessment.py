"""The 两有五保障 checklist of one household, from its computed form values.

These read a household's computed form values (see FormEngine.compute) so the same answers reach
the GUI, ledgers and headquarters statistics. Source: seed 000 (云工发〔2019〕27号 一（一）: 两有 =
家庭实际人均收入高于当地最低生活保障标准; 五保障 = 就业、就医、就学、社保、住房有保障, each defined
there). The numbers and classifications the policy leaves open are resources/rules.yaml and the
classification lists of forms/options.yaml (docs/rules.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from fieldapp.core.rules.config import RuleSet, default_rules
from fieldapp.core.values.money import format_yuan

MET, NOT_MET, NOT_APPLICABLE, UNKNOWN = "达标", "未达标", "不适用", "待核实"
PUBLIC_HOUSING = frozenset({"公租房/廉租房"})
NO_HOUSE = "无房"

GUARANTEE_ITEMS = (
    ("has_food", "有吃"),
    ("has_clothing", "有穿"),
    ("employment", "就业有保障"),
    ("medical", "就医有保障"),
    ("education", "就学有保障"),
    ("social_security", "社保有保障"),
    ("housing", "住房有保障"),
)

Values = Mapping[str, Mapping[str, Any]]


def age_on(birth: Any, on: date) -> int | None:
    if not isinstance(birth, str):
        return None
    try:
        born = date.fromisoformat(birth)
    except ValueError:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_classes(birth: Any, on: date, rules: RuleSet) -> tuple[bool, bool] | None:
    """All the checklist reads of a person's age on ``on``: whether it is a working age and
    whether it is a school age (None without a valid birth date). Ages enter the rules nowhere
    else, so a birthday that changes nobody's classes changes no check (statistics rely on this
    to keep a household's facts past a birthday without running the rules again)."""
    age = age_on(birth, on)
    if age is None:
        return None
    return age in rules.working_ages, age in rules.school_ages


@dataclass(frozen=True)
class Check:
    key: str
    label: str
    status: str
    reason: str


def household_people(values: Values) -> list[dict[str, Any]]:
    """The worker and every member who lives with the household (not 不共同生活, not 已故)."""
    a = values.get("A") or {}
    worker = {
        "name": a.get("name"),
        "birth_date": a.get("birth_date"),
        "health": a.get("health"),
        "identity": a.get("work_status"),
        "medical_insurance": a.get("medical_insurance"),
        "pension_insurance": a.get("pension_insurance"),
    }
    members = [
        m
        for m in a.get("members") or []
        if m.get("cohabiting", "是") != "否" and m.get("deceased") != "是"
    ]
    return [worker, *members]


def _names(people: list[dict[str, Any]]) -> str:
    return "、".join(str(p.get("name") or "未填姓名") for p in people)


def missing_income_reason(values: Values) -> str:
    """Why Form B has no 月人均收入 or no 低保 standard, naming the missing piece."""
    a, b = values.get("A") or {}, values.get("B") or {}
    county = a.get("residence_region")
    day = b.get("survey_date")
    if not b:
        return "未填写家庭收支调查表（表B），缺少月人均收入"
    if not county:
        return "档案表未填居住地（区县），无法确定当地低保标准"
    if not day:
        return "家庭收支调查表未填调查日期，无法确定当地低保标准"
    missing = []
    if b.get("dibao_standard") is None:
        missing.append(f"当地低保标准（区县代码 {county}，{day} 适用的）")
    jobless = b.get("jobless_people")
    if isinstance(jobless, int) and jobless > 0 and b.get("imputed_used") is None:
        missing.append(
            f"当地最低工资标准（区县代码 {county}，{day} 适用的，{jobless} 人须折算收入）"
        )
    if missing:
        return "缺少" + "和".join(missing) + "：请管理员在“低保和最低工资标准”中补充"
    return "缺少月人均收入（表B收入明细或共同生活人口未填写）"


def _food_check(values: Values) -> tuple[str, str]:
    b = values.get("B") or {}
    income, standard = b.get("monthly_per_capita"), b.get("dibao_standard")
    if not isinstance(income, int) or not isinstance(standard, int):
        return UNKNOWN, missing_income_reason(values)
    if income > standard:
        return MET, f"月人均收入 {format_yuan(income)} 元高于低保标准 {format_yuan(standard)} 元"
    return NOT_MET, f"月人均收入 {format_yuan(income)} 元未超过低保标准 {format_yuan(standard)} 元"


def _employment(people: list[dict[str, Any]], on: date, rules: RuleSet) -> Check:
    able = [
        p
        for p in people
        if (age := age_on(p.get("birth_date"), on)) is not None
        and age in rules.working_ages
        and p.get("identity") not in rules.unable_to_work
        and p.get("health") not in rules.health_serious
    ]
    employed = [p for p in people if p.get("identity") in rules.employed]
    if employed:
        return Check("employment", "就业有保障", MET, f"{len(employed)} 人就业")
    if not able:
        return Check("employment", "就业有保障", NOT_APPLICABLE, "家庭无有劳动能力的成员")
    return Check(
        "employment",
        "就业有保障",
        NOT_MET,
        f"{len(able)} 名有劳动能力的成员均未就业（零就业家庭）",
    )


def _medical(a: Mapping[str, Any], people: list[dict[str, Any]]) -> Check:
    label = "就医有保障"
    uninsured = [p for p in people if p.get("medical_insurance") == "未参保"]
    if uninsured:
        return Check("medical", label, NOT_MET, f"未参加基本医疗保险：{_names(uninsured)}")
    blank = [p for p in people if p.get("medical_insurance") in (None, "")]
    if blank:
        return Check("medical", label, UNKNOWN, f"未填写医保状况：{_names(blank)}")
    if a.get("serious_illness_insurance") != "是":
        status = NOT_MET if a.get("serious_illness_insurance") == "否" else UNKNOWN
        return Check("medical", label, status, "职工未纳入大病保险或未填写")
    return Check("medical", label, MET, "全部参加基本医疗保险，职工纳入大病保险")


def _education(people: list[dict[str, Any]], on: date, rules: RuleSet) -> Check:
    children = [
        p
        for p in people[1:]
        if (age := age_on(p.get("birth_date"), on)) is not None and age in rules.school_ages
    ]
    out_of_school = [p for p in children if p.get("identity") not in rules.in_school]
    if not children:
        return Check("education", "就学有保障", NOT_APPLICABLE, "无义务教育阶段子女")
    if out_of_school:
        return Check(
            "education", "就学有保障", NOT_MET, f"义务教育年龄未在学：{_names(out_of_school)}"
        )
    return Check("education", "就学有保障", MET, f"{len(children)} 名适龄子女均在学")


def _social_security(a: Mapping[str, Any]) -> Check:
    pension = a.get("pension_insurance")
    if pension in (None, ""):
        return Check("social_security", "社保有保障", UNKNOWN, "未填写养老保险状况")
    if pension == "未参保":
        return Check("social_security", "社保有保障", NOT_MET, "职工未参加养老保险")
    return Check("social_security", "社保有保障", MET, f"养老保险：{pension}")


def _housing(a: Mapping[str, Any], size: int, rules: RuleSet) -> Check:
    """住房有保障: a safe home, and (unless it is public housing) not crowded."""
    label = "住房有保障"
    safe, kind, area = a.get("housing_safe"), a.get("housing_type"), a.get("floor_area")
    if kind == NO_HOUSE or safe == NO_HOUSE:
        return Check("housing", label, NOT_MET, "无房")
    if safe in (None, ""):
        return Check("housing", label, UNKNOWN, "未填写住房安全状况")
    if safe != "安全":
        return Check("housing", label, NOT_MET, f"住房：{safe}")
    if kind in PUBLIC_HOUSING:
        return Check("housing", label, MET, f"住房安全，{kind}（住房保障）")
    if not isinstance(area, int) or isinstance(area, bool) or area <= 0 or size <= 0:
        return Check("housing", label, MET, f"住房安全（{kind or '住房类型未填'}，未填建筑面积）")
    per_person = Decimal(area) / size
    shown = f"{per_person.quantize(Decimal('0.1'))}"
    if per_person < rules.min_floor_area_per_person:
        return Check(
            "housing",
            label,
            NOT_MET,
            f"{kind or '住房'} {area} 平方米、{size} 人，人均 {shown} 平方米，"
            f"低于 {rules.min_floor_area_per_person} 平方米",
        )
    return Check("housing", label, MET, f"住房安全，{kind or '住房'}人均 {shown} 平方米")


def guarantee_checks(
    values: Values,
    on: date,
    rules: RuleSet | None = None,
    people: list[dict[str, Any]] | None = None,
) -> list[Check]:
    """The 两有五保障 checklist as far as the data can tell; 待核实 where it cannot (``people``:
    ``household_people(values)``, when the caller has them already)."""
    rules = rules or default_rules()
    a = values.get("A") or {}
    people = household_people(values) if people is None else people
    status, reason = _food_check(values)
    return [
        Check("has_food", "有吃", status, reason),
        Check("has_clothing", "有穿", status, reason),
        _employment(people, on, rules),
        _medical(a, people),
        _education(people, on, rules),
        _social_security(a),
        _housing(a, len(people), rules),
    ]

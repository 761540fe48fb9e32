"""Domain rules of the campaign: per-capita income, 两有五保障, and 脱困 eligibility.

These read a household's computed form values (see FormEngine.compute) so the same answers reach
the GUI, ledgers and headquarters statistics. Sources: seed 000 (两有五保障), seed 002 (脱困: 致困因素
消除 and 家庭人均收入连续 6 个月超过当地低保标准), shared/domain.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fieldapp.core.values.money import format_yuan

EXIT_MONTHS = 6
MET, NOT_MET, NOT_APPLICABLE, UNKNOWN = "达标", "未达标", "不适用", "待核实"

EMPLOYED = frozenset({"在岗", "农民工", "灵活就业", "务农"})
STUDENTS = frozenset({"研究生", "大学生", "中职中技", "高中", "初中", "小学", "学龄前"})
IN_SCHOOL = STUDENTS - {"学龄前"}
UNABLE_TO_WORK = frozenset({"退休", "病休", "无劳动能力"}) | STUDENTS
SERIOUS_HEALTH = frozenset({"残疾", "癌症/恶性肿瘤", "尿毒症/终末期肾病", "精神病", "其他重病"})
COMPULSORY_SCHOOL_AGES = range(6, 16)
WORKING_AGES = range(16, 60)

GUARANTEE_ITEMS = (
    ("has_food", "有吃"),
    ("has_clothing", "有穿"),
    ("employment", "就业有保障"),
    ("medical", "就医有保障"),
    ("education", "就学有保障"),
    ("social_security", "社保有保障"),
    ("housing", "住房有保障"),
)

DibaoLookup = Callable[[str, date], int | None]
Values = Mapping[str, Mapping[str, Any]]


def monthly_per_capita(annual_income: int, rigid_expense: int, population: int) -> int | None:
    """月人均收入 = (年收入 − 刚性支出) ÷ 共同生活人口 ÷ 12, in 分, rounded half up."""
    if population <= 0:
        return None
    exact = Decimal(annual_income - rigid_expense) / population / 12
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _age(birth: Any, on: date) -> int | None:
    if not isinstance(birth, str):
        return None
    try:
        born = date.fromisoformat(birth)
    except ValueError:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@dataclass(frozen=True)
class Check:
    key: str
    label: str
    status: str
    reason: str


def _people(values: Values) -> list[dict[str, Any]]:
    """The worker and every member who lives with the household, in one shape."""
    a = values.get("A") or {}
    worker = {
        "name": a.get("name"),
        "birth_date": a.get("birth_date"),
        "health": a.get("health"),
        "identity": a.get("work_status"),
        "medical_insurance": a.get("medical_insurance"),
        "pension_insurance": a.get("pension_insurance"),
    }
    members = [m for m in a.get("members") or [] if m.get("cohabiting", "是") != "否"]
    return [worker, *members]


def guarantee_checks(values: Values, on: date) -> list[Check]:
    """The 两有五保障 checklist as far as the data can tell; 待核实 where it cannot."""
    a, b = values.get("A") or {}, values.get("B") or {}
    people = _people(values)
    checks: list[Check] = []

    income, standard = b.get("monthly_per_capita"), b.get("dibao_standard")
    if income is None or standard is None:
        status, reason = UNKNOWN, "缺少月人均收入或当地低保标准"
    elif income > standard:
        status = MET
        reason = f"月人均收入 {format_yuan(income)} 元高于低保标准 {format_yuan(standard)} 元"
    else:
        status = NOT_MET
        reason = f"月人均收入 {format_yuan(income)} 元未超过低保标准 {format_yuan(standard)} 元"
    checks += [
        Check("has_food", "有吃", status, reason),
        Check("has_clothing", "有穿", status, reason),
    ]

    able = [
        p
        for p in people
        if (age := _age(p.get("birth_date"), on)) is not None
        and age in WORKING_AGES
        and p.get("identity") not in UNABLE_TO_WORK
        and p.get("health") not in SERIOUS_HEALTH
    ]
    employed = [p for p in people if p.get("identity") in EMPLOYED]
    if employed:
        checks.append(Check("employment", "就业有保障", MET, f"{len(employed)} 人就业"))
    elif not able:
        checks.append(Check("employment", "就业有保障", NOT_APPLICABLE, "家庭无有劳动能力的成员"))
    else:
        checks.append(
            Check(
                "employment",
                "就业有保障",
                NOT_MET,
                f"{len(able)} 名有劳动能力的成员均未就业（零就业家庭）",
            )
        )

    uninsured = [
        p.get("name") or "未填姓名"
        for p in people
        if p.get("medical_insurance") in (None, "", "未参保")
    ]
    if uninsured:
        checks.append(
            Check(
                "medical",
                "就医有保障",
                NOT_MET,
                f"未参加基本医疗保险：{'、'.join(map(str, uninsured))}",
            )
        )
    elif a.get("serious_illness_insurance") != "是":
        checks.append(
            Check(
                "medical",
                "就医有保障",
                NOT_MET if a.get("serious_illness_insurance") == "否" else UNKNOWN,
                "职工未纳入大病保险或未填写",
            )
        )
    else:
        checks.append(Check("medical", "就医有保障", MET, "全部参加基本医疗保险，职工纳入大病保险"))

    children = [
        p
        for p in people[1:]
        if (age := _age(p.get("birth_date"), on)) is not None and age in COMPULSORY_SCHOOL_AGES
    ]
    out_of_school = [
        p.get("name") or "未填姓名" for p in children if p.get("identity") not in IN_SCHOOL
    ]
    if not children:
        checks.append(Check("education", "就学有保障", NOT_APPLICABLE, "无义务教育阶段子女"))
    elif out_of_school:
        checks.append(
            Check(
                "education",
                "就学有保障",
                NOT_MET,
                f"义务教育年龄未在学：{'、'.join(map(str, out_of_school))}",
            )
        )
    else:
        checks.append(Check("education", "就学有保障", MET, f"{len(children)} 名适龄子女均在学"))

    pension = a.get("pension_insurance")
    if pension in (None, ""):
        checks.append(Check("social_security", "社保有保障", UNKNOWN, "未填写养老保险状况"))
    elif pension == "未参保":
        checks.append(Check("social_security", "社保有保障", NOT_MET, "职工未参加养老保险"))
    else:
        checks.append(Check("social_security", "社保有保障", MET, f"养老保险：{pension}"))

    safe = a.get("housing_safe")
    if safe in (None, ""):
        checks.append(Check("housing", "住房有保障", UNKNOWN, "未填写住房安全情况"))
    elif safe == "安全":
        checks.append(Check("housing", "住房有保障", MET, "住房安全"))
    else:
        checks.append(Check("housing", "住房有保障", NOT_MET, f"住房：{safe}"))
    return checks


@dataclass(frozen=True)
class MonthCheck:
    month: str
    per_capita: int | None
    standard: int | None
    above: bool


@dataclass
class ExitAssessment:
    """Whether the income condition of 脱困 holds; 致困因素消除 stays a cadre's judgement."""

    income_condition_met: bool
    consecutive_months: int
    months: list[MonthCheck] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def _month_index(month: str) -> int:
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


def exit_assessment(
    records: Sequence[Mapping[str, Any]],
    population: int | None,
    county: str | None,
    dibao: DibaoLookup,
) -> ExitAssessment:
    """家庭人均收入连续 6 个月超过当地低保标准, counted back from the newest month recorded.

    Each record is a Form B ``monthly_records`` row: month 'YYYY-MM', income and expense in 分
    (household totals for that month). A missing month breaks the run.
    """
    if not population or population <= 0:
        return ExitAssessment(False, 0, reasons=["缺少共同生活人口"])
    if not county:
        return ExitAssessment(False, 0, reasons=["缺少居住地区县，无法确定低保标准"])
    usable = sorted(
        (
            r
            for r in records
            if isinstance(r.get("month"), str) and isinstance(r.get("income"), int)
        ),
        key=lambda r: str(r["month"]),
    )
    if not usable:
        return ExitAssessment(False, 0, reasons=["没有月度收入记录"])
    months: list[MonthCheck] = []
    for r in usable:
        year, mon = str(r["month"]).split("-")
        standard = dibao(county, date(int(year), int(mon), 1))
        raw_expense = r.get("expense")
        expense = raw_expense if isinstance(raw_expense, int) else 0
        per_capita = monthly_per_capita(int(r["income"]) * 12, expense * 12, population)
        above = standard is not None and per_capita is not None and per_capita > standard
        months.append(MonthCheck(str(r["month"]), per_capita, standard, above))
    run = 0
    previous: int | None = None
    for check in reversed(months):
        index = _month_index(check.month)
        if not check.above or (previous is not None and index != previous - 1):
            break
        run += 1
        previous = index
    met = run >= EXIT_MONTHS
    reasons = []
    if met:
        reasons.append(f"最近连续 {run} 个月人均收入超过当地低保标准（截至 {months[-1].month}）")
        reasons.append("另须核实致困因素已消除")
    else:
        reasons.append(f"最近连续超过低保标准仅 {run} 个月，需连续 {EXIT_MONTHS} 个月")
        if any(m.standard is None for m in months):
            reasons.append("部分月份缺少当地低保标准")
    return ExitAssessment(met, run, months, reasons)


def assess_household(values: Values, dibao: DibaoLookup, on: date) -> dict[str, Any]:
    """Both rules for one household, shaped for the CLI's --json and the GUI."""
    a, b = values.get("A") or {}, values.get("B") or {}
    population = b.get("population") if isinstance(b.get("population"), int) else None
    exit_ = exit_assessment(
        b.get("monthly_records") or [], population, a.get("residence_region"), dibao
    )
    return {
        "guarantees": [c.__dict__ for c in guarantee_checks(values, on)],
        "exit": {
            "income_condition_met": exit_.income_condition_met,
            "consecutive_months": exit_.consecutive_months,
            "reasons": exit_.reasons,
            "months": [m.__dict__ for m in exit_.months],
        },
    }
